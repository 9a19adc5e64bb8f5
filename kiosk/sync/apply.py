"""Applying staged changes to the catalog: one transaction per checkpoint.

Everything a sync fetched is applied in a single SQLite transaction together
with the new cursor (``sync_state``). With WAL, readers keep seeing the old
catalog until the commit and the whole new one after it; a process killed
mid-apply leaves the old catalog and the old cursor, and the next sync
simply applies again.

A record the kiosk cannot accept (``kiosk.records.parse_product`` raises
``RecordError``, or the database refuses it, e.g. a SKU that clashes with
another product) is rejected on its own: it is logged with the reason, kept
in ``sync_rejects`` for staff and counted, and the rest applies. The kiosk
keeps the last valid version of a rejected product.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, StatementError

from kiosk.models import Product, SyncReject, SyncState, utcnow
from kiosk.sync.client import SyncError
from kiosk.sync.staging import Staging

log = logging.getLogger(__name__)

#: Products per ``upsert_products`` call (one SAVEPOINT each).
APPLY_BATCH = 500
#: Characters of a rejected record kept for staff.
MAX_RAW = 4000


class CursorMovedError(SyncError):
    """The committed cursor is not the one the staged changes start from."""


@dataclass
class Reject:
    """One refused record."""

    seq: int
    product_id: str
    field: str
    reason: str
    raw: str = ""


@dataclass
class ApplyResult:
    """What one apply changed."""

    upserted: int = 0
    deleted: int = 0
    rejected: list[Reject] = field(default_factory=list)
    product_ids: list[str] = field(default_factory=list)
    image_urls: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        """Whether the catalog changed."""
        return bool(self.upserted or self.deleted)

    def counts(self) -> dict[str, int]:
        """Counters stored in ``sync_state.counts``."""
        return {"upserted": self.upserted, "deleted": self.deleted, "rejected": len(self.rejected)}


def image_refs(product: dict[str, Any]) -> set[str]:
    """The downloadable (http/https) image URLs a canonical product names."""
    refs: list[Any] = list(product.get("images") or [])
    for v in product.get("variants") or []:
        if isinstance(v, dict):
            refs.append(v.get("image"))
    return {r for r in refs if isinstance(r, str) and r.startswith(("http://", "https://"))}


def _raw(product: Any) -> str:
    try:
        text = json.dumps(product, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(product)
    return text[:MAX_RAW]


def _record_error_parts(exc: Exception) -> tuple[str, str]:
    fld = getattr(exc, "field", "") or ""
    msg = getattr(exc, "message", "") or str(exc)
    return str(fld), str(msg)


def _parse_batch(batch: list[tuple[int, str, str, Any]], result: ApplyResult
                 ) -> tuple[list[str], list[Any], dict[str, tuple[int, Any]]]:
    from kiosk.records import RecordError, parse_product

    deletes: list[str] = []
    records: list[Any] = []
    sources: dict[str, tuple[int, Any]] = {}
    for seq, op, pid, product in batch:
        if op == "delete":
            deletes.append(pid)
            continue
        if not isinstance(product, dict):
            result.rejected.append(Reject(seq, pid, "product", "upsert without a product object", _raw(product)))
            continue
        try:
            rec = parse_product(product)
        except RecordError as exc:
            fld, msg = _record_error_parts(exc)
            result.rejected.append(Reject(seq, pid, fld, msg, _raw(product)))
            continue
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # parse_product should only raise RecordError; a crash on one odd
            # record must still not stop the others.
            result.rejected.append(Reject(seq, pid, "", f"unreadable record: {exc!r}", _raw(product)))
            continue
        if getattr(rec, "id", pid) != pid:
            result.rejected.append(Reject(seq, pid, "id", f"product id {getattr(rec, 'id', '')!r} does not match "
                                          f"the change's product_id {pid!r}", _raw(product)))
            continue
        records.append(rec)
        sources[pid] = (seq, product)
    return deletes, records, sources


def _upsert_isolating_failures(conn: Connection, records: list[Any], sources: dict[str, tuple[int, Any]],
                               result: ApplyResult) -> list[str]:
    """Upsert ``records``; if the database refuses the batch, find the culprits.

    ``upsert_products`` itself refuses a product whose SKU, barcode or
    variant id belongs to another product; anything else the database
    refuses is found by bisection, each attempt in a SAVEPOINT so a refused
    record rolls back alone. Returns the ids written.
    """
    from kiosk.catalog_store import upsert_products

    try:
        with conn.begin_nested():
            res = upsert_products(conn, records, index=False)
    except (IntegrityError, StatementError, ValueError) as exc:
        if len(records) == 1:
            rec = records[0]
            seq, product = sources[rec.id]
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:500]
            result.rejected.append(Reject(seq, rec.id, "", f"refused by the database: {reason}", _raw(product)))
            return []
        mid = len(records) // 2
        return (_upsert_isolating_failures(conn, records[:mid], sources, result)
                + _upsert_isolating_failures(conn, records[mid:], sources, result))
    for rec, err in res.rejected:
        seq, product = sources[rec.id]
        fld, msg = _record_error_parts(err)
        result.rejected.append(Reject(seq, rec.id, fld, msg, _raw(product)))
    return list(res.written)


def _store_rejects(conn: Connection, store_id: str, result: ApplyResult, applied_ids: list[str]) -> None:
    if applied_ids:
        for i in range(0, len(applied_ids), 500):
            conn.execute(delete(SyncReject).where(SyncReject.store_id == store_id,
                                                  SyncReject.product_id.in_(applied_ids[i:i + 500])))
    if not result.rejected:
        return
    now = utcnow()
    latest: dict[str, Reject] = {r.product_id: r for r in result.rejected}
    ids = list(latest)
    for i in range(0, len(ids), 500):
        conn.execute(delete(SyncReject).where(SyncReject.store_id == store_id,
                                              SyncReject.product_id.in_(ids[i:i + 500])))
    conn.execute(insert(SyncReject), [
        {"store_id": store_id, "product_id": r.product_id, "seq": r.seq, "field": r.field[:100],
         "reason": r.reason, "raw": r.raw, "rejected_at": now} for r in latest.values()])


def lock_sync_state(conn: Connection, store_id: str) -> Any:
    """Take the write lock and return the store's ``sync_state`` row.

    The first statement of the transaction is a write, so SQLite takes the
    write lock before the snapshot: no other writer can slip in between the
    read of the cursor and the commit.
    """
    now = utcnow()
    res = conn.execute(update(SyncState).where(SyncState.store_id == store_id).values(last_attempt_at=now))
    if res.rowcount == 0:
        conn.execute(insert(SyncState).values(store_id=store_id, cursor="", etag="", last_attempt_at=now,
                                              last_error="", counts={}))
    return conn.execute(select(SyncState).where(SyncState.store_id == store_id)).one()


def apply_staged(engine: Engine, staging: Staging, store_id: str, base_cursor: str, new_cursor: str,
                 etag: str = "", *, full: bool = False, on_apply_start: Callable[[], None] | None = None,
                 batch_size: int = APPLY_BATCH) -> ApplyResult:
    """Apply everything staged, and the new cursor, in one transaction.

    Args:
        engine: The kiosk database.
        staging: The acquired staging file holding the sync's changes.
        store_id: The store being synced.
        base_cursor: The cursor the staged changes start from.
        new_cursor: The cursor after the last staged page.
        etag: The feed's ETag to send next time.
        full: The staged changes are the whole catalog (a resync from
            scratch): local products they do not name are deleted.
        on_apply_start: Called once the write lock is held (tests use it to
            kill the process at random moments of the apply).
        batch_size: Products per upsert call.

    Returns:
        What changed.

    Raises:
        CursorMovedError: Someone else applied meanwhile; the staging is stale.
    """
    from kiosk.catalog_store import delete_products
    from kiosk.search.index import update_index

    result = ApplyResult()
    with engine.begin() as conn:
        state = lock_sync_state(conn, store_id)
        if state.cursor != base_cursor:
            raise CursorMovedError(f"cursor moved from {base_cursor!r} to {state.cursor!r} meanwhile")
        if on_apply_start is not None:
            on_apply_start()
        applied_ids: list[str] = []
        for batch in staging.iter_final(batch_size):
            deletes, records, sources = _parse_batch(batch, result)
            if deletes:
                delete_products(conn, deletes, index=False)
                result.deleted += len(deletes)
                applied_ids.extend(deletes)
            if records:
                written = _upsert_isolating_failures(conn, records, sources, result)
                result.upserted += len(written)
                for pid in written:
                    applied_ids.append(pid)
                    result.image_urls |= image_refs(sources[pid][1])
        if full:
            # A full resynchronisation (the server lost our cursor): whatever
            # the feed no longer names is gone, except products refused now
            # (their last valid version stays).
            keep = set(applied_ids) | {r.product_id for r in result.rejected}
            local = [pid for (pid,) in conn.execute(select(Product.id)) if pid not in keep]
            if local:
                delete_products(conn, local, index=False)
                result.deleted += len(local)
                applied_ids.extend(local)
        if applied_ids:
            # Once for the whole apply: the index commits with the data.
            update_index(conn, applied_ids)
        for r in result.rejected:
            log.warning("sync: rejected product %s (seq %s): %s%s", r.product_id, r.seq,
                        f"{r.field}: " if r.field else "", r.reason)
        _store_rejects(conn, store_id, result, applied_ids)
        result.product_ids = applied_ids
        values: dict[str, Any] = {"cursor": new_cursor, "etag": etag, "last_success_at": utcnow(), "last_error": ""}
        if result.changed or result.rejected:
            values["counts"] = result.counts()  # the counts of the last sync that did something
        conn.execute(update(SyncState).where(SyncState.store_id == store_id).values(**values))
    return result
