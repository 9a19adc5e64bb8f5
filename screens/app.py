"""The kiosk App: screens, navigation, the customer session and the cart.

This module is the contract the screens code against. Everything a screen
needs is on the running app (``App.get_running_app()`` inside methods, or
``app`` in kv), never imported from another screen.

Data (read on the main thread; query them only from background work):

* ``app.db``: the SQLAlchemy ``Engine`` of the local catalog cache (None
  until ``app.ready``); usually a ``kiosk.db.DeferredEngine``, made on a
  worker right after the first interactive frame. Only hand it to background
  work: the first attribute read on it may import SQLAlchemy.
* ``app.search_engine``: ``kiosk.search.SearchEngine`` (None until ready).
* ``app.config_obj``: the ``kiosk.config.Config`` (``app.config`` is Kivy's own).
* ``app.cart``: the customer's ``kiosk.cart.Cart``. Change it only through
  ``add_to_cart`` / ``set_cart_qty`` / ``remove_from_cart`` so the badge and
  ``cart_version`` follow.
* ``app.theme``: ``screens.theme.Theme`` (colours, sizes; bind in kv).

Properties to bind to: ``ready``, ``cart_count``, ``cart_version``,
``accessible``, ``current_screen``, ``store_name``, ``currency``,
``can_go_back``, ``slides`` (active scenes as ``kiosk.startup.Slide``),
``categories`` (``kiosk.startup.TopCategory``), ``catalog_version``.

Navigation (each pushes onto the back stack; parameters reach the screen's
``prepare(**params)``):

* ``show_product(product_id, variant_id=None)``
* ``show_scene(scene_id)``
* ``show_search(query="", category=None)``
* ``show_cart()``, ``show_handoff()``, ``go_home()``, ``back()``

Actions:

* ``add_to_cart(variant_id, qty=1, on_done=None)``: builds the line off the
  UI thread (``kiosk.cart.line_for_variant``), adds it, records analytics,
  updates the badge; ``on_done(line_or_None)`` runs on the main thread.
* ``set_cart_qty(variant_id, qty)``, ``remove_from_cart(variant_id)``
* ``record_event(kind, payload)``: analytics, written off the UI thread.
* ``show_notice(title, message="")``, ``toast(message)``
* ``request_help()``, ``toggle_accessible()``, ``end_session()``
* ``run_in_background(fn, *args, on_result=..., on_error=...)`` (from
  screens.workers) for your own SQL; ``LatestWins`` for search as you type.
* ``catalog_changed()``: thread-safe; the sync worker calls it after it
  applied a change. Screens get ``refresh()``.

Screens subclass ``screens.base.KioskScreen`` and implement ``prepare``,
``reset`` (session over: forget everything), ``refresh`` (catalog changed)
and optionally ``screenshot_ready``.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
import weakref
from collections import deque
from pathlib import Path
from typing import Any, Callable

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import FadeTransition, NoTransition, ScreenManager

from kiosk import event_kinds as kinds
from kiosk.cart import Cart, CartError, CartLine, line_for_variant
from kiosk.config import Config
from kiosk.money import format_price
from kiosk.reach import ReachBand, physical_height_mm, reach_band
from kiosk.session import MIN_WARNING_S, IdleSession, State, Transition
from kiosk.wedge import WedgeBuffer
from screens import kivy_fixes
from screens.frame import (  # also registers KioskScreenManager for app.kv
    follow_theme_background,
    sample_flat_fills_nearest,
)
from screens.registry import SCREENS, ScreenEntry, ScreenRegistry, ScreenUnavailable
from screens.theme import Theme, load_theme_kv
from screens.workers import run_in_background

log = logging.getLogger(__name__)

#: Built while attract idles after start-up (``KioskApp._prebuild_screens``),
#: the likeliest first tap first.
PREBUILT_SCREENS = ("home", "search", "product", "scene", "cart", "handoff")
HISTORY_LIMIT = 40
#: How often a thread holding the GIL is asked to hand it over (Python's
#: default is 5 ms). A search, page fetch or picture decode on a worker
#: could hold the UI thread up to that long just before a frame; at 1 ms
#: the keystroke p99 measured 3-5 ms lower (docs/benchmarks-ui-screens.md, session 6).
UI_SWITCH_INTERVAL_S = 0.001
_ENTER_KEYS = (13, 271)  # Return, keypad Enter
SAFE_MESSAGE = "Sorry, something went wrong there. Let's carry on from here; your cart is safe."


class KioskRoot(FloatLayout):
    """The app's root: the frame (screens + overlays), moved into the reach band in accessibility mode."""

    sm = ObjectProperty(None)
    """The ScreenManager."""

    frame = ObjectProperty(None)
    """The layer holding the screens and the overlays."""


