"""A quantity stepper: large − and + around the number."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import NumericProperty
from kivy.uix.boxlayout import BoxLayout

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class QuantityStepper(BoxLayout):
    """Pick a whole quantity between :attr:`minimum` and :attr:`maximum`.

    Events:
        on_step: ``(delta)`` after a tap on − (``-1``) or + (``+1``) changed
            :attr:`value`. A cart line listens to this rather than to
            ``value`` so that programmatic updates do not echo back.
    """

    value = NumericProperty(1)
    """The quantity shown."""

    minimum = NumericProperty(1)
    """Lowest value − can reach (0 lets a cart line be stepped away)."""

    maximum = NumericProperty(99)
    """Highest value + can reach."""

    __events__ = ("on_step",)

    def step(self, delta: int) -> None:
        """Apply one tap of − or +."""
        new = max(self.minimum, min(self.maximum, int(self.value) + delta))
        if new != self.value:
            self.value = new
            self.dispatch("on_step", delta)

    def on_step(self, delta: int) -> None:
        """Default handler of ``on_step``."""
