"""Screenshots (``main.py --screenshots``) show what the window shows.

The screens are clipped with a window-space scissor and the page background
is the window's clear colour (screens/frame.py). Kivy's own
``export_to_png`` draws flipped on a transparent clear colour: in
accessibility mode, where the screens sit in the reach band, its picture
had a white/transparent top and a clipped screen while the window was
fine. These tests check the picture ``screens.frame.export_png`` makes
against the widgets' places on the window.

(Not against ``Window.screenshot``: under Xvfb here it reads back only the
bottom-left 1280x720 pixels of a larger window correctly, the window's
initial size; the rest is left-over memory.)
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.catalog import SOFA_ID
from tests.ui.conftest import wait_for, wait_frames
from tests.ui.shopping import LANDSCAPE, PORTRAIT, start_session

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]


async def _product_in_accessibility_mode(app: Any, size: tuple[int, int]) -> None:
    await start_session(app, size)
    app.set_accessible(True)
    await wait_for(lambda: app.theme.high_contrast, what="accessibility mode")
    app.show_product(SOFA_ID)
    screen = app.root.sm.get_screen("product")
    await wait_for(lambda: app.current_screen == "product" and screen.screenshot_ready(), what="the product screen")
    await wait_frames(5)
    assert app.reach_top < app.root.height * 0.9, "this mounting should leave the top of the screen out of reach"


def _rgb(color: Any) -> tuple[int, ...]:
    return tuple(round(c * 255) for c in color[:3])


def _box(app: Any, widget: Any) -> tuple[int, int, int, int]:
    """The widget's rectangle in picture coordinates (rows run top-down)."""
    x, y = widget.to_window(widget.x, widget.y)
    top = app.root.height - y - widget.height
    return int(x), int(top), int(x + widget.width), int(top + widget.height)


def _share_of(picture: Any, box: tuple[int, int, int, int], color: tuple[int, ...]) -> float:
    pixels = list(picture.crop(box).getdata())
    return sum(1 for p in pixels if all(abs(a - b) <= 24 for a, b in zip(p, color))) / len(pixels)


def _assert_drawn_like_the_window(app: Any, picture: Any, *, add_button_shown: bool) -> None:
    """The page above the band, the top bar at the top of the band and the product screen are all there.

    ``add_button_shown``: whether the add-to-cart button is in view (on the
    tall portrait screen it is further down the page).
    """
    from tests.ui.test_shell import topbar

    assert tuple(picture.size) == (int(app.root.width), int(app.root.height))
    # Above the reach band: the high-contrast page (black), opaque (a
    # transparent top shows white in the README).
    page = _rgb(app.theme.bg)
    above = int(app.root.height - app.reach_top)
    for x, y in ((5, 5), (picture.width - 5, 5), (picture.width // 2, above // 10), (5, above - 5)):
        pixel = picture.getpixel((x, y))
        assert pixel[3] == 255 and all(abs(a - b) <= 8 for a, b in zip(pixel, page)), (x, y, pixel)
    # The top of the band: "Need help?" is the high-contrast accent (yellow).
    accent = _rgb(app.theme.accent)
    share = _share_of(picture, _box(app, topbar(app).ids.help_button), accent)
    assert share > 0.5, f"only {share:.0%} of the help button is {accent}"
    # The product screen below it, whole: its name (white on black) and the
    # add-to-cart button (yellow) are drawn where they are.
    screen = app.root.sm.get_screen("product")
    name = next(w for w in screen.walk() if getattr(w, "text", "") == "Oslo 3-seat sofa")
    assert picture.crop(_box(app, name)).convert("L").getextrema()[1] > 200, "the product name is missing"
    if add_button_shown:
        add = next(w for w in screen.walk() if getattr(w, "text", "") == "Add to cart")
        share = _share_of(picture, _box(app, add), _rgb(app.theme.primary))
        assert share > 0.5, f"only {share:.0%} of the add-to-cart button is drawn"


async def _export(app: Any, tmp_path: Any) -> Any:
    from kivy.core.window import Window
    from PIL import Image as PILImage

    from screens.frame import export_png

    export_png(app.root, tmp_path / "export.png", Window.clearcolor)
    return PILImage.open(tmp_path / "export.png").convert("RGBA")


@pytest.mark.kiosk(**{"display.mount_bottom_mm": 900.0, "display.screen_height_mm": 398.0, "display.dpi": 69.0})
async def test_landscape_panel_on_a_stand_accessible_picture(kiosk_app: Any, tmp_path: Any) -> None:
    await _product_in_accessibility_mode(kiosk_app, LANDSCAPE)
    _assert_drawn_like_the_window(kiosk_app, await _export(kiosk_app, tmp_path), add_button_shown=True)


@pytest.mark.kiosk(**{"display.mount_bottom_mm": 400.0, "display.screen_height_mm": 1210.0, "display.dpi": 40.0,
                      "display.orientation": "portrait"})
async def test_portrait_totem_accessible_picture(kiosk_app: Any, tmp_path: Any) -> None:
    await _product_in_accessibility_mode(kiosk_app, PORTRAIT)
    _assert_drawn_like_the_window(kiosk_app, await _export(kiosk_app, tmp_path), add_button_shown=False)