class _CalmExceptionHandler(ExceptionHandler):
    """Logs any exception from the event loop and sends the customer somewhere safe."""

    def __init__(self, app: KioskApp) -> None:
        super().__init__()
        self._app = weakref.ref(app)

    def handle_exception(self, inst: BaseException) -> int:
        if isinstance(inst, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        log.error("unexpected error in the UI", exc_info=(type(inst), inst, inst.__traceback__))
        app = self._app()
        if app is None:
            return ExceptionManager.RAISE
        app.errors_handled += 1
        Clock.schedule_once(lambda _dt: app.recover_from_error(), 0)
        return ExceptionManager.PASS


class KioskApp(App):
    """The customer touchscreen app. See the module docstring for the API screens use."""

    title = "Store kiosk"

    theme = ObjectProperty(None)
    """The ``screens.theme.Theme``."""

    ready = BooleanProperty(False)
    """True once the catalog is open and the search engine warm."""

    warmed_up = BooleanProperty(False)
    """True once the start-up work after ``ready`` is over: the database engine
    made, the modules loaded, the customer screens built ahead (or a customer
    came first) and a full garbage collection done."""

    store_name = StringProperty("")
    """The store's name, shown in the top bar."""

    currency = StringProperty("EUR")
    """The store's ISO 4217 currency."""

    cart_count = NumericProperty(0)
    """Total quantity in the cart (the badge)."""

    cart_version = NumericProperty(0)
    """Bumped on every cart change; bind to it to redraw a cart view."""

    catalog_version = NumericProperty(0)
    """Bumped after a sync changed the catalog."""

    accessible = BooleanProperty(False)
    """Accessibility mode: reach band, larger text and targets, high contrast."""

    current_screen = StringProperty("attract")
    """Name of the screen the customer sees."""

    can_go_back = BooleanProperty(False)
    """Whether ``back()`` has somewhere to go."""

    slides = ListProperty([])
    """Active scenes for the attract loop and home tiles (``kiosk.startup.Slide``)."""

    categories = ListProperty([])
    """Top categories for the home screen (``kiosk.startup.TopCategory``)."""

    reach_bottom = NumericProperty(0)
    """Bottom of the reach band, window pixels from the bottom."""

    reach_top = NumericProperty(0)
    """Top of the reach band, window pixels from the bottom."""

    startup_error = StringProperty("")
    """Why the catalog could not be opened (shown calmly on attract)."""

    def __init__(
        self,
        config: Config,
        *,
        demo: bool = False,
        engine: Any = None,
        animate: bool = True,
        min_warning_s: float = MIN_WARNING_S,
        screens: tuple[ScreenEntry, ...] = SCREENS,
        clock: Callable[[], float] = time.monotonic,
        catalog_future: Any = None,
        **kwargs: Any,
    ) -> None:
        """Create the app.

        Args:
            config: The kiosk configuration.
            demo: Load the demo catalog into an empty standalone database.
            engine: An already open database (tests, benchmarks).
            animate: Screen transitions and fades (off in tests).
            min_warning_s: Floor of the idle warning (20 s; tests use less).
            screens: The screen registry entries.
            clock: Monotonic seconds for the idle timer (tests move it forward
                instead of waiting).
            catalog_future: A ``concurrent.futures.Future`` of
                ``kiosk.startup.prepare_catalog`` already running (main.py
                starts it before Kivy loads); None starts it here.
        """
        super().__init__(**kwargs)
        self.config_obj = config
        self.store_name = config.store.name
        self.currency = config.store.currency
        self.cart = Cart(config.store.currency)
        # Adds whose lines are still being built, oldest first (add_to_cart).
        self._cart_adds: deque[list[Callable[[], None] | None]] = deque()
        self.db: Any = None
        self.search_engine: Any = None
        self.startup: Any = None
        self.sync_worker: Any = None
        self._stopping = False
        self.errors_handled = 0
        self._demo = demo
        self._engine_given = engine
        self._animate = animate
        self._registry = ScreenRegistry(screens)
        self._history: list[tuple[str, dict[str, Any]]] = []
        self._overlays: list[Any] = []
        self._idle_warning: Any = None
        self._exception_handler: _CalmExceptionHandler | None = None
        self._tick_event: Any = None
        self._recovering = False
        self.session = IdleSession(
            config.session.idle_timeout_s, config.session.idle_warning_s, min_warning_s=min_warning_s
        )
        self.wedge = WedgeBuffer()
        self.theme = Theme(dpi=config.display.dpi, min_target_mm=config.display.min_target_mm)
        self._catalog_trigger = Clock.create_trigger(self._refresh_catalog, 0.2)
        self._now = clock
        self._catalog_future = catalog_future

    # ------------------------------------------------------------------ build

    def load_kv(self, filename: str | None = None) -> bool:
        # Kivy would look for "kiosk.kv" by class name; app.kv is loaded in build().
        return False

    def build(self) -> KioskRoot:
        kivy_fixes.apply()
        sys.setswitchinterval(UI_SWITCH_INTERVAL_S)
        load_theme_kv()
        import screens.overlay  # noqa: F401  (overlay rules)

        kv = str(Path(__file__).with_suffix(".kv"))
        if kv not in Builder.files:
            Builder.load_file(kv)
        root = KioskRoot()
        self.root = root  # navigation below needs it; App.run sets it again
        follow_theme_background(self.theme)  # the page background, instead of a full-screen rectangle
        sample_flat_fills_nearest()
        sm: ScreenManager = root.sm
        sm.transition = FadeTransition(duration=0.15) if self._animate else NoTransition()
        self._ensure_screen("attract")
        sm.current = "attract"
        Window.bind(on_touch_down=self._on_window_touch, on_key_down=self._on_key_down)
        root.bind(size=self._update_reach)
        self._exception_handler = _CalmExceptionHandler(self)
        ExceptionManager.add_handler(self._exception_handler)
        self._tick_event = Clock.schedule_interval(self._tick, 0.25)
        self.bind(accessible=self._on_accessible)
        Clock.schedule_once(lambda _dt: self._update_reach(), 0)
        if self._catalog_future is not None:
            Clock.schedule_once(self._open_catalog, 0)
        else:
            # The catalog is prepared once the first frame is on its way: that
            # work (SQLAlchemy, the search index) and Kivy's own start-up share
            # one GIL, and interleaved they both finish later than one after
            # the other (docs/benchmarks-ui.md, cold start).
            Window.bind(on_flip=self._first_frame)
        return root

    def _first_frame(self, *_args: Any) -> None:
        # Runs just before the buffer swap, which releases the GIL: the
        # start-up work gets going during it.
        Window.unbind(on_flip=self._first_frame)
        self._open_catalog()

    def on_stop(self) -> None:
        self._stopping = True  # a sync worker made after this is never started
        Window.unbind(on_touch_down=self._on_window_touch, on_key_down=self._on_key_down, on_flip=self._first_frame)
        if self._exception_handler is not None and self._exception_handler in ExceptionManager.handlers:
            ExceptionManager.remove_handler(self._exception_handler)
        if self._tick_event is not None:
            self._tick_event.cancel()
        self._catalog_trigger.cancel()
        if self.sync_worker is not None:
            self.sync_worker.remove_listener(self.catalog_changed)
            # A plain thread, not run_in_background: there is no UI left to
            # deliver a result to, and the app's pending-work count must not
            # wait on a clock that no longer ticks.
            threading.Thread(target=self.sync_worker.stop, args=(10.0,), name="kiosk-sync-stop", daemon=True).start()

    def _open_catalog(self, _dt: float = 0) -> None:
        from kiosk.startup import prepare_catalog

        if self._catalog_future is not None:
            fut, self._catalog_future = self._catalog_future, None

            def done(f: Any) -> None:  # runs on the startup thread (or here, if already done)
                exc = f.exception()
                Clock.schedule_once(lambda _dt: self._catalog_failed(exc) if exc else self._catalog_ready(f.result()))

            fut.add_done_callback(done)
            return

        run_in_background(
            prepare_catalog,
            self.config_obj,
            demo=self._demo,
            engine=self._engine_given,
            on_result=self._catalog_ready,
            on_error=self._catalog_failed,
        )

    def _catalog_ready(self, result: Any) -> None:
        self.startup = result
        self.db = result.engine
        self.search_engine = result.search_engine
        self.slides = list(result.slides)
        self.categories = list(result.categories)
        log.info("catalog ready: %d products, %d scenes (%s)", result.product_count, len(result.slides),
                 ", ".join(f"{k} {v:.0f} ms" for k, v in result.timings_ms.items()))
        self.ready = True
        # After the first interactive frame (a 0 timeout runs next frame), make
        # the database engine (SQLAlchemy was left unloaded to get here sooner),
        # load the modules the other screens' background work uses, start the
        # sync worker and build the customer screens, so the first customer waits for
        # none of them.
        Clock.schedule_once(self._warm_up, 0)

    def _warm_up(self, _dt: float = 0) -> None:
        # The worker holds no reference to the app, and its result reaches the
        # app through a weak one: an app stopped meanwhile is freed, and a sync
        # worker made for it is never started.
        app_ref = weakref.ref(self)

        def done(sync_worker: Any) -> None:
            app = app_ref()
            if app is not None:
                app._start_sync(sync_worker)
                app._prebuild_screens()

        def failed(exc: BaseException) -> None:
            # Nothing lost: each screen's work opens the engine and imports what it needs itself.
            log.warning("warm-up failed: %s", exc)
            done(None)

        run_in_background(_warm_up_worker, self.db, self.search_engine, self.config_obj,
                          on_result=done, on_error=failed)

    def _collect_while_idle(self, *_args: Any) -> None:
        """A full garbage collection now, while nobody is at the screen.

        Python's automatic full collection walks every tracked object (about
        130 ms with the 200,000-variant catalog's search index) and lands on
        whatever keystroke happens to trigger it. It runs once the objects
        that survived since the last full pass reach a quarter of those it
        found then, so one done here, after start-up and after each
        customer, leaves a session far from that point. (``gc.freeze`` would
        skip the walk altogether, but every object alive when frozen that
        dies later in a reference cycle would never be freed: the memory
        benchmark saw ten times more objects left over after 1,000 sessions.)
        """
        if self._stopping:
            return
        started = time.perf_counter()
        gc.collect()
        log.debug("idle full collection in %.0f ms", (time.perf_counter() - started) * 1000)

    def _prebuild_screens(self, names: tuple[str, ...] = PREBUILT_SCREENS) -> None:
        """Build the customer screens while attract idles, one a frame; then a full collection.

        A screen's first build runs on the UI thread: 20-110 ms here (search,
        with its keyboard and filter chips, ~90 ms; the cart ~80 ms), about
        twice that on a slower kiosk PC. Built on first use, each of them
        would hold up the first customer after a start at the tap that first
        reaches it. One screen a frame, the likeliest first tap first, so a
        touch meanwhile waits for one build at most; a customer who starts a
        session stops the chain (the rest are built on first use, as before).

        Args:
            names: The screens still to build, in order.
        """
        if (not names or self._stopping or self.root is None
                or self.session.state is not State.ATTRACT):
            self._collect_while_idle()
            self.warmed_up = True
            return
        try:
            self._ensure_screen(names[0])  # already built (home, by a customer): nothing to do
        except Exception:  # noqa: BLE001 - built (or reported) on first use instead
            log.warning("screen %r could not be built ahead", names[0], exc_info=True)
        app_ref = weakref.ref(self)  # a stopped app is freed, pending clock event or not

        def next_screen(_dt: float) -> None:
            app = app_ref()
            if app is not None:
                app._prebuild_screens(names[1:])

        Clock.schedule_once(next_screen, 0)

    def _start_sync(self, worker: Any) -> None:
        """Start the sync worker made by ``_warm_up_worker`` (never blocks the UI)."""
        if worker is None or self.sync_worker is not None or self._stopping:
            return
        try:
            self.sync_worker = worker
            # Listeners run on the sync thread; catalog_changed only pulls a Clock trigger.
            worker.add_listener(self.catalog_changed)
            worker.start()
        except Exception:  # noqa: BLE001 - the kiosk serves from its cache without sync
            log.exception("sync worker could not start; serving from the local cache")
            self.sync_worker = None

    def _catalog_failed(self, exc: BaseException) -> None:
        log.error("catalog could not be opened", exc_info=(type(exc), exc, exc.__traceback__))
        self.startup_error = "The catalog is not available right now. Please ask a colleague."

    # ------------------------------------------------------------- screens

    @property
    def sm(self) -> ScreenManager:
        """The ScreenManager (for tests and the screenshot driver)."""
        return self.root.sm

    def screen_available(self, name: str) -> bool:
        """Whether screen ``name`` can be shown (its module exists)."""
        return self._registry.available(name)

    def get_screen(self, name: str) -> Any:
        """The screen ``name`` if it has been created, else None."""
        sm = self.root.sm if self.root else None
        return sm.get_screen(name) if sm is not None and sm.has_screen(name) else None

    def _ensure_screen(self, name: str) -> Any:
        screen = self.get_screen(name)
        if screen is None:
            screen = self._registry.create(name)
            self.root.sm.add_widget(screen)
        return screen

    def _navigate(self, name: str, params: dict[str, Any], *, push: bool = True) -> bool:
        """Show screen ``name`` with ``params``; falls back to home if it cannot be shown."""
        try:
            screen = self._ensure_screen(name)
            if hasattr(screen, "prepare"):
                screen.prepare(**params)
            if hasattr(screen, "params"):
                screen.params = dict(params)
        except ScreenUnavailable:
            if name == "home":
                raise
            self.show_notice("That is not available right now", "")
            return self._navigate("home", {}, push=push) and False
        except Exception:  # noqa: BLE001 - a broken screen sends the customer home, calmly
            log.exception("screen %r failed to prepare", name)
            if name == "home":
                raise
            self.show_notice("Sorry, that did not work", "Let's carry on from here.")
            return self._navigate("home", {}, push=push) and False
        if name == "home":
            self._history = [("home", {})]
        elif push:
            if not self._history or self._history[-1] != (name, params):
                self._history.append((name, dict(params)))
            del self._history[:-HISTORY_LIMIT]
        self.root.sm.current = name
        self.current_screen = name
        self.can_go_back = len(self._history) > 1
        return True

    def show_product(self, product_id: str, variant_id: str | None = None) -> None:
        """Show a product, optionally with a variant preselected (a scanned barcode)."""
        self._navigate("product", {"product_id": product_id, "variant_id": variant_id})
        self.record_event(kinds.PRODUCT_VIEW, {"product_id": product_id})

    def show_scene(self, scene_id: str) -> None:
        """Show a scene (a styled room) with its products."""
        self._navigate("scene", {"scene_id": scene_id})

    def show_search(self, query: str = "", category: str | None = None) -> None:
        """Show search, optionally with text typed or a category filter set."""
        self._navigate("search", {"query": query, "category": category})

    def show_cart(self) -> None:
        """Show the cart."""
        self._navigate("cart", {})

    def show_handoff(self) -> None:
        """Show the cart handoff (QR code to continue on the phone)."""
        self._navigate("handoff", {})

    def go_home(self) -> None:
        """Home screen; the back stack starts again there."""
        self.dismiss_overlays()
        if self.session.state is State.ATTRACT:
            self.session.start(self._now())
        self._navigate("home", {})

    def back(self) -> None:
        """The previous screen, as the customer left it."""
        if len(self._history) <= 1:
            self.go_home()
            return
        self._history.pop()
        name, params = self._history[-1]
        screen = self.get_screen(name)
        # Same screen kind with other content in between (product A -> B -> back):
        # prepare it again; otherwise it still shows what the customer left.
        if screen is None or dict(getattr(screen, "params", {})) != params:
            self._history.pop()
            self._navigate(name, params)
        else:
            self.root.sm.current = name
            self.current_screen = name
            self.can_go_back = len(self._history) > 1

    # ------------------------------------------------------------- session

    def start_session(self) -> None:
        """A customer touched the attract screen: start a session on home."""
        if self.session.state is not State.ATTRACT:
            return
        self.session.start(self._now())
        self.record_event(kinds.SESSION_START, {})
        self._navigate("home", {})

    def still_here(self) -> None:
        """"I'm still here": hide the warning and keep everything."""
        self.session.extend(self._now())
        self._hide_idle_warning()

    def end_session(self) -> None:
        """End the customer's session now: clear everything and return to attract."""
        self.session.end()
        self.reset_session()

    def reset_session(self) -> None:
        """Forget the customer: cart, typed text, screens' state, accessibility; attract.

        The privacy-critical steps (empty cart, attract on screen, no back
        stack) come first and cannot be stopped by a screen's error; each
        screen's own ``reset`` and every observer run guarded afterwards.
        """
        self.cart.clear()
        self._history = []
        self.can_go_back = False
        self.wedge.clear()
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("attract", self._show_attract),
            ("idle warning", self._hide_idle_warning),
            ("overlays", self.dismiss_overlays),
            ("cart badge", self._cart_changed),
            ("accessibility", lambda: self.set_accessible(False)),
        ]
        steps += [(f"screen {screen.name}", screen.reset) for screen in list(self.root.sm.screens)]
        steps.append(("keyboards", Window.release_all_keyboards))
        for what, step in steps:
            try:
                step()
            except Exception:  # noqa: BLE001 - one part must not keep the next customer from a clean start
                log.exception("session reset: %s failed", what)
        if self.root.sm.current != "attract":
            self._show_attract()
        # The customer has gone: collect now rather than during the next one's typing.
        Clock.schedule_once(self._collect_while_idle, 1.0)

    def _show_attract(self) -> None:
        self.root.sm.current = "attract"
        self.current_screen = "attract"

    def _on_window_touch(self, _window: Any, _touch: Any) -> bool:
        if self.session.activity(self._now()):
            # The touch that dismisses the warning does only that: it must not
            # also press whatever lies under the warning.
            self._hide_idle_warning()
            return True
        return False

    def _tick(self, _dt: float) -> None:
        now = self._now()
        transition = self.session.tick(now)
        if transition is Transition.WARN:
            self._show_idle_warning()
        elif transition is Transition.RESET:
            log.info("session idle: resetting")
            self.reset_session()
        if self._idle_warning is not None:
            self._idle_warning.seconds_left = max(0, round(self.session.remaining_s(now)))

    def _show_idle_warning(self) -> None:
        from screens.idle import IdleWarning

        if self._idle_warning is None:
            self._idle_warning = IdleWarning(seconds_left=round(self.session.warning_s))
            self._add_overlay(self._idle_warning)

    def _hide_idle_warning(self) -> None:
        if self._idle_warning is not None:
            self.dismiss_overlay(self._idle_warning)
            self._idle_warning = None

    # --------------------------------------------------------------- overlays

    def _add_overlay(self, widget: Any) -> None:
        self._overlays.append(widget)
        self.root.frame.add_widget(widget)

    def dismiss_overlay(self, widget: Any) -> None:
        """Remove one overlay (notice, help, idle warning)."""
        if widget in self._overlays:
            self._overlays.remove(widget)
        if widget.parent is not None:
            widget.parent.remove_widget(widget)
        if widget is self._idle_warning:
            self._idle_warning = None

    def dismiss_overlays(self) -> None:
        """Remove every notice and popup (not the idle warning's state)."""
        for widget in list(self._overlays):
            self.dismiss_overlay(widget)

    @property
    def overlays(self) -> list[Any]:
        """Overlays currently shown, oldest first."""
        return list(self._overlays)

    def show_notice(self, title: str, message: str = "", timeout_s: float = 8.0) -> Any:
        """A calm message with an OK button; ``message`` is shown literally (never markup)."""
        from screens.overlay import Notice

        for old in [o for o in self._overlays if o.name in ("notice", "help")]:
            self.dismiss_overlay(old)
        notice = Notice(title=title, message=message, timeout_s=timeout_s)
        self._add_overlay(notice)
        return notice

    def toast(self, message: str) -> None:
        """A short message that does not block anything ("Added to cart")."""
        from screens.overlay import Toast

        for child in list(self.root.frame.children):
            if isinstance(child, Toast):
                self.root.frame.remove_widget(child)
        self.root.frame.add_widget(Toast(message=message))

    def request_help(self) -> None:
        """"Need help?": record the request for staff and reassure the customer."""
        from screens.help import HelpNotice

        self.record_event(kinds.HELP_REQUEST, {"screen": self.current_screen})
        for old in [o for o in self._overlays if o.name in ("notice", "help")]:
            self.dismiss_overlay(old)
        self._add_overlay(HelpNotice())

    def recover_from_error(self) -> None:
        """After an unexpected error: a safe screen and a calm word, never a traceback."""
        if self._recovering:
            return
        self._recovering = True
        try:
            self.dismiss_overlays()
            self._idle_warning = None
            target = "attract" if self.session.state is State.ATTRACT else "home"
            if target == "home":
                self._navigate("home", {})
            else:
                self.root.sm.current = "attract"
                self.current_screen = "attract"
            if target == "home":
                self.show_notice("Sorry about that", SAFE_MESSAGE)
        except Exception:  # noqa: BLE001 - last resort: attract is built at start-up
            log.exception("recovery failed; showing attract")
            try:
                self.root.sm.current = "attract"
                self.current_screen = "attract"
            except Exception:  # noqa: BLE001
                log.exception("attract unavailable")
        finally:
            self._recovering = False

    # ----------------------------------------------------------- accessibility

    def toggle_accessible(self) -> None:
        """Accessibility mode on/off (one touch on every screen)."""
        self.set_accessible(not self.accessible)

    def set_accessible(self, on: bool) -> None:
        """Switch accessibility mode."""
        self.accessible = on

    def _on_accessible(self, _inst: Any, on: bool) -> None:
        self.theme.set_accessible(on)
        self._update_reach()

    def reach(self, window_height: float | None = None) -> ReachBand:
        """The reach band for the current window (see kiosk/reach.py)."""
        d = self.config_obj.display
        if window_height is None:
            window_height = self.root.height if self.root is not None and self.root.height > 1 else Window.height
        h = float(window_height)
        # The configured pixel size may be given either way round; the screen's
        # height is its short side in landscape and its long side in portrait.
        px = min(d.width, d.height) if d.orientation == "landscape" else max(d.width, d.height)
        mm = physical_height_mm(px, d.dpi, d.screen_height_mm)
        return reach_band(h, mount_bottom_mm=d.mount_bottom_mm, screen_height_mm=mm)

    def _update_reach(self, *_args: Any) -> None:
        band = self.reach()
        if not band.in_reach:
            log.warning("screen mounting leaves no usable reach band; using the lowest part of the screen")
        self.reach_bottom = band.bottom_px
        self.reach_top = band.top_px

    # ------------------------------------------------------------------ cart

    def _cart_changed(self) -> None:
        self.cart_count = self.cart.item_count
        self.cart_version += 1

    def add_to_cart(self, variant_id: str, qty: int = 1,
                    on_done: Callable[[CartLine | None], None] | None = None) -> None:
        """Add ``qty`` of a variant; the line is built off the UI thread.

        Args:
            variant_id: The variant to add.
            qty: How many.
            on_done: Called on the main thread with the cart's new line, or
                None if it could not be added (the customer was told why).
        """
        if self.db is None:
            self.show_notice("One moment please", "The catalog is still loading.")
            if on_done:
                on_done(None)
            return
        screen = self.current_screen

        def added(line: CartLine) -> None:
            try:
                new = self.cart.add(line)
            except CartError as exc:
                log.warning("add to cart refused: %s", exc)
                self.show_notice("That could not be added", "Please ask a colleague for help.")
                if on_done:
                    on_done(None)
                return
            self._cart_changed()
            self.record_event(kinds.ADD_TO_CART, {"variant_id": variant_id, "product_id": line.product_id,
                                                  "qty": qty, "screen": screen})
            if on_done:
                on_done(new)

        def failed(exc: BaseException) -> None:
            log.warning("add to cart failed for %r: %s", variant_id, exc)
            self.show_notice("That could not be added", "It may have just sold out. Please ask a colleague.")
            if on_done:
                on_done(None)

        # Lines are built on worker threads and come back in any order; they
        # join the cart in the order asked for ("Add the whole look" adds a
        # scene's products in the scene's order).
        slot: list[Callable[[], None] | None] = [None]
        self._cart_adds.append(slot)

        def settle(action: Callable[[], None]) -> None:
            slot[0] = action
            while self._cart_adds and self._cart_adds[0][0] is not None:
                ready = self._cart_adds.popleft()[0]
                try:
                    ready()
                except Exception:  # noqa: BLE001 - the adds queued behind it still land
                    log.exception("adding to the cart failed")

        run_in_background(line_for_variant, self.db, variant_id, qty,
                          on_result=lambda line: settle(lambda: added(line)),
                          on_error=lambda exc: settle(lambda: failed(exc)))

    def set_cart_qty(self, variant_id: str, qty: int) -> None:
        """Change a line's quantity (0 removes it)."""
        self.cart.set_qty(variant_id, qty)
        self._cart_changed()

    def remove_from_cart(self, variant_id: str) -> None:
        """Remove a line."""
        self.cart.remove(variant_id)
        self._cart_changed()

    def format_price(self, minor: int, currency: str | None = None) -> str:
        """A price for display ("€899.00")."""
        return format_price(int(minor), currency or self.currency)

    # ------------------------------------------------------------- analytics

    def record_event(self, kind: str, payload: dict[str, Any] | None = None) -> None:
        """Record an analytics event off the UI thread (dropped silently before the catalog is open)."""
        if self.db is None:
            return
        run_in_background(_store_event, self.db, kind, dict(payload or {}),
                          on_error=lambda exc: log.warning("event %s not recorded: %s", kind, exc))

    # ---------------------------------------------------------------- scanner

    def _on_key_down(self, _window: Any, key: int, _scancode: int, codepoint: str | None, _mods: Any) -> bool:
        now = time.monotonic()  # scanner timing is real time, whatever the idle clock says
        if self.session.activity(self._now()):
            self._hide_idle_warning()
        if key in _ENTER_KEYS:
            code = self.wedge.feed_enter(now)
            if code:
                self.handle_scan(code)
                return True
            return False
        if codepoint:
            self.wedge.feed_char(codepoint, now)
        return False

    def handle_scan(self, code: str) -> None:
        """A barcode (or SKU) was scanned: open its product, or say we do not know it."""
        if self.session.state is State.ATTRACT:
            self.session.start(self._now())
            self.record_event(kinds.SESSION_START, {"via": "scan"})
            self._navigate("home", {})
        else:
            self.session.activity(self._now())
            self._hide_idle_warning()
        if self.db is None:
            self.show_notice("One moment please", "The catalog is still loading.")
            return
        screen = self.current_screen
        run_in_background(_lookup, self.db, code,
                          on_result=lambda hit: self._scan_result(code, hit, screen),
                          on_error=lambda exc: self._scan_result(code, None, screen, exc))

    def _scan_result(self, code: str, hit: Any, screen: str, exc: BaseException | None = None) -> None:
        if exc is not None:
            log.warning("lookup of %r failed: %s", code, exc)
        if hit is None:
            self.record_event(kinds.UNKNOWN_BARCODE, {"query": code, "screen": screen})
            self.show_notice("We couldn't find that item",
                             f"Code {code} is not in our catalog yet. A colleague can help you find it.")
            return
        self.dismiss_overlays()
        self.show_product(hit[0], hit[1])

    # ------------------------------------------------------------------ sync

    def catalog_changed(self, *_args: Any, **_kwargs: Any) -> None:
        """A sync applied new catalog data. Safe to call from any thread; batched."""
        # Clock triggers may be called from any thread; the refresh runs on the main thread.
        self._catalog_trigger()

    def _refresh_catalog(self, _dt: float = 0) -> None:
        if self.db is None:
            return
        snapshot = [(line.variant_id, line.qty) for line in self.cart]
        run_in_background(_reload_after_sync, self.db, self.search_engine, self.config_obj.store.store_id, snapshot,
                          on_result=self._apply_refresh)

    def _apply_refresh(self, result: tuple[dict[str, CartLine | None], list[Any], list[Any]]) -> None:
        fresh, slides, categories = result
        changed = False
        for vid, line in fresh.items():
            current = next((ln for ln in self.cart if ln.variant_id == vid), None)
            if current is None:
                continue  # removed by the customer meanwhile
            if line is None:
                self.cart.remove(vid)
                changed = True
            elif (line.unit_minor, line.name, line.variant_title) != (current.unit_minor, current.name,
                                                                      current.variant_title):
                self.cart.update_line(line)
                changed = True
        if changed:
            self._cart_changed()
        self.slides = slides
        self.categories = categories
        self.catalog_version += 1
        for screen in list(self.root.sm.screens):
            try:
                screen.refresh()
            except Exception:  # noqa: BLE001
                log.exception("screen %r failed to refresh", screen.name)


