"""The start-up fast path (kiosk.db.open_db, kiosk/startup.py): correct on old schemas, light on current ones."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, func, select, text

from kiosk.catalog_store import upsert_products
from kiosk.config import Config
from kiosk.db import MIGRATIONS_DIR, head_revision, make_engine, open_db, stored_revision
from kiosk.models import Category, Product
from kiosk.records import parse_product
from kiosk.scenes import SceneDraft, SceneItemDraft, active_scenes, save_scene
from kiosk.startup import Slide, load_slides, load_top_categories, open_catalog_db, prepare_catalog

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


def _at_revision(path: Path, revision: str) -> None:
    """A kiosk database migrated only up to ``revision`` (what an older kiosk release left behind)."""
    engine = make_engine(path)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


@pytest.mark.parametrize("old", ["0001", "0002_sync_rejects"])
def test_a_database_from_an_older_release_is_migrated_at_start(tmp_path: Path, old: str) -> None:
    db = tmp_path / "k.sqlite3"
    _at_revision(db, old)
    assert stored_revision(db) == old != head_revision()
    engine = open_catalog_db(db)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        # 0003 created the search change log; the search engine depends on it.
        assert conn.execute(text("SELECT count(*) FROM search_changes")).scalar() == 1
    engine.dispose()
    result = prepare_catalog(Config(db=db, data_dir=tmp_path), demo=True)
    assert result.demo_loaded and result.search_engine.search("sofa", limit=3).hits


def test_a_database_without_alembic_version_is_migrated(tmp_path: Path) -> None:
    db = tmp_path / "k.sqlite3"
    make_engine(db).dispose()  # an empty file: no tables at all
    assert stored_revision(db) is None
    engine = open_db(db)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM products")).scalar() == 0
    assert stored_revision(db) == head_revision()
    engine.dispose()


def test_reading_the_revision_of_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "absent.sqlite3"
    assert stored_revision(db) is None
    assert not db.exists()


def test_a_current_database_starts_without_sqlalchemy(tmp_path: Path) -> None:
    """The work before the first interactive frame: the search engine and plain sqlite3, no SQLAlchemy."""
    db = tmp_path / "k.sqlite3"
    prepare_catalog(Config(db=db, data_dir=tmp_path), demo=True).engine.dispose()  # first start
    probe = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from kiosk.config import Config\n"
        "from kiosk.startup import prepare_catalog\n"
        f"r = prepare_catalog(Config(db=Path({str(db)!r}), data_dir=Path({str(tmp_path)!r})), demo=True)\n"
        "heavy = sorted(m for m in ('alembic', 'sqlalchemy', 'kiosk.models', 'kiosk.scenes', 'kiosk.catalog')"
        " if m in sys.modules)\n"
        "hits = len(r.search_engine.search('sofa', limit=5).hits)\n"
        "heavy_after_search = sorted(m for m in ('sqlalchemy',) if m in sys.modules)\n"
        "from kiosk.cart import line_for_variant\n"
        "vid = r.engine.raw_connection().driver_connection.execute('SELECT id FROM variants LIMIT 1').fetchone()[0]\n"
        "line = line_for_variant(r.engine, vid, 2)\n"
        "print(json.dumps({'heavy': heavy, 'heavy_after_search': heavy_after_search, 'products': r.product_count,"
        " 'slides': len(r.slides), 'demo_loaded': r.demo_loaded, 'hits': hits, 'line_qty': line.qty}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60,
                         check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["heavy"] == [] and got["heavy_after_search"] == []
    assert got["products"] >= 300 and got["slides"] >= 6 and not got["demo_loaded"] and got["hits"]
    # The deferred engine is a working Engine as soon as anything uses it (here: the ORM, for a cart line).
    assert got["line_qty"] == 2


def _scene(engine: Engine, sid: str, products: list[str], **kw: object) -> None:
    items = tuple(SceneItemDraft(pid, 0.1 + 0.1 * i, 0.5) for i, pid in enumerate(products))
    save_scene(engine, SceneDraft(id=sid, title=f"Scene {sid}", items=items, **kw), None)  # type: ignore[arg-type]


def test_slides_are_the_active_scenes_of_this_store(engine: Engine) -> None:
    """``load_slides`` reads scenes with plain SQL; it must show exactly what kiosk.scenes.active_scenes shows."""
    from kiosk.demo import load_demo

    load_demo(engine)
    with engine.connect() as conn:
        pids = list(conn.execute(select(Product.id).order_by(Product.id).limit(3)).scalars())
    hour = timedelta(hours=1)
    _scene(engine, "chain", pids[:1], position=-1)
    _scene(engine, "mine", pids[:2], store_id="demo-store", position=-1)
    _scene(engine, "theirs", pids[:2], store_id="other-store")
    _scene(engine, "future", pids[:1], active_from=NOW + hour)
    _scene(engine, "starts-now", pids[:1], active_from=NOW)
    _scene(engine, "ends-now", pids[:1], active_to=NOW)
    _scene(engine, "expired", pids[:1], active_from=NOW - 2 * hour, active_to=NOW - hour)
    _scene(engine, "running", pids[1:3], active_from=NOW - hour, active_to=NOW + hour)
    _scene(engine, "not-carried", ["P-NOT-IN-CACHE"])
    for store in ("demo-store", "other-store", None):
        for now in (NOW - 3 * hour, NOW, NOW + 2 * hour):
            expected = [Slide(s.id, s.title, s.subtitle, s.hero_image) for s in active_scenes(engine, store, now)]
            assert load_slides(engine, store, now, limit=100) == expected, (store, now)  # type: ignore[arg-type]
    shown = {s.scene_id for s in load_slides(engine, "demo-store", NOW, limit=100)}
    assert {"chain", "mine", "starts-now", "running"} <= shown
    assert not shown & {"theirs", "future", "ends-now", "expired", "not-carried"}
    assert len(load_slides(engine, "demo-store", NOW, limit=3)) == 3


def _product(pid: str, category: list[str]) -> dict[str, object]:
    return {"id": pid, "name": f"Thing {pid}", "category": category,
            "variants": [{"id": f"V-{pid}", "sku": f"SKU-{pid}", "price": "1.00", "currency": "EUR"}]}


def test_top_categories_count_the_products_below_each_root(engine: Engine) -> None:
    # "Home" must not count "Home & Garden" (a prefix but not a parent); "%" and "_" are literal.
    catalog = [("A1", ["Home"]), ("A2", ["Home", "Bath"]), ("A3", ["Home", "Bath", "Towels"]),
               ("B1", ["Home & Garden"]), ("B2", ["Home & Garden", "Pots"]),
               ("C1", ["50% off_"]), ("C2", ["50% off_", "Mugs"]), ("C3", ["50% off_", "Mugs"]),
               ("C4", ["50% off_", "Plates"])]
    with engine.begin() as conn:
        upsert_products(conn, [parse_product(_product(pid, cat)) for pid, cat in catalog])
    top = load_top_categories(engine)
    assert [(c.name, c.product_count) for c in top] == [("50% off_", 4), ("Home", 3), ("Home & Garden", 2)]
    with engine.connect() as conn:
        for c in top:  # the same figure the ORM gives
            n = conn.execute(select(func.count(Product.id)).join(Category, Product.category_id == Category.id)
                             .where((Category.path == c.path)
                                    | Category.path.startswith(c.path + " > ", autoescape=True))).scalar_one()
            assert n == c.product_count
    assert [c.name for c in load_top_categories(engine, limit=1)] == ["50% off_"]
