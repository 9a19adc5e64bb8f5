"""``kiosk.db.DeferredEngine``: the catalog engine made on first use, once, by whichever thread asks."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from kiosk.catalog_store import upsert_products
from kiosk.db import DeferredEngine, database_path, head_revision, resolve_engine, stored_revision
from kiosk.models import Product
from kiosk.records import parse_product
from kiosk.search import SearchEngine


def test_it_is_made_once_however_many_threads_ask_at_the_same_time(engine: Engine, db_path: Path) -> None:
    lazy = DeferredEngine(db_path)
    assert not lazy.opened and database_path(lazy) == str(db_path)
    assert not lazy.opened, "reading the path must not make the engine"
    go = threading.Barrier(8)
    seen: list[Engine] = []

    def use() -> None:
        go.wait()
        with lazy.connect() as conn:  # an Engine method, forwarded
            conn.execute(text("SELECT 1"))
        seen.append(resolve_engine(lazy))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert lazy.opened and len(seen) == 8
    assert all(e is seen[0] for e in seen), "one engine, not one per thread"
    lazy.dispose()


def test_code_written_for_an_engine_works_with_it(engine: Engine, db_path: Path) -> None:
    record = parse_product({"id": "P-1", "name": "Oslo sofa", "variants": [
        {"id": "V-1", "sku": "OSLO", "price": "899.00", "currency": "EUR"}]})
    with engine.begin() as conn:
        upsert_products(conn, [record])
    lazy = DeferredEngine(db_path)
    with Session(lazy) as s:  # the ORM binds to it like to an Engine
        assert s.scalars(select(Product.name)).all() == ["Oslo sofa"]
    with lazy.begin() as conn:
        upsert_products(conn, [dataclasses.replace(record, name="Oslo 3-seat sofa")])
    # The search engine reads the file with plain sqlite3 and sees the committed change.
    assert [h.name for h in SearchEngine(lazy).search("oslo").hits] == ["Oslo 3-seat sofa"]
    lazy.dispose()


def test_a_database_that_is_not_current_is_still_migrated_when_it_is_made(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    lazy = DeferredEngine(db)
    assert not db.exists(), "nothing is created before first use"
    with lazy.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM products")).scalar() == 0
    assert stored_revision(db) == head_revision()
    lazy.dispose()
