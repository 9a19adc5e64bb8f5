"""Import benchmark: the 200k-variant catalog through ``kiosk import`` beside raw sqlite3.

The headline is the import **with the search index built**: the import's
time plus the first search after it (which loads the index the import
saved with the catalog, or builds it from the catalog when there is none).

What is measured, each on a fresh migrated database file (WAL,
synchronous=NORMAL, foreign keys on, as the kiosk opens it):

* ``import_file`` of the CSV and of the JSONL catalog: read, validate every
  product (barcode check digits, prices, ...), check SKU/barcode ownership,
  write in one transaction, call the search index hook. A file this size
  takes the bulk path (kiosk.import_parallel): worker processes validate
  parts of the file and stage rows, the importer copies them in with
  INSERT ... SELECT, variants and barcodes in key order, the non-unique
  indexes rebuilt after the copy; a builder process makes the search index
  meanwhile (kiosk.import_index), saved with the import. Its CPU column
  counts the workers and the builder too;
* the same JSONL imported again over the full database (the idempotent
  re-import a nightly feed takes: the bulk path's merge, which touches only
  changed rows);
* the peer: raw ``sqlite3.executemany`` of exactly the rows the importer
  writes (same tables, same INSERT statements, rows prepared beforehand and
  not timed): the floor for getting this data into SQLite from Python;
* the first search after each import (a new ``SearchEngine``, as a
  restarted kiosk makes it): counted as part of the import;
* for reference, the in-memory search index built from the catalog when no
  saved copy exists (what the first search would do without the builder);
* ``lookup_code`` latency on the 200k database beside a raw sqlite3 query
  on the same index.

Usage::

    .venv/bin/python bench/bench_import.py [--variants 200000] [--runs 3]

Prints tables (median and worst run; the machines here are shared and
noisy, so compare the ratio to the peer, measured in the same run).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.catalog_200k import DEFAULT_DEST, build  # noqa: E402
from kiosk import catalog_store  # noqa: E402
from kiosk.db import BUSY_TIMEOUT_MS, open_db  # noqa: E402
from kiosk.importer import import_file  # noqa: E402
from kiosk.lookup import _SQL_BARCODE, lookup_in  # noqa: E402
from kiosk.models import UTCDateTime  # noqa: E402
from kiosk.records import category_slug_path, parse_product  # noqa: E402


def fresh_db(tmp: Path, name: str) -> Path:
    """A new, migrated, empty kiosk database file (migration not timed)."""
    path = tmp / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    open_db(path).dispose()
    return path


def raw_rows(jsonl: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The exact rows the importer writes for this catalog, as tuples."""
    to_db = UTCDateTime().process_bind_param
    cats: dict[str, tuple[Any, ...]] = {}
    products, variants, barcodes, images, tags = [], [], [], [], []
    with jsonl.open(encoding="utf-8") as fh:
        for line in fh:
            rec = parse_product(json.loads(line))
            nodes = category_slug_path(rec.category)
            for cid, name, parent, path, depth in nodes:
                cats.setdefault(cid, (cid, name, parent, path, depth, 0))
            products.append((rec.id, rec.name, rec.brand, rec.description, nodes[-1][0] if nodes else None,
                             rec.online_url, rec.platform_product_id, int(rec.featured), to_db(rec.updated_at, None)))
            for pos, v in enumerate(rec.variants):
                variants.append((v.id, rec.id, v.sku, v.title, json.dumps(v.options), pos, v.price_minor,
                                 v.compare_at_minor, v.currency, v.stock, int(v.online_available), v.aisle, v.bay,
                                 v.platform_variant_id, v.image))
                barcodes.extend((code, v.id) for code in v.barcodes)
            images.extend((rec.id, pos, url, "") for pos, url in enumerate(rec.images))
            tags.extend((rec.id, tag) for tag in rec.tags)
    return {"categories": list(cats.values()), "products": products, "variants": variants, "barcodes": barcodes,
            "images": images, "tags": tags}


Timing = tuple[float, float]  # (wall seconds, CPU seconds of this process and the workers it waited for)


