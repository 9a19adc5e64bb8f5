"""Tappable markers on a scene's hero image, and where to put them.

A scene item's ``x, y`` are fractions of the hero image (origin top-left).
The image is drawn with its aspect ratio kept ("contain"), so the picture
usually does not fill its widget: :func:`hotspot_center` maps a fraction to
window coordinates on the picture actually drawn.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.widget import Widget

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


def drawn_rect(
    widget_pos: tuple[float, float], widget_size: tuple[float, float], image_size: tuple[float, float]
) -> tuple[float, float, float, float]:
    """The rectangle ``(x, y, w, h)`` an image of ``image_size`` fills when fitted ("contain").

    Args:
        widget_pos: The image widget's position (bottom-left).
        widget_size: The image widget's size.
        image_size: The picture's own pixel size (its texture size).
    """
    ww, wh = widget_size
    iw, ih = image_size
    if iw <= 0 or ih <= 0 or ww <= 0 or wh <= 0:
        return (widget_pos[0], widget_pos[1], ww, wh)
    scale = min(ww / iw, wh / ih)
    w, h = iw * scale, ih * scale
    return (widget_pos[0] + (ww - w) / 2, widget_pos[1] + (wh - h) / 2, w, h)


def hotspot_center(
    fx: float, fy: float, rect: tuple[float, float, float, float]
) -> tuple[float, float]:
    """Window coordinates of fractions ``fx, fy`` (origin top-left) on a drawn image."""
    x, y, w, h = rect
    fx = min(1.0, max(0.0, fx))
    fy = min(1.0, max(0.0, fy))
    return (x + fx * w, y + (1.0 - fy) * h)


class Hotspot(ButtonBehavior, Widget):
    """A numbered circle over a product in the hero image."""

    number = StringProperty("")
    """The label in the circle; matches the product list beside the image."""

    product_id = StringProperty("")
    """The product it opens."""

    fx = NumericProperty(0.5)
    """Horizontal fraction of the hero image (0 = left edge)."""

    fy = NumericProperty(0.5)
    """Vertical fraction of the hero image (0 = top edge)."""
