"""A real Kivy window for UI tests, driven through the event loop.

Kivy 2.3.1's own ``kivy.tests.fixtures.kivy_app`` does not run on pytest 9
(see DESIGN.md), so this is our own version of it: each test gets a fresh
Kivy Clock context and a ``KioskApp`` running with ``app.async_run()`` on
pytest-asyncio's loop; the test awaits frames and dispatches real touch
events (``UnitTestTouch`` -> ``EventLoop.post_dispatch_input``) and keys
(``Window.dispatch('on_key_down', ...)``, what SDL2 does for a keyboard-wedge
scanner). After the test the app is stopped and a weak reference checks
that it was freed (a leaked app would keep its screens, cart and bindings).

Run under Xvfb: ``scripts/run-tests.sh tests/ui`` (or ``xvfb-run -a -s
"-screen 0 1920x1080x24" .venv/bin/python -m pytest tests/ui``).

Configure one test's kiosk with a marker::

    @pytest.mark.kiosk(**{"session.idle_timeout_s": 1.5, "min_warning_s": 0.5})
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import tempfile
import time
import weakref
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

# Before Kivy is imported anywhere: no argv parsing, no ~/.kivy, no file log.
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
if "KIVY_HOME" not in os.environ:
    os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kivy-home-")

from tests.ui.catalog import build_catalog  # noqa: E402


# Smaller than the real 1920x1080 screen: software OpenGL fill rate is the
# slowest part of these tests, and layout and reach maths are proportional.
WINDOW_SIZE = (1280, 720)
_apps: list[tuple[weakref.ref[Any], str]] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "kiosk(**overrides): configuration of the test's KioskApp")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        # A failed test's traceback keeps its app alive; only passed tests are leak-checked.
        item.stash[_PASSED] = report.passed
    return report


_PASSED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def catalog_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the UI test catalog, built once per run and copied per test."""
    path = tmp_path_factory.mktemp("catalog") / "template.sqlite3"
    build_catalog(path)
    return path


@pytest.fixture
def catalog_db(tmp_path: Path, catalog_template: Path) -> Path:
    """This test's own copy of the UI test catalog."""
    dst = tmp_path / "kiosk.sqlite3"
    shutil.copyfile(catalog_template, dst)
    return dst


def _make_config(tmp_path: Path, db: Path, overrides: dict[str, Any]) -> Any:
    from kiosk.config import Config

    cfg = Config(db=db, data_dir=tmp_path / "data")
    cfg.display.fullscreen = False
    cfg.display.show_cursor = True
    for key, value in overrides.items():
        if "." not in key:
            continue
        section, name = key.split(".", 1)
        sec = getattr(cfg, section)
        if not hasattr(sec, name):
            raise KeyError(key)
        setattr(sec, name, value)
    return cfg


async def wait_frames(n: int = 2) -> None:
    """Let the Kivy loop draw ``n`` more frames."""
    from kivy.clock import Clock

    start = Clock.frames_displayed
    deadline = time.monotonic() + 10
    while Clock.frames_displayed < start + n:
        if time.monotonic() > deadline:
            raise TimeoutError("Kivy stopped drawing frames")
        await asyncio.sleep(0.005)


async def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "",
                   explain: Callable[[], str] | None = None) -> Any:
    """Poll ``predicate`` every frame until it is truthy; fail after ``timeout`` seconds.

    ``explain`` is called on a timeout and its text added to the failure, so a
    rare failure on CI says what the app was showing instead.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f" ({explain()})" if explain else ""
            raise AssertionError(f"timed out waiting for {what or predicate}{detail}")
        await wait_frames(1)


async def window_shot(path: Path) -> Path:
    """Save the next frame the window draws to ``path`` (PNG) and return the file.

    Read in ``on_flip``, i.e. right before the buffer swap: after the swap the
    back buffer's content is undefined in OpenGL, and ``Window.screenshot``
    on its own reads whatever is left there (once, on CI, another picture).
    """
    from kivy.core.window import Window

    taken: list[str] = []

    def grab(*_args: Any) -> None:
        Window.unbind(on_flip=grab)
        taken.append(Window.screenshot(name=str(path)))

    Window.bind(on_flip=grab)
    Window.canvas.ask_update()
    await wait_for(lambda: taken, what="a frame to save")
    return Path(taken[0])


async def scroll_into_view(scroll: Any, widget: Any) -> None:
    """Scroll ``scroll`` (a ScrollView) until ``widget`` is wholly inside it, as a customer would."""
    def inside() -> bool:
        wx, wy = widget.to_window(widget.x, widget.y)
        sx, sy = scroll.to_window(scroll.x, scroll.y)
        return (sx - 1 <= wx and wx + widget.width <= sx + scroll.width + 1
                and sy - 1 <= wy and wy + widget.height <= sy + scroll.height + 1)

    scroll.scroll_to(widget, padding=0, animate=False)
    await wait_for(inside, what="the widget scrolled into view")
    await wait_frames(2)


def _forget_stuck_work() -> None:
    """Zero the module-wide count of pending UI work and the picture batch.

    A test that fails half-way (say, after announcing decodes it never
    delivers) leaves them counted, and every later test would then time
    out at "background work to finish" in its set-up.
    """
    from screens import workers
    from screens.widgets import async_image

    with workers._pending_lock:
        workers._pending = 0
    async_image._in_flight = 0
    async_image._arrived.clear()
    async_image._batch_deadline = None


async def settle(app: Any) -> None:
    """Wait until no background work is pending and two more frames were drawn."""
    from screens.workers import pending_count

    await wait_for(lambda: pending_count() == 0, what="background work to finish")
    await wait_frames(2)


async def tap(widget: Any) -> None:
    """Press and release a real touch at the centre of ``widget`` (window coordinates)."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    await tap_at(x, y)


