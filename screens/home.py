"""Home: the scenes as large tiles, a search field, top categories and a scan hint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

import screens.widgets.async_image  # noqa: F401  (CatalogImage)
from screens.base import KioskScreen
from screens.widgets.buttons import KioskButton

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class SceneTile(ButtonBehavior, BoxLayout):
    """A scene's hero image and title; opens the scene."""

    slide = ObjectProperty(None)
    """The ``kiosk.startup.Slide``."""

    def on_release(self) -> None:
        App.get_running_app().show_scene(self.slide.scene_id)


class CategoryButton(KioskButton):
    """A top category; opens search filtered to it."""

    category = ObjectProperty(None)
    """The ``kiosk.startup.TopCategory``."""

    def on_release(self) -> None:
        App.get_running_app().show_search(query="", category=self.category.category_id)


class HomeScreen(KioskScreen):
    """Where a session starts."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        app = App.get_running_app()
        app.fbind("slides", self._rebuild)
        app.fbind("categories", self._rebuild)
        self._rebuild()

    def _rebuild(self, *_args: Any) -> None:
        app = App.get_running_app()
        tiles = self.ids.tiles
        tiles.clear_widgets()
        for slide in app.slides:
            tiles.add_widget(SceneTile(slide=slide))
        cats = self.ids.categories
        cats.clear_widgets()
        for cat in app.categories:
            cats.add_widget(CategoryButton(category=cat, text=cat.name))

    def prepare(self, **_params: Any) -> None:
        self.ids.scroll.scroll_y = 1

    def reset(self) -> None:
        self.ids.scroll.scroll_y = 1
