"""Unmet demand: what customers looked for at the chain's kiosks and did not find.

Kiosks record a search that found nothing (once the customer stopped
typing) and a scanned barcode the catalog does not know, then upload them
as events (kiosk/analytics.py, kiosk/sync/events.py). This module reads
those events for a chain (or one store) and merges them as the kiosk's own
report does (:func:`kiosk.analytics.tally_demand`): one row per term
however it was typed, with how often it was searched or scanned, in how
many stores, and when last.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from kiosk.analytics import SEARCH_NO_RESULTS, UNKNOWN_BARCODE, DemandRow, query_of, tally_demand
from kiosk.central.models import EventRow, Store


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
        select(EventRow.store_id, EventRow.kind, EventRow.at, EventRow.payload)
        .join(Store, Store.id == EventRow.store_id)
        .where(Store.chain_id == chain_id, EventRow.kind.in_((SEARCH_NO_RESULTS, UNKNOWN_BARCODE)))
    )
    if store_id is not None:
        query = query.where(EventRow.store_id == store_id)
    if since is not None:
        query = query.where(EventRow.at >= since)
    # The payload is read whole: extracting "query" in SQL would turn a
    # kiosk's non-text value into JSON text on both SQLite and PostgreSQL.
    return tally_demand(((store, kind, at, query_of(payload)) for store, kind, at, payload in conn.execute(query)),
                        limit)


__all__ = ["DemandRow", "chain_exists", "unmet_demand"]