def _warm_up_worker(db: Any, search_engine: Any, config: Config) -> Any:
    """After the first interactive frame, on a worker: what the first customer should not wait for.

    Makes the database engine (SQLAlchemy was left unloaded to reach that
    frame sooner), loads the modules the screens' background work uses,
    makes the sync worker when a central service is configured (importing
    the sync client takes a noticeable fraction of a second) and saves a
    newly built search index for the next start.

    Returns:
        The sync worker, not started, or None.
    """
    from kiosk.startup import open_engine, warm_imports

    try:
        open_engine(db)
        warm_imports()
    except Exception:  # noqa: BLE001 - each screen's work opens the engine and imports what it needs itself
        log.warning("warm-up: engine or modules not loaded ahead", exc_info=True)
    sync_worker = None
    if config.sync.url:
        try:
            from kiosk.sync.worker import SyncWorker

            sync_worker = SyncWorker(db, config.store.store_id, config.sync, config.image_cache_dir)
        except Exception:  # noqa: BLE001 - the kiosk serves from its cache without sync
            log.exception("sync worker could not be made; serving from the local cache")
    _save_search_index(search_engine)  # the next start loads it instead of building it
    return sync_worker


def _save_search_index(search_engine: Any) -> None:
    """Save the search index for the next start, if it is new (runs on a worker; never fatal)."""
    if search_engine is None:
        return
    try:
        search_engine.save_snapshot()
    except Exception:  # noqa: BLE001 - the next start builds the index instead
        log.warning("search index not saved", exc_info=True)


