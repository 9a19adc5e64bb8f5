"""Memory after many scripted customer sessions: does the kiosk leak?

Runs the real app (real window, demo catalog) in this process and drives it
through the same navigation API the screens use when touched: start a
session, search, open a product, add to cart, open a scene, open the cart,
then the idle reset. RSS is read from /proc after warm-up (10 sessions)
and at checkpoints up to N sessions; a leak shows as steady growth.

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


async def settle(app: object) -> None:
    from screens.workers import pending_count

    deadline = time.monotonic() + 20
    while pending_count() and time.monotonic() < deadline:
        await frames(1)
    await frames(1)


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


async def run(n: int, checkpoints: list[int]) -> list[tuple[int, float, float]]:
    from kiosk.config import Config
    from screens.app import KioskApp

    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    cfg = Config(db=tmp / "kiosk.sqlite3", data_dir=tmp)
    app = KioskApp(cfg, demo=True, animate=False)
    task = asyncio.get_running_loop().create_task(app.async_run(async_lib="asyncio"))
    out: list[tuple[int, float, float]] = []
    try:
        while not (app.root is not None and app.ready):
            await frames(1)
        picks = await asyncio.to_thread(_picks, app.db)
        t0 = time.perf_counter()
        for i in range(1, n + 1):
            await session(app, i, picks)
            if i in checkpoints:
                gc.collect()
                out.append((i, rss_mb(), time.perf_counter() - t0))
                print(f"  {i:>5} sessions: RSS {out[-1][1]:7.1f} MiB  ({out[-1][2]:.0f} s)", flush=True)
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
    checkpoints = sorted({c for c in (10, 100, n // 4, n // 2, n) if c >= 10})
    rows = asyncio.run(run(n, checkpoints))
    base = rows[0][1]
    print(f"\nRSS after scripted customer sessions (search, product, add, scene, cart, idle reset)")
    print(f"{'sessions':>10}{'RSS MiB':>10}{'vs 10':>10}{'s/session':>11}")
    for i, mb, secs in rows:
        print(f"{i:>10}{mb:>10.1f}{mb - base:>+10.1f}{secs / i:>11.3f}")
    growth = rows[-1][1] - base
    print(f"growth {rows[0][0]} -> {rows[-1][0]} sessions: {growth:+.1f} MiB "
          f"({growth * 1024 / max(1, rows[-1][0] - rows[0][0]):+.1f} KiB/session)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
