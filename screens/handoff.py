"""The handoff screen: a QR code that moves the kiosk cart to the customer's phone.

The customer tapped "Continue on my phone". This screen shows at once with
a placeholder while a worker decides the URL (``kiosk.handoff.choose``: the
central short link if the service answers quickly, else the shop's own cart
permalink built locally) and builds the QR matrix; then the code appears,
with the short code to type, three simple steps, the cart summary, the items
the online shop cannot take, and a countdown back to the cart.

Hooks: ``prepare()`` starts the work (the app calls it on every visit),
``reset()`` forgets everything (idle reset / end of session).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.uix.boxlayout import BoxLayout
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, OptionProperty, StringProperty

from kiosk import analytics
from kiosk.cart import CartLine
from kiosk.config import Config
from kiosk.handoff.choose import HandoffPlan, choose_handoff
from kiosk.handoff.qr import QRMatrix, make_qr
from kiosk.handoff.urls import HandoffError
from kiosk.money import format_price
from screens.base import KioskScreen
from screens.widgets.labels import CatalogLabel
from screens.widgets.qr_widget import QRWidget  # noqa: F401  (used in handoff.kv)
from screens.workers import LatestWins

log = logging.getLogger(__name__)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

#: Cart lines listed by name before "and N more".
MAX_LISTED = 5
#: "More time" adds this many seconds to the countdown.
MORE_TIME_S = 60.0
SORRY = "Sorry, we could not make your code just now. Please ask a member of staff."


def build_handoff(lines: Sequence[CartLine], config: Config, engine: Any = None) -> tuple[HandoffPlan, QRMatrix]:
    """Worker job: choose the URL, encode it, and count the handoff.

    Runs off the UI thread: it may wait on the central service (short
    timeout) and writes an analytics event to the local database.
    """
    plan = choose_handoff(lines, config)
    matrix = make_qr(plan.url)
    if engine is not None:
        try:
            analytics.record_event(engine, analytics.HANDOFF, {
                "kind": plan.kind, "lines": len(lines), "carried": len(plan.carried),
                "missing": len(plan.missing), "code": plan.code, "qr_version": matrix.version,
            })
        except Exception:  # noqa: BLE001 - counting must never block the customer
            log.exception("could not record the handoff event")
    return plan, matrix


def spaced_code(code: str) -> str:
    """A short code as the customer reads it aloud (``K7M3QX`` -> ``K7M 3QX``)."""
    if len(code) <= 4:
        return code
    half = (len(code) + 1) // 2
    return f"{code[:half]} {code[half:]}"


def countdown_text(seconds: float) -> str:
    """``1:05`` style remaining time."""
    s = max(0, int(seconds + 0.999))
    return f"{s // 60}:{s % 60:02d}"


class HandoffScreen(KioskScreen):
    """QR code, short code, instructions and countdown for the cart handoff."""

    state = OptionProperty("idle", options=["idle", "loading", "ready", "error"])
    """``loading`` while the worker runs, then ``ready`` or ``error``."""

    plan = ObjectProperty(None, allownone=True)
    """The ``HandoffPlan`` on screen (None until ready)."""

    matrix = ObjectProperty(None, allownone=True)
    """The ``QRMatrix`` on screen (None until ready)."""

    short_code = StringProperty("")
    """The code to type, spaced for reading (empty for permalinks)."""

    type_in = StringProperty("")
    """Where to type it: ``central.example/h/`` (empty for permalinks)."""

    destination = StringProperty("")
    """The shop the phone will open, e.g. ``hearth-and-home.example``."""

    summary = StringProperty("")
    """``3 items · €1,068.50``."""

    missing_text = StringProperty("")
    """Items the online shop cannot take, named (empty when none)."""

    error_text = StringProperty("")
    """A friendly message when no code can be made."""

    countdown_s = NumericProperty(120.0)
    """Seconds before the screen returns to the cart (``[handoff] countdown_s``)."""

    remaining = NumericProperty(0.0)
    """Seconds left on the countdown."""

    counting = BooleanProperty(False)
    """Whether the countdown runs."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("name", "handoff")
        super().__init__(**kwargs)
        self.title = "Continue on your phone"
        self._lane = LatestWins("handoff")
        self._tick_ev: Any = None
        self._deadline = 0.0
        self._lines: list[CartLine] = []

    @staticmethod
    def countdown_text(seconds: float) -> str:
        """``1:05`` style remaining time (for the kv rule)."""
        return countdown_text(seconds)

    # -- hooks --------------------------------------------------------------

    def prepare(self, **params: Any) -> None:
        """Start building the code for the app's current cart."""
        self.params = params
        app = App.get_running_app()
        config: Config = app.config_obj
        self.countdown_s = float(config.handoff.countdown_s)
        self._clear()
        lines = list(app.cart.lines)
        self._lines = lines
        self._show_summary(lines)
        self._stop_countdown()
        self.remaining = self.countdown_s
        if not lines:
            self._fail("Your cart is empty. Add something first, then come back here.")
            return
        self.state = "loading"
        self._lane.submit(build_handoff, lines, config, getattr(app, "db", None),
                          on_result=self._on_ready, on_error=self._on_error)

    def reset(self) -> None:
        """Forget the handoff: stop the work and the countdown, blank the code."""
        self._lane.cancel()
        self._stop_countdown()
        self._clear()
        self.state = "idle"

    def on_pre_enter(self, *args: Any) -> None:
        # Back from the help overlay or another screen: the code is still
        # valid, so show it again with a fresh countdown rather than a new code.
        if not self.counting and self.state in ("ready", "error"):
            self._start_countdown()

    def on_leave(self, *args: Any) -> None:
        # Nothing counts down off screen; the idle reset (``reset``) is what
        # clears the code for the next customer.
        self._stop_countdown()

    def screenshot_ready(self) -> bool:
        """Ready once the code (or a message) is on screen."""
        return self.state in ("ready", "error")

    # -- actions ------------------------------------------------------------

    def more_time(self) -> None:
        """Give the customer another minute."""
        self._deadline = max(self._deadline, Clock.get_boottime()) + MORE_TIME_S
        self._tick()

    def back_to_cart(self) -> None:
        """Return to the cart screen."""
        self._stop_countdown()
        App.get_running_app().show_cart()

    # -- internals ----------------------------------------------------------

    def _clear(self) -> None:
        self.plan = None
        self.matrix = None
        self.short_code = ""
        self.type_in = ""
        self.destination = ""
        self.summary = ""
        self.missing_text = ""
        self.error_text = ""
        if "items_box" in self.ids:
            self.ids.items_box.clear_widgets()

    def _show_summary(self, lines: Sequence[CartLine], store_only: frozenset[str] = frozenset()) -> None:
        count = sum(ln.qty for ln in lines)
        if lines:
            total = format_price(sum(ln.total_minor for ln in lines), lines[0].currency)
            self.summary = f"{count} item{'s' if count != 1 else ''} \u00b7 {total}"
        box = self.ids.items_box
        box.clear_widgets()
        for ln in lines[:MAX_LISTED]:
            name = ln.name + (f" \u2013 {ln.variant_title}" if ln.variant_title else "")
            box.add_widget(HandoffItemRow(name=name, qty=f"{ln.qty} \u00d7",
                                          price=format_price(ln.total_minor, ln.currency),
                                          tag="in store only" if ln.variant_id in store_only else ""))
        if len(lines) > MAX_LISTED:
            more = len(lines) - MAX_LISTED
            box.add_widget(CatalogLabel(text=f"and {more} more line{'s' if more != 1 else ''}",
                                        size_hint_y=None, height=self._row_height(), halign="left",
                                        color=App.get_running_app().theme.text_muted))

    def _row_height(self) -> float:
        return App.get_running_app().theme.font_m * 1.9

    def _on_ready(self, result: tuple[HandoffPlan, QRMatrix]) -> None:
        plan, matrix = result
        self.plan = plan
        self.matrix = matrix
        host = urlsplit(plan.url).netloc
        if plan.is_short_link and plan.code:
            self.short_code = spaced_code(plan.code)
            self.type_in = f"{host}/h/"
        self.destination = urlsplit(plan.url).netloc if not plan.is_short_link else ""
        if plan.missing:
            # Same rows, with the lines the phone will not get marked.
            self._show_summary(self._lines,
                               frozenset(ln.variant_id for ln in plan.missing))
            names = ", ".join(ln.name + (f" ({ln.variant_title})" if ln.variant_title else "")
                              for ln in plan.missing)
            self.missing_text = f"Not available online, so not in your phone's cart: {names}. Ask us in store."
        self.state = "ready"
        # The customer's time starts when the code is there to scan.
        self._start_countdown()

    def _on_error(self, exc: BaseException) -> None:
        if isinstance(exc, HandoffError):
            self._fail(str(exc)[:1].upper() + str(exc)[1:] + ("" if str(exc).endswith(".") else "."))
        else:
            log.error("handoff failed", exc_info=(type(exc), exc, exc.__traceback__))
            self._fail(SORRY)

    def _fail(self, text: str) -> None:
        self.error_text = text
        self.matrix = None
        self.state = "error"
        self._start_countdown()

    def _start_countdown(self) -> None:
        self._stop_countdown()
        self._deadline = Clock.get_boottime() + self.countdown_s
        self.remaining = self.countdown_s
        self.counting = True
        self._tick_ev = Clock.schedule_interval(self._tick, 0.25)

    def _stop_countdown(self) -> None:
        if self._tick_ev is not None:
            self._tick_ev.cancel()
            self._tick_ev = None
        self.counting = False

    def _tick(self, *_args: Any) -> None:
        if not self.counting:
            return
        self.remaining = max(0.0, self._deadline - Clock.get_boottime())
        if self.remaining <= 0:
            self.back_to_cart()
            return
        # The customer is busy with their phone, not touching the kiosk: this
        # screen's countdown, not the idle timer, decides when the code goes
        # (else the idle warning would cover the code mid-scan).
        still_here = getattr(App.get_running_app(), "still_here", None)
        if still_here is not None:
            still_here()


class HandoffItemRow(BoxLayout):
    """One cart line in the summary: name, quantity, line total."""

    name = StringProperty("")
    """Product name and variant (catalog text)."""

    qty = StringProperty("")
    """``2 ×``."""

    price = StringProperty("")
    """The line total, formatted."""

    tag = StringProperty("")
    """A short note such as ``in store only`` (empty for none)."""
