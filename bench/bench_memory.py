"""Memory after many scripted customer sessions: does the kiosk leak?

Runs the real app (real window, demo catalog) in this process and drives it
through the same navigation API the screens use when touched: start a
session, search, open a product, add to cart, open a scene, open the cart,
then the idle reset. RSS is read from /proc after warm-up (10 sessions)
and at checkpoints up to N sessions; a leak shows as steady growth.

Each step waits for the app's state (no background work pending, a frame
drawn), never a fixed sleep. At each checkpoint the script also counts the
live Python objects by type (``gc.get_objects``) and the live widgets, and
at the end prints the types that grew most after warm-up: a leak names
itself there. ``--tracemalloc`` adds the source lines that allocated the
growth (slower).

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python bench/bench_memory.py --sessions 1000
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ["sofa", "lamp", "mug", "rug", "chair", "towel", "plant pot", "glass", "cushion", "table"]


def rss_mb() -> float:
    """Resident set size of this process in MiB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def frames(n: int = 1) -> None:
    from kivy.clock import Clock

    start = Clock.frames_displayed
    while Clock.frames_displayed < start + n:
        await asyncio.sleep(0.002)


SETTLE_TIMEOUTS = 0


async def settle(app: object) -> None:
    """Wait until no background work is pending (20 s deadline, counted), then one frame."""
    global SETTLE_TIMEOUTS
    from screens.workers import pending_count

    deadline = time.monotonic() + 20
    while pending_count():
        if time.monotonic() > deadline:
            SETTLE_TIMEOUTS += 1
            break
        await frames(1)
    await frames(1)


@dataclass
class Checkpoint:
    """What was alive after ``sessions`` sessions."""

    sessions: int
    rss: float
    seconds: float
    objects: int
    widgets: int
    types: Counter[str] = field(repr=False, default_factory=Counter)


def census() -> tuple[Counter[str], int]:
    """Live gc-tracked objects by type, and how many of them are Kivy widgets."""
    from kivy.uix.widget import Widget

    types: Counter[str] = Counter()
    widgets = 0
    for o in gc.get_objects():
        t = type(o)
        types[f"{t.__module__}.{t.__qualname__}"] += 1
        # issubclass on the type: isinstance would ask a dead weak proxy
        # (Kivy's WeakProxy) for its __class__ and raise ReferenceError.
        if issubclass(t, Widget):
            widgets += 1
    return types, widgets


async def session(app: object, i: int, picks: list[tuple[str, str]]) -> None:
    app.start_session()
    await settle(app)
    app.show_search(query=QUERIES[i % len(QUERIES)])
    await settle(app)
    pid, vid = picks[i % len(picks)]
    app.show_product(pid)
    await settle(app)
    app.add_to_cart(vid, 1 + i % 3)
    await settle(app)
    if app.slides:
        app.show_scene(app.slides[i % len(app.slides)].scene_id)
        await settle(app)
    app.show_cart()
    await settle(app)
    app.end_session()  # what the idle timeout does
    await settle(app)


def _picks(engine: object) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from kiosk.models import Variant

    with engine.connect() as conn:
        rows = conn.execute(select(Variant.product_id, Variant.id).order_by(Variant.id).limit(200)).all()
    return [(r[0], r[1]) for r in rows[::7]]


async def run(n: int, checkpoints: list[int], trace: bool = False) -> list[Checkpoint]:
    from kiosk.config import Config
    from screens.app import KioskApp

    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    cfg = Config(db=tmp / "kiosk.sqlite3", data_dir=tmp)
    app = KioskApp(cfg, demo=True, animate=False)
    task = asyncio.get_running_loop().create_task(app.async_run(async_lib="asyncio"))
    out: list[Checkpoint] = []
    try:
        while not (app.root is not None and app.ready):
            await frames(1)
        picks = await asyncio.to_thread(_picks, app.db)
        t0 = time.perf_counter()
        for i in range(1, n + 1):
            await session(app, i, picks)
            if i in checkpoints:
                secs = time.perf_counter() - t0
                gc.collect()
                types, widgets = census()
                cp = Checkpoint(i, rss_mb(), secs, sum(types.values()), widgets, types)
                out.append(cp)
                print(f"  {i:>5} sessions: RSS {cp.rss:7.1f} MiB, {cp.objects} objects, {cp.widgets} widgets "
                      f"({secs:.0f} s)", flush=True)
                if trace and len(out) == 2:
                    tracemalloc.start(12)
                    app._bench_snapshot = tracemalloc.take_snapshot()  # type: ignore[attr-defined]
                if trace and i == n and tracemalloc.is_tracing():
                    top = tracemalloc.take_snapshot().compare_to(app._bench_snapshot, "traceback")  # type: ignore[attr-defined]
                    print(f"\ntracemalloc: largest growth since {out[1].sessions} sessions")
                    for stat in top[:8]:
                        print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks")
                        for line in stat.traceback.format()[-6:]:
                            print("      " + line)
            elif i % 25 == 0:
                print(f"  {i:>5} sessions ({time.perf_counter() - t0:.0f} s)", flush=True)
    finally:
        from kivy.base import stopTouchApp

        stopTouchApp()
        await asyncio.wait_for(task, timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--width", type=int, default=640, help="window width (16:9)")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="trace allocations after the second checkpoint and print where the growth was allocated")
    args = ap.parse_args()
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run"):
        os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", sys.executable, *sys.argv])
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
    from kivy.config import Config as KivyConfig

    # A small window: software OpenGL's fill rate would otherwise dominate the
    # run time; screens, widgets, images and data are the same at any size.
    KivyConfig.set("graphics", "width", str(args.width))
    KivyConfig.set("graphics", "height", str(args.width * 9 // 16))
    n = args.sessions
    checkpoints = sorted({c for c in (10, 100, n // 4, n // 2, 3 * n // 4, n) if c >= 10})
    rows = asyncio.run(run(n, checkpoints, trace=args.tracemalloc))
    first = rows[0]
    print("\nRSS after scripted customer sessions (search, product, add, scene, cart, idle reset)")
    print(f"{'sessions':>10}{'RSS MiB':>10}{'vs 10':>10}{'objects':>10}{'widgets':>9}{'s/session':>11}")
    for cp in rows:
        print(f"{cp.sessions:>10}{cp.rss:>10.1f}{cp.rss - first.rss:>+10.1f}{cp.objects:>10}{cp.widgets:>9}"
              f"{cp.seconds / cp.sessions:>11.3f}")
    last = rows[-1]
    growth = last.rss - first.rss
    print(f"growth {first.sessions} -> {last.sessions} sessions: {growth:+.1f} MiB "
          f"({growth * 1024 / max(1, last.sessions - first.sessions):+.1f} KiB/session)")
    if len(rows) > 2:
        warm = rows[1]  # after warm-up: caches full, every screen built
        grown = (last.types - warm.types).most_common(12)
        print(f"objects {warm.sessions} -> {last.sessions} sessions: {last.objects - warm.objects:+d}; "
              f"types that grew most: " + (", ".join(f"{t} {d:+d}" for t, d in grown) or "none"))
    if SETTLE_TIMEOUTS:
        print(f"warning: {SETTLE_TIMEOUTS} steps still had background work after 20 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
