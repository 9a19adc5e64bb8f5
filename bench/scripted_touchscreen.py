"""A touchscreen for benchmarks: taps queued by a thread at their moment, as a real panel's are.

On Linux Kivy reads a touchscreen with its ``mtdev`` or ``hidinput``
provider: a thread reads the kernel's events and queues each touch; the
main loop dispatches the queue at its next tick (``update``). A touch can
arrive at any moment of a frame, while the loop sleeps or draws, and
waits for the loop like a real one. :class:`ScriptedTouchscreen` is such a
provider whose thread follows a script of taps instead of a kernel device.
Wrap it with ``screens.pacing.waking`` to get the kiosk's touchscreens'
behaviour (each queued touch wakes the main loop).

``kivy.tests.common.UnitTestTouch.touch_up()`` on the other hand dispatches
from a clock callback, i.e. always at the start of a tick: with a capped
frame rate that never waits for a frame, and with Kivy's interrupt clock the
callback's own timer wakes the loop just in time. Neither is how a finger
arrives.
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from kivy.input.provider import MotionEventProvider


class ScriptedTouchscreen(MotionEventProvider):
    """A threaded input provider that plays taps at given ``time.perf_counter()`` moments."""

    def __init__(self, device: str = "scripted", args: str = "") -> None:
        super().__init__(device, args)
        self.queue: collections.deque[tuple[str, Any]] = collections.deque()
        self._script: queue.Queue[tuple[Any, float, float, Callable[[float], None]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread that plays the taps (Kivy calls it when the provider is added)."""
        # Assigned here, like mtdev's and hidinput's start(): a waking()
        # subclass turns the assignment into its waking queue.
        self.queue = collections.deque()
        self._thread = threading.Thread(target=self._play, args=(self.queue,), name="scripted-touchscreen",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread."""
        self._script.put(None)
        if self._thread is not None:
            self._thread.join(timeout=2)

    def tap(self, touch: Any, down_at: float, up_at: float, on_lift: Callable[[float], None]) -> None:
        """Queue a tap: ``touch`` lands at ``down_at`` and lifts at ``up_at``.

        Args:
            touch: A ``MotionEvent`` at the tap's position (``UnitTestTouch``).
            down_at: ``time.perf_counter()`` moment of the touch down.
            up_at: Moment of the lift.
            on_lift: Called on the thread with the lift's moment, just before it is queued.
        """
        self._script.put((touch, down_at, up_at, on_lift))

    def update(self, dispatch_fn: Callable[[str, Any], None]) -> None:
        """Dispatch the touches queued since the last tick (the main loop calls it)."""
        while self.queue:
            dispatch_fn(*self.queue.popleft())

    def _play(self, events: collections.deque[tuple[str, Any]]) -> None:
        while True:
            item = self._script.get()
            if item is None:
                return
            touch, down_at, up_at, on_lift = item
            _sleep_until(down_at)
            events.append(("begin", touch))
            _sleep_until(up_at)
            lifted = time.perf_counter()
            on_lift(lifted)
            events.append(("end", touch))


def _sleep_until(moment: float) -> None:
    delay = moment - time.perf_counter()
    if delay > 0:
        time.sleep(delay)
