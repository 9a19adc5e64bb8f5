"""A QR code drawn from its module matrix: crisp, whole pixels, no blur.

Modelled on Electrum's old ``qrcodewidget.py``: the matrix goes straight into
a Kivy ``Texture`` with one texel per module, and the GPU scales it with
``nearest`` filtering, so every module edge stays sharp at any size. The
widget picks a whole number of screen pixels per module (uneven modules
confuse phone decoders) and never draws smaller than the physical minimum
for the screen's DPI (each module >= 0.5 mm, the symbol >= 50 mm).

Build the matrix with ``kiosk.handoff.qr.make_qr`` (on a worker thread for
long payloads) and assign it to ``matrix``.
"""

from __future__ import annotations

import math
from typing import Any

from kivy.graphics import Color, Rectangle, RoundedRectangle
from kivy.graphics.texture import Texture
from kivy.properties import ColorProperty, NumericProperty, ObjectProperty
from kivy.uix.widget import Widget

from kiosk.handoff.qr import MIN_MODULE_MM, MIN_SIDE_MM, QRMatrix, module_px
from screens.kivy_fixes import NOTHING

_DARK = b"\x00\x00\x00\xff"
_LIGHT = b"\xff\xff\xff\xff"


def matrix_texture(matrix: QRMatrix) -> Texture:
    """A texture with one texel per module (quiet zone included), nearest filtering."""
    n = matrix.size
    # RGBA keeps every row 4-byte aligned whatever the module count.
    tex = Texture.create(size=(n, n), colorfmt="rgba", bufferfmt="ubyte")
    tex.min_filter = "nearest"
    tex.mag_filter = "nearest"
    tex.blit_buffer(matrix.to_bytes(bottom_up=True, dark=_DARK, light=_LIGHT), colorfmt="rgba", bufferfmt="ubyte")
    return tex


class QRWidget(Widget):
    """Shows ``matrix`` centred in the widget at a whole number of pixels per module."""

    matrix = ObjectProperty(None, allownone=True)
    """The ``QRMatrix`` to show, or None for nothing (a blank area)."""

    dpi = NumericProperty(96.0)
    """Physical pixels per inch of the screen (``display.dpi``)."""

    min_module_mm = NumericProperty(MIN_MODULE_MM)
    """Smallest width of one module on the glass."""

    min_side_mm = NumericProperty(MIN_SIDE_MM)
    """Smallest width of the whole symbol on the glass (arm's length scanning)."""

    module_px = NumericProperty(0)
    """Screen pixels per module actually used (0 while there is no matrix)."""

    minimum_side = NumericProperty(0)
    """The smallest side in pixels the layout must give this widget."""

    texture = ObjectProperty(None, allownone=True)
    """The module texture (read-only; for tests and screenshots)."""

    plate_pad = NumericProperty(0)
    """Width of a rounded white plate drawn around the symbol (0: none)."""

    plate_radius = NumericProperty(0)
    """Corner radius of the plate."""

    plate_color = ColorProperty((1, 1, 1, 1))
    """Colour of the plate; white, because phones need dark on light."""

    drawn_x = NumericProperty(0)
    """Left edge of the drawn symbol, in the parent's coordinates."""

    drawn_y = NumericProperty(0)
    """Bottom edge of the drawn symbol, in the parent's coordinates."""

    drawn_side = NumericProperty(0)
    """Side of the drawn symbol in pixels (0 when nothing is drawn)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self.canvas:
            self._plate_color = Color(rgba=self.plate_color)
            self._plate = RoundedRectangle(pos=self.pos, size=(0, 0))
            self._color = Color(1, 1, 1, 1)
            self._rect = Rectangle(pos=self.pos, size=(0, 0))
        self.fbind("matrix", self._on_matrix)
        self.fbind("plate_color", lambda *_: setattr(self._plate_color, "rgba", self.plate_color))
        for name in ("pos", "size", "dpi", "min_module_mm", "min_side_mm", "plate_pad", "plate_radius"):
            self.fbind(name, self._layout)
        self._on_matrix()

    def _on_matrix(self, *_args: Any) -> None:
        m: QRMatrix | None = self.matrix
        self.texture = matrix_texture(m) if m is not None else None
        self._rect.texture = self.texture
        self._layout()

    def _layout(self, *_args: Any) -> None:
        m: QRMatrix | None = self.matrix
        if m is None:
            self.module_px = 0
            self.minimum_side = 0
            self._rect.size = (0, 0)
            self._plate.size = NOTHING  # not (0, 0): kivy/kivy#6056
            self.drawn_side = 0
            return
        n = m.size
        least = module_px(self.dpi, n, min_module_mm=self.min_module_mm, min_side_mm=self.min_side_mm)
        self.minimum_side = least * n
        fit = math.floor(min(self.width, self.height) / n)
        self.module_px = max(least, fit)
        side = self.module_px * n
        # Whole-pixel origin: a half-pixel offset would blur every edge.
        x = round(self.center_x - side / 2)
        y = round(self.center_y - side / 2)
        self._rect.pos = (x, y)
        self._rect.size = (side, side)
        self.drawn_x, self.drawn_y, self.drawn_side = x, y, side
        pad = self.plate_pad
        self._plate.pos = (x - pad, y - pad)
        self._plate.size = (side + 2 * pad, side + 2 * pad) if pad else NOTHING
        self._plate.radius = [self.plate_radius] * 4

    @property
    def drawn_rect(self) -> tuple[int, int, int, int]:
        """``(x, y, width, height)`` of the drawn symbol in the parent's coordinates."""
        return int(self.drawn_x), int(self.drawn_y), int(self.drawn_side), int(self.drawn_side)
