"""What the kiosk does before its first interactive frame, without Kivy.

The app runs ``prepare_catalog`` on a worker thread while the attract
screen is already drawn: open and migrate the database, load the demo
catalog into an empty standalone kiosk, and warm the search engine so the
first keystroke is as fast as the hundredth.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.config import Config

if TYPE_CHECKING:
    from sqlalchemy import Engine

# SQLAlchemy and the models are imported inside the functions: main.py imports
# this module on the UI thread before Kivy, and only the start-up thread
# should pay for them.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

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
    """The active scenes of this store, in display order (``kiosk.scenes.active_scenes``)."""
    from kiosk.scenes import active_scenes

    scenes = active_scenes(engine, store_id=store_id, now=now or datetime.now(timezone.utc))
    return [Slide(s.id, s.title, s.subtitle or "", s.hero_image or "") for s in scenes[:limit]]


def load_top_categories(engine: Engine, limit: int = 8) -> list[TopCategory]:
    """Root categories with the most products (counting their subcategories)."""
    from sqlalchemy import func, select

    from kiosk.models import Category, Product

    with engine.connect() as conn:
        roots = conn.execute(
            select(Category.id, Category.name, Category.path).where(Category.parent_id.is_(None))
            .order_by(Category.position, Category.name)
        ).all()
        out = []
        for r in roots:
            n = conn.execute(
                select(func.count(Product.id)).join(Category, Product.category_id == Category.id)
                .where((Category.path == r.path) | Category.path.startswith(r.path + " > ", autoescape=True))
            ).scalar_one()
            if n:
                out.append(TopCategory(r.id, r.name, r.path, int(n)))
    out.sort(key=lambda c: -c.product_count)
    return out[:limit]


_REV_RE = re.compile(r"""^(revision|down_revision)\s*(?::[^=]*)?=\s*['"]?([^'"\s]*)['"]?""", re.M)


def head_revision(versions_dir: Path = MIGRATIONS_DIR / "versions") -> str | None:
    """The newest migration id, read from the migration files without importing Alembic.

    Returns None if the files do not form a single chain (then the caller
    lets Alembic decide).
    """
    revs: set[str] = set()
    downs: set[str] = set()
    for f in versions_dir.glob("*.py"):
        found = dict(m.groups() for m in _REV_RE.finditer(f.read_text(encoding="utf-8")))
        if "revision" not in found:
            return None
        revs.add(found["revision"])
        if found.get("down_revision") not in (None, "", "None"):
            downs.add(found["down_revision"])
    heads = revs - downs
    return heads.pop() if len(heads) == 1 else None


def open_catalog_db(path: Path) -> Engine:
    """Open the database, migrating only when its schema is not the newest.

    Importing and running Alembic costs about a second of CPU; on every start
    but the first after an upgrade the schema is already current, which one
    query against ``alembic_version`` shows.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from kiosk.db import make_engine, migrate

    engine = make_engine(path)
    head = head_revision()
    current: str | None = None
    if head is not None:
        try:
            with engine.connect() as conn:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except OperationalError:
            current = None  # a new database: no table yet
    if current is None or current != head:
        migrate(engine)
    return engine


def count_products(engine: Engine) -> int:
    """How many products the cache holds."""
    from sqlalchemy import func, select

    from kiosk.models import Product

    with engine.connect() as conn:
        return int(conn.execute(select(func.count(Product.id))).scalar_one())


def prepare_catalog_in_background(config: Config, *, demo: bool = False) -> Future[StartupResult]:
    """Start ``prepare_catalog`` on its own thread at once and return its future.

    ``main.py`` calls this before it even imports Kivy, so opening the
    database and warming search overlap with creating the window.
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

    if engine is None:
        engine = open_catalog_db(config.db)
    lap("open_db")
    products = count_products(engine)
    demo_loaded = False
    if demo and products == 0 and not config.sync.url:
        from kiosk.demo import load_demo

        load_demo(engine)
        demo_loaded = True
        products = count_products(engine)
    lap("demo")
    from kiosk.search import SearchEngine

    search = SearchEngine(engine)
    try:
        search.search("", limit=12)
    except NotImplementedError:
        log.warning("search engine not implemented yet")
    except Exception:  # noqa: BLE001 - a cold index must not stop the kiosk
        log.exception("search warm-up failed")
    lap("search_warmup")
    slides = load_slides(engine, config.store.store_id)
    categories = load_top_categories(engine)
    lap("scenes_categories")
    return StartupResult(
        engine=engine,
        search_engine=search,
        slides=slides,
        categories=categories,
        product_count=products,
        demo_loaded=demo_loaded,
        timings_ms=timings,
    )
