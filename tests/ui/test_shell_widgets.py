"""The shell's building blocks on a running Kivy loop: background work and catalog images."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.ui.conftest import tap, wait_for, wait_frames, window_shot

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]


async def test_latest_wins_delivers_only_the_newest_result(kiosk_app: Any) -> None:
    from kivy.clock import Clock

    from screens.workers import LatestWins, pending_count

    lane = LatestWins("test")
    gate = threading.Event()
    started: list[str] = []
    delivered: list[tuple[str, bool]] = []

    def work(query: str) -> str:
        started.append(query)
        if query == "s":
            gate.wait(10)  # the first keystroke's search is slow
        return query.upper()

    main_thread = threading.current_thread()

    def show(result: str) -> None:
        delivered.append((result, threading.current_thread() is main_thread))

    lane.submit(work, "s", on_result=show)
    await wait_for(lambda: started == ["s"], what="the first search to start")
    lane.submit(work, "so", on_result=show)
    seq = lane.submit(work, "sof", on_result=show)
    gate.set()
    await wait_for(lambda: delivered, what="a result")
    await wait_for(lambda: pending_count() == 0, what="the lane to drain")
    await wait_frames(2)
    assert delivered == [("SOF", True)]  # on the Kivy thread; "S" dropped as stale
    assert started == ["s", "sof"]  # "so" was superseded before it ever ran
    assert lane.latest == seq
    assert Clock.frames_displayed > 0


async def test_a_search_does_not_wait_behind_image_decodes(kiosk_app: Any) -> None:
    from screens.workers import _MAX_WORKERS, LatestWins, run_in_background

    # Every thread of the shared pool busy (a page of tiles decoding their
    # pictures), and more queued behind them.
    gate = threading.Event()
    for _ in range(_MAX_WORKERS + 4):
        run_in_background(gate.wait, 10)
    delivered: list[str] = []
    try:
        LatestWins("search").submit(str.upper, "sofa", on_result=delivered.append)
        await wait_for(lambda: delivered, timeout=5, what="the search result while the pool is busy")
        assert delivered == ["SOFA"]
    finally:
        gate.set()


async def test_errors_in_background_work_reach_the_main_thread(kiosk_app: Any) -> None:
    from screens.workers import run_in_background

    errors: list[BaseException] = []
    run_in_background(lambda: 1 / 0, on_result=lambda _v: None, on_error=errors.append)
    await wait_for(lambda: errors, what="the error callback")
    assert isinstance(errors[0], ZeroDivisionError)


async def test_catalog_image_shows_a_placeholder_then_the_picture(kiosk_app: Any) -> None:
    from kiosk.images import ASSETS_DIR
    from screens.widgets.async_image import CatalogImage, clear_cache

    hero = sorted((ASSETS_DIR / "demo" / "scenes").glob("*.jpg"))[0]
    ref = "asset:" + hero.relative_to(ASSETS_DIR).as_posix()
    clear_cache()
    img = CatalogImage(ref=ref, max_px=400)
    assert not img.loaded and img.texture is None  # nothing waited on disk
    await wait_for(lambda: img.loaded, what="the image to load")
    assert max(img.texture.size) <= 400 and img.texture.width > 0
    again = CatalogImage(ref=ref, max_px=400)
    assert again.loaded and again.texture is img.texture  # cached: no second decode

    missing = CatalogImage(ref="asset:../../etc/passwd")
    await wait_for(lambda: missing.missing, what="the missing image")
    assert missing.texture is None and not missing.loaded
    remote = CatalogImage(ref="https://cdn.example/not-downloaded.jpg")
    await wait_for(lambda: remote.missing, what="the not-yet-cached image")


async def test_product_pictures_are_drawn_upright(kiosk_app: Any, tmp_path: Any) -> None:
    """A picture red on top and blue below shows red on top, in a result tile and elsewhere."""
    from kivy.core.window import Window
    from PIL import Image as PILImage

    from kiosk.image_cache import ImageCache
    from screens.widgets.async_image import CatalogImage, TileImage, clear_cache

    app = kiosk_app
    url = "https://cdn.example/upright-check.png"
    picture = PILImage.new("RGB", (120, 120), (220, 0, 0))
    picture.paste((0, 0, 220), (0, 60, 120, 120))
    picture.save(ImageCache(app.config_obj.image_cache_dir, scan=False).path_for(url), format="PNG")
    clear_cache()
    shown = [cls(ref=url, size_hint=(None, None), size=(200, 200), pos=(100 + 300 * i, 300))
             for i, cls in enumerate((TileImage, CatalogImage))]
    for widget in shown:
        Window.add_widget(widget)
    try:
        await wait_for(lambda: all(w.loaded for w in shown), what="both pictures")
        await wait_frames(3)
        shot = PILImage.open(await window_shot(tmp_path / "upright.png")).convert("RGB")
        for widget in shown:
            # Screenshot rows run top-down; window y runs bottom-up.
            x = int(widget.center_x)
            top = shot.getpixel((x, int(Window.height - (widget.y + widget.height * 0.8))))
            bottom = shot.getpixel((x, int(Window.height - (widget.y + widget.height * 0.2))))
            assert top[0] > 150 and top[2] < 80, f"{type(widget).__name__}: top is {top}, not red"
            assert bottom[2] > 150 and bottom[0] < 80, f"{type(widget).__name__}: bottom is {bottom}, not blue"
    finally:
        for widget in shown:
            Window.remove_widget(widget)


async def test_picture_decodes_run_at_a_lower_cpu_priority_than_the_ui(kiosk_app: Any) -> None:
    """With software OpenGL the frames are drawn on the same cores: decodes take what frames leave."""
    import os
    import sys

    from screens.workers import LOW_PRIORITY_NICE, run_in_background

    if not sys.platform.startswith("linux"):
        pytest.skip("per-thread nice levels are Linux's")
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: list[tuple[int, str]] = []

    def where() -> tuple[int, str]:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), threading.current_thread().name

    run_in_background(where, on_result=seen.append, low_priority=True)
    run_in_background(where, on_result=seen.append)
    await wait_for(lambda: len(seen) == 2, what="both jobs")
    low = next(s for s in seen if "low" in s[1])
    normal = next(s for s in seen if "low" not in s[1])
    assert low[0] == min(19, mine + LOW_PRIORITY_NICE)
    assert normal[0] == mine  # SQL and the search keep the UI's priority


async def test_work_after_this_frame_runs_once_the_frame_is_drawn(kiosk_app: Any) -> None:
    """Picture decodes start after the frame that shows the results, not before it."""
    from kivy.clock import Clock

    from screens.workers import after_this_frame, pending_count

    seen: dict[str, int] = {}

    def in_a_tick(_dt: float) -> None:
        seen["asked"] = Clock.frames_displayed
        after_this_frame(lambda: seen.setdefault("ran", Clock.frames_displayed))
        assert pending_count() >= 1  # screenshots and tests wait for it

    Clock.schedule_once(in_a_tick, 0)
    await wait_for(lambda: "ran" in seen, what="the deferred work")
    assert seen["ran"] > seen["asked"]


async def test_pictures_decoded_together_are_shown_in_one_frame(kiosk_app: Any) -> None:
    """One frame per page of pictures, not one per picture (each is a whole-window frame)."""
    from screens.widgets import async_image
    from screens.workers import pending_count

    # The app's start-up work over (the screens it builds ahead while attract
    # idles, then a full collection: a frame slower than BATCH_S would show
    # the batch early) and its own pictures shown: only this test's in flight.
    app = kiosk_app
    await wait_for(lambda: app.warmed_up and pending_count() == 0, timeout=10, what="the app's own pictures")
    shown: list[str] = []
    async_image._decode_started()
    async_image._decode_started()
    async_image._decode_started()
    async_image._decode_arrived(lambda: shown.append("a"))
    async_image._decode_arrived(lambda: shown.append("b"))
    await wait_frames(1)
    assert shown == []  # the third is still decoding
    assert pending_count() >= 2
    async_image._decode_arrived(lambda: shown.append("c"))
    assert shown == ["a", "b", "c"]  # the last one in shows them all at once

    # One that never comes back (a decode still running) holds the others BATCH_S at most.
    async_image._decode_started()
    async_image._decode_started()
    async_image._decode_arrived(lambda: shown.append("d"))
    await wait_for(lambda: "d" in shown, timeout=async_image.BATCH_S * 20, what="the batch's time limit")
    async_image._decode_arrived(lambda: shown.append("e"))
    assert shown[-1] == "e"


async def test_result_tiles_decode_pictures_at_the_size_they_are_shown(kiosk_app: Any) -> None:
    """Decoded to fit the box and drawn texel for pixel: no shrinking on every frame (software OpenGL)."""
    import os

    from kiosk.image_cache import ImageCache
    from PIL import Image as PILImage

    from screens.widgets.async_image import TileImage, clear_cache, decoder_pool

    cache = ImageCache(kiosk_app.config_obj.image_cache_dir, scan=False)
    big, small = "https://cdn.example/big-square.jpg", "https://cdn.example/small-square.png"
    PILImage.new("RGB", (800, 800), (40, 120, 60)).save(cache.path_for(big), format="JPEG")
    PILImage.new("RGB", (100, 100), (40, 120, 60)).save(cache.path_for(small), format="PNG")
    clear_cache()
    tile = TileImage(ref=big, size_hint=(None, None), size=(298.5, 243.2), pos=(10.3, 20.6))
    tiny = TileImage(ref=small, size_hint=(None, None), size=(298.5, 243.2))
    await wait_for(lambda: tile.loaded and tiny.loaded, what="the tiles' pictures")
    assert tuple(tile.texture.size) == (243, 243)  # fits the box in whole pixels
    assert list(tile.picture_size) == [243, 243]  # drawn at its own size
    assert tile.texture.mag_filter == tile.texture.min_filter == "nearest"
    assert list(tile.picture_pos) == [38, 21]  # centred, on whole pixels
    # A small file is scaled up to fill its box, smoothly, as before.
    assert tuple(tiny.texture.size) == (100, 100) and tiny.texture.mag_filter == "linear"
    assert round(tiny.picture_size[0]) == 243
    # Decoded in a helper process at the lowest priority (kiosk.picture_decoder).
    pids = decoder_pool().pids
    assert pids and os.getpid() not in pids
    if hasattr(os, "getpriority"):
        # Each lowers its priority before its first request (one may still be starting).
        await wait_for(lambda: all(os.getpriority(os.PRIO_PROCESS, pid) == 19 for pid in pids),
                       what="the decoder processes at nice 19")


async def test_a_tile_refilled_with_a_cached_picture_goes_straight_to_it(kiosk_app: Any) -> None:
    """A recycled result tile shows its next picture without passing through the placeholder.

    A keystroke refills a dozen tiles; each detour through the placeholder
    was a round of property events and placing per tile before the frame.
    The bars beside a picture of another shape still follow it.
    """
    from kiosk.image_cache import ImageCache
    from PIL import Image as PILImage

    from screens.widgets.async_image import TileImage, clear_cache

    cache = ImageCache(kiosk_app.config_obj.image_cache_dir, scan=False)
    square, wide = "https://cdn.example/square.jpg", "https://cdn.example/wide.jpg"
    PILImage.new("RGB", (800, 800), (40, 120, 60)).save(cache.path_for(square), format="JPEG")
    PILImage.new("RGB", (800, 400), (120, 40, 60)).save(cache.path_for(wide), format="JPEG")
    clear_cache()
    box = dict(size_hint=(None, None), size=(300, 200), pos=(10, 20), backdrop=(1, 1, 1, 1))
    # Decode both once (two tiles), so that both are in the texture cache.
    first, other = TileImage(ref=square, **box), TileImage(ref=wide, **box)
    await wait_for(lambda: first.loaded and other.loaded, what="both pictures")
    assert list(first.picture_size) == [200, 200]
    (left, right) = first._bars
    assert tuple(left.size) == (50, 200) and tuple(right.pos) == (260, 20)  # bars beside the square

    seen: list[tuple[str, bool]] = []
    first.bind(loaded=lambda img, v: seen.append(("loaded", v)),
               texture=lambda img, v: seen.append(("texture", v is not None)))
    first.ref = wide
    assert first.texture is other.texture and first.loaded  # at once, from the cache
    assert ("loaded", False) not in seen and ("texture", False) not in seen  # no placeholder on the way
    assert list(first.picture_size) == [300, 150] and list(first.picture_pos) == [10, 45]
    # A picture as wide as its box: the bars go below and above it.
    (below, above) = first._bars
    assert tuple(below.pos) == (10, 20) and tuple(below.size) == (300, 25)
    assert tuple(above.pos) == (10, 195) and tuple(above.size) == (300, 25)


async def test_pictures_wait_while_a_finger_is_on_a_key(kiosk_app: Any) -> None:
    """A frame of pictures begun just before the finger lifts would hold up that letter's results."""
    from kivy.clock import Clock
    from kivy.tests.common import UnitTestTouch

    from screens.widgets import async_image
    from screens.workers import pending_count

    app = kiosk_app
    await tap(app.root.sm.current_screen)
    await wait_for(lambda: app.current_screen == "home", what="home after touching attract")
    app.show_search()
    await wait_for(lambda: app.current_screen == "search", what="the search screen")
    screen = app.get_screen("search")
    key = screen.ids.keyboard.key_for("s")
    await wait_for(lambda: pending_count() == 0, what="the app's own pictures")

    touch = UnitTestTouch(*key.to_window(*key.center))
    Clock.schedule_once(lambda _dt: touch.touch_down(), 0)
    await wait_frames(2)
    shown: list[int] = []
    async_image._decode_started()
    async_image._decode_arrived(lambda: shown.append(Clock.frames_displayed))
    await wait_frames(3)
    assert shown == []  # held back while the finger is down
    assert pending_count() >= 1  # and still counted: screenshots wait for it
    lifted: dict[str, int] = {}

    def lift(_dt: float) -> None:
        lifted["frame"] = Clock.frames_displayed
        touch.touch_up()

    Clock.schedule_once(lift, 0)
    await wait_for(lambda: shown, what="the pictures after the lift")
    assert shown[0] > lifted["frame"]  # after the frame with the letter typed, not before it
    assert screen.ids.keyboard.text == "s"
    await wait_for(lambda: pending_count() == 0, what="everything shown")
