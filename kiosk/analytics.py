"""Local analytics events: what customers looked for and did not find.

Events are written to the local database at once (the kiosk may be offline)
and uploaded in batches by the sync worker, each with a unique id so a
retried upload is counted once centrally.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, func, insert, select

from kiosk.models import Event, utcnow

SEARCH_NO_RESULTS = "search_no_results"
UNKNOWN_BARCODE = "unknown_barcode"
HELP_REQUEST = "help_request"
ADD_TO_CART = "add_to_cart"
HANDOFF = "handoff"
SESSION_START = "session_start"
PRODUCT_VIEW = "product_view"

# Payload strings are customer input; keep them bounded.
MAX_TEXT = 200


def _clean(payload: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, str):
            value = value[:MAX_TEXT]
        out[str(key)[:40]] = value
    return out


def record_event(engine: Engine, kind: str, payload: Mapping[str, Any] | None = None) -> str:
    """Record one analytics event locally.

    Args:
        engine: The kiosk database.
        kind: One of the module's event kinds, e.g. ``SEARCH_NO_RESULTS``.
        payload: Small JSON-able details (strings are cut to 200 characters).

    Returns:
        The event's unique id.
    """
    uid = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            insert(Event).values(uid=uid, kind=kind, payload=_clean(payload or {}), created_at=utcnow())
        )
    return uid


def top_unmet_searches(engine: Engine, limit: int = 20) -> list[tuple[str, int]]:
    """What customers searched for or scanned and did not find, most frequent first."""
    term = func.lower(func.trim(func.json_extract(Event.payload, "$.query")))
    stmt = (
        select(term.label("term"), func.count().label("n"))
        .where(Event.kind.in_([SEARCH_NO_RESULTS, UNKNOWN_BARCODE]))
        .group_by(term)
        .order_by(func.count().desc(), term)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [(row.term, row.n) for row in conn.execute(stmt) if row.term]
