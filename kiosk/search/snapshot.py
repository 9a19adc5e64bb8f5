"""The built search index saved in the kiosk database, so that a restart loads it instead of building it.

Building the index reads every product and takes ~65 ms for the 362 demo
products and ~1.7 s for a 200,000-variant catalog on the development VM;
loading a saved one takes a few milliseconds and ~0.15 s. The saved copy
lives in the catalog's own database (table ``search_snapshots``), so it
moves, is backed up and is replaced together with the catalog it describes,
and it is used only when both still hold:

* its ``generation`` is the newest ``search_changes.seq`` (that sequence
  never goes back: any catalog write since makes the copy stale);
* its ``format`` is :data:`FORMAT`, a hash of the source files that define
  the index's layout, so a kiosk upgraded to other index code rebuilds.

The copy is a pickle of the index without its query caches, read back with
an unpickler that only accepts the index's own classes and plain
containers: a tampered row can make loading fail (the index is then built
as usual), not run code. Nothing here imports SQLAlchemy.
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import pickle
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.search.inverted import InvertedIndex

log = logging.getLogger(__name__)

_LAYOUT_SOURCES = ("inverted.py", "fuzzy.py", "normalize.py", "loader.py", "snapshot.py")


def _format() -> str:
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _LAYOUT_SOURCES:
        digest.update((here / name).read_bytes())
    return "inverted-" + digest.hexdigest()[:24]


FORMAT = _format()
"""The index layout of the running code (saved copies in another format are ignored)."""

# What a saved index may contain: its own classes and plain containers.
_ALLOWED = {
    ("kiosk.search.inverted", "InvertedIndex"),
    ("kiosk.search.inverted", "Doc"),
    ("kiosk.search.fuzzy", "DeleteIndex"),
    ("collections", "OrderedDict"),
    ("array", "array"),  # the typo dictionary's table (kiosk.search.fuzzy.DeleteIndex)
    ("array", "_array_reconstructor"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
}


class _IndexUnpickler(pickle.Unpickler):
    """Only the classes an index is made of; anything else is refused (see the ``pickle`` docs)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"not part of a search index: {module}.{name}")
        return super().find_class(module, name)


def load_snapshot(conn: sqlite3.Connection, generation: int) -> InvertedIndex | None:
    """The saved index if it is current for ``generation`` and this code, else None.

    Args:
        conn: A connection inside the read transaction the caller builds from.
        generation: The newest ``search_changes.seq`` seen in that transaction.

    Returns:
        The index, ready to search, or None (no copy, a stale or foreign one,
        or one that cannot be read: then the caller builds as usual).
    """
    from kiosk.search.inverted import InvertedIndex

    started = time.perf_counter()
    try:
        row = conn.execute(
            "SELECT data FROM search_snapshots WHERE format = ? AND generation = ?", (FORMAT, generation)
        ).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None  # a database from before snapshots (migrated on the next open_db)
        raise
    if row is None:
        return None
    # Half a million objects and no cycles: the cyclic collector would run
    # over the growing heap again and again while they are made (a quarter
    # of the load time). Paused, and resumed even if loading fails.
    collecting = gc.isenabled()
    gc.disable()
    try:
        index = _IndexUnpickler(io.BytesIO(row[0])).load()
    except Exception as exc:  # noqa: BLE001 - a bad copy is rebuilt, never fatal
        log.warning("saved search index ignored (%s); building it", exc)
        return None
    finally:
        if collecting:
            gc.enable()
    if not isinstance(index, InvertedIndex):
        log.warning("saved search index ignored (not a search index); building it")
        return None
    index.generation = generation  # the row's (the pickle holds none: see dump_snapshot)
    log.info("search index loaded: %d products, %d tokens in %.0f ms",
             index.live_count, len(index.vocab), (time.perf_counter() - started) * 1000)
    return index


def dump_snapshot(index: InvertedIndex) -> tuple[int, bytes]:
    """``(generation, bytes)`` of ``index`` for :func:`save_snapshot` (pickled without its query caches).

    The bytes do not hold the generation: the row they are saved in does
    (:func:`store_snapshot`), so an index can be pickled before the catalog
    change it describes is logged (the import's index builder does).

    The caller holds whatever keeps ``index`` from being patched meanwhile
    (the search engine's lock); writing the bytes needs no such lock.
    """
    return index.generation, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)


def save_snapshot(path: str | Path, generation: int, data: bytes) -> bool:
    """Save a dumped index in the database at ``path`` (replacing any older copy).

    Run off the UI thread. The copy is written only if the catalog is still
    at ``generation``, checked inside the same write transaction.

    Args:
        path: The database file.
        generation: The ``search_changes.seq`` the index was built at.
        data: From :func:`dump_snapshot`.

    Returns:
        True if saved; False if the catalog has moved on (the next start
        builds and saves again) or the table does not exist.
    """
    started = time.perf_counter()
    conn = sqlite3.connect(str(path), timeout=5.0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if current_generation(conn) != generation:
                conn.execute("ROLLBACK")
                return False
            store_snapshot(conn, generation, data)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return False
        raise
    finally:
        conn.close()
    log.info("search index saved: %.1f MB in %.0f ms", len(data) / 1e6, (time.perf_counter() - started) * 1000)
    return True


def current_generation(conn: sqlite3.Connection) -> int:
    """The newest ``search_changes.seq`` (0 when the log is empty): the generation a snapshot must have."""
    return conn.execute("SELECT max(seq) FROM search_changes").fetchone()[0] or 0


def store_snapshot(conn: sqlite3.Connection, generation: int, data: bytes) -> None:
    """Write a dumped index as the database's saved copy, in the caller's write transaction.

    Args:
        conn: A ``sqlite3`` connection inside a write transaction in which
            the catalog is at ``generation`` (see :func:`current_generation`).
        generation: The generation the index describes.
        data: From :func:`dump_snapshot`, made by this version of the code.
    """
    conn.execute("DELETE FROM search_snapshots")
    conn.execute(
        "INSERT INTO search_snapshots (format, generation, data, created_at) VALUES (?, ?, ?, ?)",
        (FORMAT, generation, data, _now_iso()),
    )


def _now_iso() -> str:
    # The format kiosk.models.UTCDateTime stores.
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
