"""Start-up timing for bench/bench_startup.py: print when attract is drawn and when the app is interactive.

Prints ``KIOSK_ATTRACT_DRAWN <unix time>`` after the first frame with the
attract screen, ``KIOSK_INTERACTIVE <unix time>`` after the first frame
drawn once the catalog is ready (touches are served), then stops the app.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window


def attach_probe(app: Any) -> None:
    """Print the start-up markers and stop ``app`` once it is interactive."""
    state = {"drawn": False, "done": False}

    def after_draw(*_args: Any) -> None:
        if app.root is None:
            return
        if not state["drawn"]:
            state["drawn"] = True
            print(f"KIOSK_ATTRACT_DRAWN {time.time():.6f}", flush=True)
        if app.ready and not state["done"]:
            state["done"] = True
            print(f"KIOSK_INTERACTIVE {time.time():.6f}", flush=True)
            Window.unbind(on_flip=after_draw)
            Clock.schedule_once(lambda _dt: app.stop(), 0)
            sys.stdout.flush()

    Window.bind(on_flip=after_draw)
