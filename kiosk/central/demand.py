"""Unmet demand: what customers looked for at the chain's kiosks and did not find.

Kiosks record a search that found nothing (once the customer stopped
typing) and a scanned barcode the catalog does not know, then upload them
as events (kiosk/analytics.py, kiosk/sync/events.py). This module turns
those events into the report a merchandiser reads: one row per term, the
same term counted together however it was typed (``Sofá``, ``sofa ``,
``SOFA``), with how often it was searched or scanned, in how many stores,
and when last.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select

from kiosk.analytics import SEARCH_NO_RESULTS, UNKNOWN_BARCODE
from kiosk.central.models import EventRow, Store
from kiosk.search.normalize import normalize

#: Longest term kept (kiosks already cut payload strings to 200 characters).
MAX_TERM = 200


@dataclass(frozen=True)
class DemandRow:
    """One thing customers wanted.

    Attributes:
        term: The term as customers typed it most often (lower case, spaces
            tidied; on a tie the first in alphabetical order).
        searches: Searches for it that found nothing.
        scans: Scans of it as an unknown barcode.
        stores: In how many stores.
        last_seen: When it was last searched or scanned (kiosk clock, UTC).
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


def chain_exists(conn: Connection, chain_id: str) -> bool:
    """Whether any store belongs to ``chain_id``."""
    return conn.execute(select(Store.id).where(Store.chain_id == chain_id).limit(1)).first() is not None


def unmet_demand(conn: Connection, chain_id: str, *, store_id: str | None = None, since: datetime | None = None,
                 limit: int = 50) -> list[DemandRow]:
    """The chain's unmet demand, most wanted first.

    Args:
        conn: A connection to the central database.
        chain_id: The chain.
        store_id: Only this store of the chain.
        since: Only events at or after this time.
        limit: At most this many rows.

    Returns:
        Rows ordered by searches + scans, then the most recent first, then
        the term.
    """
    query = (
        select(EventRow.store_id, EventRow.kind, EventRow.at, EventRow.payload["query"].as_string())
        .join(Store, Store.id == EventRow.store_id)
        .where(Store.chain_id == chain_id, EventRow.kind.in_((SEARCH_NO_RESULTS, UNKNOWN_BARCODE)))
    )
    if store_id is not None:
        query = query.where(EventRow.store_id == store_id)
    if since is not None:
        query = query.where(EventRow.at >= since)
    tallies: dict[str, _Tally] = {}
    for store, kind, at, raw in conn.execute(query):
        # The payload is whatever a kiosk sent: only text terms count.
        if not isinstance(raw, str):
            continue
        # Shown as typed but in lower case: "Outdoor heater" and "OUTDOOR
        # HEATER" are one row, and accents stay visible ("sofá bed").
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
        DemandRow(term=min(t.forms.items(), key=lambda kv: (-kv[1], kv[0]))[0], searches=t.searches, scans=t.scans, stores=len(t.stores),
                  last_seen=t.last_seen)
        for t in tallies.values() if t.last_seen is not None
    ]
    rows.sort(key=lambda r: (-r.total, -r.last_seen.timestamp(), r.term))
    return rows[:max(0, limit)]
