"""Durable staging of a sync's changes before they are applied.

Pages fetched from the changes feed are written to a small SQLite file beside
the kiosk database (``<db>-sync-staging``), never into the catalog. Only when
the feed says nothing more remains are the staged changes applied to the
catalog, in one transaction together with the new cursor.

The staging file remembers the cursor it started from (``base_cursor``). If the
sync is interrupted (server gone, process killed) the next sync continues from
the last staged page as long as the catalog's committed cursor still equals
``base_cursor``; otherwise (another process applied meanwhile, or the apply
committed but the staging file was not cleared yet) the stale staging is
discarded and the sync starts again from the committed cursor.

Only one sync may run per database: an exclusive ``flock`` on
``<db>-sync.lock`` guards it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    store_id TEXT PRIMARY KEY,
    base_cursor TEXT NOT NULL,
    next_cursor TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    checkpoint TEXT NOT NULL DEFAULT '',
    pages INTEGER NOT NULL DEFAULT 0,
    full INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS pages (
    no INTEGER PRIMARY KEY,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY,
    op TEXT NOT NULL,
    product_id TEXT NOT NULL,
    page INTEGER NOT NULL,
    idx INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_product ON changes (product_id, seq);
"""
#: Bumped when the staging layout changes; an older file is simply discarded.
_LAYOUT = 2


class SyncBusyError(RuntimeError):
    """Another sync of the same database is running."""


@dataclass
class StagedPosition:
    """Where a staged, not yet applied sync stands."""

    base_cursor: str
    next_cursor: str
    last_seq: int
    checkpoint: str
    pages: int
    full: bool = False


