"""A first bulk import saves the search index with the catalog (kiosk.import_index).

The index built beside the import must be exactly the one the first search
would otherwise build from the committed catalog: same state, same answers
(categories, whose ids the importer assigns, included). The first search
after the import loads it instead of building; anything unusual, and the
import commits without it (the first search builds, as before).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from kiosk import import_parallel, importer
from kiosk.catalog_store import delete_products, upsert_products
from kiosk.db import DeferredEngine, open_db
from kiosk.import_index import IndexBuilder
from kiosk.importer import import_file
from kiosk.records import parse_product
from kiosk.search import SearchEngine
from kiosk.search.inverted import InvertedIndex
from kiosk.search.loader import load_categories, load_products
from kiosk.search.snapshot import current_generation, load_snapshot

from tests.search.test_snapshot import started

from .conftest import write_jsonl
from .test_import_bulk import catalog, write_csv

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo" / "catalog.json"


@pytest.fixture
def bulk(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Bulk path on for any file (two workers), small category batches; records whether it imported."""
    monkeypatch.setattr(import_parallel, "MIN_BYTES", 0)
    monkeypatch.setenv("KIOSK_IMPORT_WORKERS", "2")
    # Several category batches per part (the last one resolved just before the index is built).
    monkeypatch.setattr(importer, "BATCH_PRODUCTS", 40)
    took: list[bool] = []
    real = importer.bulk_import

    def spy(*args: Any) -> bool:
        took.append(real(*args))
        return took[-1]

    monkeypatch.setattr(importer, "bulk_import", spy)
    return took


def demo_products() -> list[dict[str, Any]]:
    return json.loads(DEMO.read_text(encoding="utf-8"))["products"]


def imported(path: Path, db: Path) -> None:
    engine = open_db(db)
    try:
        report = import_file(engine, path)
        assert report.committed, report.summary()
    finally:
        engine.dispose()


def built_from_catalog(db: Path) -> InvertedIndex:
    """What SearchEngine._build makes of the committed catalog (no saved copy involved)."""
    with sqlite3.connect(db) as conn:
        index = InvertedIndex(load_categories(conn), current_generation(conn))
        new, typo_words = index.add_products(load_products(conn).values())
    index.finish(new, typo_words, full=True)
    return index


def state(index: InvertedIndex) -> dict[str, Any]:
    """An index's saved state, with the two parts whose order depends on the process's string hashing as sets."""
    out = dict(index.__getstate__())
    out["deletes"] = frozenset(index.deletes.entries())
    out["alphabet"] = sorted(index.alphabet)
    return out


def queries(db: Path) -> list[tuple[str, dict[str, Any]]]:
    """Prefixes and typos of real names, every category (by id, path and name), prices, stock, nothing found."""
    with sqlite3.connect(db) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM products ORDER BY id LIMIT 40")]
        cats = conn.execute("SELECT id, path, name FROM categories").fetchall()
        prices = [p for (p,) in conn.execute("SELECT price_minor FROM variants ORDER BY id LIMIT 5")]
    out: list[tuple[str, dict[str, Any]]] = [("", {}), ("", {"in_stock": True}), ("qwxzv", {})]
    for name in names:
        word = name.split()[0]
        out += [(word[:n], {}) for n in range(1, len(word) + 1)]
        out += [(name, {}), (word[1:] + word[:1], {}), (name.lower(), {"in_stock": True})]
    for cid, path, cname in cats:
        out += [("", {"category": cid}), ("", {"category": path}), (names[0][:3], {"category": cname})]
    out += [("", {"min_price": p, "max_price": p * 2}) for p in prices]
    return out


