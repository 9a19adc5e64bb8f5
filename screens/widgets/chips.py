"""Large pill-shaped chips: filters, suggestions and option values.

A :class:`Chip` toggles (filters, variant options); a :class:`TapChip`
only reports taps (search suggestions). Both keep catalog text literal.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.label import Label
from kivy.uix.stacklayout import StackLayout

from screens.widgets.texture_layer import DrawnIntoTexture

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class Chip(ToggleButtonBehavior, Label):
    """A toggle chip; ``state == "down"`` means selected."""

    value = ObjectProperty(None, allownone=True)
    """What choosing this chip means (a category id, a price band, an option value)."""

    dimmed = BooleanProperty(False)
    """Drawn faded: the choice exists but not together with the other choices."""

    def __init__(self, **kwargs) -> None:
        # A catalog string must never be read as markup, whatever a kv rule says.
        kwargs["markup"] = False
        super().__init__(**kwargs)


class TapChip(ButtonBehavior, Label):
    """A chip that only reports taps (e.g. a "did you mean" suggestion)."""

    value = StringProperty("")
    """The text the tap stands for."""

    def __init__(self, **kwargs) -> None:
        kwargs["markup"] = False
        super().__init__(**kwargs)


class ChipStack(DrawnIntoTexture, StackLayout):
    """Chips in rows, drawn into a texture: a row of filters changes only when tapped.

    Each chip is a pill, a border and a label; with software OpenGL the
    search screen's 13 filter chips cost a sixth of its frame drawn live,
    a textured rectangle a fraction of that (``DrawnIntoTexture``).
    """