async def tap_at(x: float, y: float) -> None:
    """Press and release a real touch at window position ``(x, y)``."""
    from kivy.tests.common import UnitTestTouch

    from kivy.clock import Clock

    # Dispatched from the Kivy loop, as SDL input is: an exception in a handler
    # then reaches the app's ExceptionHandler instead of this test.
    touch = UnitTestTouch(x, y)
    Clock.schedule_once(lambda _dt: touch.touch_down(), 0)
    await wait_frames(2)
    Clock.schedule_once(lambda _dt: touch.touch_up(), 0)
    await wait_frames(3)


async def type_keys(text: str, *, enter: bool = True, gap_s: float = 0.0) -> None:
    """Type ``text`` on the window as a keyboard would (a wedge scanner: gap 0)."""
    from kivy.core.window import Window

    for ch in text:
        Window.dispatch("on_key_down", ord(ch.lower()), 0, ch, [])
        Window.dispatch("on_key_up", ord(ch.lower()), 0)
        if gap_s:
            await asyncio.sleep(gap_s)
    if enter:
        Window.dispatch("on_key_down", 13, 40, None, [])
        Window.dispatch("on_key_up", 13, 40)
    await wait_frames(1)


class IdleClock:
    """The idle timer's clock: real monotonic time plus jumps a test makes.

    Software OpenGL under Xvfb on a loaded machine can take a quarter of a
    second per frame, so a test cannot count on real seconds; it moves this
    clock forward instead (``app.idle_clock.advance(71)``) and the app's own
    timer, running in the event loop, reacts.
    """

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` into the future."""
        self.offset += seconds


@pytest_asyncio.fixture
async def kiosk_app(request: pytest.FixtureRequest, tmp_path: Path, catalog_db: Path) -> AsyncIterator[Any]:
    """A running KioskApp on a real window, showing the attract screen with the catalog ready."""
    gc.collect()
    if _apps:
        last, name = _apps.pop()
        assert last() is None, f"memory leak: the app of {name} was not freed"

    marker = request.node.get_closest_marker("kiosk")
    overrides: dict[str, Any] = dict(marker.kwargs) if marker else {}
    try:
        # Settings only known at run time (a server's port): a module's own fixture.
        overrides.update(request.getfixturevalue("kiosk_overrides"))
    except pytest.FixtureLookupError:
        pass
    min_warning_s = overrides.pop("min_warning_s", 20.0)

    from kivy.config import Config as KivyConfig

    KivyConfig.set("graphics", "width", str(WINDOW_SIZE[0]))
    KivyConfig.set("graphics", "height", str(WINDOW_SIZE[1]))
    KivyConfig.set("kivy", "exit_on_escape", "0")
    for name, _ in KivyConfig.items("input"):
        KivyConfig.remove_option("input", name)

    from kivy.base import stopTouchApp
    from kivy.clock import ClockBase
    from kivy.context import Context
    from kivy.core.window import Window

    context = Context(init=False)
    context["Clock"] = ClockBase(async_lib="asyncio")
    context.push()

    Window.create_window()
    Window.register()
    Window.initialized = True
    Window.canvas.clear()
    Window.size = WINDOW_SIZE

    from screens.app import KioskApp
    from screens.workers import pending_count

    config = _make_config(tmp_path, catalog_db, overrides)
    idle_clock = IdleClock()
    app = KioskApp(config, animate=False, min_warning_s=min_warning_s, clock=idle_clock)
    app.idle_clock = idle_clock
    task = asyncio.get_running_loop().create_task(app.async_run(async_lib="asyncio"))
    from kivy.clock import Clock

    Clock._max_fps = 0
    try:
        await wait_for(lambda: app.root is not None and app.ready, timeout=30, what="the app to start")
        await settle(app)
        yield app
        # Let this app's background work deliver while its clock still ticks:
        # a result scheduled after the stop lands on a clock that never runs
        # again, its pending slot is never released, and every later test
        # then times out waiting for "background work to finish" (the
        # warm-up worker's search-index save can outlast a short test).
        try:
            await wait_for(lambda: pending_count() == 0, timeout=30, what="this test's background work to finish")
        except AssertionError:
            _forget_stuck_work()  # this test errors; the tests after it must not error with it
            raise
    finally:
        stopTouchApp()
        await asyncio.wait_for(task, timeout=20)
        for child in Window.children[:]:
            Window.remove_widget(child)
        # Kivy keeps recycled views in a module-wide cache for the next
        # RecycleView; a view made under this app's clock would carry its
        # Clock triggers into the next test, where nothing ticks them (a
        # kiosk runs one app and one clock for its whole life).
        from kivy.uix.recycleview import views as recycle_views

        recycle_views._cached_views.clear()
        recycle_views._cache_count = 0
        context.pop()
        del context
        from kivy.logger import LoggerHistory

        LoggerHistory.clear_history()
        if request.node.stash.get(_PASSED, False):
            _apps.append((weakref.ref(app), request.node.name))
        del app, task
        gc.collect()
