"""Post a kiosk cart to the central service and get its short link back.

Called from a worker thread (never the UI thread): it does blocking HTTP with
a short timeout, because a customer is waiting in front of the screen and the
kiosk has a local permalink to fall back on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from kiosk.cart import CartLine
from kiosk.money import to_decimal


class CentralUnavailable(RuntimeError):
    """The central service did not give a usable short link (down, slow, refused)."""


@dataclass(frozen=True, slots=True)
class HandoffTicket:
    """What the central service answered: the short code, its URL and expiry."""

    code: str
    url: str
    expires_at: datetime | None


def _image(line: CartLine) -> str:
    # Only a URL the phone itself can load; ``asset:`` refs live on the kiosk.
    return line.image_url if line.image_url.startswith(("https://", "http://")) else ""


def handoff_payload(lines: Sequence[CartLine], currency: str, checkout_url: str) -> dict[str, Any]:
    """The JSON body of ``POST /v1/stores/{store}/handoffs``.

    Prices are decimal strings as everywhere on the wire; nothing about the
    customer is sent, only what is in the cart.
    """
    return {
        "currency": currency,
        "total": to_decimal(sum(line.total_minor for line in lines), currency),
        "checkout_url": checkout_url,
        "items": [
            {
                "variant_id": line.variant_id,
                "product_id": line.product_id,
                "sku": line.sku,
                "name": line.name,
                "variant_title": line.variant_title,
                "qty": line.qty,
                "unit_price": to_decimal(line.unit_minor, line.currency),
                "line_total": to_decimal(line.total_minor, line.currency),
                "image": _image(line),
                "online": bool(line.platform_variant_id or line.platform_product_id),
            }
            for line in lines
        ],
    }


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def post_handoff(
    base_url: str,
    store_id: str,
    payload: dict[str, Any],
    *,
    token: str = "",
    timeout_s: float = 2.0,
    session: requests.Session | None = None,
) -> HandoffTicket:
    """Create a handoff on the central service.

    Args:
        base_url: The service root, e.g. ``https://central.example``.
        store_id: This kiosk's store.
        payload: From ``handoff_payload``.
        token: Bearer token of the store, if the service wants one.
        timeout_s: Connect and read timeout; kept short on purpose.
        session: Optional ``requests.Session`` to reuse connections.

    Returns:
        The ticket with the short link to encode.

    Raises:
        CentralUnavailable: Network error, timeout, non-2xx answer or an
            answer without a code and an http(s) URL.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CentralUnavailable(f"no central service configured (url {base_url!r})")
    url = f"{base_url.rstrip('/')}/v1/stores/{quote(store_id, safe='')}/handoffs"
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    http = session or requests
    try:
        resp = http.post(url, json=payload, headers=headers, timeout=(timeout_s, timeout_s))
    except requests.RequestException as exc:
        raise CentralUnavailable(f"central service unreachable: {exc.__class__.__name__}") from exc
    if resp.status_code >= 300:
        raise CentralUnavailable(f"central service answered HTTP {resp.status_code}")
    try:
        body = resp.json()
    except ValueError as exc:
        raise CentralUnavailable("central service answered something that is not JSON") from exc
    code = body.get("code") if isinstance(body, dict) else None
    link = body.get("url") if isinstance(body, dict) else None
    if not isinstance(code, str) or not code or not isinstance(link, str) \
            or urlsplit(link).scheme not in ("http", "https"):
        raise CentralUnavailable("central service answer has no code and short link")
    return HandoffTicket(code=code, url=link, expires_at=_parse_time(body.get("expires_at")))
