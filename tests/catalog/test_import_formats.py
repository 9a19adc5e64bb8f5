"""Importing each file format from real files into a real SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.importer import import_file
from kiosk.lookup import lookup_code
from kiosk.records import product_to_json, parse_product

from .conftest import (
    CSV_HEADER,
    EAN8,
    EAN13,
    UPCA,
    count,
    dump_tables,
    product,
    small_catalog,
    variant,
    write_json_catalog,
    write_jsonl,
)


def _variant_row(engine: Engine, sku: str) -> dict:
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT * FROM variants WHERE sku = ?", (sku,)).mappings().one()
        return dict(row)


def test_json_catalog_with_scenes(engine: Engine, tmp_path: Path) -> None:
    scenes = [{"id": "S1", "title": "Reading corner", "hero_image": "asset:demo/scenes/s1.png",
               "items": [{"product_id": "P-1002", "x": 0.4, "y": 0.7, "note": "Blue"},
                         {"product_id": "P-9999", "x": 0.1, "y": 0.1}]}]
    path = write_json_catalog(tmp_path / "catalog.json", small_catalog(), scenes)
    report = import_file(engine, path)
    assert report.ok, report.errors
    assert (report.format, report.products_written, report.variants_written, report.scenes_written) == ("json", 3, 5, 1)
    assert count(engine, "products") == 3 and count(engine, "variants") == 5 and count(engine, "barcodes") == 4
    assert count(engine, "scene_items") == 2
    # A scene may name a product the store does not carry yet: imported, with a note.
    assert any("P-9999" in w for w in report.warnings)
    v = _variant_row(engine, "NH-OSLO-3-GRY")
    assert (v["price_minor"], v["compare_at_minor"], v["currency"], v["stock_store"], v["aisle"], v["bay"]) == (
        89900, 99900, "EUR", 4, "12", "B")
    assert json.loads(v["options"]) == {"Colour": "Grey"}


def test_json_catalog_builds_the_category_tree(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, write_json_catalog(tmp_path / "c.json", small_catalog()))
    with engine.connect() as conn:
        cats = {r.id: (r.name, r.parent_id, r.path, r.depth) for r in conn.exec_driver_sql("SELECT * FROM categories")}
        prod_cat = dict(conn.exec_driver_sql("SELECT id, category_id FROM products").fetchall())
    assert cats["furniture"] == ("Furniture", None, "Furniture", 0)
    assert cats["furniture/sofas"] == ("Sofas", "furniture", "Furniture > Sofas", 1)
    assert cats["textiles/kitchen-textiles"][1] == "textiles"
    assert prod_cat == {"P-1001": "furniture/sofas", "P-1002": "furniture/chairs", "P-2001": "textiles/kitchen-textiles"}


def test_jsonl_import_and_line_numbers(engine: Engine, tmp_path: Path) -> None:
    good = small_catalog()
    path = write_jsonl(tmp_path / "c.jsonl", good)
    report = import_file(engine, path)
    assert report.ok and report.products_written == 3
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(good[0]) + "\n\n" + '{"id": "P-2", "name": "x",\n' + json.dumps(good[1]) + "\n",
                   encoding="utf-8")
    report = import_file(engine, bad)
    assert not report.committed
    assert [str(e) for e in report.errors] == [f"{bad}:3: json: not valid JSON: Expecting property name enclosed "
                                               "in double quotes (column 27)"]


def test_csv_import_with_optional_columns(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        CSV_HEADER + ",variant_id,variant_title,option:Colour,option:Size,compare_at_price,tags,online_url,"
                     "platform_variant_id,online_available\n"
        f'P-1,SOFA-GRY-2,{EAN13},"Oslo sofa, 3-seat",Nordhem,Furniture > Sofas,899.00,EUR,"Deep seats,\n'
        f'washable covers",asset:demo/p1.png,12,B,4,V-1,Grey / 2,Grey,2-seat,999.00,living room|sofa,'
        f"https://shop.example/oslo,4011,yes\n"
        f"P-1,SOFA-BLU-2,{UPCA}|{EAN8},,,,899.00,EUR,,https://cdn.example/p1b.jpg,12,C,0,V-2,Blue / 2,Blue,2-seat,,"
        f"sofa,,4012,no\n",
        encoding="utf-8")
    report = import_file(engine, path)
    assert report.ok, [str(e) for e in report.errors]
    assert (report.format, report.products_written, report.variants_written) == ("csv", 1, 2)
    with engine.connect() as conn:
        p = conn.exec_driver_sql("SELECT * FROM products").mappings().one()
        images = [r[0] for r in conn.exec_driver_sql("SELECT url FROM product_images ORDER BY position")]
        tags = sorted(r[0] for r in conn.exec_driver_sql("SELECT tag FROM product_tags"))
    assert p["name"] == "Oslo sofa, 3-seat"
    assert p["description"] == "Deep seats,\nwashable covers"  # a quoted cell spanning two lines
    assert p["category_id"] == "furniture/sofas"
    assert images == ["asset:demo/p1.png", "https://cdn.example/p1b.jpg"]
    assert tags == ["living room", "sofa"]
    blue = _variant_row(engine, "SOFA-BLU-2")
    assert (blue["id"], blue["title"], blue["compare_at_minor"], blue["online_available"], blue["position"]) == (
        "V-2", "Blue / 2", None, 0, 1)
    assert json.loads(blue["options"]) == {"Colour": "Blue", "Size": "2-seat"}
    found = lookup_code(engine, UPCA)
    assert found is not None and found.variant_id == "V-2"


def test_csv_minimal_columns(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "min.csv"
    path.write_text("product_id,sku,name,price,currency\nP-1,S-1,Mug,4.50,EUR\n", encoding="utf-8")
    report = import_file(engine, path)
    assert report.ok and report.variants_written == 1
    v = _variant_row(engine, "S-1")
    assert (v["id"], v["price_minor"], v["stock_store"]) == ("S-1", 450, 0)


def test_csv_excel_export_with_bom_and_crlf(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + CSV_HEADER + "\r\n"
                      f"P-1,S-1,{EAN13},Tea towel,Hemma,Textiles,9.50,EUR,Linen,,3,A,12\r\n").encode("utf-8"))
    report = import_file(engine, path)
    assert report.ok, report.errors
    assert _variant_row(engine, "S-1")["aisle"] == "3"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT description FROM products").scalar_one() == "Linen"


def test_csv_rows_of_a_product_may_be_scattered(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "scattered.csv"
    path.write_text(CSV_HEADER + "\n"
                    "P-1,S-1,,Sofa,,Furniture,10.00,EUR,,,,,1\n"
                    "P-2,S-2,,Chair,,Furniture,5.00,EUR,,,,,1\n"
                    "P-1,S-3,,,,,11.00,EUR,,,,,1\n", encoding="utf-8")
    report = import_file(engine, path)
    assert report.ok, report.errors
    assert report.products_written == 2
    with engine.connect() as conn:
        skus = conn.exec_driver_sql("SELECT sku FROM variants WHERE product_id='P-1' ORDER BY position").fetchall()
    assert [s[0] for s in skus] == ["S-1", "S-3"]


def test_format_is_detected_from_content(engine: Engine, tmp_path: Path) -> None:
    jsonl = write_jsonl(tmp_path / "export.txt", small_catalog())
    assert import_file(engine, jsonl).format == "jsonl"
    catalog = write_json_catalog(tmp_path / "catalog.data", small_catalog())
    assert import_file(engine, catalog).format == "json"
    csv_file = tmp_path / "sheet.dat"
    csv_file.write_text("product_id,sku,name,price,currency\nP-9,S-9,Mug,4.50,EUR\n", encoding="utf-8")
    assert import_file(engine, csv_file).format == "csv"


def test_explicit_format_overrides_the_extension(engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "products.json", small_catalog())
    report = import_file(engine, path, fmt="jsonl")
    assert report.ok and report.products_written == 3


@pytest.mark.parametrize(
    ("name", "content", "line", "field", "message"),
    [
        ("empty.csv", b"", 1, "file", "is empty"),
        ("blank.csv", b"\r\n\r\n", 1, "file", "is empty"),
        ("empty.jsonl", b"\n\n", 1, "file", "is empty"),
        ("empty.json", b"", 1, "file", "is empty"),
        ("header-only.csv", b"product_id,sku,name,price,currency\n", 0, "file", "has no products"),
        ("no-price.csv", b"product_id,sku,name,currency\nP,S,N,EUR\n", 1, "header", "missing column price"),
        ("data-first.csv", b"P-1,S-1,Mug,4.50,EUR\n", 1, "header", "missing columns product_id, sku, name, price"),
        ("dup.csv", b"product_id,sku,name,price,currency,SKU\n", 1, "header", "column 'sku' appears twice"),
        ("latin1.csv", "product_id,sku,name,price,currency\nP,S,Caf\u00e9,1.00,EUR\n".encode("latin-1"), 2,
         "encoding", "not UTF-8 text (byte 0xE9 at column 8)"),
        ("bare-list.json", b"[]", 1, "format", "bare list"),
        ("no-format.json", b'{"products": []}', 1, "format", "is missing"),
        ("newer.json", b'{"format": "kiosk-catalog", "version": 2, "products": []}', 1, "version",
         "newer than this kiosk understands"),
        ("broken.json", b'{"format": "kiosk-catalog", "version": 1,\n "products": [\n {"id": }]}', 3, "json",
         "not valid JSON"),
        ("catalog-as.jsonl", b'{"format": "kiosk-catalog", "version": 1, "products": []}\n', 1, "format",
         "--format json"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(engine: Engine, tmp_path: Path, name: str, content: bytes,
                                                    line: int, field: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    report = import_file(engine, path, skip_invalid=True)  # even skip-invalid cannot save these
    assert not report.committed
    assert len(report.errors) == 1, report.errors
    err = report.errors[0]
    assert (err.line, err.field) == (line, field), str(err)
    assert message in err.message, str(err)


def test_missing_file_and_unknown_format(engine: Engine, tmp_path: Path) -> None:
    report = import_file(engine, tmp_path / "nope.csv")
    assert not report.committed and report.errors[0].message == "does not exist"
    report = import_file(engine, write_jsonl(tmp_path / "a.jsonl", small_catalog()), fmt="xml")
    assert not report.committed and "unknown format 'xml'" in report.errors[0].message


def test_unknown_csv_columns_are_reported_as_warnings(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_text("product_id,sku,name,price,currency,prise\nP-1,S-1,Mug,4.50,EUR,4\n", encoding="utf-8")
    report = import_file(engine, path)
    assert report.ok
    assert report.warnings == ["column 'prise' is not a catalog column and was ignored"]


def test_canonical_json_written_back_reimports_to_the_same_database(engine: Engine, tmp_path: Path,
                                                                     db_path: Path) -> None:
    catalog = small_catalog()
    import_file(engine, write_json_catalog(tmp_path / "a.json", catalog))
    first = dump_tables(engine)
    recs = [parse_product(p) for p in catalog]
    again = write_jsonl(tmp_path / "b.jsonl", [product_to_json(r) for r in recs])
    assert import_file(engine, again).ok
    assert dump_tables(engine) == first


def test_variant_and_product_counts_in_report(engine: Engine, tmp_path: Path) -> None:
    products = [product(id=f"P{i}", variants=[variant(id=f"V{i}-{j}", sku=f"S{i}-{j}", barcodes=[])
                                              for j in range(3)]) for i in range(2500)]
    report = import_file(engine, write_jsonl(tmp_path / "many.jsonl", products))
    # More than one write batch: the per-batch path and the final index update.
    assert report.ok
    assert (report.products_read, report.variants_read, report.products_written, report.variants_written) == (
        2500, 7500, 2500, 7500)
    assert count(engine, "variants") == 7500


def _doc_block(lang: str) -> str:
    from .conftest import REPO

    text = (REPO / "docs" / "catalog-format.md").read_text(encoding="utf-8")
    start = text.index(f"```{lang}\n") + len(lang) + 4
    return text[start:text.index("```", start)]


def test_the_examples_in_the_format_doc_import(engine: Engine, tmp_path: Path) -> None:
    csv_path = tmp_path / "doc.csv"
    csv_path.write_text(_doc_block("csv"), encoding="utf-8")
    report = import_file(engine, csv_path)
    assert report.ok, [str(e) for e in report.errors]
    assert (report.products_written, report.variants_written) == (1, 2)
    doc_product = json.loads(_doc_block("json").replace("\n", " "))
    assert parse_product(doc_product).variants[0].price_minor == 89900


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_cells = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12) | st.sampled_from(
    ["", "P-1", "S-1", "9.50", "EUR", "4006381333931", "a > b", '"', "\r\n", ",", "|", "\ufeff"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(rows=st.lists(st.lists(_cells, min_size=0, max_size=16), max_size=6),
       raw=st.binary(max_size=64), fmt=st.sampled_from(["csv", "jsonl", "json"]))
def test_no_file_content_crashes_the_importer(engine: Engine, tmp_path: Path, rows: list[list[str]], raw: bytes,
                                              fmt: str) -> None:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_HEADER.split(","))
    writer.writerows(rows)
    path = tmp_path / f"fuzz.{fmt}"
    path.write_bytes(buf.getvalue().encode("utf-8") + raw)
    report = import_file(engine, path)  # must report, never raise
    assert report.committed or report.errors
    for err in report.errors:
        assert err.message and str(err).startswith(str(path))
