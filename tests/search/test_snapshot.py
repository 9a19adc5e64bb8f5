"""The saved search index: a restart loads it and answers exactly as a fresh build; stale or bad copies are rebuilt."""

from __future__ import annotations

import logging
import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.catalog_store import upsert_products
from kiosk.db import DeferredEngine, open_db
from kiosk.records import parse_product
from kiosk.search import SearchEngine
from kiosk.search.snapshot import FORMAT

# Prefixes, typos, a category filter, a price band, stock, a SKU, and nothing found.
QUERIES: list[tuple[str, dict[str, object]]] = [
    ("", {}), ("so", {}), ("sofa", {}), ("sfoa", {}), ("lamp oak", {}), ("grill", {"in_stock": True}),
    ("", {"category": "Furniture"}), ("chair", {"min_price": 5000, "max_price": 30000}), ("qwxz", {}),
]


@pytest.fixture
def catalog(demo_engine: Engine, tmp_path: Path) -> Path:
    """This test's own copy of the demo catalog (snapshots are written into it)."""
    src = Path(demo_engine.url.database or "")
    dst = tmp_path / "kiosk.sqlite3"
    with sqlite3.connect(src) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(src, dst)
    return dst


def answers(engine: SearchEngine) -> list[tuple[int, list[str], list[str]]]:
    out = []
    for query, kw in QUERIES:
        r = engine.search(query, limit=24, **kw)  # type: ignore[arg-type]
        out.append((r.total, [h.product_id for h in r.hits], list(r.suggestions)))
    return out


def started(path: Path, caplog: pytest.LogCaptureFixture) -> tuple[SearchEngine, str]:
    """A search engine as a restarted kiosk makes it, and how its index came to be ("loaded"/"built")."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="kiosk.search"):
        engine = SearchEngine(DeferredEngine(path))
        engine.search("", limit=1)
    how = [r.getMessage().split(":")[0] for r in caplog.records if r.getMessage().startswith("search index ")]
    assert len(how) == 1, how
    return engine, how[0].removeprefix("search index ")


def test_a_restart_loads_the_saved_index_and_answers_exactly_as_a_fresh_build(
        catalog: Path, caplog: pytest.LogCaptureFixture) -> None:
    first, how = started(catalog, caplog)
    assert how == "built"
    expected = answers(first)
    assert first.save_snapshot()
    assert not first.save_snapshot(), "nothing new to save"

    again, how = started(catalog, caplog)
    assert how == "loaded"
    assert answers(again) == expected
    assert not again.save_snapshot(), "a loaded index is not written back"


def test_any_catalog_change_makes_the_saved_index_stale(catalog: Path, caplog: pytest.LogCaptureFixture) -> None:
    first, _ = started(catalog, caplog)
    assert first.save_snapshot()
    engine = open_db(catalog)
    with engine.begin() as conn:
        upsert_products(conn, [parse_product({"id": "P-NEW", "name": "Fjord floor lamp", "variants": [
            {"id": "V-NEW", "sku": "FJ-1", "price": "49.00", "currency": "EUR", "stock": 3}]})])
    engine.dispose()

    after, how = started(catalog, caplog)
    assert how == "built", "a copy older than the newest change must not be used"
    assert "P-NEW" in [h.product_id for h in after.search("fjord").hits]
    assert after.save_snapshot()
    assert started(catalog, caplog)[1] == "loaded"


def test_a_catalog_change_between_build_and_save_is_not_saved_over(
        catalog: Path, caplog: pytest.LogCaptureFixture) -> None:
    first, _ = started(catalog, caplog)
    engine = open_db(catalog)
    with engine.begin() as conn:
        upsert_products(conn, [parse_product({"id": "P-NEW", "name": "Fjord floor lamp", "variants": [
            {"id": "V-NEW", "sku": "FJ-1", "price": "49.00", "currency": "EUR", "stock": 3}]})])
    engine.dispose()
    assert not first.save_snapshot(), "the index no longer matches the catalog"
    assert started(catalog, caplog)[1] == "built"


class _Payload:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("code ran",))


@pytest.mark.parametrize("bad", ["code", "garbage", "other_format"])
def test_a_tampered_or_foreign_copy_is_rebuilt_and_never_runs_code(
        catalog: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str], bad: str) -> None:
    first, _ = started(catalog, caplog)
    expected = answers(first)
    assert first.save_snapshot()
    with sqlite3.connect(catalog) as conn:
        if bad == "code":
            conn.execute("UPDATE search_snapshots SET data = ?", (pickle.dumps(_Payload()),))
        elif bad == "garbage":
            conn.execute("UPDATE search_snapshots SET data = ?", (b"\x80\x05not a pickle",))
        else:
            conn.execute("UPDATE search_snapshots SET format = ?", ("inverted-" + "0" * 24,))
            assert FORMAT != "inverted-" + "0" * 24
    again, how = started(catalog, caplog)
    assert how == "built"
    assert answers(again) == expected
    assert "code ran" not in capsys.readouterr().out
