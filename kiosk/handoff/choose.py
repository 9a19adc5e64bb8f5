"""Decide, at the moment the customer asks, which URL goes into the QR code.

The short link when the central service answers (a small code, and the scan
is counted), else the platform permalink built locally, so a handoff works
with the network down. Lines the online shop cannot take (no platform id)
are reported back so the screen can name them instead of dropping them.

``choose_handoff`` blocks on HTTP: call it from a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.cart import CartLine
from kiosk.config import Config, HandoffConfig
from kiosk.handoff.client import CentralUnavailable, HandoffTicket, handoff_payload, post_handoff
from kiosk.handoff.qr import MAX_SHORT_LINK_BYTES
from kiosk.handoff.urls import (
    HandoffError,
    item_fields,
    kiosk_attribution,
    shopify_cart_url,
    template_fields,
    template_url,
    woocommerce_checkout_url,
)

log = logging.getLogger(__name__)

PLATFORMS = ("shopify", "woocommerce", "template")
TARGETS = (*PLATFORMS, "central")


@dataclass(frozen=True, slots=True)
class HandoffPlan:
    """The URL to show and what the customer should know about it."""

    url: str
    #: What the URL is: ``"central"`` (short link) or a platform name.
    kind: str
    #: The online shop's platform behind the URL.
    platform: str
    #: Lines that reach the online cart.
    carried: tuple[CartLine, ...]
    #: Lines the online shop cannot take (no platform id): shown, not dropped.
    missing: tuple[CartLine, ...] = ()
    #: Short code to type in, for the central short link; else empty.
    code: str = ""
    expires_at: datetime | None = None
    #: Why the short link was not used (empty when it was, or not wanted).
    fallback_reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_short_link(self) -> bool:
        """True when the URL is the central service's short link."""
        return self.kind == "central"


def platform_of(cfg: HandoffConfig, target: str | None = None) -> str:
    """The platform whose permalink a target builds (central uses ``cfg.platform``)."""
    t = target or cfg.target
    return cfg.platform if t == "central" else t


def _has_platform_id(line: CartLine, platform: str, cfg: HandoffConfig) -> bool:
    if platform == "shopify":
        return bool(line.platform_variant_id)
    if platform == "woocommerce":
        return bool(line.platform_variant_id or line.platform_product_id)
    fields = item_fields(line)
    return all(fields[name] for name in template_fields(cfg.item_format) if name != "qty")


def split_lines(lines: Sequence[CartLine], platform: str, cfg: HandoffConfig) -> tuple[list[CartLine], list[CartLine]]:
    """Split cart lines into those the platform can take and those it cannot."""
    carried = [ln for ln in lines if _has_platform_id(ln, platform, cfg)]
    missing = [ln for ln in lines if not _has_platform_id(ln, platform, cfg)]
    return carried, missing


def build_permalink(lines: Sequence[CartLine], cfg: HandoffConfig, store_id: str, platform: str) -> str:
    """The platform permalink for lines that all have platform ids.

    Raises:
        HandoffError: Empty list or bad configuration.
    """
    attribution = kiosk_attribution(cfg.ref, cfg.utm, store_id)
    if platform == "shopify":
        return shopify_cart_url(cfg.shop_domain, [(ln.platform_variant_id, ln.qty) for ln in lines],
                                discount=cfg.discount, attribution=attribution)
    if platform == "woocommerce":
        # A WooCommerce variation has its own id; a simple product has only
        # the product id.
        items = [(ln.platform_variant_id or ln.platform_product_id, ln.qty) for ln in lines]
        return woocommerce_checkout_url(cfg.shop_domain, items, coupon=cfg.discount, attribution=attribution)
    if platform == "template":
        return template_url(cfg.url_template, [item_fields(ln) for ln in lines], item_format=cfg.item_format,
                            separator=cfg.item_separator, store=store_id, discount=cfg.discount, ref=cfg.ref)
    raise HandoffError(f"unknown platform {platform!r}; expected one of {', '.join(PLATFORMS)}")


def central_base(config: Config) -> str:
    """The central service URL for handoffs: ``[handoff] central_url`` or ``[sync] url``."""
    return config.handoff.central_url or config.sync.url


Poster = Callable[..., HandoffTicket]


def choose_handoff(
    lines: Sequence[CartLine],
    config: Config,
    *,
    target: str | None = None,
    poster: Poster = post_handoff,
) -> HandoffPlan:
    """Pick the handoff URL for a cart. Blocks on HTTP for target ``central``.

    Args:
        lines: The cart's lines, in cart order.
        config: The kiosk configuration (``[handoff]``, ``[store]``, ``[sync]``).
        target: Override of ``config.handoff.target``.
        poster: The function that posts to the central service (tests and the
            CLI pass their own session/timeout through it).

    Returns:
        The plan: the short link if the central service answered, else the
        platform permalink.

    Raises:
        HandoffError: The cart is empty, or no line can be bought online and
            there is no central service to show them, or the configuration
            cannot build a URL.
    """
    hc = config.handoff
    t = target or hc.target
    if t not in TARGETS:
        raise HandoffError(f"unknown target {t!r}; expected one of {', '.join(TARGETS)}")
    if not lines:
        raise HandoffError("the cart is empty: nothing to hand off")
    platform = platform_of(hc, t)
    carried, missing = split_lines(lines, platform, hc)
    permalink = build_permalink(carried, hc, config.store.store_id, platform) if carried else ""
    reason = ""
    if t == "central":
        base = central_base(config)
        try:
            ticket = poster(base, config.store.store_id,
                            handoff_payload(lines, lines[0].currency, permalink),
                            token=config.sync.token, timeout_s=hc.central_timeout_s)
        except CentralUnavailable as exc:
            reason = str(exc)
            log.warning("handoff short link unavailable, using the %s permalink: %s", platform, reason)
        else:
            if len(ticket.url.encode()) > MAX_SHORT_LINK_BYTES:
                log.warning("short link %r is over %d bytes: the QR code will be larger than version 4; "
                            "use a shorter public URL for the central service", ticket.url, MAX_SHORT_LINK_BYTES)
            return HandoffPlan(url=ticket.url, kind="central", platform=platform, carried=tuple(carried),
                               missing=tuple(missing), code=ticket.code, expires_at=ticket.expires_at)
    if not carried:
        raise HandoffError("none of these items can be ordered online; please ask a member of staff")
    return HandoffPlan(url=permalink, kind=platform, platform=platform, carried=tuple(carried),
                       missing=tuple(missing), fallback_reason=reason)
