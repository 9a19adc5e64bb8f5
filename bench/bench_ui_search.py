"""Search screen benchmark: keystroke to results drawn, and scrolling 10,000 results.

Runs the real kiosk app (``screens.app.KioskApp``) in a real window (under
Xvfb here: Mesa's software OpenGL) on the 200,000-variant catalog built by
``bench/catalog_200k.py`` and imported with the real importer.

1. Keystroke to results drawn: product names are typed key by key on the
   on-screen keyboard by real touches, as a finger does: a touch down on
   the key (the key shows pressed: the keyboard's texture is redrawn, one
   frame), then the touch up, which types the letter. Each latency runs
   from the touch up to the end of the first frame drawn after that
   query's results reached the grid (the key back to normal and its
   texture redrawn, search on a worker, latest wins, tiles filled,
   RecycleView laid out, frame flipped); "key -> grid data set" stops
   before that frame is drawn. Characters without a key (rare in product
   names: "(", ",") are typed with ``OnScreenKeyboard.press``, what a
   key's touch up runs; ``--direct`` types every key that way (no touch,
   no pressed key drawn: the figures of sessions 1-4).
   Peer, same run: the same queries straight to ``SearchEngine.search`` on
   the main thread (no UI), i.e. the floor the screen adds its cost to.
   Pacing (``--pacing``): by default the kiosk's own (``screens.pacing``:
   at most 60 frames a second, Kivy's interrupt clock, touchscreens that
   wake the main loop), with the taps played by a touchscreen provider's
   thread at their moment (``bench/scripted_touchscreen.py``), so that a
   lift can land while the loop sleeps or draws, as a finger's does.
   ``--pacing unthrottled`` is how sessions 1-7 measured: ``maxfps 0`` (the
   main loop never sleeps) and each lift dispatched from a clock callback
   at the start of a tick, a few ms better than the kiosk as it runs.
2. Scrolling: the grid holds 10,000 results (the screen's cap; pages of 48
   are fetched on workers as they come into view); the view is scrolled top
   to bottom at a steady finger speed while every frame's time is recorded.
   Peer, same run: a bare Kivy RecycleView grid of 10,000 plain Labels
   scrolled the same way, alone in the same window (the kiosk's widgets are
   taken off the window first). Frames are unthrottled (maxfps 0, whatever
   ``--pacing`` says for the typing), so a
   frame over 16.7 ms is one a 60 Hz screen would have missed. The peer's
   frame time is also the floor under "key -> results drawn": every
   keystroke ends with at least one frame.

The window is 1920x1080 at density 1 (a 1920x1080 kiosk at ~96 dpi) with
the multisampling ``main.py`` picks on this machine (``[display]
multisamples = auto``: 2 with a GPU, 0 with software OpenGL); ``--multisamples
2`` shows what anti-aliasing costs on this GL.

Usage::

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python bench/bench_ui_search.py
    ... bench/bench_ui_search.py --quick          # 20,000 variants
    ... bench/bench_ui_search.py --db FILE        # reuse an imported database
    ... bench/bench_ui_search.py --pictures       # every product picture in the image cache
    ... bench/bench_ui_search.py --gap-ms 150     # a typist's pause between keys
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-bench-"))

FRAME_BUDGET_MS = 1000 / 60
#: How long a finger rests on a key in a tap, with --gap-ms (s).
HOLD_S = 0.060
#: A 1920x1080 landscape kiosk, as the app runs on it (density 1, ~96 dpi).
WINDOW = (1920, 1080)


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def make_queries(db: Path, n_names: int, seed: int) -> list[list[str]]:
    """Keystroke sequences: each name's first two words, typed letter by letter (lower case)."""
    import sqlite3

    from screens.widgets.keyboard import ACCENT_ROWS, DIGITS, LETTER_ROWS

    typeable = set(DIGITS + "".join(LETTER_ROWS) + "".join(ACCENT_ROWS) + " ")
    con = sqlite3.connect(db)
    names = [r[0] for r in con.execute("SELECT name FROM products ORDER BY id")]
    con.close()
    rng = random.Random(seed)
    out: list[list[str]] = []
    for name in rng.sample(names, min(n_names * 3, len(names))):
        words = "".join(ch for ch in name.lower() if ch in typeable).split()[:2]
        text = " ".join(words)
        if len(text) >= 3:
            out.append([text[: i + 1] for i in range(len(text))])
        if len(out) == n_names:
            break
    return out


