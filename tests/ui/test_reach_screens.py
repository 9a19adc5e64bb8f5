"""Accessibility mode on real mountings: every control of every customer screen is in reach.

The reach band is 380-1220 mm above the floor (kiosk/reach.py). The two
mountings are the common ones: a 32-inch 1080p panel on a stand (bottom edge
at 900 mm, so its top fifth is out of reach) and a 55-inch portrait totem
standing 400 mm off the floor (its top third is out of reach). Their DPI is
the panels' real one, so touch targets have their real size in millimetres.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.catalog import SOFA_GREEN, SOFA_ID
from tests.ui.conftest import tap, wait_for, wait_frames
from tests.ui.shopping import LANDSCAPE, PORTRAIT, start_session
from tests.ui.test_shell import topbar, visible_buttons, window_span

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]


async def out_of_reach_on_every_screen(app: Any, size: tuple[int, int]) -> list[str]:
    """Turn accessibility on by touch, visit every customer screen; list the controls out of reach."""
    await start_session(app, size)
    band = app.reach()
    assert 0 < band.top_px < app.root.height * 0.9, "this mounting should leave part of the screen out of reach"
    await tap(topbar(app).ids.access_button)
    await wait_for(lambda: app.accessible, what="accessibility mode")
    done: list[Any] = []
    app.add_to_cart(SOFA_GREEN, 1, on_done=done.append)
    await wait_for(lambda: done, what="a line in the cart")
    visits = (("home", lambda: None), ("search", lambda: app.show_search("sofa")),
              ("product", lambda: app.show_product(SOFA_ID)), ("scene", lambda: app.show_scene("S-LIVING")),
              ("cart", app.show_cart), ("handoff", app.show_handoff))
    out: list[str] = []
    seen = 0
    for name, go in visits:
        go()
        await wait_for(lambda: app.current_screen == name, what=f"the {name} screen")
        await wait_frames(10)  # transition over, layout settled
        for button in visible_buttons(app.root):
            span = window_span(button)
            if span is None:
                continue
            seen += 1
            if not band.contains(*span):
                out.append(f"{name}: {type(button).__name__} {getattr(button, 'text', '')!r} at "
                           f"{span[0]:.0f}-{span[1]:.0f} px (band {band.bottom_px:.0f}-{band.top_px:.0f})")
    assert seen > 60, "the walk should have met the controls of six screens"
    return out


@pytest.mark.kiosk(**{"display.mount_bottom_mm": 900.0, "display.screen_height_mm": 398.0, "display.dpi": 69.0})
async def test_landscape_panel_on_a_stand(kiosk_app: Any) -> None:
    assert await out_of_reach_on_every_screen(kiosk_app, LANDSCAPE) == []


@pytest.mark.kiosk(**{"display.mount_bottom_mm": 400.0, "display.screen_height_mm": 1210.0, "display.dpi": 40.0,
                      "display.orientation": "portrait"})
async def test_portrait_totem(kiosk_app: Any, tmp_path: Any) -> None:
    assert await out_of_reach_on_every_screen(kiosk_app, PORTRAIT) == []
    # Above the band the customer sees the high-contrast page and its note, nothing else.
    from kivy.core.window import Window
    from PIL import Image as PILImage

    from screens.frame import export_png

    app = kiosk_app
    # Not the window's buffer: the 1080x1920 window is taller than the
    # 1920x1080 Xvfb screen, and its rows off the screen (the top 840, all
    # above the band) read back as whatever memory holds (black, or cyan
    # once). export_png draws the frame as the window does (screens/frame.py).
    export_png(app.root, tmp_path / "totem.png", Window.clearcolor)
    shot = PILImage.open(tmp_path / "totem.png").convert("RGB")
    above = Window.height - app.reach_top  # screenshot rows run top-down
    expected = tuple(round(c * 255) for c in app.theme.bg[:3])
    for x, y in ((5, 5), (shot.width - 5, 5), (5, int(above) - 5), (shot.width // 2, int(above * 0.1))):
        assert all(abs(a - b) <= 8 for a, b in zip(shot.getpixel((x, y)), expected)), (x, y, shot.getpixel((x, y)))
