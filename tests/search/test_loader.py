"""What the search index reads of each product: from SQLite, and from rows held in memory (a bulk import)."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from kiosk.catalog_store import upsert_products
from kiosk.records import parse_product
from kiosk.search import SearchEngine
from kiosk.search.loader import load_products, product_rows


def test_a_hit_shows_the_first_variants_sku_even_when_a_later_one_is_in_stock(engine: Engine) -> None:
    # Two min()/max() aggregates in one query let SQLite take the bare
    # columns from either's row: the SKU was the first in-stock variant's.
    with engine.begin() as conn:
        upsert_products(conn, [parse_product({"id": "P-1", "name": "Oslo sofa", "variants": [
            {"id": "V-1", "sku": "OSLO-GREY", "title": "Grey", "price": "899.00", "currency": "EUR", "stock": 0},
            {"id": "V-2", "sku": "OSLO-BLUE", "title": "Blue", "price": "799.00", "currency": "EUR", "stock": 3},
        ]})])
    hit = SearchEngine(engine).search("oslo").hits[0]
    assert (hit.sku, hit.in_stock, hit.price_minor) == ("OSLO-GREY", True, 79900)


def test_rows_in_memory_give_what_load_products_reads(demo_engine: Engine) -> None:
    path = Path(demo_engine.url.database or "")
    with sqlite3.connect(path) as conn:
        expected = load_products(conn)

        def table(name: str) -> tuple[list[tuple], list[str]]:
            cur = conn.execute(f"SELECT * FROM {name}")
            return cur.fetchall(), [d[0] for d in cur.description]

        (products, pcols), (variants, vcols), (images, icols) = map(table, ("products", "variants", "product_images"))
        tags = conn.execute("SELECT product_id, tag FROM product_tags").fetchall()
    # Staged rows come in any order but the products'.
    rng = random.Random(4)
    for rows in (variants, images, tags):
        rng.shuffle(rows)
    got = product_rows(products, variants, images, tags, product_columns=pcols, variant_columns=vcols,
                       image_columns=icols)
    assert got == list(expected.values())
    assert any(r.tags for r in got) and any(r.image_url for r in got) and any(not r.in_stock for r in got)
    assert any(" ; " in r.variant_text for r in got)
