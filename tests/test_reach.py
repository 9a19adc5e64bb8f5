"""Accessibility reach band arithmetic (ADA/EN 17210: operable parts 380-1220 mm above the floor)."""

from __future__ import annotations

import pytest

from kiosk.reach import physical_height_mm, reach_band, target_px


def test_screen_mounted_high_keeps_only_its_lower_part() -> None:
    # Bottom edge 800 mm, 700 mm tall: 800-1500 mm; reachable up to 1220 mm.
    band = reach_band(1080, mount_bottom_mm=800, screen_height_mm=700)
    assert band.bottom_px == 0
    assert band.top_px == pytest.approx(1080 * 420 / 700)
    assert band.in_reach and not band.whole_screen
    assert band.contains(0, 600) and not band.contains(600, 700)


def test_screen_mounted_low_loses_its_bottom() -> None:
    # A portrait totem from 200 mm to 1400 mm: 380-1220 mm is the middle.
    band = reach_band(1920, mount_bottom_mm=200, screen_height_mm=1200)
    assert band.bottom_px == pytest.approx(1920 * 180 / 1200)
    assert band.top_px == pytest.approx(1920 * 1020 / 1200)


def test_screen_entirely_in_reach() -> None:
    band = reach_band(1080, mount_bottom_mm=700, screen_height_mm=400)
    assert band.whole_screen and band.height_px == 1080


def test_unreachable_mounting_falls_back_to_the_nearest_part() -> None:
    high = reach_band(1080, mount_bottom_mm=1200, screen_height_mm=600)  # 1200-1800 mm
    assert not high.in_reach and high.bottom_px == 0 and high.top_px == pytest.approx(270)
    low = reach_band(1080, mount_bottom_mm=0, screen_height_mm=300)  # 0-300 mm
    assert not low.in_reach and low.top_px == 1080


def test_development_window_scales_with_the_screen() -> None:
    full = reach_band(1080, mount_bottom_mm=800, screen_height_mm=700)
    small = reach_band(540, mount_bottom_mm=800, screen_height_mm=700)
    assert small.top_px == pytest.approx(full.top_px / 2)


def test_physical_height_from_dpi_or_measurement() -> None:
    assert physical_height_mm(1080, 96) == pytest.approx(285.75)
    assert physical_height_mm(1080, 96, screen_height_mm=400) == 400
    with pytest.raises(ValueError):
        physical_height_mm(1080, 0)


def test_touch_target_in_pixels() -> None:
    assert target_px(15, 96) == pytest.approx(56.69, abs=0.01)
    assert target_px(15, 254) == pytest.approx(150)
    with pytest.raises(ValueError):
        target_px(15, 0)


def test_bad_geometry_is_refused() -> None:
    with pytest.raises(ValueError):
        reach_band(0, mount_bottom_mm=800, screen_height_mm=700)
    with pytest.raises(ValueError):
        reach_band(1080, mount_bottom_mm=800, screen_height_mm=700, low_mm=1300, high_mm=1200)
