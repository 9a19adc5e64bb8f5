"""Opening the kiosk's SQLite database: pragmas, migrations, sessions.

Every connection gets WAL, ``synchronous=NORMAL``, a busy timeout and
foreign keys. SQLAlchemy's default pool for file databases keeps one
connection per thread, which is what the threading rule asks for.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 5000

_migrate_lock = threading.Lock()


def apply_sqlite_pragmas(dbapi_conn: sqlite3.Connection, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """Set the house pragmas on a fresh pysqlite connection.

    WAL, ``synchronous=NORMAL``, a busy timeout and foreign keys. Shared by
    the kiosk cache and the central service's SQLite backend.
    """
    # pysqlite's own transaction handling issues BEGIN lazily and breaks
    # SAVEPOINT; let SQLAlchemy emit BEGIN itself (see SQLAlchemy's
    # "Serializable isolation / Savepoints / Transactional DDL" notes).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _set_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    apply_sqlite_pragmas(dbapi_conn)


def _begin(conn: Any) -> None:
    # BEGIN IMMEDIATE would serialise readers behind writers for no gain;
    # a deferred BEGIN is enough with WAL.
    conn.exec_driver_sql("BEGIN")


def make_engine(path: Path | str, *, echo: bool = False) -> Engine:
    """Create an engine on a SQLite file with the kiosk's pragmas.

    Args:
        path: The database file; its directory is created if missing.
        echo: Log SQL statements.

    Returns:
        An engine whose connections have WAL, synchronous=NORMAL,
        busy_timeout and foreign_keys set.
    """
    p = Path(path).expanduser()
    p.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{p}", echo=echo)
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "begin", _begin)
    return engine


def upgrade_schema(engine: Engine, script_location: Path) -> None:
    """Run the Alembic migrations in ``script_location`` up to head on ``engine``.

    Shared by the kiosk cache and the central service (each has its own
    migration tree); the migrations run on the connection passed in, see
    ``run_migrations_env``.
    """
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(script_location))
    with _migrate_lock, engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def run_migrations_env(target_metadata: Any) -> None:
    """Body of an Alembic ``env.py``: migrate the connection given by ``upgrade_schema``.

    Without one (the ``alembic`` command line) it connects to ``sqlalchemy.url``.
    """
    from alembic import context

    def run(connection: Any) -> None:
        # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()

    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    with create_engine(context.config.get_main_option("sqlalchemy.url")).begin() as conn:
        run(conn)


def migrate(engine: Engine) -> None:
    """Bring the kiosk schema to the newest Alembic revision.

    Staff-made data (scenes, analytics) lives in this database, so the schema
    only ever moves forward through migrations, never by drop-and-create.
    """
    upgrade_schema(engine, MIGRATIONS_DIR)


def open_db(path: Path | str, *, migrate_schema: bool = True) -> Engine:
    """Open (creating if needed) the kiosk database and migrate it.

    Args:
        path: The database file.
        migrate_schema: Run pending migrations first (the default).

    Returns:
        A ready engine.
    """
    engine = make_engine(path)
    if migrate_schema:
        migrate(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` that keeps objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
