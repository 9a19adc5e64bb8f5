"""Opening the kiosk's SQLite database: pragmas, migrations, sessions.

Every connection gets WAL, ``synchronous=NORMAL``, a busy timeout and
foreign keys; a new kiosk database file gets 16 KiB pages (:data:`PAGE_SIZE`).
SQLAlchemy's default pool for file databases keeps one connection per
thread, which is what the threading rule asks for.

Start-up fast path: on every start but the first after an upgrade the
schema is already at the newest migration. ``open_db`` reads
``alembic_version`` with plain ``sqlite3`` and compares it with the head
revision read from the migration files, and only imports and runs Alembic
(about a second of CPU on the kiosk) when they differ. Importing this module
loads no SQLAlchemy at all: Core loads when an engine is first made (about
0.3 s of CPU), the ORM when a session is. ``DeferredEngine`` lets the kiosk
reach its first interactive frame on plain ``sqlite3`` and make the engine
afterwards, off the critical path.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 5000
#: Page size of a new kiosk database (an existing file keeps its own: SQLite
#: fixes it when the file is created). The catalog's rows are written in
#: bulk and read back whole (the search index is one ~8 MB row): with
#: 16 KiB pages the import of the 200k catalog spends ~0.25 s less CPU in
#: SQLite (fewer, fuller B-tree pages to fill, sort and write: the commit's
#: writes 0.14 -> 0.06 s) and the first search reads its index from a
#: quarter as many pages. The price is on small writes: a one-row commit
#: in WAL ~40 us instead of ~30 us, and a WAL file of up to 16 MB between
#: checkpoints instead of 4 (docs/benchmarks-import.md, session 10).
PAGE_SIZE = 16384
#: The WAL file is cut back to this size when a checkpoint lets it restart
#: (``PRAGMA journal_size_limit``). SQLite otherwise keeps the file at the
#: size of the largest transaction since the database was opened (a nightly
#: re-import or full sync), for as long as the kiosk runs; the everyday
#: checkpoints (every 1,000 pages) stay within this size.
WAL_SIZE_LIMIT = 16 * 1024 * 1024

# ``revision = "..."`` / ``down_revision = "..."`` lines of an Alembic script.
_REV_RE = re.compile(r"""^(revision|down_revision)\s*(?::[^=]*)?=\s*['"]?([^'"\s]*)['"]?""", re.M)

_migrate_lock = threading.Lock()


def apply_sqlite_pragmas(dbapi_conn: sqlite3.Connection, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                         page_size: int | None = None) -> None:
    """Set the house pragmas on a fresh pysqlite connection.

    WAL (its file cut back to :data:`WAL_SIZE_LIMIT` after big writes),
    ``synchronous=NORMAL``, a busy timeout and foreign keys. Shared by the
    kiosk cache and the central service's SQLite backend.

    Args:
        dbapi_conn: The new connection.
        busy_timeout_ms: How long a statement waits for another writer's lock.
        page_size: The page size the file gets if this connection creates
            it (an existing database keeps its own); None: SQLite's default.
    """
    # pysqlite's own transaction handling issues BEGIN lazily and breaks
    # SAVEPOINT; let SQLAlchemy emit BEGIN itself (see SQLAlchemy's
    # "Serializable isolation / Savepoints / Transactional DDL" notes).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    if page_size is not None:
        # Before WAL: switching an empty file to WAL creates it, page size fixed.
        cur.execute(f"PRAGMA page_size={int(page_size)}")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
            raise
        # A first bulk import holds the file in rollback-journal mode for
        # its one transaction (kiosk.import_parallel._RollbackJournal) and
        # puts it back in WAL when it ends; SQLite then reads the file as
        # WAL on this connection too. Meanwhile this connection reads the
        # catalog as it was before the import.
        log.info("database opened during a first import: WAL once it ends")
    cur.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _set_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    apply_sqlite_pragmas(dbapi_conn, page_size=PAGE_SIZE)


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
    from sqlalchemy import create_engine, event

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

    from sqlalchemy import create_engine

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


def head_revision(versions_dir: Path = MIGRATIONS_DIR / "versions") -> str | None:
    """The newest migration id, read from the migration files without importing Alembic.

    Args:
        versions_dir: The Alembic ``versions`` directory.

    Returns:
        The single head's revision id, or None if the files do not form one
        chain (a branch, or a file this parser does not understand): then
        Alembic must decide.
    """
    revs: set[str] = set()
    downs: set[str] = set()
    for f in versions_dir.glob("*.py"):
        found = dict(m.groups() for m in _REV_RE.finditer(f.read_text(encoding="utf-8")))
        if not found.get("revision"):
            return None
        revs.add(found["revision"])
        if found.get("down_revision") not in (None, "", "None"):
            downs.add(found["down_revision"])
    heads = revs - downs
    return heads.pop() if len(heads) == 1 else None


def stored_revision(path: Path | str) -> str | None:
    """The schema revision recorded in the database file, read with plain ``sqlite3``.

    Args:
        path: The database file.

    Returns:
        ``alembic_version.version_num``, or None when the file does not
        exist, has no ``alembic_version`` table or holds no single revision.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        return None  # never create the file here: make_engine does, with the pragmas
    conn = sqlite3.connect(p, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError:
        return None  # no such table (a new or pre-Alembic database), or not one: Alembic decides
    finally:
        conn.close()
    return rows[0][0] if len(rows) == 1 else None


def schema_is_current(path: Path | str) -> bool:
    """Whether the database at ``path`` is already at the newest migration (no Alembic import)."""
    head = head_revision()
    return head is not None and stored_revision(path) == head


def open_db(path: Path | str, *, migrate_schema: bool = True) -> Engine:
    """Open (creating if needed) the kiosk database and migrate it.

    Alembic is only imported and run when the schema is not already at the
    newest revision (see the module docstring).

    Args:
        path: The database file.
        migrate_schema: Run pending migrations first (the default).

    Returns:
        A ready engine.
    """
    current = migrate_schema and schema_is_current(path)
    engine = make_engine(path)
    if migrate_schema and not current:
        migrate(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` that keeps objects usable after commit."""
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)


class DeferredEngine:
    """The kiosk database's SQLAlchemy ``Engine``, made on first use.

    The kiosk's first interactive frame needs only plain ``sqlite3`` (the
    search index, the attract slides, the top categories); importing
    SQLAlchemy for the engine would put ~0.3 s of CPU in front of it. Code
    written for an ``Engine`` works with this object unchanged: any
    attribute it does not define itself (``connect``, ``begin``,
    ``raw_connection``, ``dialect``...) opens the engine once, under a lock,
    on whichever thread asks first, and is read from it. The app opens it on
    a worker right after the interactive frame, so a customer's first
    product or cart action finds it open, or waits on that worker, never on
    the UI thread.

    Only for a database whose schema is already current: an old or new file
    must be migrated before anything reads it, so ``open_db`` is used then.

    Args:
        path: The database file.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()
        self._engine: Engine | None = None

    @property
    def opened(self) -> bool:
        """Whether the engine has been made yet."""
        return self._engine is not None

    def get(self) -> Engine:
        """The engine, made now if it was not yet (thread-safe, once)."""
        engine = self._engine
        if engine is None:
            with self._lock:
                engine = self._engine
                if engine is None:
                    engine = self._engine = open_db(self.path)
        return engine

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes this class lacks: everything an Engine has.
        if name.startswith("__") or name in ("path", "_lock", "_engine"):
            raise AttributeError(name)
        return getattr(self.get(), name)

    def __repr__(self) -> str:
        return f"DeferredEngine({str(self.path)!r}, opened={self.opened})"


def database_path(engine: Any) -> str | None:
    """The database file of ``engine`` (an ``Engine`` or a ``DeferredEngine``), None if in memory.

    Reading it from a ``DeferredEngine`` does not make the engine.
    """
    if isinstance(engine, DeferredEngine):
        return str(engine.path)
    database = engine.url.database
    return database if database and database != ":memory:" else None


def resolve_engine(engine: Any) -> Engine:
    """The real ``Engine`` behind ``engine`` (made now if it is a ``DeferredEngine``)."""
    return engine.get() if isinstance(engine, DeferredEngine) else engine
