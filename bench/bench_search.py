"""Search benchmark: per-keystroke latency and typo recall at 200,000 SKUs.

The catalog comes from ``bench/catalog_200k.py`` (the Flipkart sample scaled
into colour/size variants: 20,000 products, 200,000 variants) and is loaded
with the real importer into a temporary SQLite file. The same query log runs
against, in one process and one run:

* ours: :class:`kiosk.search.SearchEngine` (pure Python, in-memory index);
* tantivy: the Rust search library (PyPI ``tantivy``), an in-RAM index of
  the same product names; each word is ``term OR fuzzy-term`` with the same
  typo budget as ours (1 typo from 5 letters, 2 from 9, transposition = 1),
  the last word as a prefix (fuzzy prefix), all words required;
* naive SQL: ``name LIKE '%query%'`` on the products table (a sample of the
  log: it is far too slow to run in full).

Query log: every prefix, keystroke by keystroke, of a few hundred real
product names (as typed: "s", "sa", ..., "samsung ", "samsung g", ...), plus
one typo'd query per name (a random substitution, transposition or deletion
in a word of 5+ letters; two in words of 9+). Latency is wall time per call
returning the top 10 (with their stored fields) and the total count. Typo
recall@10: the intended product (or one with the very same name; the
Flipkart sample repeats names) is in the top 10.

Usage::

    .venv/bin/python bench/bench_search.py            # 200,000 variants
    .venv/bin/python bench/bench_search.py --quick    # 20,000 variants
    .venv/bin/python bench/bench_search.py --db /tmp/bench.sqlite3   # reuse an imported DB
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bench.catalog_200k import build as build_catalog  # noqa: E402
from kiosk.db import open_db  # noqa: E402
from kiosk.importer import import_file  # noqa: E402
from kiosk.search import SearchEngine  # noqa: E402
from kiosk.search.normalize import query_terms, typo_budget  # noqa: E402

LIMIT = 10


def load_db(variants: int, db: Path | None) -> tuple[Path, float | None]:
    """Import the scaled catalog into ``db`` (reused when already imported)."""
    paths = build_catalog(ROOT / "bench" / ".data", variants=variants)
    if db is None:
        db = Path(tempfile.mkdtemp(prefix="bench-search-")) / "kiosk.sqlite3"
    engine = open_db(db)
    with engine.connect() as conn:
        have = conn.exec_driver_sql("SELECT count(*) FROM variants").scalar_one()
    if have == paths.variants:
        engine.dispose()
        return db, None
    started = time.perf_counter()
    report = import_file(engine, paths.jsonl)
    took = time.perf_counter() - started
    engine.dispose()
    if not report.ok:
        raise SystemExit(f"import failed: {report.summary()}")
    return db, took


def make_log(names: list[tuple[str, str]], n_names: int, seed: int) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Keystroke queries and ``(typo'd query, product id, name)`` triples."""
    rng = random.Random(seed)
    chosen = rng.sample(names, min(n_names, len(names)))
    keystrokes = [name[:i] for _, name in chosen for i in range(1, len(name) + 1)]
    typos: list[tuple[str, str, str]] = []
    for pid, name in chosen:
        words = name.split(" ")
        eligible = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not eligible:
            continue
        i = rng.choice(eligible)
        n_edits = 2 if len(words[i]) >= 9 and rng.random() < 0.5 else 1
        word = words[i]
        for _ in range(n_edits):
            word = _one_typo(word, rng)
        words[i] = word
        typos.append((" ".join(words), pid, name))
    return keystrokes, typos


def _one_typo(word: str, rng: random.Random) -> str:
    kind = rng.choice(("sub", "swap", "del"))
    pos = rng.randrange(1, len(word) - 1)  # keep the first letter, as people mostly do
    if kind == "sub":
        letters = [c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[pos].lower()]
        return word[:pos] + rng.choice(letters) + word[pos + 1 :]
    if kind == "swap" and word[pos] != word[pos + 1]:
        return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    return word[:pos] + word[pos + 1 :]


