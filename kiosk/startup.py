"""What the kiosk does before its first interactive frame, without Kivy.

The app runs ``prepare_catalog`` on a worker thread once the attract
screen's first frame is drawn: check the schema (migrating only an old one),
load the demo catalog into an empty standalone kiosk, warm the search engine
so the first keystroke is as fast as the hundredth, and read the attract
slides and top categories, all with plain ``sqlite3`` when the schema is
current. After the first interactive frame ``open_engine`` makes the
SQLAlchemy engine and ``warm_imports`` loads the ORM-based modules.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.config import Config
from kiosk.db import DeferredEngine, open_db, resolve_engine, schema_is_current

if TYPE_CHECKING:
    from sqlalchemy import Engine

# Nothing heavy is imported at module level: the app imports this module on
# the UI thread. Before the first interactive frame the worker loads the
# search engine and plain sqlite3 only; SQLAlchemy (``open_engine``) and the
# ORM-based modules (``warm_imports``) load after it, unless the schema is
# old or the database new (then Alembic and Core run first).

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Slide:
    """A scene as the attract loop and the home tiles show it."""

    scene_id: str
    title: str
    subtitle: str
    hero_image: str


@dataclass(frozen=True, slots=True)
class TopCategory:
    """A root category offered on the home screen."""

    category_id: str
    name: str
    path: str
    product_count: int


@dataclass
class StartupResult:
    """Everything the UI needs once the catalog is ready."""

    engine: Engine
    search_engine: Any
    slides: list[Slide] = field(default_factory=list)
    categories: list[TopCategory] = field(default_factory=list)
    product_count: int = 0
    demo_loaded: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)


def load_slides(engine: Engine, store_id: str, now: datetime | None = None, limit: int = 12) -> list[Slide]:
    """The active scenes of this store, in display order.

    The same scenes as ``kiosk.scenes.active_scenes`` (tests hold the two
    together), read with two plain SQL queries: importing ``kiosk.scenes``
    loads the ORM, which the kiosk does not need before its first touch.
    """
    with _dbapi(engine) as conn:
        return read_slides(conn, store_id, now, limit)


def read_slides(conn: sqlite3.Connection, store_id: str | None, now: datetime | None = None,
                limit: int = 12) -> list[Slide]:
    """``load_slides`` on a DB-API connection (see there).

    A scene shows when ``now`` is inside ``[active_from, active_to)``, it is
    chain-wide or for this store, and at least one of its products is in the
    cache; ordered by position, title, id.
    """
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    scope, args = ("store_id IS NULL", ()) if store_id is None else ("(store_id IS NULL OR store_id = ?)", (store_id,))
    rows = conn.execute(
        f"SELECT id, title, subtitle, hero_image, active_from, active_to FROM scenes WHERE {scope}"
        " ORDER BY position, title, id", args
    ).fetchall()
    # Scene items may name products the store does not carry (yet): a scene
    # without one visible product is not worth a slide.
    visible = {sid for (sid,) in conn.execute(
        "SELECT DISTINCT i.scene_id FROM scene_items i JOIN products p ON p.id = i.product_id"
    )}
    out = []
    for sid, title, subtitle, hero, start, end in rows:
        # Stored as ISO-8601 text with an offset (kiosk.models.UTCDateTime).
        if start is not None and datetime.fromisoformat(start) > now:
            continue
        if end is not None and now >= datetime.fromisoformat(end):
            continue
        if sid in visible:
            out.append(Slide(sid, title, subtitle or "", hero or ""))
    return out[:limit]


def load_top_categories(engine: Engine, limit: int = 8) -> list[TopCategory]:
    """Root categories with the most products (counting their subcategories)."""
    with _dbapi(engine) as conn:
        return read_top_categories(conn, limit)


def read_top_categories(conn: sqlite3.Connection, limit: int = 8) -> list[TopCategory]:
    """``load_top_categories`` on a DB-API connection."""
    roots = conn.execute(
        "SELECT id, name, path FROM categories WHERE parent_id IS NULL ORDER BY position, name"
    ).fetchall()
    per_path = conn.execute(
        "SELECT c.path, count(p.id) FROM products p JOIN categories c ON p.category_id = c.id GROUP BY c.path"
    ).fetchall()
    out = []
    for cid, name, path in roots:
        below = path + " > "
        n = sum(count for p, count in per_path if p == path or p.startswith(below))
        if n:
            out.append(TopCategory(cid, name, path, int(n)))
    out.sort(key=lambda c: -c.product_count)  # stable: ties keep the roots' display order
    return out[:limit]


@contextmanager
def _dbapi(engine: Engine) -> Iterator[sqlite3.Connection]:
    """A pooled DB-API connection of ``engine`` (with the house pragmas), returned to the pool after."""
    raw = engine.raw_connection()
    try:
        yield raw.driver_connection
    finally:
        raw.close()


def open_catalog_db(path: Path) -> Engine:
    """Open the database, migrating only when its schema is not the newest.

    Alembic is neither imported nor run when ``alembic_version`` already
    names the newest migration (``kiosk.db.open_db``'s fast path).
    """
    return open_db(path)


def warm_imports() -> None:
    """Import what the customer screens use on worker threads (the ORM, catalog, scenes, analytics).

    Run after the first interactive frame, while the attract loop idles, so
    that the first product, scene, cart or search screen a customer opens
    does not load them on the spot.
    """
    started = time.perf_counter()
    import kiosk.analytics  # noqa: F401
    import kiosk.catalog  # noqa: F401
    import kiosk.lookup  # noqa: F401
    import kiosk.recommendations  # noqa: F401
    import kiosk.scenes  # noqa: F401

    log.info("modules for the customer screens loaded in %.0f ms", (time.perf_counter() - started) * 1000)


def prepare_catalog_in_background(config: Config, *, demo: bool = False) -> Future[StartupResult]:
    """Start ``prepare_catalog`` on its own thread at once and return its future.

    For ``KioskApp(catalog_future=...)``: the work then overlaps Kivy's own
    start-up. ``main.py`` does not use it: sharing the GIL with Kivy's
    start-up delays the attract frame, and on a quiet machine the
    interactive one too (docs/benchmarks-ui.md); with the CPU oversubscribed
    the early start reached the interactive frame sooner.
    """
    future: Future[StartupResult] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(prepare_catalog(config, demo=demo))
        except BaseException as exc:  # noqa: BLE001 - handed to the UI, which shows a calm message
            future.set_exception(exc)

    threading.Thread(target=run, name="kiosk-startup", daemon=True).start()
    return future


def prepare_catalog(config: Config, *, demo: bool = False, engine: Engine | None = None) -> StartupResult:
    """Open the catalog and get it ready to serve customers.

    On every start but the first (and the first after an upgrade) the schema
    is already current: then nothing here imports SQLAlchemy. The search
    index, the product count, the slides and the categories are read with
    plain ``sqlite3``, and the result's engine is a
    :class:`kiosk.db.DeferredEngine` that ``open_engine`` makes right after
    the first interactive frame. A new or old database is opened (and
    migrated) with ``kiosk.db.open_db`` first, and the demo catalog loaded
    into an empty one, as before.

    Args:
        config: The kiosk configuration (database path, store, sync).
        demo: Load the bundled demo catalog when the database is empty and no
            central service is configured.
        engine: An already open database (tests); opened from ``config.db`` if None.

    Returns:
        The engine, a warmed search engine, the attract slides and top categories.
    """
    t = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = (now - t) * 1000
        t = now

    db: Any = engine
    if db is None:
        db = DeferredEngine(config.db) if schema_is_current(config.db) else open_catalog_db(config.db)
    lap("open_db")
    with _reader(db) as conn:
        products = _count_products(conn)
    demo_loaded = False
    if demo and products == 0 and not config.sync.url:
        from kiosk.demo import load_demo

        load_demo(resolve_engine(db))
        demo_loaded = True
        with _reader(db) as conn:
            products = _count_products(conn)
    lap("demo")
    from kiosk.search import SearchEngine

    search = SearchEngine(db)
    try:
        search.search("", limit=12)
    except NotImplementedError:
        log.warning("search engine not implemented yet")
    except Exception:  # noqa: BLE001 - a cold index must not stop the kiosk
        log.exception("search warm-up failed")
    lap("search_warmup")
    with _reader(db) as conn:
        slides = read_slides(conn, config.store.store_id)
        categories = read_top_categories(conn)
    lap("scenes_categories")
    return StartupResult(
        engine=db,
        search_engine=search,
        slides=slides,
        categories=categories,
        product_count=products,
        demo_loaded=demo_loaded,
        timings_ms=timings,
    )


def open_engine(engine: Any) -> None:
    """Make the engine behind a ``DeferredEngine`` now (a worker runs this after the interactive frame)."""
    started = time.perf_counter()
    if isinstance(engine, DeferredEngine) and not engine.opened:
        engine.get()
        log.info("catalog engine opened in %.0f ms", (time.perf_counter() - started) * 1000)


@contextmanager
def _reader(db: Any) -> Iterator[sqlite3.Connection]:
    """A plain ``sqlite3`` connection to read ``db`` with, SQLAlchemy left unloaded when it is not yet.

    A ``DeferredEngine`` not yet opened gets a short-lived connection of its
    own (read-only: the writers' pragmas do not matter); an open engine lends
    one of its pooled connections.
    """
    if isinstance(db, DeferredEngine) and not db.opened:
        conn = sqlite3.connect(db.path, timeout=5.0, isolation_level=None)
        try:
            conn.execute("PRAGMA query_only=ON")
            yield conn
        finally:
            conn.close()
        return
    with _dbapi(db) as conn:
        yield conn


def _count_products(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM products").fetchone()[0])
