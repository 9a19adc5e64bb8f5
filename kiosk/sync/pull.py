"""One sync: fetch the changes feed page by page, stage, apply atomically.

``sync_once`` is what both ``kiosk sync`` and the background worker run. It
never leaves the catalog half-updated: pages are staged durably (see
:mod:`kiosk.sync.staging`) and applied in one transaction with the cursor
(see :mod:`kiosk.sync.apply`). Any failure before the commit changes nothing
in the catalog; staged pages survive so the next attempt continues where the
last one stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from kiosk.models import SyncState, utcnow
from kiosk.sync.apply import ApplyResult, CursorMovedError, apply_staged
from kiosk.sync.client import CentralClient, HTTPStatusError, ResponseError
from kiosk.sync.staging import StagedPosition, Staging

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 1000
#: A 304 ("nothing changed") refreshes the stored last-success time at most
#: this often, so an idle kiosk polling every few minutes does not write to
#: its database on every poll, yet staleness survives a restart.
SUCCESS_WRITE_INTERVAL = timedelta(minutes=30)



@dataclass
class Progress:
    """Where a running sync stands (passed to the progress callback)."""

    pages: int
    staged: int
    first_seq: int  # the sequence the sync started after (-1: unknown)
    last_seq: int  # the newest staged sequence (-1: none yet)
    checkpoint: int | None  # the feed's head sequence, if it says


ProgressFn = Callable[[Progress], None]


@dataclass
class SyncResult:
    """The outcome of one successful sync."""

    not_modified: bool = False
    pages: int = 0
    staged: int = 0
    resumed: bool = False
    cursor: str = ""
    applied: ApplyResult = field(default_factory=ApplyResult)

    @property
    def changed(self) -> bool:
        """Whether the catalog changed."""
        return self.applied.changed


def db_path_of(engine: Engine) -> Path:
    """The file of a SQLite engine."""
    name = engine.url.database
    if not name or name == ":memory:":
        raise ValueError("sync needs a file database")
    return Path(name)


def _as_cursor(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ResponseError(f"changes page: cursor must be a string or integer, got {type(value).__name__}")
    text = str(value)
    if len(text) > 64:
        raise ResponseError("changes page: cursor longer than 64 characters")
    return text


def validate_page(data: Any, last_seq: int) -> tuple[list[dict[str, Any]], str, bool, str]:
    """Check a changes page's shape; return ``(changes, next, more, checkpoint)``.

    The envelope must be right (a server that lies about it is not trusted
    with anything); a product object that is wrong is a per-record problem
    and is rejected at apply time instead.

    Raises:
        ResponseError: The page is not a well-formed changes page.
    """
    if not isinstance(data, dict):
        raise ResponseError("changes page: not a JSON object")
    changes = data.get("changes")
    if not isinstance(changes, list):
        raise ResponseError("changes page: 'changes' is not a list")
    if "next" not in data or not isinstance(data.get("more"), bool):
        raise ResponseError("changes page: 'next' or 'more' missing")
    nxt = _as_cursor(data["next"])
    checkpoint = data.get("checkpoint")
    checkpoint_s = "" if checkpoint is None else _as_cursor(checkpoint)
    out: list[dict[str, Any]] = []
    prev = last_seq
    for i, ch in enumerate(changes):
        if not isinstance(ch, dict):
            raise ResponseError(f"changes page: change #{i} is not an object")
        seq, op, pid = ch.get("seq"), ch.get("op"), ch.get("product_id")
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise ResponseError(f"changes page: change #{i} has no integer seq")
        if seq <= prev:
            raise ResponseError(f"changes page: seq {seq} does not increase (after {prev})")
        if op not in ("upsert", "delete"):
            raise ResponseError(f"changes page: change seq {seq} has unknown op {op!r}")
        if not isinstance(pid, str) or not pid or len(pid) > 128:
            raise ResponseError(f"changes page: change seq {seq} has no valid product_id")
        prev = seq
        out.append({"seq": seq, "op": op, "product_id": pid,
                    "product": ch.get("product") if op == "upsert" else None})
    return out, nxt, data["more"], checkpoint_s


def _read_state(engine: Engine, store_id: str) -> tuple[str, str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(SyncState.cursor, SyncState.etag, SyncState.last_success_at)
                           .where(SyncState.store_id == store_id)).first()
    return (row.cursor, row.etag, row.last_success_at) if row else ("", "", None)


def _note_unchanged(engine: Engine, store_id: str, last_success: Any) -> None:
    now = utcnow()
    if last_success is not None and now - last_success < SUCCESS_WRITE_INTERVAL:
        return
    with engine.begin() as conn:
        conn.execute(update(SyncState).where(SyncState.store_id == store_id)
                     .values(last_success_at=now, last_error=""))


def sync_once(engine: Engine, client: CentralClient, *, page_size: int = DEFAULT_PAGE_SIZE,
              progress: ProgressFn | None = None, on_apply_start: Callable[[], None] | None = None,
              max_pages: int | None = None) -> SyncResult:
    """Bring the local catalog up to the central feed's head.

    Args:
        engine: The kiosk database (a file).
        client: The central service client (its store is the one synced).
        page_size: Changes per request.
        progress: Called with a :class:`Progress` after each staged page.
        on_apply_start: Called when the apply transaction holds the write lock.
        max_pages: Stop after this many pages without applying (tests and
            benchmarks use it to simulate an interrupted sync).

    Returns:
        What happened.

    Raises:
        SyncError: Transport or response problems (nothing applied).
        SyncBusyError: Another sync of this database is running.
    """
    store = client.store_id
    result = SyncResult()
    with Staging(db_path_of(engine)) as staging:
        cursor, etag, last_success = _read_state(engine, store)
        pos = staging.position(store)
        started = False  # whether this sync has written to the staging file
        if pos is not None and pos.base_cursor == cursor:
            result.resumed = started = True
            result.staged = staging.count()
            log.info("sync: resuming from staged cursor %s (%d changes staged)", pos.next_cursor, result.staged)
        else:
            if pos is not None:
                staging.clear()  # stale: another process applied meanwhile
            # Nothing is written to the staging file until a page arrives, so
            # an unchanged poll writes nothing anywhere.
            pos = StagedPosition(cursor, cursor, -1, "", 0, False)
        since, last_seq, full = pos.next_cursor, pos.last_seq, pos.full
        # The reference server's cursors are sequence numbers ("" = from 0);
        # other cursors just give a progress bar without a total.
        first_seq = int(since) if since.isdigit() else (0 if since == "" else -1)
        final_etag = ""
        while True:
            # Only a request for the committed cursor can be answered with
            # 304; a resumed or continued request must fetch its page.
            use_etag = etag if (since == cursor and not result.resumed and result.pages == 0) else ""
            try:
                resp = client.get_changes(since, page_size, etag=use_etag)
            except HTTPStatusError as exc:
                if exc.status != 410 or full:
                    raise
                # The server no longer knows our cursor (its database was
                # rebuilt or restored): fetch everything and let the apply
                # drop what the feed no longer has.
                log.warning("sync: server refused cursor %r (410); resynchronising from scratch", since)
                staging.start(store, cursor, full=True)
                started = True
                since, last_seq, full, first_seq = "", -1, True, 0
                result.pages = result.staged = 0
                continue
            if resp.status == 304:
                _note_unchanged(engine, store, last_success)
                result.not_modified = True
                result.cursor = cursor
                return result
            changes, nxt, more, checkpoint = validate_page(resp.data, last_seq)
            if more and nxt == since and not changes:
                raise ResponseError("changes page: 'more' is true but the cursor did not advance")
            if not started:
                staging.start(store, cursor, full=full)
                started = True
            staging.add_page(store, changes, nxt, checkpoint, resp.raw)
            result.pages += 1
            result.staged += len(changes)
            if changes:
                last_seq = changes[-1]["seq"]
            if progress is not None:
                progress(Progress(result.pages, result.staged, first_seq, last_seq,
                                  int(checkpoint) if checkpoint.isdigit() else None))
            requested, since = since, nxt
            if not more:
                # The ETag names the request (its cursor): it can only match a
                # later poll if that poll asks for the same cursor.
                final_etag = resp.etag if requested == nxt else ""
                break
            if max_pages is not None and result.pages >= max_pages:
                result.cursor = cursor
                return result
        if result.staged == 0 and since == cursor and final_etag == etag and not full:
            # Nothing new and nothing to remember: no write to the database.
            staging.discard()
            _note_unchanged(engine, store, last_success)
            result.cursor = cursor
            return result
        try:
            result.applied = apply_staged(engine, staging, store, cursor, since, final_etag, full=full,
                                          on_apply_start=on_apply_start)
        except CursorMovedError:
            staging.clear()
            raise
        staging.discard()
        result.cursor = since
        return result


def record_failure(engine: Engine, store_id: str, message: str) -> None:
    """Remember a failed sync attempt in ``sync_state`` (best effort)."""
    now = utcnow()
    try:
        with engine.begin() as conn:
            res = conn.execute(update(SyncState).where(SyncState.store_id == store_id).values(
                last_attempt_at=now, last_error=message[:2000], last_error_at=now))
            if res.rowcount == 0:
                conn.execute(SyncState.__table__.insert().values(
                    store_id=store_id, cursor="", etag="", last_attempt_at=now, last_error=message[:2000],
                    last_error_at=now, counts={}))
    except Exception:  # noqa: BLE001 - a full or locked disk must not hide the sync error itself
        log.exception("sync: could not record the failure")
