"""The idle warning: "Are you still there?" with a countdown and "I'm still here"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import NumericProperty

from screens.overlay import Overlay

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class IdleWarning(Overlay):
    """Shown during the last seconds before a session resets.

    Any touch on it counts as "I'm still here" (a customer who touches the
    screen is there); the big button says so explicitly.
    """

    seconds_left = NumericProperty(0)
    """Whole seconds until the reset, updated by the app."""

    def on_touch_down(self, touch: Any) -> bool:
        if not super().on_touch_down(touch):
            return False
        if not self.ids.still_here.collide_point(*touch.pos):
            app = App.get_running_app()
            if app is not None:
                app.still_here()
        return True
