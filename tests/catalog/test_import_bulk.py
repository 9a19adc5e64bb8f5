"""The bulk path of a first import (kiosk.import_parallel): same database as the ordinary path, or it declines.

Each test imports the same file twice, into two fresh databases: once with
the bulk path forced on (worker processes even for a small file), once
with it off, and compares what a user would see: every catalog row, the
schema, the report, the errors.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from kiosk import import_parallel, importer
from kiosk.barcodes import check_digit
from kiosk.db import open_db
from kiosk.importer import ImportReport, import_file

from .conftest import CATALOG_TABLES, count, write_jsonl


def ean13(n: int) -> str:
    body = f"20{n:010d}"
    return body + str(check_digit(body))


def catalog(n: int = 240, *, long_text: int = 0) -> list[dict[str, Any]]:
    """``n`` varied, valid products (1-4 variants, categories, tags, images, one without a time in five)."""
    cats = [["Furniture", "Sofas"], ["Furniture", "Chairs"], ["Kitchen"], ["Garden", "Tools", "Hand tools"],
            ["Décor", "Vases"], [], ["Home & Garden"], ["Home Garden", "Pots"]]
    out = []
    code = 0
    for i in range(n):
        variants = []
        for j in range(1 + i % 4):
            code += 2
            variants.append({
                "id": f"V-{i}-{j}", "sku": f"SKU-{i}-{j}", "title": f"Colour {j}",
                "options": {"Colour": f"C{j}"} if j % 2 else {"Colour": f"C{j}", "Size": "M"},
                "price": f"{10 + i}.{j}5", "compare_at_price": f"{20 + i}.00" if j == 0 else None,
                "currency": "EUR", "barcodes": [[ean13(code)], [ean13(code)], [], [ean13(code), ean13(code + 1)]][j],
                "stock": (i * j) % 7,
                "online_available": bool(j % 2), "aisle": str(i % 30), "bay": "ABC"[j % 3],
                "platform_variant_id": str(4000 + code), "image": ""})
        out.append({
            "id": f"P-{i:04d}", "name": f"Product {i} ‘Ø’", "brand": f"Brand {i % 9}",
            "description": f"Line one of {i}.\n" + "A longer line of text, with a comma.\n" * long_text + "End.",
            "category": cats[i % len(cats)], "tags": [f"tag{i % 5}", "all"] if i % 3 else [],
            "images": [f"https://cdn.example.com/{i}.jpg"] if i % 4 else [],
            "online_url": f"https://shop.example.com/p/{i}", "platform_product_id": f"PP{i}",
            "featured": i % 10 == 0, "updated_at": None if i % 5 == 0 else "2026-11-01T10:00:00Z",
            "variants": variants})
    return out


def write_csv(path: Path, products: list[dict[str, Any]]) -> Path:
    """One row per variant, product columns repeated on every row (as spreadsheets export)."""
    header = ["product_id", "variant_id", "sku", "barcode", "name", "brand", "category", "variant_title",
              "option:Colour", "option:Size", "price", "compare_at_price", "currency", "description",
              "image_url", "aisle", "bay", "stock", "tags", "online_url", "online_available",
              "platform_product_id", "platform_variant_id", "featured", "updated_at"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for p in products:
            for v in p["variants"]:
                w.writerow([p["id"], v["id"], v["sku"], "|".join(v["barcodes"]), p["name"], p["brand"],
                            " > ".join(p["category"]), v["title"], v["options"].get("Colour", ""),
                            v["options"].get("Size", ""), v["price"], v["compare_at_price"] or "", v["currency"],
                            p["description"], "|".join(p["images"]), v["aisle"], v["bay"], v["stock"],
                            "|".join(p["tags"]), p["online_url"], "yes" if v["online_available"] else "no",
                            p["platform_product_id"], v["platform_variant_id"], "yes" if p["featured"] else "no",
                            p["updated_at"] or ""])
    return path


KEYS = {"categories": "id", "products": "id", "variants": "id", "barcodes": "code",
        "product_images": "product_id, position", "product_tags": "product_id, tag", "scenes": "id",
        "scene_items": "scene_id, position"}


def content(engine: Engine, *, by_key: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every catalog row in insertion order, and the schema; a product's arrival time is not compared (two clocks)."""
    out = {}
    with engine.connect() as conn:
        for table in CATALOG_TABLES:
            # By key where the order of rows differs: the ordinary path writes each batch's timed products
            # before the untimed ones; the bulk path writes variants and barcodes sorted by key. Products
            # keep the file's order there (the search index reads them in table order).
            order = KEYS[table] if by_key else {"products": "id", "variants": "id", "barcodes": "code"}.get(table,
                                                                                                      "rowid")
            rows = [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY {order}")]
            if table == "products":
                rows = [r[:-1] + (r[-1] if r[-1].startswith("2026-11-01") else "arrival",) for r in rows]
            out[table] = rows
        out["schema"] = sorted(conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    return out


def summary(report: ImportReport) -> tuple[Any, ...]:
    return (report.committed, report.products_read, report.variants_read, report.products_written,
            report.variants_written, report.products_rejected, report.rows_rejected,
            [str(e) for e in report.errors], report.warnings)


@pytest.fixture
def both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[Any, Any, bool]]:
    """Import a file with the bulk path forced on and with it off; returns both results and whether bulk did it."""

    def run(path: Path, workers: int = 2, **kwargs: Any) -> tuple[Any, Any, bool]:
        results = []
        took: list[bool] = []
        real_bulk = importer.bulk_import

        def spy(*args: Any) -> bool:
            took.append(real_bulk(*args))
            return took[-1]

        for mode in ("bulk", "plain"):
            monkeypatch.setattr(import_parallel, "MIN_BYTES", 0)
            monkeypatch.setattr(importer, "bulk_import", spy)
            monkeypatch.setenv("KIOSK_IMPORT_WORKERS", str(workers) if mode == "bulk" else "0")
            engine = open_db(tmp_path / f"{mode}-{path.name}.sqlite3")
            try:
                report = import_file(engine, path, **kwargs)
                results.append((summary(report), content(engine)))
            finally:
                engine.dispose()
        return results[0], results[1], bool(took and took[0])

    return run


@pytest.mark.parametrize(("workers", "parts_per_worker"), [(2, 1), (3, 1), (2, 3)])
def test_jsonl_bulk_import_gives_the_same_database(both: Callable[..., Any], tmp_path: Path, workers: int,
                                                   parts_per_worker: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # (2, 3): six parts through two worker slots, each copied as it comes.
    monkeypatch.setattr(import_parallel, "_PARTS_PER_WORKER", parts_per_worker)
    bulk, plain, took = both(write_jsonl(tmp_path / "c.jsonl", catalog()), workers=workers)
    assert took, "the bulk path should have imported this clean file"
    assert bulk == plain
    assert bulk[0][0] and bulk[0][4] == sum(len(p["variants"]) for p in catalog())


def test_blank_lines_and_crlf_endings_are_read_as_by_the_ordinary_path(both: Callable[..., Any],
                                                                       tmp_path: Path) -> None:
    # The bulk path cuts the file and reads each part's lines itself: blank
    # and whitespace-only lines skipped, a line's own leading space kept, the
    # last line without its newline, all as the ordinary reader does.
    lines = [json.dumps(p) for p in catalog()]
    for i in (3, 120, 250):
        lines.insert(i, " \t ")
    lines.insert(60, "")
    lines[200] = "  " + lines[200]
    path = tmp_path / "blank.jsonl"
    path.write_bytes("\r\n".join(lines).encode())
    bulk, plain, took = both(path)
    assert took, "the bulk path should have imported this clean file"
    assert bulk == plain
    assert bulk[0][0] and bulk[0][1] == len(catalog())


def test_categories_first_seen_after_a_batch_within_a_part_are_made(both: Callable[..., Any], tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Batches of 7 products, a category of its own for every product: most
    # first appear after a batch of their part was made (they once went
    # into that finished batch and were never created).
    monkeypatch.setattr(importer, "BATCH_PRODUCTS", 7)
    products = [{**p, "category": ["Aisle", f"Shelf {i}"]} for i, p in enumerate(catalog())]
    bulk, plain, took = both(write_jsonl(tmp_path / "c.jsonl", products))
    assert took
    assert bulk == plain
    assert all(p[4] is not None for p in bulk[1]["products"]), "every product has its category"


def test_products_copied_before_or_after_their_categories_are_made_get_the_same_ones(
        both: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A part copied while a category batch is pending gets its products'
    # categories at the end (UPDATE); a part copied once every category is
    # made takes them in the copy itself. Both in one import: each part is
    # copied as soon as it is staged, the last after the builder's request
    # made the last batch; every product its own category, batches of 7.
    monkeypatch.setattr(importer, "BATCH_PRODUCTS", 7)
    monkeypatch.setattr(import_parallel._Workers, "finished", lambda self, i: False)
    ways: list[tuple[list[str], set[str]]] = []
    real_end = import_parallel._Copier._categories_end

    def spy(self: Any) -> None:
        ways.append((list(self.names), set(self._categorised)))
        real_end(self)

    monkeypatch.setattr(import_parallel._Copier, "_categories_end", spy)
    products = [{**p, "category": ["Aisle", f"Shelf {i}"]} for i, p in enumerate(catalog())]
    bulk, plain, took = both(write_jsonl(tmp_path / "c.jsonl", products), workers=3)
    assert took
    assert bulk == plain
    assert all(p[4] is not None for p in bulk[1]["products"]), "every product has its category"
    names, categorised = ways[0]
    assert len(names) == 3 and names[-1] in categorised and set(names) - categorised, ways


def test_a_first_bulk_import_leaves_every_reference_valid_and_foreign_keys_on(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The copy into an empty catalog runs without SQLite's per-row foreign key lookups.
    monkeypatch.setattr(import_parallel, "MIN_BYTES", 0)
    monkeypatch.setenv("KIOSK_IMPORT_WORKERS", "2")
    engine = open_db(tmp_path / "kiosk.sqlite3")
    try:
        assert import_file(engine, write_jsonl(tmp_path / "c.jsonl", catalog())).committed
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert count(engine, "barcodes") > 0
    finally:
        engine.dispose()


def _during_import(engine: Engine, path: Path, look: Callable[[], Any]) -> tuple[ImportReport, list[Any]]:
    """Import ``path`` (bulk, 2 workers) calling ``look`` inside its transaction, once every row is written."""
    seen: list[Any] = []
    report = import_file(engine, path, progress=lambda _report: seen.append(look()))
    assert report.committed and seen
    return report, seen


def _products_seen_by_a_new_kiosk_process(db: Path) -> str:
    """What a kiosk process started now reads: its product count, or the error it got."""
    import subprocess
    import sys

    code = ("import sys\nfrom kiosk.db import open_db\ne = open_db(sys.argv[1])\n"
            "with e.connect() as c:\n    print(c.exec_driver_sql('SELECT count(*) FROM products').scalar())")
    done = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or done.stderr.strip()[-300:]


def test_a_first_bulk_import_nobody_else_has_open_commits_through_a_rollback_journal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Into an empty catalog nearly every page is new: a rollback journal
    # writes them once (the WAL wrote them twice: WAL, then checkpoint). A
    # kiosk process that starts meanwhile still opens the database and reads
    # the catalog as it was, and the file is back in WAL afterwards.
    monkeypatch.setattr(import_parallel, "MIN_BYTES", 0)
    monkeypatch.setenv("KIOSK_IMPORT_WORKERS", "2")
    db = tmp_path / "kiosk.sqlite3"
    engine = open_db(db)  # its migration connection stays in the pool: the import closes it
    try:
        report, seen = _during_import(engine, write_jsonl(tmp_path / "c.jsonl", catalog()), lambda: (
            Path(f"{db}-journal").exists(), _products_seen_by_a_new_kiosk_process(db)))
        assert seen == [(True, "0")]
        assert report.products_written == 240
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL again
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert not Path(f"{db}-journal").exists()
        assert _products_seen_by_a_new_kiosk_process(db) == "240"
    finally:
        engine.dispose()
    # The mode is the file's: a connection without the kiosk's pragmas sees WAL too.
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_first_bulk_import_with_a_reader_beside_stays_on_the_wal(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Another process (the kiosk app) has the database open: it must keep
    # reading the old catalog during the import, without waiting.
    import contextlib
    import sqlite3

    from kiosk.db import apply_sqlite_pragmas

    monkeypatch.setattr(import_parallel, "MIN_BYTES", 0)
    monkeypatch.setenv("KIOSK_IMPORT_WORKERS", "2")
    db = tmp_path / "kiosk.sqlite3"
    engine = open_db(db)
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=0)) as reader:  # no waiting allowed
            apply_sqlite_pragmas(reader, busy_timeout_ms=0)
            assert reader.execute("SELECT count(*) FROM products").fetchone() == (0,)
            _, seen = _during_import(engine, write_jsonl(tmp_path / "c.jsonl", catalog()), lambda: (
                Path(f"{db}-journal").exists(), reader.execute("SELECT count(*) FROM products").fetchone()[0]))
            assert seen == [(False, 0)]
            assert reader.execute("SELECT count(*) FROM products").fetchone() == (240,)
            assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        engine.dispose()


@pytest.mark.parametrize("workers", [2, 3])
def test_csv_bulk_import_gives_the_same_database(both: Callable[..., Any], tmp_path: Path, workers: int) -> None:
    bulk, plain, took = both(write_csv(tmp_path / "c.csv", catalog(long_text=2)), workers=workers)
    assert took
    assert bulk == plain


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_file_is_cut_at_row_starts_the_first_part_its_share_the_others_equal(tmp_path: Path, fmt: str) -> None:
    # The first part is the importer's own (a first import): its share of
    # the file, the workers' parts equal. Every byte in exactly one part,
    # every cut at a line start.
    products = catalog()
    path = write_jsonl(tmp_path / "c.jsonl", products) if fmt == "jsonl" else write_csv(tmp_path / "c.csv", products)
    data = path.read_bytes()
    for count, first in ((3, 0.2), (2, 0.0), (2, 0.47)):
        parts = import_parallel.split(path, fmt, count, first)
        assert len(parts) == count and parts[0].start == 0 and parts[-1].end == len(data)
        assert all(a.end == b.start for a, b in zip(parts, parts[1:]))
        assert all(data[p.start - 1:p.start] == b"\n" for p in parts[1:])
        sizes = [p.end - p.start for p in parts]
        shares = [size / len(data) for size in sizes]
        expected = [first] + [(1 - first) / (count - 1)] * (count - 1) if first else [1 / count] * count
        assert all(abs(a - b) < 0.02 for a, b in zip(shares, expected)), (shares, expected)


def test_a_jsonl_file_is_cut_at_the_first_line_start_after_each_share(tmp_path: Path) -> None:
    # A JSONL cut is found without reading the file before it: it must be
    # the first line start after the share's byte, as a scan from the top
    # finds it (also when that byte is itself a line start).
    path = write_jsonl(tmp_path / "c.jsonl", catalog())
    data = path.read_bytes()
    starts = [i + 1 for i, byte in enumerate(data) if byte == 0x0A][:-1]
    for count, first in ((2, 0.47), (3, 0.0), (4, 0.3)):
        parts = import_parallel.split(path, "jsonl", count, first)
        for k, part in enumerate(parts[1:], start=1):
            share = first + (1 - first) * (k - 1) / (count - 1) if first else k / count
            target = max(int(len(data) * share), parts[k - 1].start)
            assert part.start == min(s for s in starts if s > target)
    on_a_line_start = starts[len(starts) // 2]
    share = on_a_line_start / len(data)
    while int(len(data) * share) < on_a_line_start:
        share = share * (1 + 1e-12)
    assert int(len(data) * share) == on_a_line_start
    cut = import_parallel.split(path, "jsonl", 2, share)[1].start
    assert cut == min(s for s in starts if s > on_a_line_start)


def test_csv_split_inside_a_quoted_cell_is_declined(both: Callable[..., Any], tmp_path: Path) -> None:
    # Every description is a quoted cell over three lines. A stray quote in
    # an unquoted cell (12" ruler: the CSV reader keeps it as text) throws
    # the quote count off, so the cut lands inside a description, where a
    # line start is no row start: the first worker sees it and declines.
    path = write_csv(tmp_path / "quoted.csv", catalog(long_text=1))
    path.write_text(path.read_text(encoding="utf-8").replace("Product 0 ‘Ø’", 'Product 0 12" ruler'),
                    encoding="utf-8")
    part = import_parallel.split(path, "csv", 2)[0]
    assert import_parallel.stage_part(path, "csv", part, tmp_path / "stage.sqlite3") == {
        "ok": False, "why": "the split point is inside a quoted cell"}
    bulk, plain, took = both(path)
    assert not took
    assert bulk == plain and bulk[0][0]


def _both_formats_rejected_as_by_the_ordinary_path(both: Callable[..., Any], tmp_path: Path,
                                                   products: list[dict[str, Any]]) -> None:
    """The file, as JSONL and as CSV, is rejected with both its errors, as the ordinary path does, and changes nothing."""
    for fmt in ("jsonl", "csv"):
        path = write_jsonl(tmp_path / "bad.jsonl", products) if fmt == "jsonl" else write_csv(tmp_path / "bad.csv",
                                                                                           products)
        bulk, plain, took = both(path)
        assert not took
        assert bulk == plain
        assert not bulk[0][0] and len(bulk[0][7]) == 2  # rejected, both errors reported
        assert all(not rows for table, rows in bulk[1].items() if table != "schema")


def test_errors_in_any_part_are_reported_as_by_the_ordinary_path(both: Callable[..., Any], tmp_path: Path) -> None:
    products = catalog()
    products[200]["variants"][0]["barcodes"] = ["4006381333932"]  # bad check digit, in the second half
    products[230]["variants"][0]["sku"] = products[10]["variants"][0]["sku"]  # a SKU used twice, across parts
    _both_formats_rejected_as_by_the_ordinary_path(both, tmp_path, products)


def test_errors_in_the_importers_own_part_change_nothing_and_are_reported_as_by_the_ordinary_path(
        both: Callable[..., Any], tmp_path: Path) -> None:
    # The first part of a first import is validated in the importer's
    # process and its variants written straight into the catalog: a problem
    # there must roll back and leave the report to the ordinary path too.
    products = catalog()
    products[20]["variants"][0]["barcodes"] = ["4006381333932"]  # bad check digit
    products[105]["variants"][0]["sku"] = products[5]["variants"][0]["sku"]  # a SKU twice, two chunks of part 1
    _both_formats_rejected_as_by_the_ordinary_path(both, tmp_path, products)
    # With only the repeated SKU (every check of the part passes): the catalog's unique index refuses it.
    products[20]["variants"][0]["barcodes"] = []
    bulk, plain, took = both(write_jsonl(tmp_path / "dup-sku.jsonl", products))
    assert not took
    assert bulk == plain
    assert not bulk[0][0] and "SKU" in bulk[0][7][0]


def test_a_first_import_writes_its_first_part_straight_into_the_catalog(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Into an empty catalog the importer validates the first part itself:
    # one worker process fewer, and that part's rows are never staged (nor
    # copied). A re-import (the merge) stages every part. The last part's
    # worker builds the search index: its own search rows are never written.
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(import_parallel, "MIN_BYTES", 0)
    monkeypatch.setenv("KIOSK_IMPORT_WORKERS", "2")
    started: list[int] = []
    real_workers = import_parallel._Workers

    def workers(path: Path, fmt: str, parts: list[Any], *args: Any, **kwargs: Any) -> Any:
        started.append(len(parts))
        return real_workers(path, fmt, parts, *args, **kwargs)

    monkeypatch.setattr(import_parallel, "_Workers", workers)
    engine = open_db(tmp_path / "kiosk.sqlite3")
    path = write_jsonl(tmp_path / "c.jsonl", catalog())

    def staged() -> list[str]:
        return sorted(f.name for f in scratch.glob("kiosk-import-*/stage-*"))

    try:
        first, seen = _during_import(engine, path, staged)
        assert started == [1]
        assert seen == [["stage-0.search", "stage-1.sqlite3"]]
        assert first.variants_written == sum(len(p["variants"]) for p in catalog())
        again, seen = _during_import(engine, path, staged)
        assert started == [1, 2]
        assert seen == [["stage-0.search", "stage-0.sqlite3", "stage-1.sqlite3"]]
        assert again.variants_written == first.variants_written
    finally:
        engine.dispose()


def test_duplicate_product_across_parts_is_declined(both: Callable[..., Any], tmp_path: Path) -> None:
    products = catalog()
    dup = json.loads(json.dumps(products[3]))
    for v in dup["variants"]:
        v["id"] += "-x"
        v["sku"] += "-x"
        v["barcodes"] = []
    products.append(dup)
    bulk, plain, took = both(write_jsonl(tmp_path / "dup.jsonl", products), skip_invalid=True)
    assert not took
    assert bulk == plain
    assert bulk[0][0] and "already appears at line 4" in bulk[0][7][0]


def changed_catalog() -> list[dict[str, Any]]:
    """catalog() as a nightly feed changes it: stock, titles, a variant gone, a code moved, new images..."""
    products = json.loads(json.dumps(catalog()))
    products[3]["variants"][0]["stock"] = 99
    products[3]["variants"][1]["title"] = "Renamed"
    products[5]["variants"].pop()
    moved = products[7]["variants"][0]["barcodes"].pop()
    products[9]["variants"][0]["barcodes"].append(moved)  # a code moves between two products of the file
    products[9]["images"] = ["https://cdn.example.com/new.jpg"]
    products[9]["tags"] = ["fresh"]
    products[10]["category"] = ["Garden", "Tools", "Hand tools"]
    products[12]["updated_at"] = "2026-11-02T08:00:00Z"
    del products[11]  # not in the feed any more: stays as it is
    products.append({**json.loads(json.dumps(products[1])), "id": "P-NEW", "variants": [
        {**products[1]["variants"][0], "id": "V-NEW", "sku": "SKU-NEW", "barcodes": []}]})
    return products


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_reimport_into_a_full_catalog_gives_the_same_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              fmt: str) -> None:
    write = write_jsonl if fmt == "jsonl" else write_csv
    first = write(tmp_path / f"first.{fmt}", catalog())
    second = write(tmp_path / f"second.{fmt}", changed_catalog())
    results = []
    took: list[bool] = []
    real_bulk = importer.bulk_import
    monkeypatch.setattr(importer, "bulk_import", lambda *a: took.append(real_bulk(*a)) or took[-1])
    for workers in ("2", "0"):
        engine = open_db(tmp_path / f"reimport-{workers}.sqlite3")
        try:
            monkeypatch.setenv("KIOSK_IMPORT_WORKERS", "0")
            assert import_file(engine, first).ok
            monkeypatch.setenv("KIOSK_IMPORT_WORKERS", workers)
            report = import_file(engine, second)
            again = import_file(engine, second)  # idempotent
            results.append((summary(report), summary(again)[:5], content(engine, by_key=True)))
        finally:
            engine.dispose()
    assert took == [True, True]  # the bulk path merged both times
    assert results[0] == results[1]
    assert results[0][0][0]


def test_reimport_taking_a_code_of_a_product_not_in_the_file_is_reported(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    products = changed_catalog()
    products[20]["variants"][0]["sku"] = catalog()[11]["variants"][0]["sku"]  # P-0011 is not in the file
    second = write_jsonl(tmp_path / "thief.jsonl", products)
    results = []
    for workers in ("2", "0"):
        engine = open_db(tmp_path / f"thief-{workers}.sqlite3")
        try:
            monkeypatch.setenv("KIOSK_IMPORT_WORKERS", "0")
            assert import_file(engine, write_jsonl(tmp_path / "first.jsonl", catalog())).ok
            before = content(engine, by_key=True)
            monkeypatch.setenv("KIOSK_IMPORT_WORKERS", workers)
            report = import_file(engine, second)
            assert content(engine, by_key=True) == before  # rejected: nothing changed
            results.append(summary(report))
        finally:
            engine.dispose()
    assert results[0] == results[1]
    assert "already belongs to product 'P-0011'" in results[0][7][0]


def _processes_mentioning(text: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(("moment", "journal"), [("staging", "wal"), ("staging", "rollback"), ("index", "rollback")])
def test_a_kiosk_killed_mid_bulk_import_loses_nothing(tmp_path: Path, engine: Engine, db_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch, moment: str,
                                                      journal: str) -> None:
    import os
    import subprocess
    import tempfile
    import time

    from .conftest import KIOSK

    products = catalog(30000)
    for p in products:
        p["variants"] = p["variants"][:2]
    path = write_jsonl(tmp_path / "big.jsonl", products)
    schema = content(engine)["schema"]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "KIOSK_DB": str(db_path), "KIOSK_IMPORT_WORKERS": "2", "TMPDIR": str(scratch),
           "HOME": str(tmp_path)}
    if journal == "rollback":
        # Nobody else has the file open: a first import takes a rollback journal (else the WAL).
        engine.dispose()
    proc = subprocess.Popen([str(KIOSK), "import", str(path)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        # Kill it once the workers are writing their staging files (the import's
        # transaction is open by then: write lock taken, indexes dropped in it),
        # or once the search index builder (the last part's worker) is asked
        # for the index (the parts are being copied).
        def reached() -> bool:
            if moment == "index":
                return any(scratch.glob("kiosk-import-*/search-index.pickle.request.json"))
            return any(f.stat().st_size > 200_000 for f in scratch.glob("kiosk-import-*/stage-*.sqlite3"))

        deadline = time.monotonic() + 60
        while not reached():
            assert proc.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        proc.kill()
        assert Path(f"{db_path}-journal").exists() == (journal == "rollback")
    finally:
        proc.wait()
    # The workers and the index builder end with the importer (nothing left burning the kiosk's CPU).
    deadline = time.monotonic() + 30
    while _processes_mentioning(str(scratch)):
        assert time.monotonic() < deadline, "worker processes outlived the killed import"
        time.sleep(0.02)
    # Nothing of the import is in the database, and the schema (indexes included) is intact.
    after = content(engine)
    assert after["schema"] == schema
    assert all(not rows for table, rows in after.items() if table != "schema")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert not Path(f"{db_path}-journal").exists()  # the killed import's journal was rolled back
    # And the next import goes through, and clears the killed one's staging files.
    assert list(scratch.glob("kiosk-import-*"))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("KIOSK_IMPORT_WORKERS", "2")
    assert import_file(engine, write_jsonl(tmp_path / "small.jsonl", catalog(20))).ok
    assert not list(scratch.glob("kiosk-import-*"))


def test_workers_that_cannot_start_leave_it_to_the_ordinary_path(tmp_path: Path, engine: Engine,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # A packaged kiosk may have no Python to start workers with.
    import sys

    monkeypatch.setenv("KIOSK_IMPORT_WORKERS", "2")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    report = import_file(engine, write_jsonl(tmp_path / "c.jsonl", catalog(30)))
    assert report.ok and report.variants_written == sum(len(p["variants"]) for p in catalog(30))
