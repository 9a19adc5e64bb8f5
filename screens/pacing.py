"""Frame pacing: the kiosk sleeps between frames, and wakes as soon as there is something to do.

Kivy's main loop runs one "tick" per frame: it sleeps until the next
frame is due (at most ``maxfps`` frames a second), runs the scheduled
callbacks, reads the input providers, and draws if anything changed. With
Kivy's default clock that sleep cannot be cut short, so a touch, or a
search result coming back from a worker thread, waits for the tick after
it: up to a whole frame (16.7 ms at 60 fps) before anything happens, and
another one if the result lands just after the touch's frame. Setting
``maxfps`` to 0 avoids the wait by never sleeping at all, but then the main
loop spins on one of a small kiosk PC's two cores, all day, beside the
threads that rasterise its frames (software OpenGL) and run its searches.

The kiosk does neither (docs/benchmarks-ui-screens.md, session 8):

* **Kivy's interrupt clock** (:func:`configure`): the sleep between ticks
  is a wait on an event that ``Clock.schedule_once`` sets, from any
  thread. A worker's result (``screens.workers`` hands it over that way)
  is handled at once, not at the next tick.
* **Touchscreens that wake the loop** (:func:`wake_on_input`): on Linux
  Kivy reads a touchscreen straight from the kernel (``probesysfs`` finds
  it, the ``mtdev`` or ``hidinput`` provider reads it on a thread of its
  own and queues its events for the next tick). Their queue is replaced by
  one whose ``append`` wakes the loop: a finger's touch is handled as soon
  as the kernel reports it.

Input that SDL delivers (a mouse, the keyboard a barcode scanner types on)
is read after each tick, as before: within a frame.
"""

from __future__ import annotations

import collections
import logging
import sys
from typing import Any

log = logging.getLogger(__name__)

#: Frames per second at most: the panel's refresh rate.
MAX_FPS = 60
#: Kivy's clock whose sleep ``Clock.schedule_once`` from any thread cuts short.
CLOCK = "interrupt"
#: Kivy's input providers that read a device on a thread of their own and
#: queue its events in ``self.queue`` (a ``collections.deque``).
THREADED_PROVIDERS = ("mtdev", "hidinput", "linuxwacom")


def configure(kivy_config: Any, max_fps: int = MAX_FPS) -> None:
    """Choose the kiosk's clock and frame cap; call before ``kivy.clock`` is imported.

    Only for an app started with ``App.run()``: on ``App.async_run()``
    Kivy 2.3.1's interrupt clock waits with ``asyncio.wait_for``, which
    raises ``TimeoutError`` whenever a frame's sleep runs out (every idle
    frame); ``main.py --screenshots`` therefore keeps Kivy's default clock.

    Args:
        kivy_config: ``kivy.config.Config``.
        max_fps: Frames per second at most (0: never sleep, for benchmarks of frame times).

    Raises:
        RuntimeError: ``kivy.clock`` was already imported, so the choice
            would silently not apply.
    """
    if "kivy.clock" in sys.modules:
        raise RuntimeError("screens.pacing.configure() must run before kivy.clock is imported")
    kivy_config.set("kivy", "kivy_clock", CLOCK)
    kivy_config.set("graphics", "maxfps", str(max_fps))


def wake_main_loop() -> None:
    """Wake Kivy's main loop from any thread (with the interrupt clock); the next tick runs now."""
    from kivy.clock import Clock

    Clock.schedule_once(_nothing, 0)


def _nothing(_dt: float) -> None:
    """A callback that only makes the clock tick."""


class WakingQueue(collections.deque):  # type: ignore[type-arg]
    """An input provider's event queue: each event queued by the device's thread wakes the main loop."""

    def append(self, item: Any) -> None:
        """Queue ``item`` and wake the main loop to dispatch it."""
        super().append(item)
        wake_main_loop()


def waking(provider_cls: type) -> type:
    """A subclass of a threaded input provider whose event queue wakes the main loop.

    The provider creates its queue in ``start()`` (``self.queue =
    collections.deque()``) and hands it to its reading thread; a property
    turns that assignment into a :class:`WakingQueue`, so the provider's
    own code is untouched.

    Args:
        provider_cls: A ``MotionEventProvider`` subclass with a ``queue`` deque.
    """

    def get_queue(self: Any) -> Any:
        return self.__dict__.get("_kiosk_queue")

    def set_queue(self: Any, value: Any) -> None:
        self.__dict__["_kiosk_queue"] = value if isinstance(value, WakingQueue) else WakingQueue(value)

    return type(provider_cls.__name__, (provider_cls,), {
        "queue": property(get_queue, set_queue),
        "__doc__": f"{provider_cls.__name__} whose queued events wake Kivy's main loop (screens.pacing).",
        "__module__": __name__,
    })


def wake_on_input() -> list[str]:
    """Make Kivy's threaded touch providers wake the main loop; call before the app runs.

    Idempotent. Providers whose module could not load here (no libmtdev,
    not Linux) are left out.

    Returns:
        The names of the providers that now wake the loop.
    """
    import kivy.input.providers  # noqa: F401  (registers the providers this platform has)
    from kivy.input.factory import MotionEventFactory

    done = []
    for name in THREADED_PROVIDERS:
        cls = MotionEventFactory.get(name)
        if cls is None:
            continue
        if cls.__module__ != __name__:
            MotionEventFactory.register(name, waking(cls))
        done.append(name)
    log.debug("input providers that wake the main loop: %s", ", ".join(done) or "none")
    return done
