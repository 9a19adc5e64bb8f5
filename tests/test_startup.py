"""What the app does before its first interactive frame (kiosk/startup.py), without a window."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from kiosk.config import Config
from kiosk.db import MIGRATIONS_DIR, head_revision
from kiosk.startup import open_catalog_db, prepare_catalog


def test_head_revision_agrees_with_alembic() -> None:
    assert [head_revision()] == ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()


def test_new_and_current_databases_end_up_at_head(tmp_path: Path) -> None:
    db = tmp_path / "k.sqlite3"
    for _ in range(2):  # created and migrated, then opened without migrating
        engine = open_catalog_db(db)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        engine.dispose()


def test_first_start_loads_the_demo_and_warms_search(tmp_path: Path) -> None:
    cfg = Config(db=tmp_path / "k.sqlite3", data_dir=tmp_path)
    result = prepare_catalog(cfg, demo=True)
    assert result.demo_loaded and result.product_count >= 300
    assert len(result.slides) >= 6 and all(s.title for s in result.slides)
    assert {c.name for c in result.categories} >= {"Furniture", "Kitchen"}
    assert result.search_engine.search("sofa", limit=5).hits
    again = prepare_catalog(cfg, demo=True, engine=result.engine)
    assert not again.demo_loaded and again.product_count == result.product_count


def test_no_demo_when_a_central_service_is_configured(tmp_path: Path) -> None:
    cfg = Config(db=tmp_path / "k.sqlite3", data_dir=tmp_path)
    cfg.sync.url = "http://127.0.0.1:9/"
    result = prepare_catalog(cfg, demo=True)
    assert not result.demo_loaded and result.product_count == 0 and result.slides == []