def answers(engine: SearchEngine, qs: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    out = []
    for query, kw in qs:
        r = engine.search(query, limit=30, **kw)
        out.append((query, r.total, [(h.product_id, h.sku, h.price_minor, h.category_path, h.score) for h in r.hits],
                    r.suggestions))
    return out


def fresh_answers(db: Path, tmp_path: Path, qs: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Answers of an engine that builds its index from a copy of the catalog without the saved one."""
    copy = tmp_path / "fresh.sqlite3"
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
        dst.execute("DELETE FROM search_snapshots")
    engine = SearchEngine(DeferredEngine(copy))
    try:
        return answers(engine, qs)
    finally:
        engine.close()


@pytest.mark.parametrize(("fmt", "saved"), [("jsonl", "in the import's transaction"), ("csv", "in it"),
                                           ("jsonl", "right after the commit")])
def test_the_first_search_after_a_bulk_import_loads_the_index_built_with_it(
        bulk: list[bool], tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
        fmt: str, saved: str) -> None:
    if saved == "right after the commit":
        # A builder still at work when the import commits (as on a busy machine).
        monkeypatch.setattr(IndexBuilder, "done", lambda self: False)
    if fmt == "jsonl":
        path = write_jsonl(tmp_path / "demo.jsonl", demo_products())
    else:
        path = write_csv(tmp_path / "c.csv", catalog(300, long_text=1))
    db = tmp_path / "kiosk.sqlite3"
    imported(path, db)
    assert bulk == [True]

    with sqlite3.connect(db) as conn:
        index = load_snapshot(conn, current_generation(conn))
    assert index is not None, "the import saved the index for the generation it committed"
    assert state(index) == state(built_from_catalog(db))

    # The first search loads it; building would read the products, which here cannot be done.
    qs = queries(db)
    expected = fresh_answers(db, tmp_path, qs)

    def no_build(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the first search after a bulk import built the index")

    monkeypatch.setattr("kiosk.search.engine.load_products", no_build)
    engine, how = started(db, caplog)
    assert how == "loaded"
    assert answers(engine, qs) == expected
    assert not engine.save_snapshot(), "nothing new to save"


def test_category_ids_are_the_importers_also_beside_categories_already_there(
        bulk: list[bool], tmp_path: Path) -> None:
    # An emptied catalog keeps its categories: the import reuses their rows
    # (ids), adds its own after them, and two spellings sharing a slug share a row.
    db = tmp_path / "kiosk.sqlite3"
    engine = open_db(db)
    with engine.begin() as conn:
        upsert_products(conn, [parse_product({"id": "OLD", "name": "Old", "category": ["Home Garden", "Tools"],
                                              "variants": [{"id": "OLD-1", "sku": "OLD-1", "price": "1.00",
                                                            "currency": "EUR"}]})])
        delete_products(conn, ["OLD"])
    engine.dispose()
    imported(write_jsonl(tmp_path / "c.jsonl", catalog(300)), db)
    assert bulk == [True]
    with sqlite3.connect(db) as conn:
        saved = load_snapshot(conn, current_generation(conn))
        assert conn.execute("SELECT count(*) FROM products WHERE category_id IS NULL").fetchone()[0] == sum(
            1 for p in catalog(300) if not p["category"])
    assert saved is not None
    assert state(saved) == state(built_from_catalog(db))
    # The file's "Home & Garden" landed in the row "Home Garden" that was there first.
    paths = {c.path for c in saved.categories.values()}
    assert {"Home Garden", "Home Garden > Tools", "Home Garden > Pots", "Garden > Tools"} <= paths
    assert "Home & Garden" not in paths


def test_a_builder_that_fails_leaves_the_first_search_to_build(
        bulk: list[bool], tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    # Categories the builder cannot resolve: it fails; the import still commits, without a saved index.
    real = import_parallel._Copier.categories

    def broken(self: Any) -> tuple[list[Any], dict[str, str]]:
        cats, _ = real(self)
        return cats, {}

    monkeypatch.setattr(import_parallel._Copier, "categories", broken)
    path = write_jsonl(tmp_path / "demo.jsonl", demo_products())
    db = tmp_path / "kiosk.sqlite3"
    with caplog.at_level(logging.WARNING, logger="kiosk.import_index"):
        imported(path, db)
    assert bulk == [True]
    assert any("search index not saved with the import" in r.getMessage() and "KeyError" in r.getMessage()
               for r in caplog.records), "the reason is logged"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM search_snapshots").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM products").fetchone()[0] == len(demo_products())
    engine, how = started(db, caplog)
    assert how == "built"
    assert [h.product_id for h in engine.search("sorlandet sofa").hits][:1] == ["P-1001"]


def test_a_reimport_of_the_whole_catalog_saves_its_index(
        bulk: list[bool], tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    # The nightly full feed: products renamed, restocked, reordered, one new in the middle.
    products = demo_products()
    db = tmp_path / "kiosk.sqlite3"
    imported(write_jsonl(tmp_path / "a.jsonl", products), db)
    changed = [dict(p) for p in products[::-1]]
    changed[3] = {**changed[3], "name": "Fjordlys sofa"}
    changed[5] = {**changed[5], "variants": [{**v, "stock": 0} for v in changed[5]["variants"]]}
    # Two products that tie in the index's order: the catalog table's order decides (not the file's).
    for i in (1, 2):
        changed[i] = {**changed[i], "name": "Twin stool", "featured": False,
                      "variants": [{**v, "stock": 2} for v in changed[i]["variants"]]}
    new = {**products[0], "id": "P-NEW", "name": "Fjordlys lamp", "variants": [
        {**products[0]["variants"][0], "id": "V-NEW", "sku": "FJ-NEW", "barcodes": []}]}
    changed.insert(len(changed) // 2, new)
    imported(write_jsonl(tmp_path / "b.jsonl", changed), db)
    assert bulk == [True, True]
    with sqlite3.connect(db) as conn:
        index = load_snapshot(conn, current_generation(conn))
    assert index is not None, "the re-import saved the index of the catalog it committed"
    assert state(index) == state(built_from_catalog(db))
    qs = [*queries(db), ("fjordlys", {})]
    expected = fresh_answers(db, tmp_path, qs)
    engine, how = started(db, caplog)
    assert how == "loaded"
    assert answers(engine, qs) == expected
    assert {h.product_id for h in engine.search("fjordlys").hits} == {changed[3]["id"], "P-NEW"}


def test_a_reimport_of_part_of_the_catalog_saves_no_index(
        bulk: list[bool], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # The file leaves products in the catalog that the workers never saw.
    products = demo_products()
    db = tmp_path / "kiosk.sqlite3"
    imported(write_jsonl(tmp_path / "a.jsonl", products), db)
    products[0] = {**products[0], "name": "Fjordlys sofa"}
    imported(write_jsonl(tmp_path / "b.jsonl", products[:-1]), db)
    assert bulk == [True, True]
    with sqlite3.connect(db) as conn:
        assert load_snapshot(conn, current_generation(conn)) is None
    engine, how = started(db, caplog)
    assert how == "built"
    assert [h.product_id for h in engine.search("fjordlys").hits] == ["P-1001"]
    assert engine.product_count == len(products)


def test_the_last_parts_worker_builds_the_index_no_builder_process_is_started(
        bulk: list[bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Once its part is staged, the last part's worker goes on as the index
    # builder, from its own rows in memory: no process of its own to start.
    import subprocess

    started: list[list[str]] = []

    class Spy(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            started.append([str(a) for a in args])
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Spy)
    db = tmp_path / "kiosk.sqlite3"
    imported(write_jsonl(tmp_path / "demo.jsonl", demo_products()), db)
    assert bulk == [True]
    assert [cmd[1:3] for cmd in started] == [["-m", "kiosk.import_parallel"]]
    assert json.loads(started[0][3])["builds"]
    with sqlite3.connect(db) as conn:
        index = load_snapshot(conn, current_generation(conn))
    assert index is not None
    assert state(index) == state(built_from_catalog(db))


def test_a_builder_worker_that_dies_while_staging_declines_with_its_error(tmp_path: Path) -> None:
    # Its result is read as a line (it runs on after it): no line is a failed worker, and says why.
    pool = import_parallel._Workers(tmp_path / "missing.jsonl", "jsonl", [import_parallel.Part(0, 10, True, True)],
                                    [tmp_path / "stage-0.sqlite3"], 1, search=True)
    try:
        assert pool.index_builder() is not None
        with pytest.raises(import_parallel.Decline, match="(?s)worker failed: .*FileNotFoundError"):
            pool.result(0)
        assert pool.finished(0)
    finally:
        pool.stop()


def test_a_builder_workers_result_line_is_its_parts_result_whatever_it_does_next(tmp_path: Path) -> None:
    # The line says the part is staged: a builder that then ends (killed,
    # failed) costs the index at most, never the import's staged part.
    import subprocess
    import sys

    pool = import_parallel._Workers(tmp_path / "missing.jsonl", "jsonl", [import_parallel.Part(0, 10, True, True)],
                                    [tmp_path / "stage-0.sqlite3"], 1, search=True)
    try:
        pool.procs[0].kill()
        pool.procs[0].communicate()
        line = json.dumps({"ok": True, "products": 1, "variants": 2, "warnings": ["w"]})
        pool.procs[0] = subprocess.Popen(
            [sys.executable, "-c", f"import sys; sys.stdout.write({line!r} + '\\n'); sys.stdout.flush(); sys.exit(3)"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
        pool.procs[0].wait()
        assert pool.finished(0)
        assert pool.result(0) == {"ok": True, "products": 1, "variants": 2, "warnings": ["w"]}
    finally:
        pool.stop()
