"""Start-up timing for bench/bench_startup.py: print when attract is drawn and when the app is interactive.

Prints ``KIOSK_ATTRACT_DRAWN <unix time>`` after the first frame with the
attract screen, ``KIOSK_INTERACTIVE <unix time>`` after the first frame
drawn once the catalog is ready (touches are served), then stops the app.
Each stamp is taken once the frame's pixels are finished (``glFinish``).

With ``check=True`` it does not stop there: it proves that the app really is
usable at that frame, as a customer would find it, before anything else had
time to load. A real touch on attract starts a session (home shown, the
session-start event stored), a search from a worker thread answers, a
product opens and goes into the cart. It prints ``KIOSK_USABLE <json>``
with what happened and how long each step took after the interactive frame,
then stops. Every step has a deadline; a step that misses it is reported as
failed, never waited on forever.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics.opengl import glFinish

STEP_TIMEOUT_S = 20.0


def attach_probe(app: Any, *, check: bool = False) -> None:
    """Print the start-up markers and stop ``app`` once it is interactive (after the usability check)."""
    state = {"drawn": False, "done": False}
    if check:
        # The check's own tool (it imports pytest: ~0.3 s) must not be loaded on
        # the UI thread at the interactive frame, where it would count as the app's.
        import kivy.tests.common  # noqa: F401

    def after_draw(*_args: Any) -> None:
        if app.root is None:
            return
        if not state["drawn"] or (app.ready and not state["done"]):
            # on_flip runs before the buffer swap, and a software GL draws the
            # frame's pixels only then: finish them first, so the stamp is a
            # frame really drawn (the bench's peer stamps the same way).
            glFinish()
        if not state["drawn"]:
            state["drawn"] = True
            print(f"KIOSK_ATTRACT_DRAWN {time.time():.6f}", flush=True)
        if app.ready and not state["done"]:
            state["done"] = True
            print(f"KIOSK_INTERACTIVE {time.time():.6f}", flush=True)
            Window.unbind(on_flip=after_draw)
            if check:
                _UsabilityCheck(app).start()
            else:
                Clock.schedule_once(lambda _dt: app.stop(), 0)
            sys.stdout.flush()

    Window.bind(on_flip=after_draw)


class _UsabilityCheck:
    """Drives the app from its interactive frame on, one step per state reached (polled every frame)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.t0 = time.perf_counter()
        self.wall0 = time.time()
        self.report: dict[str, Any] = {"ok": False}
        self._search: dict[str, Any] = {}
        self._added: list[Any] = []
        self._events: list[int] = []

    def _ms(self) -> float:
        return round((time.perf_counter() - self.t0) * 1000, 1)

    def start(self) -> None:
        from kivy.tests.common import UnitTestTouch

        app = self.app
        self.report["screen_at_interactive"] = app.current_screen
        # The touch goes through the event loop, as SDL delivers a real one.
        x, y = app.root.sm.current_screen.to_window(*app.root.sm.current_screen.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        # Search from a worker, as the search screen does, right away.
        engine = app.search_engine

        def search() -> None:
            started = time.perf_counter()
            result = engine.search("sofa", limit=12)
            self._search.update(hits=[h.product_id for h in result.hits],
                                ms=round((time.perf_counter() - started) * 1000, 1), at=self._ms())

        threading.Thread(target=search, daemon=True).start()
        self._wait(lambda: app.current_screen == "home", "home", self._home)

    def _wait(self, cond: Callable[[], bool], name: str, then: Callable[[], None]) -> None:
        deadline = time.perf_counter() + STEP_TIMEOUT_S

        def poll(_dt: float) -> None:
            try:
                ok = cond()
            except Exception as exc:  # noqa: BLE001 - reported, the probe must stop the app
                self.report["error"] = f"{name}: {exc!r}"
                self._finish()
                return
            if ok:
                self.report[f"{name}_ms"] = self._ms()
                then()
            elif time.perf_counter() > deadline:
                self.report["error"] = f"timed out waiting for {name}"
                self._finish()
            else:
                Clock.schedule_once(poll, 0)

        Clock.schedule_once(poll, 0)

    def _home(self) -> None:
        self._wait(lambda: bool(self._search), "search", self._searched)

    def _searched(self) -> None:
        self.report["search_hits"] = len(self._search["hits"])
        self.report["search_took_ms"] = self._search["ms"]
        self.report["search_answered_ms"] = self._search["at"]
        if not self._search["hits"]:
            self.report["error"] = "search found nothing"
            self._finish()
            return
        self.app.show_product(self._search["hits"][0])
        product = self.app.get_screen("product")
        self._wait(lambda: product.loaded and bool(product.variant_id), "product", lambda: self._add(product))

    def _add(self, product: Any) -> None:
        self.app.add_to_cart(product.variant_id, 1, on_done=self._added.append)
        self._wait(lambda: bool(self._added), "add_to_cart", self._count_events)

    def _count_events(self) -> None:
        self.report["cart_count"] = self.app.cart_count
        self.report["added"] = self._added[0] is not None
        engine = self.app.db
        in_flight = threading.Event()

        def count() -> None:
            from datetime import datetime, timezone

            from sqlalchemy import text

            from kiosk.analytics import SESSION_START

            # Only this start's session (created_at is ISO-8601 UTC text, so it sorts as text).
            since = datetime.fromtimestamp(self.wall0, timezone.utc).isoformat(timespec="microseconds")
            try:
                with engine.connect() as conn:
                    self._events.append(int(conn.execute(
                        text("SELECT count(*) FROM events WHERE kind = :k AND created_at >= :since"),
                        {"k": SESSION_START, "since": since}).scalar_one()))
            finally:
                in_flight.clear()

        # analytics.record_event runs on a worker: poll until it is stored.
        def cond() -> bool:
            if self._events and self._events[-1] > 0:
                return True
            if not in_flight.is_set():
                in_flight.set()
                threading.Thread(target=count, daemon=True).start()
            return False

        self._wait(cond, "session_event", self._finish)

    def _finish(self) -> None:
        r = self.report
        r["session_events"] = self._events[-1] if self._events else 0
        r["ok"] = ("error" not in r and r.get("added") is True and r.get("cart_count") == 1
                   and r["session_events"] == 1)
        print(f"KIOSK_USABLE {json.dumps(r, sort_keys=True)}", flush=True)
        Clock.schedule_once(lambda _dt: self.app.stop(), 0)