class Staging:
    """The staging file of one kiosk database.

    Args:
        db_path: The kiosk database; the staging and lock files sit beside it.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = Path(f"{db_path}-sync-staging")
        self.lock_path = Path(f"{db_path}-sync.lock")
        self._conn: sqlite3.Connection | None = None
        self._lock_fd: int | None = None

    # -- lifetime ---------------------------------------------------------------------------

    def acquire(self) -> None:
        """Take the per-database sync lock.

        The staging file itself is opened (and created) only when a sync
        has something to stage, so an unchanged poll writes nothing.

        Raises:
            SyncBusyError: Another process or thread is syncing this database.
        """
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SyncBusyError("another sync of this database is running") from None
        self._lock_fd = fd

    def _connect(self) -> sqlite3.Connection:
        try:
            return self._open()
        except sqlite3.DatabaseError as exc:
            # A staging file damaged by a power cut only costs a re-download.
            log.warning("staging file %s unreadable (%s); starting afresh", self.path, exc)
            self._remove_files()
            return self._open()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
            layout = conn.execute("PRAGMA user_version").fetchone()[0]
            if layout not in (0, _LAYOUT):
                raise sqlite3.DatabaseError(f"staging layout {layout}, expected {_LAYOUT}")
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version={_LAYOUT}")
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}{suffix}")

    def discard(self) -> None:
        """Close and delete the staging file (after an apply), keeping the lock.

        A full sync stages the whole catalog; deleting the file gives that
        disk space back at once.
        """
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._remove_files()

    def release(self) -> None:
        """Close the staging file and drop the lock."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Staging:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @property
    def conn(self) -> sqlite3.Connection:
        """The staging database (opened, and created, on first use)."""
        if self._lock_fd is None:
            raise RuntimeError("staging not acquired")
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    # -- state ------------------------------------------------------------------------------

    def position(self, store_id: str) -> StagedPosition | None:
        """The staged sync of ``store_id``, if one is pending."""
        if self._conn is None and not self.path.exists():
            return None
        row = self.conn.execute(
            "SELECT base_cursor, next_cursor, last_seq, checkpoint, pages, full FROM meta WHERE store_id = ?",
            (store_id,)).fetchone()
        return StagedPosition(*row[:5], full=bool(row[5])) if row else None

    def clear(self) -> None:
        """Forget everything staged."""
        if self._conn is None and not self.path.exists():
            return
        with self._tx() as c:
            c.execute("DELETE FROM meta")
            c.execute("DELETE FROM changes")
            c.execute("DELETE FROM pages")

    def start(self, store_id: str, base_cursor: str, *, full: bool = False) -> StagedPosition:
        """Begin staging a new sync from ``base_cursor`` (dropping any other).

        Args:
            store_id: The store.
            base_cursor: The committed cursor the sync starts from.
            full: Fetch the whole feed from the start (the server refused
                ``base_cursor``); the apply then removes what it no longer names.
        """
        start = "" if full else base_cursor
        with self._tx() as c:
            c.execute("DELETE FROM meta")
            c.execute("DELETE FROM changes")
            c.execute("DELETE FROM pages")
            c.execute("INSERT INTO meta (store_id, base_cursor, next_cursor, last_seq, full) VALUES (?, ?, ?, -1, ?)",
                      (store_id, base_cursor, start, int(full)))
        return StagedPosition(base_cursor, start, -1, "", 0, full)

    def add_page(self, store_id: str, changes: list[dict[str, Any]], next_cursor: str, checkpoint: str,
                 body: bytes) -> None:
        """Durably stage one validated page and advance the staged cursor.

        The page is kept as received (``body``, whose ``changes`` list is the
        validated ``changes`` in the same order) plus one small index row per
        change; products are decoded again only when applied. The page and
        the position commit together, so a crash never stages half a page or
        skips one.
        """
        last_seq = max((c["seq"] for c in changes), default=None)
        with self._tx() as c:
            page_no = c.execute("INSERT INTO pages (body) VALUES (?)", (body,)).lastrowid
            c.executemany("INSERT OR REPLACE INTO changes (seq, op, product_id, page, idx) VALUES (?, ?, ?, ?, ?)",
                          [(ch["seq"], ch["op"], ch["product_id"], page_no, i) for i, ch in enumerate(changes)])
            if last_seq is None:
                c.execute("UPDATE meta SET next_cursor = ?, checkpoint = ?, pages = pages + 1 WHERE store_id = ?",
                          (next_cursor, checkpoint, store_id))
            else:
                c.execute("UPDATE meta SET next_cursor = ?, checkpoint = ?, pages = pages + 1, "
                          "last_seq = max(last_seq, ?) WHERE store_id = ?",
                          (next_cursor, checkpoint, last_seq, store_id))

    def count(self) -> int:
        """Number of staged change rows."""
        return int(self.conn.execute("SELECT count(*) FROM changes").fetchone()[0])

    def iter_final(self, batch: int = 500) -> Iterator[list[tuple[int, str, str, Any]]]:
        """The net effect of the staged changes, in feed order, in batches.

        A product changed several times during one sync appears once, with its
        last change. Each batch is a list of ``(seq, op, product_id,
        product-or-None)``; ``product`` is the parsed JSON value. Sequences
        grow page after page, so each staged page is decoded once.
        """
        cur = self.conn.execute(
            "SELECT seq, op, product_id, page, idx FROM changes AS c "
            "WHERE seq = (SELECT max(seq) FROM changes WHERE product_id = c.product_id) ORDER BY seq")
        page_no, page_changes = None, []
        while True:
            rows = cur.fetchmany(batch)
            if not rows:
                return
            out: list[tuple[int, str, str, Any]] = []
            for seq, op, pid, page, idx in rows:
                if op != "upsert":
                    out.append((seq, op, pid, None))
                    continue
                if page != page_no:
                    body = self.conn.execute("SELECT body FROM pages WHERE no = ?", (page,)).fetchone()[0]
                    page_no, page_changes = page, json.loads(body)["changes"]
                out.append((seq, op, pid, page_changes[idx].get("product")))
            yield out

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")
