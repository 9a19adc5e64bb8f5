"""Overlays drawn on top of the current screen: notices, help, the idle warning.

Overlays live inside the app's frame (not on the Window like Kivy's
ModalView), so in accessibility mode they move into the reach band with
everything else. An overlay swallows every touch: nothing under it can be
pressed by accident.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout

from screens.theme import load_theme_kv

load_theme_kv()
Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class Overlay(FloatLayout):
    """A dimmed layer with a card in the middle; swallows all touches."""

    name = StringProperty("")
    """Identifies the overlay kind (``notice``, ``help``, ``idle``)."""

    def on_touch_down(self, touch: Any) -> bool:
        super().on_touch_down(touch)
        return True

    def on_touch_move(self, touch: Any) -> bool:
        super().on_touch_move(touch)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        super().on_touch_up(touch)
        return True

    def dismiss(self, *_args: Any) -> None:
        """Remove this overlay."""
        app = App.get_running_app()
        if app is not None:
            app.dismiss_overlay(self)
        elif self.parent is not None:
            self.parent.remove_widget(self)


class Notice(Overlay):
    """A calm message with an OK button that goes away by itself."""

    title = StringProperty("")
    """Headline (kiosk's own text)."""

    message = StringProperty("")
    """Body text; may contain catalog text or scanned codes, shown literally."""

    timeout_s = NumericProperty(8.0)
    """Seconds before it dismisses itself (0: stays until OK)."""

    def on_parent(self, _inst: Any, parent: Any) -> None:
        if parent is not None and self.timeout_s > 0:
            Clock.schedule_once(self.dismiss, self.timeout_s)
        else:
            Clock.unschedule(self.dismiss)


class Toast(FloatLayout):
    """A short message near the bottom that does not block touches."""

    message = StringProperty("")
    """What to say ("Added to cart")."""

    def on_parent(self, _inst: Any, parent: Any) -> None:
        if parent is not None:
            Clock.schedule_once(self._remove, 2.5)
        else:
            Clock.unschedule(self._remove)

    def _remove(self, *_args: Any) -> None:
        if self.parent is not None:
            self.parent.remove_widget(self)

    def on_touch_down(self, touch: Any) -> bool:
        return False