def _cpu() -> float:
    """CPU seconds of this process plus its finished children (the import's worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def raw_insert(db: Path, rows: dict[str, list[tuple[Any, ...]]]) -> Timing:
    """The peer: plain sqlite3.executemany of the same rows, one transaction."""
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"busy_timeout={BUSY_TIMEOUT_MS}", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    statements = [
        (catalog_store._SQL_CATEGORIES, rows["categories"]),
        (catalog_store._SQL_PRODUCTS_WITH_TIME, rows["products"]),
        (catalog_store._SQL_VARIANTS, rows["variants"]),
        (catalog_store._SQL_BARCODES, rows["barcodes"]),
        (catalog_store._SQL_IMAGES, rows["images"]),
        (catalog_store._SQL_TAGS, rows["tags"]),
    ]
    wall, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN")
    for sql, data in statements:
        conn.executemany(sql, data)
    conn.execute("COMMIT")
    elapsed = (time.perf_counter() - wall, time.process_time() - cpu)
    conn.close()
    return elapsed


def timed_import(db: Path, path: Path) -> tuple[Timing, Timing]:
    """The import, then the first search after it (loading the index saved with it, or building one)."""
    from kiosk.search import SearchEngine

    engine = open_db(db)
    try:
        wall, cpu = time.perf_counter(), _cpu()
        report = import_file(engine, path)
        imported = (time.perf_counter() - wall, _cpu() - cpu)
        if not report.ok:
            raise SystemExit(f"import failed: {report.summary()}\n" + "\n".join(map(str, report.errors[:10])))
        wall, cpu = time.perf_counter(), _cpu()
        SearchEngine(engine).search("shirt")
        return imported, (time.perf_counter() - wall, _cpu() - cpu)
    finally:
        engine.dispose()


def index_build(db: Path) -> Timing:
    """Time of a first search that builds the in-memory index from the catalog (no saved copy)."""
    from kiosk.search import SearchEngine

    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM search_snapshots")
    engine = open_db(db)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        SearchEngine(engine).search("shirt")
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        engine.dispose()


def lookup_latencies(db: Path, codes: list[str]) -> tuple[list[float], list[float]]:
    """Per-lookup seconds: kiosk.lookup on a held connection, and a raw sqlite3 query."""
    engine = open_db(db)
    ours: list[float] = []
    raw: list[float] = []
    clock = time.perf_counter
    try:
        with engine.connect() as conn:
            for code in codes:
                t = clock()
                lookup_in(conn, code)
                ours.append(clock() - t)
    finally:
        engine.dispose()
    rc = sqlite3.connect(db)
    for code in codes:
        t = clock()
        rc.execute(_SQL_BARCODE, (code,)).fetchone()
        raw.append(clock() - t)
    rc.close()
    return ours, raw


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run_many(fn: Callable[[], Timing], runs: int) -> list[Timing]:
    out = []
    for _ in range(runs):
        gc.collect()
        out.append(fn())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Import benchmark (see module docstring).")
    parser.add_argument("--variants", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (median and worst shown)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DEST, help="where the generated catalog is cached")
    parser.add_argument("--lookups", type=int, default=20_000)
    args = parser.parse_args(argv)

    paths = build(args.data, variants=args.variants)
    n = paths.variants
    print(f"catalog: {paths.products:,} products, {n:,} variants ({paths.csv.name}, {paths.jsonl.name})")
    rows = raw_rows(paths.jsonl)
    assert len(rows["variants"]) == n

    raw_label = "raw sqlite3.executemany (same rows; no index)"
    results: dict[str, list[tuple[Timing, Timing | None]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp_dir:
        tmp = Path(tmp_dir)
        # Interleave ours and the peer so both see the same machine load.
        for _ in range(args.runs):
            for label, fn in (
                (raw_label, lambda: (raw_insert(fresh_db(tmp, "raw"), rows), None)),
                ("kiosk import CSV", lambda: timed_import(fresh_db(tmp, "csv"), paths.csv)),
                ("kiosk import JSONL", lambda: timed_import(fresh_db(tmp, "jsonl"), paths.jsonl)),
            ):
                gc.collect()
                results.setdefault(label, []).append(fn())
        full = tmp / "jsonl.sqlite3"
        results["kiosk re-import JSONL (idempotent, full DB)"] = [timed_import(full, paths.jsonl)
                                                                  for _ in range(args.runs)]
        builds = run_many(lambda: index_build(full), args.runs)

        rng = random.Random(7)
        codes = [rng.choice(rows["barcodes"])[0] for _ in range(args.lookups)]
        ours, raw = lookup_latencies(full, codes)

    def med(values: list[float]) -> float:
        return statistics.median(values)

    raw_wall = med([t[0][0] for t in results[raw_label]])
    raw_cpu = med([t[0][1] for t in results[raw_label]])
    print()
    print(f"Import of {n:,} variants / {paths.products:,} products, {args.runs} runs each, medians (max: worst run).")
    print("with index = the import + the first search after it (which loads the index saved with the import, "
          "or builds it);")
    print("CPU = this process + the import's worker and index builder processes (steadier on a shared machine).")
    print(f"{'':46} {'import':>7} {'1st srch':>8} | {'with index':>10} {'max':>6} {'CPU':>6} {'variants/s':>10} "
          f"{'v/s CPU':>8} {'x raw':>6} {'x raw CPU':>9} | {'v/s w/o index':>13}")
    for label, times in results.items():
        imports = [t[0] for t in times]
        firsts = [t[1] for t in times if t[1] is not None]
        totals = [(i[0] + f[0], i[1] + f[1]) if f else i for i, f in zip(imports, (t[1] for t in times))]
        walls, cpus = [t[0] for t in totals], [t[1] for t in totals]
        wall, cpu = med(walls), med(cpus)
        first = f"{med([f[0] for f in firsts]):8.2f}" if firsts else f"{'-':>8}"
        print(f"{label:46} {med([i[0] for i in imports]):7.2f} {first} | {wall:10.2f} {max(walls):6.2f} {cpu:6.2f} "
              f"{n / wall:10,.0f} {n / cpu:8,.0f} {wall / raw_wall:6.2f} {cpu / raw_cpu:9.2f} | "
              f"{n / med([i[0] for i in imports]):13,.0f}")
    print(f"{'for reference: search index built from the catalog (no saved copy)':68} "
          f"wall {med([b[0] for b in builds]):.2f} s, CPU {med([b[1] for b in builds]):.2f} s")
    print()
    print(f"Lookup of {len(codes):,} scanned barcodes on the {n:,}-variant database")
    print(f"{'':52} {'p50 us':>9} {'p99 us':>9}")
    for label, values in (("kiosk.lookup.lookup_in (held connection)", ours),
                          ("raw sqlite3 SELECT on the same index", raw)):
        print(f"{label:52} {pct(values, 50) * 1e6:9.1f} {pct(values, 99) * 1e6:9.1f}")
    print(f"{'ratio p50 / p99':52} {pct(ours, 50) / pct(raw, 50):9.1f} {pct(ours, 99) / pct(raw, 99):9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