def fill_picture_cache(db: Path, cache_dir: Path, kinds: int = 48) -> int:
    """Put a picture in the kiosk's image cache for every product image of ``db``.

    A kiosk in a store has its catalog's pictures synced (kiosk.image_cache);
    the benchmark has no network, so each URL's cache file is one of
    ``kinds`` generated product-photo-like JPEGs (800x800, ~60 KB: a soft
    gradient, an object, grain), hard-linked under the URL's cache name.
    Tiles then decode real pictures off the UI thread while keys are typed,
    as they do in a store.

    Returns:
        How many URLs now have a picture.
    """
    import sqlite3

    from PIL import Image, ImageDraw, ImageFilter

    from kiosk.images import cache_key

    cache_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)
    sources: list[Path] = []
    for i in range(kinds):
        hue = [rng.randrange(60, 230) for _ in range(3)]
        im = Image.linear_gradient("L").resize((800, 800)).convert("RGB")
        im = Image.blend(im, Image.new("RGB", (800, 800), tuple(hue)), 0.7)
        draw = ImageDraw.Draw(im)
        for _ in range(6):
            x, y = rng.randrange(100, 600), rng.randrange(100, 600)
            draw.ellipse((x, y, x + rng.randrange(80, 260), y + rng.randrange(80, 260)),
                         fill=tuple(rng.randrange(0, 255) for _ in range(3)))
        im = im.filter(ImageFilter.GaussianBlur(2))
        noise = Image.effect_noise((800, 800), 24).convert("RGB")
        im = Image.blend(im, noise, 0.12)
        path = cache_dir / f"source-{i}.jpg"
        im.save(path, "JPEG", quality=85)
        sources.append(path)
    con = sqlite3.connect(db)
    urls = [r[0] for r in con.execute("SELECT url FROM product_images WHERE url LIKE 'http%'")]
    con.close()
    for n, url in enumerate(urls):
        target = cache_dir / cache_key(url)
        if not target.exists():
            os.link(sources[n % kinds], target)
    return len(urls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 variants instead of 200,000")
    parser.add_argument("--db", type=Path, default=None, help="database file to (re)use")
    parser.add_argument("--names", type=int, default=25, help="product names to type (default 25)")
    parser.add_argument("--scroll-frames", type=int, default=600, help="frames for one top-to-bottom scroll")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--direct", action="store_true",
                        help="type with OnScreenKeyboard.press instead of touches on the keys")
    parser.add_argument("--pictures", action="store_true",
                        help="every product's picture in the image cache, as in a store (default: none cached, "
                             "tiles keep their placeholders)")
    parser.add_argument("--gap-ms", type=float, default=0.0,
                        help="a typist's pause: the finger lands on the next key this long after the previous "
                             "results were drawn, and lifts 60 ms later (latency counted from that moment, so a "
                             "frame still being drawn then counts too); default 0: the next key as soon as the "
                             "results are drawn, held for one frame")
    parser.add_argument("--pacing", choices=("kiosk", "unthrottled"), default="kiosk",
                        help="kiosk (default): the kiosk's frame pacing, taps from a touchscreen thread; "
                             "unthrottled: maxfps 0 and taps from clock callbacks (sessions 1-7)")
    parser.add_argument("--multisamples", type=int, default=None,
                        help="MSAA samples (default: what the kiosk picks here, [display] multisamples = auto: "
                             "2 with a GPU, 0 with software OpenGL)")
    args = parser.parse_args(argv)
    variants = 20_000 if args.quick else 200_000

    # Before anything imports a Kivy widget: the first dp() (e.g. in the
    # keyboard module that make_queries imports) creates the window, and
    # Kivy reads the window's size from its config only then.
    from kivy.config import Config as KivyConfig

    KivyConfig.set("graphics", "width", str(WINDOW[0]))
    KivyConfig.set("graphics", "height", str(WINDOW[1]))
    if args.pacing == "kiosk":
        from screens.pacing import configure as configure_pacing

        configure_pacing(KivyConfig)
    else:
        KivyConfig.set("graphics", "maxfps", "0")
    if args.multisamples is None:
        from kiosk.graphics import AUTO, choose_multisamples, has_gpu

        args.multisamples = choose_multisamples(AUTO, gpu=has_gpu())
    KivyConfig.set("graphics", "multisamples", str(args.multisamples))
    load_before = os.getloadavg()

    from bench.bench_search import load_db

    db, import_s = load_db(variants, args.db)
    print(f"catalog: {variants:,} variants in {db}" + (f" (imported in {import_s:.0f} s)" if import_s else ""))
    sequences = make_queries(db, args.names, args.seed)

    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.lang import Builder
    from kivy.tests.common import UnitTestTouch  # a real touch through the event loop (needs pytest)
    from kivy.uix.recycleview import RecycleView

    from kiosk.config import Config
    from kiosk.db import open_db
    from screens.app import KioskApp

    cfg = Config(db=db, data_dir=Path(tempfile.mkdtemp(prefix="bench-ui-")))
    cfg.display.fullscreen = False
    if args.pictures:
        n = fill_picture_cache(db, cfg.image_cache_dir)
        print(f"pictures: {n:,} product images in the image cache")
    app = KioskApp(cfg, engine=open_db(db), animate=False)
    touchscreen: Any = None
    if args.pacing == "kiosk":
        from kivy.base import EventLoop

        from bench.scripted_touchscreen import ScriptedTouchscreen
        from screens.pacing import wake_on_input, waking

        wake_on_input()
        touchscreen = waking(ScriptedTouchscreen)()
        EventLoop.add_input_provider(touchscreen)  # started with the event loop, like the kiosk's
    results: dict[str, Any] = {"keys": [], "applied": [], "engine": [], "ours_frames": [], "peer_frames": []}
    state: dict[str, Any] = {}

    def flipped() -> None:
        # After the buffer swap returned: with software GL that is where the
        # frame is rasterised, so this is when the customer can see it.
        # (Handlers bound to on_flip run before Kivy's own, i.e. before the swap.)
        now = time.perf_counter()
        cb = state.pop("after_flip", None)
        last = state.get("last_flip")
        state["last_flip"] = now
        if state.get("recording") is not None and last is not None:
            state["recording"].append((now - last) * 1000)
        if cb:
            cb(now)
        on_frame = state.get("on_frame")
        if on_frame is not None:
            on_frame(now)

    swap = Window.flip

    def flip_then_stamp() -> None:
        swap()
        flipped()

    Window.flip = flip_then_stamp  # WindowBase.on_flip calls self.flip()

    # ------------------------------------------------------------ keystrokes
    keys = [k for seq in sequences for k in [("clear", "")] + [("key", q) for q in seq]]

    def start(_dt: float) -> None:
        if not app.ready:
            Clock.schedule_once(start, 0.1)
            return
        results["window"] = tuple(Window.size)
        if results["window"] != WINDOW:
            print(f"window is {Window.size}, not {WINDOW}: the figures would not be a kiosk's", file=sys.stderr)
            app.stop()
            return
        app.start_session()
        app.show_search()
        screen = app.root.sm.get_screen("search")
        state["screen"] = screen
        screen.bind(on_results=on_results)
        Clock.schedule_once(lambda _dt: next_key(), 1.0)

    def on_results(_screen: Any, result: Any) -> None:
        want = state.get("want")
        if want is not None and result.query == want:
            t0 = state.pop("t0")
            state["want"] = None
            results["applied"].append((time.perf_counter() - t0) * 1000)

            def drawn(now: float) -> None:
                results["keys"].append((now - t0) * 1000)
                if touchscreen is not None:
                    # The touchscreen's thread waits out the gap: the next finger lands at its moment.
                    Clock.schedule_once(lambda _dt: next_key(now + args.gap_ms / 1000), 0)
                else:
                    Clock.schedule_once(lambda _dt: next_key(), args.gap_ms / 1000)

            state["after_flip"] = drawn
            Window.canvas.ask_update()  # make sure a frame follows, even if nothing moved

    def next_key(lands_at: float | None = None) -> None:
        screen = state["screen"]
        kb = screen.ids.keyboard
        while keys:
            kind, q = keys.pop(0)
            if kind == "clear":
                kb.press("\x1b")
                continue
            if q[-1] == " ":
                kb.press(" ")  # the same query as before: nothing new to draw
                continue
            state["want"] = q.strip()
            key = None if args.direct else kb.key_for(q[-1])
            if key is None:
                results["direct"] = results.get("direct", 0) + 1
                state["t0"] = time.perf_counter()
                kb.press(q[-1])
            elif touchscreen is not None:
                # The finger lands on the key (it shows pressed), then lifts HOLD_S later.
                down_at = max(time.perf_counter(), lands_at or 0.0)

                def lifted(moment: float) -> None:
                    state["t0"] = moment  # on the touchscreen's thread, before the lift is queued

                touchscreen.tap(UnitTestTouch(*key.to_window(*key.center)), down_at, down_at + HOLD_S, lifted)
            else:
                # The finger lands (the key shows pressed in this frame), then lifts.
                touch = UnitTestTouch(*key.to_window(*key.center))
                touch.touch_down()
                lifts_at = time.perf_counter() + HOLD_S if args.gap_ms else None

                def lift(_dt: float, touch: Any = touch, lifts_at: float | None = lifts_at) -> None:
                    # With --gap-ms the finger lifted at lifts_at: a frame still
                    # being drawn then delays this event, and counts.
                    state["t0"] = lifts_at if lifts_at is not None else time.perf_counter()
                    touch.touch_up()

                Clock.schedule_once(lift, HOLD_S if args.gap_ms else 0)
            Clock.schedule_once(lambda _dt, q=q.strip(), n=len(results["keys"]): watchdog(q, n), 10)
            return
        Clock.schedule_once(lambda _dt: scroll_ours(), 0.5)

    def watchdog(query: str, n: int) -> None:
        # A keystroke whose results never showed (should not happen): say so, go on.
        if state.get("want") == query and len(results["keys"]) == n:
            print(f"no results drawn within 10 s for {query!r}; skipped", file=sys.stderr, flush=True)
            results["timeouts"] = results.get("timeouts", 0) + 1
            state["want"] = None
            next_key()

    # -------------------------------------------------------------- scrolling
    def scroll(view: Any, bucket: str, then: Any) -> None:
        frames = args.scroll_frames
        step = {"i": 0}
        state["recording"] = results[bucket]
        state["last_flip"] = None

        def tick(_now: float) -> None:
            # One step per frame drawn (a clock interval of 0 can run several
            # times per frame when frames are slow: bigger jumps, unlike the peer).
            step["i"] += 1
            view.scroll_y = max(0.0, 1.0 - step["i"] / frames)
            if step["i"] >= frames:
                state["recording"] = None
                state["on_frame"] = None
                Clock.schedule_once(lambda _dt: then(), 0.5)
            else:
                Window.canvas.ask_update()

        state["on_frame"] = tick
        tick(0.0)

    def scroll_ours() -> None:
        # Frame times unthrottled, whatever the pacing of the typing: a frame
        # over 16.7 ms is one a 60 Hz panel would have missed.
        Clock._max_fps = 0
        screen = state["screen"]
        screen.ids.keyboard.press("\x1b")

        def ready(_dt: float) -> None:
            from screens.search import MAX_GRID

            print(f"waiting for the grid: {len(screen.ids.grid.data)} of {screen.total} "
                  f"(searching={screen.searching}, query={screen.shown_query!r})", file=sys.stderr, flush=True)
            if (screen.searching or screen.shown_query != ""
                    or len(screen.ids.grid.data) < min(MAX_GRID, max(1, screen.total))):
                Clock.schedule_once(ready, 0.2)
                return
            results["grid_items"] = len(screen.ids.grid.data)
            results["total"] = screen.total
            scroll(screen.ids.grid, "ours_frames", scroll_peer)

        Clock.schedule_once(ready, 0.2)

    def scroll_peer() -> None:
        Builder.load_string(
            "<BenchTile@Label>:\n    color: 0, 0, 0, 1\n    text_size: self.width, None\n"
            "<BenchGrid@RecycleView>:\n    viewclass: 'BenchTile'\n"
            "    RecycleGridLayout:\n        cols: 3\n        default_size: None, dp(400)\n"
            "        default_size_hint: 1, None\n        size_hint_y: None\n        height: self.minimum_height\n"
        )
        from kivy.factory import Factory

        # The peer alone on the window: our screens must not be drawn under it.
        Window.remove_widget(app.root)
        peer: RecycleView = Factory.BenchGrid(size=Window.size, pos=(0, 0))
        peer.data = [{"text": f"Product {i}\n€{i % 997}.00"} for i in range(results.get("grid_items", 10_000))]
        Window.add_widget(peer)

        def go(_dt: float) -> None:
            scroll(peer, "peer_frames", finish)

        Clock.schedule_once(go, 0.5)

    def finish() -> None:
        engine = app.search_engine
        queries = [q.strip() for seq in sequences for q in seq]
        for q in queries:
            t = time.perf_counter()
            engine.search(q, limit=48)
            results["engine"].append((time.perf_counter() - t) * 1000)
        app.stop()

    Clock.schedule_once(start, 0.2)
    app.run()
    if results.get("window") != WINDOW:
        return 1

    ks, eng = results["keys"], results["engine"]
    of, pf = results["ours_frames"], results["peer_frames"]
    load_after = os.getloadavg()
    print()
    print(f"load average (1/5/15 min): before {'/'.join(f'{x:.2f}' for x in load_before)}, "
          f"after {'/'.join(f'{x:.2f}' for x in load_after)}; multisamples {args.multisamples}")
    how = ("OnScreenKeyboard.press" if args.direct
           else f"touches on the keys; {results.get('direct', 0)} characters without a key typed by press()")
    if touchscreen is not None:
        from screens.pacing import CLOCK, MAX_FPS

        pace = (f"kiosk pacing ({CLOCK} clock, {MAX_FPS} fps cap), "
                f"taps from a touchscreen thread: down {args.gap_ms:.0f} ms after the results, "
                f"lift {HOLD_S * 1000:.0f} ms later")
    elif args.gap_ms:
        pace = f"unthrottled; next key {args.gap_ms:.0f} ms after the results, held {HOLD_S * 1000:.0f} ms"
    else:
        pace = "unthrottled; next key as soon as the results are drawn"
    pictures = "pictures in the image cache" if args.pictures else "no pictures cached (placeholders)"
    print(f"Keystroke to results drawn ({len(ks)} keystrokes, {len(sequences)} names typed; "
          f"window {results['window'][0]}x{results['window'][1]}; {how}; {pace}; {pictures})")
    print(f"{'':34}{'median ms':>11}{'p99 ms':>10}{'max ms':>10}")
    print(f"{'ours: key -> results drawn':34}{statistics.median(ks):>11.1f}{pct(ks, 99):>10.1f}{max(ks):>10.1f}")
    ap = results["applied"]
    print(f"{'ours: key -> grid data set':34}{statistics.median(ap):>11.1f}{pct(ap, 99):>10.1f}{max(ap):>10.1f}")
    print(f"{'peer: SearchEngine.search alone':34}{statistics.median(eng):>11.1f}{pct(eng, 99):>10.1f}{max(eng):>10.1f}")
    print(f"{'ratio ours / peer':34}{statistics.median(ks) / statistics.median(eng):>11.1f}"
          f"{pct(ks, 99) / pct(eng, 99):>10.1f}")
    print(f"{'peer: one bare RecycleView frame':34}{statistics.median(pf):>11.1f}{pct(pf, 99):>10.1f}{max(pf):>10.1f}"
          "   (the floor: a keystroke ends with a frame)")
    print(f"target p99 <= 50 ms: {'met' if pct(ks, 99) <= 50 else 'NOT met'}"
          + (f"; {results['timeouts']} keystrokes timed out" if results.get("timeouts") else ""))
    print()
    print(f"Scrolling {results.get('grid_items', 0):,} results top to bottom ({args.scroll_frames} steps; "
          f"{results.get('total', 0):,} matches)")
    print(f"{'':34}{'frames':>8}{'median ms':>11}{'p99 ms':>10}{'> 16.7 ms':>11}")
    for label, fr in (("ours: search grid (ProductCard)", of), ("peer: bare RecycleView of Labels", pf)):
        over = sum(1 for f in fr if f > FRAME_BUDGET_MS) / max(1, len(fr))
        print(f"{label:34}{len(fr):>8}{statistics.median(fr):>11.1f}{pct(fr, 99):>10.1f}{over:>10.1%}")
    print(f"{'ratio ours / peer (median)':34}{'':>8}{statistics.median(of) / statistics.median(pf):>11.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
