"""Cart handoff short links: creation, lookup and scan recording.

Helpers for the landing page (kiosk/central/landing.py, ``GET /h/{code}``):

* ``engine_of(request)`` - the app's SQLAlchemy engine.
* ``settings_of(request)`` - the app's ``Settings`` (``public_url`` etc.).
* ``get_handoff(engine, code)`` -> ``HandoffView | None`` - the handoff with
  its items; ``HandoffView.expired`` says whether it may still be used. The
  code is normalised first (case, ``O``/``I``/``L`` typed for ``0``/``1``,
  spaces and dashes), so a code typed from the screen finds its handoff.
* ``record_scan(engine, code)`` -> ``bool`` - count one opening of the link
  (call it for known codes, expired or not; returns False for unknown ones).
* ``scan_count(engine, code)`` -> ``int``.

Codes are 7 characters of Crockford's base32 (no I, L, O, U): 34 bits, so
guessing a live code is hopeless at any request rate the service answers,
and the short URL keeps the QR code small. Nothing personal is stored: only
what was in the cart and the store's checkout URL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from kiosk.central.db import write_tx
from kiosk.central.models import Handoff, HandoffScan
from kiosk.models import utcnow

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
CODE_LENGTH = 7
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


@dataclass(frozen=True)
class HandoffView:
    """A stored handoff as the landing page shows it.

    ``items`` entries have at least ``name``, ``variant_title``, ``qty``,
    ``unit_price`` (decimal string), ``unit_price_minor``, ``line_total_minor``
    and ``image`` (an http(s) URL or ``""``).
    """

    code: str
    store_id: str
    items: list[dict[str, Any]]
    total_minor: int
    currency: str
    checkout_url: str
    created_at: datetime
    expires_at: datetime

    @property
    def expired(self) -> bool:
        """Whether the link is past its expiry."""
        return utcnow() >= self.expires_at


def new_code() -> str:
    """A random short code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """A code as typed by a person, in its stored form (may still be unknown)."""
    return code.strip().upper().replace("-", "").replace(" ", "").translate(_TYPO)


def create_handoff(engine: Engine, store_id: str, items: list[dict[str, Any]], total_minor: int, currency: str,
                   checkout_url: str, ttl_s: int) -> HandoffView:
    """Store a handoff under a fresh code (retrying on the rare collision)."""
    now = utcnow()
    expires = now + timedelta(seconds=ttl_s)
    for _ in range(8):
        code = new_code()
        try:
            with write_tx(engine) as conn:
                conn.execute(insert(Handoff).values(code=code, store_id=store_id, items=items,
                                                    total_minor=total_minor, currency=currency,
                                                    checkout_url=checkout_url, created_at=now, expires_at=expires))
        except IntegrityError:
            continue
        return HandoffView(code, store_id, items, total_minor, currency, checkout_url, now, expires)
    raise RuntimeError("could not find a free handoff code")


def _get(conn: Connection, code: str) -> HandoffView | None:
    row = conn.execute(select(Handoff).where(Handoff.code == normalise_code(code))).first()
    if row is None:
        return None
    h = row  # a Core row: the columns of handoffs by name
    return HandoffView(h.code, h.store_id, list(h.items), int(h.total_minor), h.currency, h.checkout_url,
                       h.created_at, h.expires_at)


def get_handoff(engine: Engine, code: str) -> HandoffView | None:
    """The handoff of a code (normalised), or ``None`` if unknown."""
    if len(code) > 32:
        return None
    with engine.connect() as conn:
        return _get(conn, code)


def record_scan(engine: Engine, code: str) -> bool:
    """Record one opening of a handoff link; False if the code is unknown."""
    c = normalise_code(code)
    if len(c) > 16:
        return False
    with write_tx(engine) as conn:
        if conn.execute(select(Handoff.code).where(Handoff.code == c)).first() is None:
            return False
        conn.execute(insert(HandoffScan).values(code=c, at=utcnow()))
    return True


def scan_count(engine: Engine, code: str) -> int:
    """How many times a handoff link was opened."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(HandoffScan)
                                .where(HandoffScan.code == normalise_code(code))).scalar_one())


def engine_of(request: Request) -> Engine:
    """The central database engine of the running app (for routers like the landing page)."""
    return request.app.state.engine


def settings_of(request: Request) -> Any:
    """The ``kiosk.central.settings.Settings`` of the running app."""
    return request.app.state.settings


def public_base(request: Request) -> str:
    """The public base URL: the configured one, else this request's scheme and host."""
    configured = request.app.state.settings.public_url
    if configured:
        return configured
    return str(request.base_url).rstrip("/")
