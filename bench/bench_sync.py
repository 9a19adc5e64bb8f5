"""Sync benchmark: a kiosk syncing 200,000 variants from the reference central server.

One run, one machine, loopback only:

* **Full sync**: an empty kiosk database syncs the whole catalog from
  ``kiosk central serve`` (a separate process) end to end: HTTP pages,
  response checks, durable staging, parsing every record, and the one-
  transaction apply (products, variants, barcodes, images, tags, search
  index). Beside it, the peer: raw ``sqlite3.executemany`` of the very same
  product/variant/barcode rows into the same schema (prebuilt tuples, no
  network, no parsing, no index): the floor of what SQLite can do. Ratio =
  ours / peer.
* **Unchanged poll**: after a sync, each poll must be exactly one request,
  answered 304 with zero body bytes, and write nothing to the kiosk
  database (``PRAGMA data_version`` seen from another connection, and the
  database/WAL files' sizes and mtimes, are unchanged).
* **1,000 changed products**: a partial publish changes the price of 1,000
  products (10,000 variants); the kiosk's next sync: time to apply and bytes
  transferred, compared with the full sync's.

The catalog comes from ``bench/catalog_200k.py`` (Flipkart sample, 20,000
products x 10 variants).

Usage::

    .venv/bin/python bench/bench_sync.py                 # 200,000 variants
    .venv/bin/python bench/bench_sync.py --variants 20000 --polls 50
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as a script from anywhere
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.catalog_200k import build as build_catalog  # noqa: E402
from kiosk.db import open_db  # noqa: E402
from kiosk.records import parse_product  # noqa: E402
from kiosk.sync.client import CentralClient  # noqa: E402
from kiosk.sync.pull import Progress, sync_once  # noqa: E402

PORT = 18190
STORE = "BENCH"


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of ``values``."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q / 100 * len(s) + 0.5)) - 1))]


def start_server(db_url: str, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli.main", "central", "serve", "--host", "127.0.0.1",
                             "--port", str(PORT), "--db", db_url], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=log.open("ab"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"central server exited ({proc.returncode}); see {log}")
        try:
            requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("central server did not start")


def peer_rows(products: list[dict[str, Any]]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The product, variant and barcode rows the kiosk ends up with, as plain tuples."""
    prows, vrows, brows = [], [], []
    now = "2026-11-22T00:00:00.000000+00:00"
    for obj in products:
        rec = parse_product(obj)
        prows.append((rec.id, rec.name, rec.brand, rec.description, None, rec.online_url,
                      rec.platform_product_id, int(rec.featured), now))
        for pos, v in enumerate(rec.variants):
            vrows.append((v.id, rec.id, v.sku, v.title, json.dumps(v.options), pos, v.price_minor,
                          v.compare_at_minor, v.currency, v.stock, int(v.online_available), v.aisle, v.bay,
                          v.platform_variant_id, v.image))
            brows.extend((code, v.id) for code in v.barcodes)
    return prows, vrows, brows