class Tantivy:
    """The peer: tantivy over the same product names."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        import tantivy

        self.t = tantivy
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("name", stored=True)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)
        writer = self.index.writer(heap_size=128_000_000, num_threads=1)
        for pid, name in rows:
            writer.add_document(tantivy.Document(id=pid, name=name))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, query: str) -> list[str]:
        t = self.t
        terms = query_terms(query)  # the same word splitting and folding as ours
        if not terms:
            return []
        musts = []
        for term in terms:
            budget = typo_budget(term.text)
            exact = t.Query.term_query(self.schema, "name", term.text)
            fuzzy = t.Query.fuzzy_term_query(self.schema, "name", term.text, distance=budget,
                                             transposition_cost_one=True, prefix=term.prefix)
            musts.append((t.Occur.Must, t.Query.boolean_query([
                (t.Occur.Should, t.Query.boost_query(exact, 2.0)), (t.Occur.Should, fuzzy)])))
        result = self.searcher.search(t.Query.boolean_query(musts), LIMIT, count=True)
        return [self.searcher.doc(addr)["id"][0] for _score, addr in result.hits]


def timed(fn: Callable[[str], list[str]], queries: list[str]) -> tuple[list[float], list[float], list[list[str]]]:
    """Wall and CPU milliseconds per query, and the ids returned.

    CPU time (the whole process, so tantivy's own threads count too) shows
    the work done independently of other programs competing for the cores.
    """
    wall: list[float] = []
    cpu: list[float] = []
    answers: list[list[str]] = []
    clock, cpu_clock = time.perf_counter, time.process_time
    for q in queries:
        c0 = cpu_clock()
        started = clock()
        ids = fn(q)
        wall.append((clock() - started) * 1000.0)
        cpu.append((cpu_clock() - c0) * 1000.0)
        answers.append(ids)
    return wall, cpu, answers


def rss_mb() -> float:
    """Resident memory of this process (Linux), in MB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


def recall(answers: list[list[str]], typos: list[tuple[str, str, str]], name_of: dict[str, str]) -> float:
    """Share of typo'd queries whose intended product (or a same-named one) is in the top 10."""
    found = 0
    for ids, (_q, pid, name) in zip(answers, typos):
        if pid in ids or any(name_of.get(i) == name for i in ids):
            found += 1
    return found / len(typos) if typos else 0.0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="20,000 variants instead of 200,000")
    ap.add_argument("--variants", type=int, default=None, help="catalog size in variants")
    ap.add_argument("--names", type=int, default=300, help="product names typed keystroke by keystroke")
    ap.add_argument("--like-sample", type=int, default=600, help="queries of the log run against LIKE")
    ap.add_argument("--db", type=Path, default=None, help="database to (re)use")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)
    variants = args.variants or (20_000 if args.quick else 200_000)

    db, import_s = load_db(variants, args.db)
    raw = sqlite3.connect(db)
    rows = raw.execute("SELECT id, name FROM products ORDER BY id").fetchall()
    n_variants = raw.execute("SELECT count(*) FROM variants").fetchone()[0]
    name_of = dict(rows)
    keystrokes, typos = make_log(rows, args.names, args.seed)
    typo_queries = [q for q, _, _ in typos]
    print(f"catalog: {len(rows):,} products, {n_variants:,} variants ({db})"
          + (f", imported in {import_s:.1f} s" if import_s is not None else ""))
    print(f"query log: {len(keystrokes):,} keystroke queries from {args.names} names, "
          f"{len(typo_queries)} typo'd queries")

    engine = open_db(db)
    ours = SearchEngine(engine)
    gc.collect()
    rss_before = rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    ours.refresh()
    built_s = time.perf_counter() - started
    built_cpu = time.process_time() - cpu_started
    started = time.perf_counter()
    ours.warm()
    warm_s = time.perf_counter() - started
    gc.collect()
    ours_mb = rss_mb() - rss_before

    started = time.perf_counter()
    peer = Tantivy(rows)
    tantivy_s = time.perf_counter() - started

    def ours_search(q: str) -> list[str]:
        return [h.product_id for h in ours.search(q, limit=LIMIT).hits]

    def like_search(q: str) -> list[str]:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cur = raw.execute("SELECT id FROM products WHERE name LIKE ? ESCAPE '\\' LIMIT ?", (pattern, LIMIT))
        return [r[0] for r in cur]

    rng = random.Random(args.seed)
    like_log = rng.sample(keystrokes, min(args.like_sample, len(keystrokes)))

    gc.collect()
    results: dict[str, dict[str, object]] = {}
    for label, fn, log in (
        ("ours", ours_search, keystrokes),
        ("tantivy", peer.search, keystrokes),
        ("sql LIKE", like_search, like_log),
    ):
        k_wall, k_cpu, _ = timed(fn, log)
        t_wall, _t_cpu, t_answers = timed(fn, typo_queries)
        results[label] = {"k": k_wall, "kc": k_cpu, "t": t_wall, "recall": recall(t_answers, typos, name_of)}

    ref = pct(results["tantivy"]["k"], 99)  # type: ignore[arg-type]
    ref_cpu = pct(results["tantivy"]["kc"], 99)  # type: ignore[arg-type]
    print()
    print(f"build: ours {built_s:.2f} s index ({built_cpu:.2f} s CPU) + {warm_s:.2f} s warm-up (1-letter prefixes), "
          f"+{ours_mb:.0f} MB RSS; tantivy {tantivy_s:.2f} s (names only, from rows in memory)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print()
    header = (f"{'engine':<9} {'queries':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'p99/tv':>6} "
              f"{'cpu p50':>7} {'cpu p99':>7} {'cpu/tv':>6} {'typo p50':>8} {'typo p99':>8} {'recall@10':>9}")
    print(header)
    print("-" * len(header))
    for label, r in results.items():
        k, kc, t = r["k"], r["kc"], r["t"]
        print(f"{label:<9} {len(k):>7,} {statistics.median(k):>7.3f} {pct(k, 99):>7.3f} {max(k):>7.1f} "
              f"{pct(k, 99) / ref:>6.2f} {statistics.median(kc):>7.3f} {pct(kc, 99):>7.3f} "
              f"{pct(kc, 99) / ref_cpu:>6.2f} {statistics.median(t):>8.3f} {pct(t, 99):>8.3f} "
              f"{r['recall']:>9.1%}")
    print()
    print("Per keystroke (wall and CPU ms; tv = tantivy). Target for ours: p99 <= 10 ms.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
