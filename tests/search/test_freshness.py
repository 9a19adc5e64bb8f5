"""The engine follows catalog changes committed by any connection, never a half-written one."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, update

from kiosk.db import open_db
from kiosk.models import Variant
from kiosk.search import SearchEngine
from kiosk.search.index import FULL_REBUILD_IDS, update_index
from tests.search.catalog import P, load, remove, write_products
from tests.search.conftest import ids


def test_change_committed_by_another_connection_shows_up(catalog: Engine, db_path: Path) -> None:
    se = SearchEngine(catalog)
    assert se.search("hammock").total == 0
    writer = open_db(db_path)  # a second engine: its own connections, as another process would have
    try:
        load(writer, [P("P-50", "Rope hammock", "Verde", ("Garden",))])
        assert ids(se.search("hammock")) == ["P-50"]
        assert "P-50" in ids(se.search("", category="garden"))
        # An update: renamed, and the old name no longer finds it.
        load(writer, [P("P-50", "Canvas swing seat", "Verde", ("Garden",))])
        assert se.search("hammock").total == 0
        assert ids(se.search("swing")) == ["P-50"]
        # A deletion.
        remove(writer, ["P-50", "P-1"])
        assert se.search("swing").total == 0
        assert "P-1" not in ids(se.search("sofa", limit=50))
        assert se.search("", limit=50).total == 8
    finally:
        writer.dispose()


def test_stock_change_moves_a_product_and_feeds_the_stock_filter(live_search: SearchEngine, catalog: Engine) -> None:
    assert live_search.search("bookshelf", in_stock=True).total == 0
    with catalog.begin() as conn:
        conn.execute(update(Variant).where(Variant.product_id == "P-8").values(stock_store=5))
        update_index(conn, ["P-8"])
    assert ids(live_search.search("bookshelf", in_stock=True)) == ["P-8"]


def test_uncommitted_and_rolled_back_writes_are_never_searched(live_search: SearchEngine, catalog: Engine) -> None:
    assert live_search.search("", limit=50).total == 9
    conn = catalog.connect()
    tx = conn.begin()
    write_products(conn, [P("P-60", "Half written hammock")])
    update_index(conn, ["P-60"])
    assert live_search.search("hammock").total == 0  # not committed yet
    tx.rollback()
    conn.close()
    assert live_search.search("hammock").total == 0
    assert live_search.search("", limit=50).total == 9


def test_a_large_change_rebuilds_the_whole_index(live_search: SearchEngine, catalog: Engine) -> None:
    many = [P(f"B-{i}", f"Bulk item {i}", category=("Bulk",)) for i in range(FULL_REBUILD_IDS + 5)]
    assert live_search.search("bulk").total == 0
    load(catalog, many)
    assert live_search.search("bulk").total == len(many)
    assert live_search.search("", category="bulk").total == len(many)
    assert ids(live_search.search("oslo")) == ["P-1"]  # the rest is still there


def test_many_small_patches_keep_results_right(live_search: SearchEngine, catalog: Engine) -> None:
    for round_ in range(30):
        load(catalog, [P("P-2", f"Sofa cushion mark{round_}", "Softy", ("Textiles", "Cushions"))])
        result = live_search.search(f"mark{round_}")
        assert ids(result) == ["P-2"], round_
        assert live_search.search("sofa cushion").total == 1
    assert live_search.search("mark0 ").total == 0


def test_refresh_picks_up_writes_that_skipped_the_log(live_search: SearchEngine, catalog: Engine) -> None:
    with catalog.begin() as conn:
        write_products(conn, [P("P-70", "Unlogged lantern")])  # a buggy writer: no update_index
    live_search.refresh()
    assert ids(live_search.search("lantern")) == ["P-70"]


def test_one_engine_serves_many_threads_while_the_catalog_changes(live_search: SearchEngine, catalog: Engine) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()
    queries = ["s", "so", "sofa", "oak b", "沙发", "creme", "wardorbe", "", "garden ch"]

    def reader() -> None:
        try:
            while not stop.is_set():
                for q in queries:
                    result = live_search.search(q, limit=5)
                    assert len(result.hits) <= 5
                    assert result.total >= len(result.hits)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(25):
            load(catalog, [P(f"T-{i}", f"Threaded teapot {i}", category=("Kitchen",))])
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors[0]
    assert live_search.search("teapot", limit=100).total == 25


def test_a_word_moving_from_description_to_name_gets_typo_tolerance(live_search: SearchEngine, catalog: Engine) -> None:
    load(catalog, [P("P-80", "Plain box", description="A hatstand-friendly box.")])
    assert live_search.search("hatstnad").total == 0  # typos do not reach descriptions
    load(catalog, [P("P-81", "Oak hatstand")])  # a patch: the word is now in a name
    assert ids(live_search.search("hatstnad")) == ["P-81"]