def peer_insert(db: Path, rows: tuple[list[tuple], list[tuple], list[tuple]]) -> float:
    """Raw sqlite3.executemany of the rows into the kiosk schema, one transaction; seconds."""
    prows, vrows, brows = rows
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    t = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO products (id, name, brand, description, category_id, online_url, "
                     "platform_product_id, featured, updated_at) VALUES (?,?,?,?,?,?,?,?,?)", prows)
    conn.executemany("INSERT INTO variants (id, product_id, sku, title, options, position, price_minor, "
                     "compare_at_minor, currency, stock_store, online_available, aisle, bay, platform_variant_id, "
                     "image_url) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", vrows)
    conn.executemany("INSERT INTO barcodes (code, variant_id) VALUES (?,?)", brows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


def file_state(db: Path) -> tuple:
    out = []
    for suffix in ("", "-wal"):
        p = Path(f"{db}{suffix}")
        st = p.stat() if p.exists() else None
        out.append((st.st_size, st.st_mtime_ns) if st else None)
    return tuple(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", type=int, default=200_000)
    ap.add_argument("--polls", type=int, default=100, help="unchanged polls to time")
    ap.add_argument("--delta-runs", type=int, default=3, help="runs of the 1,000-product change")
    ap.add_argument("--page-size", type=int, default=1000)
    args = ap.parse_args(argv)

    paths = build_catalog(ROOT / "bench" / ".data", variants=args.variants)
    products = [json.loads(line) for line in paths.jsonl.open(encoding="utf-8")]
    n_variants = sum(len(p["variants"]) for p in products)
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    central_url = f"sqlite:///{work / 'central.sqlite3'}"
    print(f"catalog: {len(products):,} products, {n_variants:,} variants; work dir {work}", flush=True)

    from kiosk.central.auth import create_token
    from kiosk.central.db import open_central_db, write_tx
    from kiosk.central.publish import publish_objects
    from kiosk.central.stores import ensure_store

    ceng = open_central_db(central_url)
    t = time.perf_counter()
    publish_objects(ceng, products, store_id=STORE, chain_id="bench")
    print(f"published into central in {time.perf_counter() - t:.1f} s", flush=True)
    with write_tx(ceng) as conn:
        ensure_store(conn, STORE, "bench")
        token = create_token(conn, store_id=STORE)
    server = start_server(central_url, work / "central.log")
    results: dict[str, Any] = {}
    try:
        # ---- full sync, end to end
        db = work / "kiosk.sqlite3"
        engine = open_db(db)
        client = CentralClient(f"http://127.0.0.1:{PORT}", STORE, token, read_timeout=120)
        marks: dict[str, float] = {}

        def on_apply() -> None:
            marks["apply"] = time.perf_counter()

        def on_progress(p: Progress) -> None:
            marks.setdefault("first_page", time.perf_counter())

        t0 = time.perf_counter()
        res = sync_once(engine, client, page_size=args.page_size, on_apply_start=on_apply, progress=on_progress)
        full_s = time.perf_counter() - t0
        assert res.applied.upserted == len(products) and not res.applied.rejected, res.applied.counts()
        full_body, full_wire, full_requests = client.stats.body_bytes, client.stats.wire_bytes, client.stats.requests
        apply_s = time.perf_counter() - t0 - (marks["apply"] - t0)
        fetch_s = marks["apply"] - t0
        print(f"full sync: {full_s:.1f} s ({fetch_s:.1f} s fetch+stage, {apply_s:.1f} s apply), "
              f"{full_requests} requests, {full_body / 1e6:.1f} MB", flush=True)

        # ---- peer: raw executemany of the same rows
        rows = peer_rows(products)
        peer_times = []
        for i in range(3):
            pdb = work / f"peer-{i}.sqlite3"
            open_db(pdb).dispose()  # the same schema and indexes, migrated
            peer_times.append(peer_insert(pdb, rows))
        peer_s = statistics.median(peer_times)

        # ---- unchanged polls
        sync_once(engine, client, page_size=args.page_size)  # learns the head cursor's ETag
        watcher = sqlite3.connect(db)
        poll_times, bad_polls = [], 0
        for _ in range(args.polls):
            dv, fs = watcher.execute("PRAGMA data_version").fetchone()[0], file_state(db)
            r0, b0 = client.stats.requests, client.stats.body_bytes
            t = time.perf_counter()
            r = sync_once(engine, client, page_size=args.page_size)
            poll_times.append(time.perf_counter() - t)
            ok = (r.not_modified and client.stats.requests - r0 == 1 and client.stats.body_bytes == b0
                  and watcher.execute("PRAGMA data_version").fetchone()[0] == dv and file_state(db) == fs)
            bad_polls += 0 if ok else 1
        watcher.close()

        # ---- 1,000 changed products
        rng = random.Random(7)
        delta_times, delta_apply, delta_bytes, delta_requests = [], [], [], []
        for run in range(args.delta_runs):
            chosen = rng.sample(range(len(products)), 1000)
            changed = []
            for i in chosen:
                p = json.loads(json.dumps(products[i]))
                for v in p["variants"]:
                    v["price"] = f"{float(v['price']) + 1 + run:.2f}"
                changed.append(p)
            publish_objects(ceng, changed, store_id=STORE, chain_id="bench", full=False)
            b0, r0 = client.stats.body_bytes, client.stats.requests
            marks.clear()
            t = time.perf_counter()
            r = sync_once(engine, client, page_size=args.page_size, on_apply_start=on_apply)
            delta_times.append(time.perf_counter() - t)
            delta_apply.append(time.perf_counter() - marks["apply"])
            assert r.applied.upserted == 1000, r.applied.counts()
            delta_bytes.append(client.stats.body_bytes - b0)
            delta_requests.append(client.stats.requests - r0)
        engine.dispose()
        client.close()
    finally:
        server.terminate()
        server.wait(15)
        ceng.dispose()

    ours_rate = n_variants / full_s
    peer_rate = n_variants / peer_s
    print()
    print(f"{'measure':44} {'ours':>14} {'peer':>14} {'ratio':>8}")
    print("-" * 84)
    print(f"{'full sync ' + format(n_variants, ',') + ' variants (s)':44} {full_s:14.2f} {peer_s:14.2f} "
          f"{full_s / peer_s:8.1f}")
    print(f"{'  variants/s':44} {ours_rate:14,.0f} {peer_rate:14,.0f} {ours_rate / peer_rate:8.2f}")
    print(f"{'  of which fetch + stage (s)':44} {fetch_s:14.2f}")
    print(f"{'  of which apply transaction (s)':44} {apply_s:14.2f}")
    print(f"{'  requests / body MB':44} {full_requests:>8} / {full_body / 1e6:5.1f}")
    print(f"{'unchanged poll median / p99 (ms)':44} {statistics.median(poll_times) * 1000:8.1f} / "
          f"{pct(poll_times, 99) * 1000:5.1f}")
    print(f"{'  polls not exactly 1x304, 0 B, 0 writes':44} {bad_polls:>8} of {args.polls}")
    print(f"{'1,000 changed products: sync median (s)':44} {statistics.median(delta_times):14.2f}")
    print(f"{'  apply transaction median (s)':44} {statistics.median(delta_apply):14.2f}")
    print(f"{'  body bytes median (MB) / share of full':44} {statistics.median(delta_bytes) / 1e6:8.2f} / "
          f"{statistics.median(delta_bytes) / full_body * 100:4.1f} %")
    print(f"{'  requests':44} {statistics.median(delta_requests):>8.0f}")
    print(f"\npeer runs (s): {', '.join(f'{x:.2f}' for x in peer_times)}; "
          f"1,000-change runs (s): {', '.join(f'{x:.2f}' for x in delta_times)}")
    return 0 if bad_polls == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
