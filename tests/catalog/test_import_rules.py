"""All-or-nothing imports, --skip-invalid, idempotent re-imports, products that claim each other's codes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from kiosk.catalog_store import delete_products, upsert_products, upsert_scenes
from kiosk.importer import import_file
from kiosk.lookup import lookup_code
from kiosk.records import parse_product, parse_scene

from .conftest import (
    CSV_HEADER,
    EAN8,
    EAN13,
    EAN13_B,
    count,
    dump_tables,
    product,
    small_catalog,
    variant,
    write_json_catalog,
    write_jsonl,
)

BAD_CSV = (
    CSV_HEADER + "\n"
    "P-1,S-1,5012345678900,Sofa,Nordhem,Furniture > Sofas,899.00,EUR,,,12,B,4\n"
    "P-1,S-2,4006381333932,,,,899.00,EUR,,,12,B,4\n"          # line 3: bad check digit
    "P-2,S-3,,Chair,,Furniture > Chairs,12.5x,EUR,,,1,A,1\n"  # line 4: bad price, its only row
    "P-3,S-4,,Stool,,Furniture > Chairs,30.00,EUR,,,1,A,-2\n"  # line 5: negative stock
    "P-3,S-5,,,,,30.00,EUR,,,1,A,3\n"
    "P-4,S-6,,Lamp,,Lighting,20.00,EUR,,,2,A,1\n"
    "P-4,S-7,,Lamp shade,,,20.00,EUR,,,2,A,1\n"               # line 8: name differs from line 7
    "P-5,S-8,,Vase,,Decor,5.00,EUR,,,3,A,x\n"                 # line 9: stock not a number, its only row
)


def test_a_bad_row_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, write_json_catalog(tmp_path / "before.json", small_catalog()))
    before = dump_tables(engine)
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    report = import_file(engine, path)
    assert not report.committed and report.rejected
    assert (report.products_written, report.variants_written) == (0, 0)
    assert dump_tables(engine) == before
    # Every problem is listed at once, in file order, as file:line: column: why.
    assert [str(e).split(": ", 1)[1] for e in report.errors] == [
        "barcode: barcode '4006381333932': wrong check digit for EAN-13 (expected 1, got 2)",
        "price: not a price: '12.5x' (expected digits like 12.50)",
        "stock: must be at least 0, got -2",
        "name: 'Lamp shade' differs from line 7 for the same product_id 'P-4' (leave it blank on later rows)",
        "stock: 'x' is not a whole number",
    ]
    assert [e.line for e in report.errors] == [3, 4, 5, 8, 9]
    assert all(str(e).startswith(f"{path}:") for e in report.errors)


def test_skip_invalid_imports_the_good_rows(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    report = import_file(engine, path, skip_invalid=True)
    assert report.committed and not report.ok
    assert len(report.errors) == 5 and report.rows_rejected == 5
    assert (report.products_written, report.variants_written) == (3, 3)
    assert report.products_rejected == 2  # P-2 and P-5: no good row left
    with_rows = {}
    with engine.connect() as conn:
        for pid, sku in conn.exec_driver_sql("SELECT product_id, sku FROM variants ORDER BY sku"):
            with_rows.setdefault(pid, []).append(sku)
    assert with_rows == {"P-1": ["S-1"], "P-3": ["S-5"], "P-4": ["S-6"]}
    assert "skipped 2 products, 5 rows with 5 errors" in report.summary()


def test_skip_invalid_on_jsonl_skips_whole_products(engine: Engine, tmp_path: Path) -> None:
    products = small_catalog()
    products[1]["variants"][0]["price"] = 349  # a number: refused
    path = write_jsonl(tmp_path / "c.jsonl", [products[0], products[1], "not an object", products[2], products[0]])
    strict = import_file(engine, path)
    assert not strict.committed and count(engine, "products") == 0
    report = import_file(engine, path, skip_invalid=True)
    assert report.committed
    assert [(e.line, e.field) for e in report.errors] == [(2, "variants[0].price"), (3, "product"), (5, "id")]
    assert "already appears at line 1" in report.errors[2].message
    assert report.products_written == 2 and count(engine, "products") == 2


def test_reimporting_the_same_file_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    scenes = [{"id": "S1", "title": "Corner", "items": [{"product_id": "P-1001", "x": 0.5, "y": 0.5}]}]
    path = write_json_catalog(tmp_path / "c.json", small_catalog(), scenes)
    first = import_file(engine, path)
    assert first.ok
    snapshot = dump_tables(engine)
    second = import_file(engine, path)
    assert second.ok and second.products_written == 3
    assert second.scenes_written == 0  # unchanged scenes keep their version
    assert dump_tables(engine) == snapshot  # includes updated_at of P-2001, which has none in the file


def test_reimport_replaces_variants_barcodes_images_tags(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, write_json_catalog(tmp_path / "a.json", small_catalog()))
    changed = small_catalog()
    changed[1]["variants"] = changed[1]["variants"][:1]  # Red armchair discontinued
    changed[1]["variants"][0]["barcodes"] = []
    changed[1]["images"] = []
    changed[1]["tags"] = ["new tag"]
    report = import_file(engine, write_json_catalog(tmp_path / "b.json", changed))
    assert report.ok
    with engine.connect() as conn:
        skus = [r[0] for r in conn.exec_driver_sql("SELECT sku FROM variants WHERE product_id='P-1002'")]
        tags = [r[0] for r in conn.exec_driver_sql("SELECT tag FROM product_tags WHERE product_id='P-1002'")]
        images = conn.exec_driver_sql("SELECT count(*) FROM product_images WHERE product_id='P-1002'").scalar_one()
    assert skus == ["NH-BERG-BLU"] and tags == ["new tag"] and images == 0
    assert lookup_code(engine, EAN13_B) is None  # its barcode went with it
    assert count(engine, "barcodes") == 2


def test_sku_of_another_product_is_a_per_record_error(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, write_json_catalog(tmp_path / "a.json", small_catalog()))
    thief = product(id="P-3000", name="Copycat", variants=[variant(id="V-3000", sku="NH-BERG-BLU", barcodes=[])])
    path = write_jsonl(tmp_path / "b.jsonl", [thief])
    report = import_file(engine, path)
    assert not report.committed
    assert str(report.errors[0]) == f"{path}:1: variants[0].sku: SKU 'NH-BERG-BLU' already belongs to product 'P-1002'"
    thief2 = product(id="P-3001", name="Copycat 2", variants=[variant(id="V-3001", sku="NEW", barcodes=[EAN8])])
    ok = product(id="P-3002", name="Fine", variants=[variant(id="V-3002", sku="FINE", barcodes=[])])
    report = import_file(engine, write_jsonl(tmp_path / "c.jsonl", [thief2, ok]), skip_invalid=True)
    assert report.committed and report.products_written == 1
    assert report.errors[0].message == f"barcode {EAN8} already belongs to product 'P-2001'"
    assert lookup_code(engine, EAN8).product_id == "P-2001"  # type: ignore[union-attr]


def test_codes_may_move_between_products_in_one_file(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, write_json_catalog(tmp_path / "a.json", small_catalog()))
    # The EAN-13 moves from P-1001 to P-2001, which comes *before* P-1001 in
    # the file: it is only free once P-1001 has been rewritten without it.
    catalog = small_catalog()
    catalog[2]["variants"][1]["barcodes"] = [EAN13]
    catalog[0]["variants"][0]["barcodes"] = []
    report = import_file(engine, write_jsonl(tmp_path / "b.jsonl", [catalog[2], catalog[1], catalog[0]]))
    assert report.ok, [str(e) for e in report.errors]
    assert lookup_code(engine, EAN13).product_id == "P-2001"  # type: ignore[union-attr]


def test_two_products_in_one_file_with_the_same_sku(engine: Engine, tmp_path: Path) -> None:
    a = product(id="A", variants=[variant(id="VA", sku="SAME", barcodes=[])])
    b = product(id="B", variants=[variant(id="VB", sku="SAME", barcodes=[])])
    report = import_file(engine, write_jsonl(tmp_path / "dup.jsonl", [a, b]))
    assert not report.committed
    assert [(e.line, e.message) for e in report.errors] == [(2, "SKU 'SAME' already belongs to product 'A'")]


def test_store_api_runs_in_the_callers_transaction(engine: Engine) -> None:
    recs = [parse_product(p) for p in small_catalog()]
    with engine.connect() as conn:
        trans = conn.begin()
        result = upsert_products(conn, recs)
        assert result.written == ["P-1001", "P-1002", "P-2001"] and result.variants == 5
        trans.rollback()
    assert count(engine, "products") == 0
    with engine.begin() as conn:
        upsert_products(conn, recs)
        upsert_scenes(conn, [parse_scene({"id": "S", "title": "T", "items": [{"product_id": "P-1001", "x": 0, "y": 1}]})])
    with engine.begin() as conn:
        assert delete_products(conn, ["P-1001", "P-unknown"]) == 1
    assert count(engine, "products") == 2
    assert lookup_code(engine, EAN13) is None
    # The scene keeps naming the product; it shows again when it comes back.
    assert count(engine, "scene_items") == 1


def test_scene_version_is_bumped_only_on_change(engine: Engine) -> None:
    scene = {"id": "S", "title": "T", "items": [{"product_id": "P", "x": 0.1, "y": 0.2}]}
    with engine.begin() as conn:
        assert upsert_scenes(conn, [parse_scene(scene)]) == 1
        assert upsert_scenes(conn, [parse_scene(scene)]) == 0
        assert upsert_scenes(conn, [parse_scene({**scene, "items": [{"product_id": "P", "x": 0.3, "y": 0.2}]})]) == 1
        version = conn.exec_driver_sql("SELECT version FROM scenes WHERE id='S'").scalar_one()
    assert version == 2


def test_import_makes_products_searchable(engine: Engine, tmp_path: Path) -> None:
    from kiosk.search import SearchEngine

    search = SearchEngine(engine)
    assert not any(h.product_id == "P-1002" for h in search.search("bergen").hits)
    import_file(engine, write_json_catalog(tmp_path / "a.json", small_catalog()))
    hits = search.search("bergen arm").hits
    assert hits and hits[0].product_id == "P-1002"


def test_fresh_catalog_tracking_matches_the_database_lookups(engine: Engine) -> None:
    from kiosk.catalog_store import FreshCatalog

    recs = [parse_product(p) for p in small_catalog()]
    with engine.connect() as conn:
        trans = conn.begin()
        fresh = FreshCatalog.if_empty(conn)
        assert fresh is not None
        upsert_products(conn, recs, fresh=fresh)
        assert FreshCatalog.if_empty(conn) is None  # not empty any more
        # Rewriting a product in the same transaction releases its old codes.
        moved = parse_product(product(variants=[variant(sku="NH-OSLO-NEW", barcodes=[])]))
        assert upsert_products(conn, [moved], fresh=fresh).written == ["P-1001"]
        taker = parse_product(product(id="P-9", variants=[variant(id="V-9", sku="NH-OSLO-3-GRY", barcodes=[EAN13])]))
        thief = parse_product(product(id="P-10", variants=[variant(id="V-10", sku="X", barcodes=[EAN8])]))
        with_fresh = upsert_products(conn, [taker, thief], fresh=fresh)
        trans.rollback()
    with engine.begin() as conn:
        upsert_products(conn, recs)
        upsert_products(conn, [moved])
        with_db = upsert_products(conn, [taker, thief])
    assert with_fresh.written == with_db.written == ["P-9"]
    assert [(r.id, str(e)) for r, e in with_fresh.rejected] == [(r.id, str(e)) for r, e in with_db.rejected] == [
        ("P-10", f"variants[0].barcodes[0]: barcode {EAN8} already belongs to product 'P-2001'")]
    assert count(engine, "variants") == 6


def test_categories_made_elsewhere_are_reused_by_path(engine: Engine, tmp_path: Path) -> None:
    # A category tree that did not come from this importer (other ids), and
    # two spellings of a name that share a slug: products land in existing rows.
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO categories (id, name, parent_id, path, depth, position) "
                             "VALUES ('cat-1', 'Furniture', NULL, 'Furniture', 0, 0)")
        conn.exec_driver_sql("INSERT INTO categories (id, name, parent_id, path, depth, position) "
                             "VALUES ('home-garden', 'Home & Garden', NULL, 'Home & Garden', 0, 0)")
    catalog = small_catalog()
    catalog[2]["category"] = ["Home Garden", "Pots"]
    report = import_file(engine, write_json_catalog(tmp_path / "c.json", catalog))
    assert report.ok, [str(e) for e in report.errors]
    with engine.connect() as conn:
        cats = dict(conn.exec_driver_sql("SELECT products.id, categories.path FROM products "
                                         "JOIN categories ON categories.id = products.category_id").fetchall())
        sofas = conn.exec_driver_sql("SELECT id, parent_id FROM categories WHERE path = 'Furniture > Sofas'").one()
    assert cats == {"P-1001": "Furniture > Sofas", "P-1002": "Furniture > Chairs", "P-2001": "Home & Garden > Pots"}
    assert tuple(sofas) == ("cat-1/sofas", "cat-1")
