"""Uploading locally recorded analytics events to the central service.

Events are written locally first (the kiosk may be offline) and uploaded in
batches, oldest first. Each batch carries an ``Idempotency-Key`` derived
from the uids it holds, so a batch retried after a lost answer (or after a
crash before the kiosk marked it) is counted once centrally.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import Engine, select, update

from kiosk.models import Event, utcnow
from kiosk.sync.client import CentralClient

log = logging.getLogger(__name__)

BATCH_SIZE = 500


def batch_key(uids: list[str]) -> str:
    """The idempotency key of a batch: stable for the same events."""
    return hashlib.sha256("\n".join(uids).encode("utf-8")).hexdigest()


def upload_events(engine: Engine, client: CentralClient, *, batch_size: int = BATCH_SIZE,
                  max_batches: int = 20) -> int:
    """Upload un-uploaded events in batches; mark each batch once accepted.

    Args:
        engine: The kiosk database.
        client: The central service client.
        batch_size: Events per request.
        max_batches: Upper bound per call, so a long offline backlog does not
            hold up the next catalog poll.

    Returns:
        How many events were uploaded.

    Raises:
        SyncError: The upload failed; the batch stays un-uploaded.
    """
    total = 0
    for _ in range(max_batches):
        with engine.connect() as conn:
            rows = conn.execute(select(Event.id, Event.uid, Event.kind, Event.payload, Event.created_at)
                                .where(Event.uploaded_at.is_(None)).order_by(Event.id).limit(batch_size)).all()
        if not rows:
            break
        events = [{"uid": r.uid, "kind": r.kind, "payload": r.payload or {},
                   "at": r.created_at.isoformat().replace("+00:00", "Z")} for r in rows]
        client.post_events(events, batch_key([r.uid for r in rows]))
        ids = [r.id for r in rows]
        with engine.begin() as conn:
            conn.execute(update(Event).where(Event.id.in_(ids)).values(uploaded_at=utcnow()))
        total += len(rows)
        if len(rows) < batch_size:
            break
    if total:
        log.info("sync: uploaded %d analytics events", total)
    return total
