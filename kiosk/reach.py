"""Accessibility reach band: which part of a mounted screen a wheelchair user can reach.

Accessible-design rules (ADA 2010 §308, EN 301 549 / EN 17210) put operable
parts between 380 mm and 1220 mm above the floor. A kiosk screen is mounted
with its bottom edge ``mount_bottom_mm`` above the floor and is
``screen_height_mm`` tall, so only a horizontal band of it may be in reach.
This module turns that into window pixels (Kivy's y axis: 0 at the bottom).

Pure arithmetic: no Kivy, testable without a window.
"""

from __future__ import annotations

from dataclasses import dataclass

REACH_LOW_MM = 380.0
REACH_HIGH_MM = 1220.0
MM_PER_INCH = 25.4


@dataclass(frozen=True, slots=True)
class ReachBand:
    """A horizontal band of the window, in pixels from the window's bottom edge."""

    bottom_px: float
    top_px: float
    window_height_px: float
    #: False when the screen is mounted so that no usable part of it is in
    #: reach; the band is then the screen's lowest part and the app logs it.
    in_reach: bool = True

    @property
    def height_px(self) -> float:
        """Height of the band in pixels."""
        return self.top_px - self.bottom_px

    @property
    def whole_screen(self) -> bool:
        """True when every pixel of the screen is already within reach."""
        return self.bottom_px <= 0 and self.top_px >= self.window_height_px

    def contains(self, y_bottom: float, y_top: float, tolerance_px: float = 0.5) -> bool:
        """Whether a control spanning ``y_bottom..y_top`` lies inside the band."""
        return y_bottom >= self.bottom_px - tolerance_px and y_top <= self.top_px + tolerance_px


def physical_height_mm(height_px: float, dpi: float, screen_height_mm: float = 0.0) -> float:
    """The screen's visible height in millimetres.

    Args:
        height_px: The screen's height in pixels (from the config, not the window).
        dpi: The screen's physical pixel density.
        screen_height_mm: A measured height; used when > 0.

    Raises:
        ValueError: Neither a measured height nor a positive dpi and height.
    """
    if screen_height_mm > 0:
        return float(screen_height_mm)
    if dpi <= 0 or height_px <= 0:
        raise ValueError("need screen_height_mm, or a positive dpi and pixel height")
    return height_px / dpi * MM_PER_INCH


def reach_band(
    window_height_px: float,
    *,
    mount_bottom_mm: float,
    screen_height_mm: float,
    low_mm: float = REACH_LOW_MM,
    high_mm: float = REACH_HIGH_MM,
    min_fraction: float = 0.25,
) -> ReachBand:
    """The pixel band of a window whose controls sit ``low_mm..high_mm`` above the floor.

    The window is assumed to fill the screen (a kiosk runs fullscreen); a
    smaller development window is scaled proportionally so the band covers
    the same share of it.

    Args:
        window_height_px: The window's height in pixels.
        mount_bottom_mm: Height of the screen's bottom edge above the floor.
        screen_height_mm: The screen's visible height (see ``physical_height_mm``).
        low_mm: Lowest reachable height above the floor.
        high_mm: Highest reachable height above the floor.
        min_fraction: When less than this share of the screen is in reach, the
            band is the lowest ``min_fraction`` of the screen and ``in_reach``
            is False: a band a few pixels high would be unusable for everyone.

    Returns:
        The band, clamped to the window.
    """
    if window_height_px <= 0 or screen_height_mm <= 0:
        raise ValueError("window and screen heights must be positive")
    if high_mm <= low_mm:
        raise ValueError("high_mm must be above low_mm")
    px_per_mm = window_height_px / screen_height_mm
    top_mm = mount_bottom_mm + screen_height_mm
    lo = max(low_mm, mount_bottom_mm)
    hi = min(high_mm, top_mm)
    bottom_px = (lo - mount_bottom_mm) * px_per_mm
    top_px = (hi - mount_bottom_mm) * px_per_mm
    if hi - lo < min_fraction * screen_height_mm:
        # Not enough of the screen is reachable: use the part nearest to the
        # reachable zone (the bottom if the screen is mounted high, the top if
        # it is mounted very low) and say so.
        span = min_fraction * window_height_px
        if mount_bottom_mm + screen_height_mm / 2 >= (low_mm + high_mm) / 2:
            return ReachBand(0.0, span, float(window_height_px), in_reach=False)
        return ReachBand(window_height_px - span, float(window_height_px), float(window_height_px), in_reach=False)
    return ReachBand(max(0.0, bottom_px), min(float(window_height_px), top_px), float(window_height_px))


def target_px(min_target_mm: float, dpi: float) -> float:
    """Pixels that span ``min_target_mm`` on a screen of ``dpi`` pixels per inch."""
    if dpi <= 0:
        raise ValueError("dpi must be positive")
    return min_target_mm / MM_PER_INCH * dpi
