"""Interleaved A/B of the JSONL import with the search index built: two (or more) code trees, same minutes.

This VM's speed moves by 15-30 % within minutes, so two versions of the
importer are only comparable when measured turn about, beside the raw peer
of the same round. Each round: the raw ``sqlite3.executemany`` peer (as in
``bench/bench_import.py``), then one import + first search per tree, each
in a fresh process whose ``PYTHONPATH`` is that tree (so its workers and
index builder are that tree's too), the order of the trees reversed every
other round. Prints every import, then per tree the median time, the
median ratio to the round's raw peer and the median paired difference
to the first tree, and the same for CPU time (work done, whatever the
schedule: steadier than wall time on a VM whose speed moves).

Usage::

    git archive <commit> kiosk | tar -x -C /tmp/before     # a tree holding kiosk/
    flock /tmp/heavy.lock .venv/bin/python bench/ab_import.py --rounds 8 /tmp/before .

``--trace`` adds a timeline of each import (seconds from its start: worker
results, copies, builder request, index rebuild, the saved index).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def one_import(db: Path, src: Path, trace: bool) -> dict[str, Any]:
    """In a fresh process (``--one``): a new database, the import, the first search; times as a dict."""
    from kiosk import import_parallel
    from kiosk.db import open_db
    from kiosk.importer import import_file
    from kiosk.search import SearchEngine

    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    open_db(db).dispose()
    marks: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    if trace:
        def wrap(owner: Any, name: str) -> None:
            real = getattr(owner, name, None)
            if real is None:
                return

            def timed(*args: Any, **kwargs: Any) -> Any:
                result = real(*args, **kwargs)
                marks.append((name, round(time.perf_counter() - t0, 3)))
                return result
            setattr(owner, name, timed)
        for name in ("copy", "categories", "rebuild_indexes"):
            wrap(import_parallel._Copier, name)
        wrap(import_parallel._Workers, "result")
        wrap(import_parallel, "_stage_own")
        wrap(import_parallel.IndexBuilder, "snapshot")

    def cpu() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    engine = open_db(db)
    try:
        wall, used = time.perf_counter(), cpu()
        t0 = wall
        report = import_file(engine, src)
        imported = time.perf_counter() - wall
        if not report.ok:
            raise SystemExit(f"import failed: {report.summary()}")
        searched = time.perf_counter()
        SearchEngine(engine).search("shirt")
        searched = time.perf_counter() - searched
        return {"import": imported, "search": searched, "total": imported + searched, "cpu": cpu() - used,
                "marks": marks}
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path, help="directories holding a kiosk/ package")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--variants", type=int, default=200_000)
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--one", nargs=2, type=Path, metavar=("DB", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_import(args.one[0], args.one[1], args.trace)))
        return 0
    if not args.trees:
        parser.error("give at least one tree")

    sys.path.insert(0, str(ROOT))
    from bench.bench_import import fresh_db, raw_insert, raw_rows
    from bench.catalog_200k import DEFAULT_DEST, build

    src = build(DEFAULT_DEST, variants=args.variants).jsonl
    rows = raw_rows(src)
    trees = [t.resolve() for t in args.trees]
    raw: list[float] = []
    totals: dict[Path, list[float]] = {t: [] for t in trees}
    cpus: dict[Path, list[float]] = {t: [] for t in trees}
    with tempfile.TemporaryDirectory(prefix="ab-import-") as tmp_dir:
        tmp = Path(tmp_dir)
        for r in range(args.rounds):
            raw.append(raw_insert(fresh_db(tmp, "raw"), rows)[0])
            for tree in trees if r % 2 == 0 else trees[::-1]:
                env = {**os.environ, "PYTHONPATH": str(tree)}
                cmd = [sys.executable, str(Path(__file__).resolve()), "--one", str(tmp / "ab.sqlite3"), str(src)]
                done = subprocess.run(cmd + (["--trace"] if args.trace else []), env=env, cwd=tree,
                                      capture_output=True, text=True)
                if done.returncode:
                    raise SystemExit(done.stderr[-2000:])
                d = json.loads(done.stdout.strip().splitlines()[-1])
                totals[tree].append(d["total"])
                cpus[tree].append(d["cpu"])
                print(f"round {r} {str(tree):28} import {d['import']:.2f} + search {d['search']:.2f} = "
                      f"{d['total']:.2f} s, CPU {d['cpu']:.2f} s, raw {raw[-1]:.2f} s, x raw {d['total'] / raw[-1]:.3f}"
                      + (f"  {d['marks']}" if d["marks"] else ""), flush=True)
    med = statistics.median
    print(f"\nraw peer: median {med(raw):.2f} s {[round(x, 2) for x in raw]}")
    base = totals[trees[0]]
    for tree, values in totals.items():
        ratio = med([v / r for v, r in zip(values, raw)])
        line = (f"{str(tree):28} median {med(values):.2f} s ({args.variants / med(values):,.0f} variants/s), "
                f"x raw {ratio:.3f}, {[round(v, 2) for v in values]}")
        if tree != trees[0]:
            diffs = [v - b for v, b in zip(values, base)]
            line += (f"; paired difference to the first: median {med(diffs):+.2f} s, "
                     f"faster in {sum(d < 0 for d in diffs)} of {len(diffs)} rounds")
        print(line)
        # CPU (import, its workers and builder, first search): work done, whatever the schedule.
        line = f"{'':28} CPU median {med(cpus[tree]):.2f} s"
        if tree != trees[0]:
            cpu_diffs = [v - b for v, b in zip(cpus[tree], cpus[trees[0]])]
            line += f", paired difference {med(cpu_diffs):+.2f} s, less in {sum(d < 0 for d in cpu_diffs)} rounds"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
