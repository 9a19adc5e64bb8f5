"""``main.py --screenshots DIR``: every customer screen, both orientations, as PNG files.

Runs the real app on a fresh temporary database with the demo catalog,
drives it through its navigation API (the same calls the screens make when
touched) and saves a picture of the root in each state once background
work has settled and the screen says it is ready. The pictures are drawn
the way the window draws a frame (``screens.frame.export_png``: upright,
on the window's clear colour, which is the page background). Nothing
touches the user's database or the network.

Files: ``DIR/<orientation>-<nn>-<state>.png``, e.g.
``landscape-03-search.png``.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kiosk.config import Config

log = logging.getLogger(__name__)

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
SEARCH_QUERY = "sofa"
#: Something this home-goods store does not sell: the "nothing found" page.
NOT_FOUND_QUERY = "trampoline"


async def _frames(n: int = 2) -> None:
    from kivy.clock import Clock

    start = Clock.frames_displayed
    deadline = time.monotonic() + 30
    while Clock.frames_displayed < start + n and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


async def _settle(app: Any, timeout: float = 30.0) -> None:
    """Wait for background work, the screen's own readiness, and two frames."""
    from screens.workers import pending_count

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = app.root.sm.current_screen
        ready = getattr(screen, "screenshot_ready", lambda: True)
        if pending_count() == 0 and ready():
            break
        await _frames(1)
    else:
        log.warning("screen %r did not settle in %.0f s; taking the picture anyway", app.current_screen, timeout)
    await _frames(3)


def _demo_picks(engine: Any, search_engine: Any) -> tuple[str | None, list[str]]:
    """A product to show and three variants for the cart, from the demo catalog (worker thread)."""
    from sqlalchemy import select

    from kiosk.models import Variant

    hits = search_engine.search(SEARCH_QUERY, limit=12).hits
    product_id = hits[0].product_id if hits else None
    variants: list[str] = []
    with engine.connect() as conn:
        for hit in hits[:6]:
            vid = conn.execute(
                select(Variant.id).where(Variant.product_id == hit.product_id).order_by(Variant.position).limit(1)
            ).scalar()
            if vid and len(variants) < 3:
                variants.append(vid)
    return product_id, variants


async def _drive(app: Any, out: Path) -> tuple[list[Path], int]:
    from kivy.core.window import Window

    from screens.frame import export_png

    written: list[Path] = []
    errors = 0  # unexpected UI errors the app recovered from
    while not (app.root is not None and app.ready):
        if app.startup_error:
            raise RuntimeError(app.startup_error)
        await _frames(1)
    product_id, variants = await asyncio.to_thread(_demo_picks, app.db, app.search_engine)

    for orientation, size in SIZES.items():
        n = 0

        async def shot(state: str, overlays: bool = False) -> None:
            nonlocal n, errors
            n += 1
            if not overlays:
                app.dismiss_overlays()  # e.g. an error notice left from an earlier step
            await _settle(app)
            if app.errors_handled:
                log.warning("%s %s: the app recovered from an error; see the log above", orientation, state)
                errors += app.errors_handled
                app.errors_handled = 0
            path = out / f"{orientation}-{n:02d}-{state}.png"
            # Not root.export_to_png: Kivy's export draws flipped on a
            # transparent clear colour, which loses the page background and
            # makes the screens' window-space scissor clip the wrong rows.
            export_png(app.root, path, Window.clearcolor)
            written.append(path)
            print(f"  {path}")

        app.config_obj.display.orientation = orientation
        Window.size = size
        await _frames(3)
        app.end_session()
        await shot("attract")

        app.start_session()
        await shot("home")

        app.show_search(query=SEARCH_QUERY)
        await shot("search")
        app.show_search(query=NOT_FOUND_QUERY)
        await shot("search-nothing-found")

        if product_id:
            app.show_product(product_id)
            await shot("product")
            # Further down the same screen: "Complete the look", each
            # suggestion with the reason it is there.
            app.root.sm.get_screen("product").ids.scroll.scroll_y = 0
            await shot("product-looks")
        if app.slides:
            app.show_scene(app.slides[0].scene_id)
            await shot("scene")

        for vid in variants:
            app.add_to_cart(vid, 1)
        await _settle(app)
        app.show_cart()
        await shot("cart")

        if app.screen_available("handoff") and len(app.cart):
            app.show_handoff()
            await shot("handoff")

        app.go_home()  # (starts a session if the handoff ended it)
        # Let the transition finish first: until it has left, the handoff
        # screen keeps the session alive on every countdown tick.
        await _settle(app)
        # As if the customer had walked away: the app's own timer shows the warning.
        app.session.last_activity -= app.session.warn_after_s + 0.5
        deadline = time.monotonic() + 10
        while app._idle_warning is None and time.monotonic() < deadline:
            await _frames(1)
        if app._idle_warning is None:
            log.warning("%s: the idle warning did not appear", orientation)
        await shot("idle-warning", overlays=True)
        app.still_here()

        app.request_help()
        await shot("help", overlays=True)
        app.dismiss_overlays()

        app.set_accessible(True)
        app.go_home()
        await shot("accessible-home")
        app.show_search(query=SEARCH_QUERY)
        await shot("accessible-search")
        if product_id:
            app.show_product(product_id)
            await shot("accessible-product")
        app.set_accessible(False)
        app.end_session()
    return written, errors + app.errors_handled


async def _main(config: Config, out: Path) -> int:
    from screens.app import KioskApp

    app = KioskApp(config, demo=True, animate=False)
    task = asyncio.get_running_loop().create_task(app.async_run(async_lib="asyncio"))
    try:
        written, errors = await _drive(app, out)
    finally:
        from kivy.base import stopTouchApp

        # Like the UI tests: end the loop and let async_run stop the app itself.
        stopTouchApp()
        await asyncio.wait_for(task, timeout=30)
    if errors:
        # The pictures may show the apology instead of the screen they are named after.
        print(f"{errors} unexpected UI error(s) while taking the screenshots (see the log): "
              f"{len(written)} pictures in {out} are not to be trusted", file=sys.stderr)
        return 1
    print(f"{len(written)} screenshots in {out}")
    return 0


def run_screenshots(config: Config, out_dir: Path) -> int:
    """Render every customer screen at 1920x1080 and 1080x1920 into ``out_dir``.

    Returns:
        The process exit code.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="kiosk-screenshots-"))
    try:
        config.db = tmp / "kiosk.sqlite3"
        config.data_dir = tmp
        config.sync.url = ""  # the demo catalog, never the network
        return asyncio.run(_main(config, out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
