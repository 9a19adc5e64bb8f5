"""The attract loop: the store's scenes, one after another, and "Touch to start"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import NumericProperty, ObjectProperty

from screens.base import KioskScreen
import screens.widgets.async_image  # noqa: F401  (CatalogImage)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class AttractScreen(KioskScreen):
    """Shown when nobody is using the kiosk; any touch starts a session."""

    index = NumericProperty(0)
    """Which slide (scene) is shown."""

    slide = ObjectProperty(None, allownone=True)
    """The ``kiosk.startup.Slide`` shown, or None before the catalog is ready."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cycle = None
        app = App.get_running_app()
        if app is not None:
            app.fbind("slides", self._slides_changed)
        self._slides_changed()

    def _slides_changed(self, *_args: Any) -> None:
        app = App.get_running_app()
        slides = list(getattr(app, "slides", []) or [])
        if self.index >= len(slides):
            self.index = 0
        self.slide = slides[self.index] if slides else None

    def next_slide(self, *_args: Any) -> None:
        """Show the next scene."""
        app = App.get_running_app()
        slides = list(getattr(app, "slides", []) or [])
        if not slides:
            self.slide = None
            return
        self.index = (self.index + 1) % len(slides)
        self.slide = slides[self.index]

    def on_enter(self, *_args: Any) -> None:
        app = App.get_running_app()
        period = app.config_obj.session.attract_cycle_s if app is not None else 6.0
        if self._cycle is None and period > 0:
            self._cycle = Clock.schedule_interval(self.next_slide, period)

    def on_leave(self, *_args: Any) -> None:
        if self._cycle is not None:
            self._cycle.cancel()
            self._cycle = None

    def reset(self) -> None:
        self.index = 0
        self._slides_changed()

    def on_touch_down(self, touch: Any) -> bool:
        app = App.get_running_app()
        if self.manager is not None and self.manager.current != self.name:
            return False
        if app is not None and app.ready:
            app.start_session()
        return True
