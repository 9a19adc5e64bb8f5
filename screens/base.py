"""The base class of every customer screen: a frame with the kiosk's top bar.

Subclass ``KioskScreen`` and describe only your content in your kv rule;
the frame (top bar with store name, Home, Back, accessibility toggle,
"Need help?" and the cart badge) comes from ``<KioskScreen>`` in base.kv.
Widgets your rule adds to the screen land in ``content_area`` below the top
bar.

Hooks the app calls (override what you need):

* ``prepare(**params)``: before the screen is shown, with the navigation
  parameters (``product_id=...``, ``scene_id=...``, ``query=...``). Kick off
  background loads here; the screen shows at once, with placeholders.
* ``reset()``: the customer's session ended. Forget everything customer
  specific (typed text, scroll position, selected variant): the next
  customer must see nothing of this one.
* ``refresh()``: the catalog changed under you (a sync applied). Reload
  your data without losing the customer's place.
* ``screenshot_ready()``: the ``--screenshots`` driver waits until this is
  True (and no background work is pending) before taking the picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

import screens.theme  # noqa: F401  (theme.kv rules must exist before base.kv uses them)
from screens.theme import load_theme_kv
from screens.widgets.texture_layer import DrawnIntoTexture

load_theme_kv()
Builder.load_file(str(Path(__file__).with_suffix(".kv")))


def show_instead(holder: Any, show: Any, hide: Any) -> None:
    """Put ``show`` in ``holder`` in place of ``hide`` (each is added or removed only if needed).

    For a screen's alternative states (the cart's empty message, search's
    "nothing found" panel): the hidden widget is out of the tree, so it
    costs neither layout nor drawing.
    """
    if hide.parent is not None:
        holder.remove_widget(hide)
    if show.parent is None:
        holder.add_widget(show)


class TopBar(DrawnIntoTexture, BoxLayout):
    """The bar on top of every customer screen.

    Drawn into a texture (``DrawnIntoTexture``): it is the same on every
    frame until a button is pressed, the cart count or the theme changes.
    """

    screen = ObjectProperty(None, allownone=True)
    """The screen this bar belongs to."""


class KioskScreen(Screen):
    """A customer screen framed by the top bar; see the module docstring for hooks."""

    title = StringProperty("")
    """Shown in the top bar next to the store name (plain text, never markup)."""

    show_topbar = BooleanProperty(True)
    """False for full-bleed screens (attract)."""

    show_back = BooleanProperty(True)
    """Whether the Back button is offered."""

    content_area = ObjectProperty(None, allownone=True)
    """The container below the top bar that holds the subclass's widgets."""

    params = DictProperty({})
    """The navigation parameters of the last ``prepare`` call."""

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        # The frame is built first (base.kv); everything a subclass rule adds
        # afterwards belongs inside the content area.
        if self.content_area is not None and widget is not self.content_area:
            self.content_area.add_widget(widget, *args, **kwargs)
        else:
            super().add_widget(widget, *args, **kwargs)

    def prepare(self, **params: Any) -> None:
        """Called before the screen is shown, with its navigation parameters."""

    def reset(self) -> None:
        """Forget the customer's state; called at the end of every session."""

    def refresh(self) -> None:
        """The catalog changed; reload data without losing the customer's place."""

    def screenshot_ready(self) -> bool:
        """True when the screen has finished loading (used by ``--screenshots``)."""
        return True
