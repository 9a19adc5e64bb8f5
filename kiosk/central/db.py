"""Engines, migrations and transactions of the central database.

SQLite (the default) gets WAL so that pollers read while a publish writes, and
write transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the
busy timeout instead of failing with "database is locked" when both try to
upgrade a read lock. PostgreSQL (psycopg 3) runs writes at READ COMMITTED (the
chain row lock orders them) and feed reads at REPEATABLE READ (one snapshot
for a whole page and its checkpoint).
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from kiosk.db import apply_sqlite_pragmas, upgrade_schema

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 10000

def is_sqlite(engine: Engine | Connection) -> bool:
    """Whether the engine (or connection) talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    apply_sqlite_pragmas(dbapi_conn, BUSY_TIMEOUT_MS)


def _sqlite_begin(conn: Connection) -> None:
    if conn.get_execution_options().get("write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


#: Threads per app process for blocking handlers (anyio's default is 40).
WORKER_THREADS = 16
#: Connections per app process at most: one more than the threads can hold
#: plus slack, so the event loop's own short checkouts (the poll fast path)
#: never wait for a connection held by a thread.
MAX_CONNECTIONS = WORKER_THREADS + 4


def make_engine(url: str, *, pool_size: int = 8, max_connections: int = MAX_CONNECTIONS) -> Engine:
    """An engine for a central database URL.

    Args:
        url: ``sqlite:///file`` or ``postgresql+psycopg://...``.
        pool_size: Connections kept open per process.
        max_connections: Connections opened at most under load.
    """
    overflow = max(0, max_connections - pool_size)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(u, pool_size=pool_size, max_overflow=overflow)
        else:
            engine = create_engine(u)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No pool_pre_ping: it costs a round trip on every checkout, i.e. on
    # every poll. A connection the server dropped fails one request, and
    # SQLAlchemy then discards the whole pool (disconnect detection).
    # Writes: READ COMMITTED (the chain row lock orders writers). Reads go
    # through make_read_engine's pool.
    return create_engine(u, pool_size=pool_size, max_overflow=overflow, pool_recycle=1800)


_snapshot_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def make_read_engine(engine: Engine, *, pool_size: int = 8) -> Engine:
    """An engine for snapshot reads on the same database as ``engine``.

    PostgreSQL: a second pool whose connections are REPEATABLE READ from the
    start, so a feed page and its head come from one snapshot without
    switching the isolation level on every checkout (two round trips per
    request). SQLite: ``engine`` itself (a read transaction in WAL mode is a
    snapshot already).
    """
    if is_sqlite(engine):
        return engine
    overflow = max(0, MAX_CONNECTIONS - pool_size)
    reader = create_engine(engine.url, pool_size=pool_size, max_overflow=overflow, pool_recycle=1800,
                           isolation_level="REPEATABLE READ")
    _snapshot_engines.add(reader)
    return reader


def make_poll_engine(engine: Engine) -> Engine:
    """An engine for the event loop's one-statement reads (the poll fast path).

    PostgreSQL: autocommit, so a poll costs one round trip instead of
    BEGIN + query + ROLLBACK; the event loop runs one at a time, so two
    connections suffice. SQLite: ``engine`` itself (no network).
    """
    if is_sqlite(engine):
        return engine
    return create_engine(engine.url, pool_size=2, max_overflow=2, pool_recycle=1800, isolation_level="AUTOCOMMIT")


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success."""
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read transaction that sees one snapshot throughout."""
    with engine.connect() as conn:
        if not is_sqlite(conn) and engine not in _snapshot_engines:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def migrate(engine: Engine) -> None:
    """Bring the central schema to the newest Alembic revision.

    Run once before starting app processes (``kiosk central serve`` does);
    app workers never migrate, so several can start at once.
    """
    upgrade_schema(engine, MIGRATIONS_DIR)


def open_central_db(url: str, *, migrate_schema: bool = True, pool_size: int = 8) -> Engine:
    """Open (and by default migrate) the central database at ``url``."""
    engine = make_engine(url, pool_size=pool_size)
    if migrate_schema:
        migrate(engine)
    return engine
