"""Buttons and labels in the kiosk's style (rules in screens/theme.kv).

* ``KioskButton``: a rounded, finger-sized button; ``style`` picks the
  colours (primary, secondary, accent, topbar, ghost). Its size never drops
  below the theme's touch-target minimum.
* ``PlainLabel``: a label in the theme's text colour for the kiosk's own
  strings; for catalog text use ``CatalogLabel``.
* ``CartButton``: "Cart" with the item-count badge.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, OptionProperty
from kivy.uix.button import Button
from kivy.uix.label import Label


class KioskButton(Button):
    """A touch-sized button in the theme's colours."""

    style = OptionProperty("primary", options=["primary", "secondary", "accent", "topbar", "ghost"])
    """Which colour set to use."""

    markup = BooleanProperty(False)
    """Button texts can carry catalog names: never markup."""

    fill_color = ColorProperty((0, 0, 0, 0))
    """Background colour, set by the style (theme.kv)."""


class PlainLabel(Label):
    """A label for the kiosk's own text in the theme's colours; never markup."""

    markup = BooleanProperty(False)
    """Always False."""


class CartButton(KioskButton):
    """The top bar's cart button with its item-count badge."""

    badge_size = NumericProperty(0)
    """Diameter of the badge in pixels."""
