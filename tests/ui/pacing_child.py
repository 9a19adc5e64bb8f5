"""Child process of tests/ui/test_pacing.py: the kiosk's frame pacing, with frames seconds apart.

Kivy picks its clock when ``kivy.clock`` is first imported, so the kiosk's
pacing cannot be tried inside the test process (its UI tests run on Kivy's
default clock). This script sets it up as ``main.py`` does, then slows the
frame rate to one frame per 10 s so that anything that waits for the next
frame shows. It prints one JSON line: how long after it was queued a lift
from a threaded touchscreen provider reached a widget, and how long after
its work finished a worker's result reached its callback. The touchscreen is
the search benchmark's (``bench/scripted_touchscreen.py``).

    python tests/ui/pacing_child.py [--plain]

``--plain``: the provider is not made waking (what the test's assertion
would see without :func:`screens.pacing.wake_on_input`).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-pacing-"))

from kivy.config import Config  # noqa: E402

from screens.pacing import configure, wake_on_input, waking  # noqa: E402

configure(Config)
PROVIDERS = wake_on_input()
Config.set("graphics", "width", "320")
Config.set("graphics", "height", "240")

from kivy.app import App  # noqa: E402
from kivy.base import EventLoop  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402
from kivy.uix.widget import Widget  # noqa: E402

from bench.scripted_touchscreen import ScriptedTouchscreen  # noqa: E402
from screens.workers import run_in_background  # noqa: E402

#: Seconds between frames: far longer than anything here takes when nothing waits for a frame.
FRAME_S = 10.0


class Probe(App):
    def build(self) -> Widget:
        root = Widget()
        root.bind(on_touch_up=self.touched)
        return root

    def on_start(self) -> None:
        self.times: dict[str, float] = {}
        # The benchmark's touchscreen: a thread queues each touch at its
        # moment, as Kivy's mtdev and hidinput providers do for a real panel.
        cls = ScriptedTouchscreen if "--plain" in sys.argv else waking(ScriptedTouchscreen)
        self.panel = cls("panel", "")
        EventLoop.add_input_provider(self.panel)  # started by the event loop, right after on_start
        Clock._max_fps = 1 / FRAME_S  # the kiosk's clock at one frame per FRAME_S
        # Kivy's cache purge runs every second, and Kivy's clock does not
        # sleep when an event is due within about a third of a frame: without
        # it the loop would tick every second, not every FRAME_S.
        from kivy.cache import Cache

        for event in Clock.get_events():
            if event.get_callback() == Cache._purge_by_timeout:
                event.cancel()
        Clock.schedule_once(self.tap, 0.5)
        Clock.schedule_once(self.give_up, 4 * FRAME_S)

    def tap(self, _dt: float) -> None:
        # Well after the tick that asked: the loop is asleep again when the finger lifts.
        lift = time.perf_counter() + 0.2
        self.panel.tap(UnitTestTouch(100, 100), lift, lift, lambda t: self.times.__setitem__("queued", t))

    def touched(self, _widget: Widget, _touch: Any) -> bool:
        self.times["touched"] = time.perf_counter()
        Clock.schedule_once(self.ask_worker, 0.5)  # the loop asleep again before the work ends
        return True

    def ask_worker(self, _dt: float) -> None:
        def work() -> float:
            time.sleep(0.2)
            return time.perf_counter()

        run_in_background(work, on_result=self.answered)

    def answered(self, finished: float) -> None:
        now = time.perf_counter()
        print(json.dumps({"touch_waited_s": self.times["touched"] - self.times["queued"],
                          "result_waited_s": now - finished, "providers": PROVIDERS}), flush=True)
        self.stop()

    def give_up(self, _dt: float) -> None:
        print(json.dumps({"error": "timed out", "times": self.times}), flush=True)
        self.stop()


if __name__ == "__main__":
    Probe().run()
