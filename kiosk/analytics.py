"""Local analytics events: what customers looked for and did not find.

Events are written to the local database at once (the kiosk may be offline)
and uploaded in batches by the sync worker, each with a unique id so a
retried upload is counted once centrally.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from kiosk.models import Event, utcnow
from kiosk.event_kinds import (  # noqa: F401  (re-exported: callers use analytics.<KIND>)
    ADD_TO_CART,
    HANDOFF,
    HELP_REQUEST,
    PRODUCT_VIEW,
    SEARCH_NO_RESULTS,
    SESSION_START,
    UNKNOWN_BARCODE,
)
from kiosk.search.normalize import normalize

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


#: Longest demand term kept (payload strings are cut to MAX_TEXT already).
MAX_TERM = MAX_TEXT


@dataclass(frozen=True)
class DemandRow:
    """One thing customers looked for and did not find.

    Attributes:
        term: As customers typed it most often, in lower case with spaces
            tidied (on a tie, the first in alphabetical order).
        searches: Searches for it that found nothing.
        scans: Scans of it as an unknown barcode.
        stores: In how many stores.
        last_seen: When it was last searched or scanned (UTC).
    """

    term: str
    searches: int
    scans: int
    stores: int
    last_seen: datetime

    @property
    def total(self) -> int:
        """Searches and scans together."""
        return self.searches + self.scans


@dataclass
class _Tally:
    forms: Counter[str] = field(default_factory=Counter)
    searches: int = 0
    scans: int = 0
    stores: set[str] = field(default_factory=set)
    last_seen: datetime | None = None


def query_of(payload: Any) -> Any:
    """The ``query`` of an event's payload (``None`` when the payload is not an object)."""
    return payload.get("query") if isinstance(payload, dict) else None


def tally_demand(events: Iterable[tuple[str, str, datetime, Any]], limit: int = 50) -> list[DemandRow]:
    """Merge unmet-demand events into one row per term, most wanted first.

    The kiosk's own report and the chain's (kiosk/central/demand.py) both
    count this way, so a term reads the same at the store and upstream:
    ``Sofá bed``, ``sofa  bed`` and ``SOFA BED`` are one row.

    Args:
        events: ``(store_id, kind, at, query)`` of ``SEARCH_NO_RESULTS`` and
            ``UNKNOWN_BARCODE`` events; a query that is not text is skipped
            (the payload is whatever a kiosk sent).
        limit: At most this many rows.

    Returns:
        Rows ordered by searches + scans, then the most recent, then the term.
    """
    tallies: dict[str, _Tally] = {}
    for store, kind, at, raw in events:
        if not isinstance(raw, str):
            continue
        # Shown in lower case as typed, so accents stay visible ("sofá bed").
        form = " ".join(raw.split())[:MAX_TERM].lower()
        if not form:
            continue
        tally = tallies.setdefault(normalize(form), _Tally())
        tally.forms[form] += 1
        if kind == UNKNOWN_BARCODE:
            tally.scans += 1
        else:
            tally.searches += 1
        tally.stores.add(store)
        if tally.last_seen is None or at > tally.last_seen:
            tally.last_seen = at
    rows = [
        DemandRow(term=min(t.forms.items(), key=lambda kv: (-kv[1], kv[0]))[0], searches=t.searches,
                  scans=t.scans, stores=len(t.stores), last_seen=t.last_seen)
        for t in tallies.values() if t.last_seen is not None
    ]
    rows.sort(key=lambda r: (-r.total, -r.last_seen.timestamp(), r.term))
    return rows[:max(0, limit)]


def top_unmet_searches(engine: Engine, limit: int = 20) -> list[tuple[str, int]]:
    """What customers searched for or scanned here and did not find, most frequent first.

    Args:
        engine: The kiosk database.
        limit: At most this many terms.

    Returns:
        ``(term, times)`` pairs, merged as :func:`tally_demand` does.
    """
    stmt = select(Event.kind, Event.created_at, Event.payload).where(
        Event.kind.in_([SEARCH_NO_RESULTS, UNKNOWN_BARCODE]))
    with engine.connect() as conn:
        rows = tally_demand((("", kind, at, query_of(payload)) for kind, at, payload in conn.execute(stmt)), limit)
    return [(r.term, r.total) for r in rows]
