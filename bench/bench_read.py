"""Read APIs the screens call: our Core queries beside the ORM way, same run.

For each call the screens make from a worker (product page, a grid of 48
cards, "Complete the look", the scene list) this prints the median and p99
latency of ``kiosk.catalog`` / ``kiosk.scenes`` / ``kiosk.recommendations``
and of the straightforward SQLAlchemy ORM equivalent (``Session.get`` /
``select(Product)`` with ``selectinload`` of the relationships, then the
same fields read into plain values so nothing is left lazy), on two
catalogs: the demo store and the 200,000-variant catalog built from
``../shared/data/flipkart-20k.csv`` (with 300 synthetic scenes added).

Usage::

    .venv/bin/python bench/bench_read.py [--quick] [--rounds 400]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, select  # noqa: E402
from sqlalchemy.orm import Session, joinedload, selectinload  # noqa: E402

from bench.catalog_200k import build as build_catalog  # noqa: E402
from kiosk.catalog import get_product, product_summaries  # noqa: E402
from kiosk.db import open_db  # noqa: E402
from kiosk.demo import load_demo  # noqa: E402
from kiosk.importer import import_file  # noqa: E402
from kiosk.models import Product, Scene, Variant  # noqa: E402
from kiosk.recommendations import complete_the_look  # noqa: E402
from kiosk.scenes import SceneDraft, SceneItemDraft, active_scenes, save_scene  # noqa: E402

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


def orm_product(engine: Engine, pid: str) -> dict | None:
    """The ORM way to read a product page, everything read eagerly."""
    with Session(engine) as s:
        p = s.get(Product, pid, options=[
            selectinload(Product.variants).selectinload(Variant.barcodes),
            selectinload(Product.images), selectinload(Product.tags), joinedload(Product.category)])
        if p is None:
            return None
        return {"name": p.name, "brand": p.brand, "category": p.category.path if p.category else "",
                "images": [i.url for i in p.images], "tags": [t.tag for t in p.tags],
                "variants": [(v.id, v.sku, dict(v.options), v.price_minor, v.compare_at_minor, v.stock_store,
                              v.aisle, v.bay, [b.code for b in v.barcodes]) for v in p.variants]}


def orm_cards(engine: Engine, ids: list[str]) -> list[tuple]:
    """The ORM way to fill a grid of product cards."""
    with Session(engine) as s:
        rows = s.scalars(select(Product).where(Product.id.in_(ids)).options(
            selectinload(Product.variants), selectinload(Product.images))).all()
        by_id = {p.id: p for p in rows}
        out = []
        for pid in ids:
            p = by_id.get(pid)
            if p is None:
                continue
            prices = [v.price_minor for v in p.variants]
            out.append((p.id, p.name, p.brand, min(prices), any(v.stock_store > 0 for v in p.variants),
                        p.images[0].url if p.images else ""))
        return out


def orm_same_category(engine: Engine, pid: str) -> list[str]:
    """The naive "you may also like": eight products of the same category."""
    with Session(engine) as s:
        p = s.get(Product, pid)
        return list(s.scalars(select(Product.id).where(Product.category_id == p.category_id, Product.id != pid)
                              .limit(8)))


def orm_scenes(engine: Engine, store: str) -> list[tuple]:
    """Scenes with their items, the ORM way, filtered in Python."""
    with Session(engine) as s:
        rows = s.scalars(select(Scene).options(selectinload(Scene.items)).order_by(Scene.position)).all()
        return [(r.id, r.title, len(r.items)) for r in rows
                if r.store_id in (None, store) and (r.active_from is None or r.active_from <= NOW)
                and (r.active_to is None or NOW < r.active_to)]


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    """Milliseconds per call over ``rounds`` calls (after two warm-up calls)."""
    fn()
    fn()
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def p99(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(0.99 * len(s))) - 1)]


def add_scenes(engine: Engine, ids: list[str], n: int, rng: random.Random) -> None:
    """``n`` chain-wide scenes of 8 random products (a busy chain's worth)."""
    for i in range(n):
        items = tuple(SceneItemDraft(pid, rng.random(), rng.random()) for pid in rng.sample(ids, 8))
        save_scene(engine, SceneDraft(f"bench-{i}", f"Bench scene {i}", position=i, items=items), None)


def run(label: str, engine: Engine, rounds: int, rng: random.Random) -> list[tuple]:
    with engine.connect() as conn:
        ids = list(conn.execute(select(Product.id)).scalars())
        in_scenes = list(conn.exec_driver_sql("SELECT DISTINCT product_id FROM scene_items").scalars())
    rows = []
    pick = lambda: rng.choice(ids)  # noqa: E731
    rows.append((label, "product page", timed(lambda: get_product(engine, pick()), rounds),
                 "ORM selectinload", timed(lambda: orm_product(engine, pick()), rounds)))
    rows.append((label, "48 cards", timed(lambda: product_summaries(engine, rng.sample(ids, 48)), rounds),
                 "ORM selectinload", timed(lambda: orm_cards(engine, rng.sample(ids, 48)), rounds)))
    rows.append((label, "complete the look (in a scene)",
                 timed(lambda: complete_the_look(engine, rng.choice(in_scenes), 8, now=NOW), rounds),
                 "ORM same category", timed(lambda: orm_same_category(engine, pick()), rounds)))
    rows.append((label, "complete the look (any product)",
                 timed(lambda: complete_the_look(engine, pick(), 8, now=NOW), rounds),
                 "ORM same category", timed(lambda: orm_same_category(engine, pick()), rounds)))
    rows.append((label, "active scenes", timed(lambda: active_scenes(engine, "demo-store", NOW), rounds),
                 "ORM selectinload", timed(lambda: orm_scenes(engine, "demo-store"), rounds)))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="20,000 variants instead of 200,000")
    ap.add_argument("--rounds", type=int, default=400)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="bench-read-"))
    demo = open_db(tmp / "demo.sqlite3")
    load_demo(demo)
    rows = run("demo (362 products)", demo, args.rounds, rng)
    variants = 20_000 if args.quick else 200_000
    paths = build_catalog(ROOT / "bench" / ".data", variants=variants)
    big = open_db(tmp / "big.sqlite3")
    report = import_file(big, paths.jsonl)
    assert report.committed, report.errors[:3]
    with big.connect() as conn:
        big_ids = list(conn.execute(select(Product.id)).scalars())
    add_scenes(big, big_ids, 300, rng)
    rows += run(f"{variants:,} variants", big, args.rounds, rng)
    print(f"\nRead APIs, {args.rounds} calls each, milliseconds (median / p99); ratio = ours / peer\n")
    print("| catalog | call | ours median | ours p99 | peer | peer median | peer p99 | ratio p50 | ratio p99 |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|")
    for label, call, ours, peer_name, peer in rows:
        om, op, pm, pp = statistics.median(ours), p99(ours), statistics.median(peer), p99(peer)
        print(f"| {label} | {call} | {om:.2f} | {op:.2f} | {peer_name} | {pm:.2f} | {pp:.2f} | "
              f"{om / pm:.2f} | {op / pp:.2f} |")
    demo.dispose()
    big.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