def _store_event(engine: Any, kind: str, payload: dict[str, Any]) -> None:
    """Store one analytics event (runs on a worker: ``kiosk.analytics`` loads the ORM)."""
    from kiosk.analytics import record_event

    record_event(engine, kind, payload)


def _lookup(engine: Any, code: str) -> tuple[str, str | None] | None:
    """``(product_id, variant_id)`` of a scanned code, or None (runs on a worker)."""
    from kiosk.lookup import lookup_code

    hit = lookup_code(engine, code)
    return None if hit is None else (hit.product_id, hit.variant_id)


def _reload_after_sync(engine: Any, search_engine: Any, store_id: str,
                       lines: list[tuple[str, int]]) -> tuple[dict[str, CartLine | None], list[Any], list[Any]]:
    """Fresh cart lines, slides and categories after a sync (runs on a worker)."""
    from kiosk.startup import load_slides, load_top_categories

    if search_engine is not None:
        try:
            search_engine.refresh()
        except Exception:  # noqa: BLE001
            log.exception("search refresh failed")
        _save_search_index(search_engine)
    fresh: dict[str, CartLine | None] = {}
    for vid, qty in lines:
        try:
            fresh[vid] = line_for_variant(engine, vid, qty)
        except CartError:
            fresh[vid] = None
    return fresh, load_slides(engine, store_id), load_top_categories(engine)
