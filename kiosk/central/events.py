"""Analytics events uploaded by kiosks, counted once however often retried.

Two guards: the batch's ``Idempotency-Key`` (a retried upload of the same
batch is answered from the first one) and each event's ``uid`` (unique per
store, so an event that reappears in a differently keyed batch is still
counted once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from kiosk.central.models import EventBatch, EventRow
from kiosk.central.sqlutil import insert_ignore
from kiosk.models import utcnow


@dataclass(frozen=True)
class EventIn:
    """One event of a batch."""

    uid: str
    kind: str
    at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class BatchResult:
    """What the service did with a batch."""

    accepted: int  # new events stored by the (first) upload of this batch
    duplicate: bool  # this request was a retry of an already stored batch


def store_batch(conn: Connection, store_id: str, key: str, events: Sequence[EventIn]) -> BatchResult:
    """Store a batch of events once per idempotency key (inside a write transaction)."""
    prior = conn.execute(select(EventBatch.accepted).where(EventBatch.store_id == store_id,
                                                          EventBatch.idempotency_key == key)).scalar()
    if prior is not None:
        return BatchResult(accepted=int(prior), duplicate=True)
    now = utcnow()
    inserted = insert_ignore(conn, EventRow.__table__, [
        {"store_id": store_id, "uid": e.uid, "kind": e.kind, "at": e.at, "payload": e.payload, "received_at": now}
        for e in events
    ])
    # Two concurrent retries of one batch: the key's primary key lets only one in.
    if insert_ignore(conn, EventBatch.__table__, [
        {"store_id": store_id, "idempotency_key": key, "accepted": inserted, "received_at": now}
    ]) == 0:
        prior = conn.execute(select(EventBatch.accepted).where(EventBatch.store_id == store_id,
                                                              EventBatch.idempotency_key == key)).scalar()
        return BatchResult(accepted=int(prior or 0), duplicate=True)
    return BatchResult(accepted=inserted, duplicate=False)


def count_events(conn: Connection, store_id: str, kind: str | None = None) -> int:
    """How many events a store has sent (of one kind)."""
    from sqlalchemy import func

    stmt = select(func.count()).select_from(EventRow).where(EventRow.store_id == store_id)
    if kind is not None:
        stmt = stmt.where(EventRow.kind == kind)
    return int(conn.execute(stmt).scalar_one())
