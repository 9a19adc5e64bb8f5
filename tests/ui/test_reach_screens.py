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
        shown: list[tuple[Any, tuple[float, float, float, float]]] = []
        for button in visible_buttons(app.root):
            span = window_span(button)
            if span is None:
                continue
            seen += 1
            if not band.contains(*span):
                out.append(f"{name}: {type(button).__name__} {getattr(button, 'text', '')!r} at "
                           f"{span[0]:.0f}-{span[1]:.0f} px (band {band.bottom_px:.0f}-{band.top_px:.0f})")
            x0, _ = button.to_window(button.x, button.y)
            x1, _ = button.to_window(button.right, button.top)
            shown.append((button, (x0, span[0], x1, span[1])))
        out.extend(f"{name}: {what} covers the top bar" for what in _over_topbar(app))
        # A squeezed layout must not stack controls on each other: a finger would hit both.
        for i, (a, ra) in enumerate(shown):
            for b, rb in shown[i + 1:]:
                w = min(ra[2], rb[2]) - max(ra[0], rb[0])
                h = min(ra[3], rb[3]) - max(ra[1], rb[1])
                if w > 2 and h > 2 and not _nested(a, b):
                    out.append(f"{name}: {type(a).__name__} {getattr(a, 'text', '')!r} overlaps "
                               f"{type(b).__name__} {getattr(b, 'text', '')!r} ({w:.0f}x{h:.0f} px)")
    assert seen > 60, "the walk should have met the controls of six screens"
    return out


def _over_topbar(app: Any) -> list[str]:
    """Visible leaf widgets of the screen's body that reach into its top bar (and hide its buttons)."""
    bar = getattr(topbar(app), "__self__", topbar(app))  # ids are weak proxies
    bx0, by0 = bar.to_window(bar.x, bar.y)
    bx1, by1 = bar.to_window(bar.right, bar.top)
    found: list[str] = []

    def walk(w: Any) -> None:
        if w is bar or w.opacity == 0:
            return
        if not w.children and w.width > 1 and w.height > 1:
            x0, y0 = w.to_window(w.x, w.y)
            x1, y1 = w.to_window(w.right, w.top)
            if min(x1, bx1) - max(x0, bx0) > 2 and min(y1, by1) - max(y0, by0) > 2:
                found.append(f"{type(w).__name__} {getattr(w, 'text', '')!r}")
        for child in w.children:
            walk(child)

    walk(app.root.sm.current_screen)
    return found


def _nested(a: Any, b: Any) -> bool:
    """Whether one widget is inside the other (a button within a tappable card)."""
    for inner, outer in ((a, b), (b, a)):
        w = inner.parent
        while w is not None and w is not w.parent:
            if w is outer:
                return True
            w = w.parent
    return False


@pytest.mark.kiosk(**{"display.mount_bottom_mm": 900.0, "display.screen_height_mm": 398.0, "display.dpi": 69.0})
async def test_landscape_panel_on_a_stand(kiosk_app: Any) -> None:
    problems = await out_of_reach_on_every_screen(kiosk_app, LANDSCAPE)
    assert not problems, "\n".join(problems)


@pytest.mark.kiosk(**{"display.mount_bottom_mm": 400.0, "display.screen_height_mm": 1210.0, "display.dpi": 40.0,
                      "display.orientation": "portrait"})
async def test_portrait_totem(kiosk_app: Any, tmp_path: Any) -> None:
    problems = await out_of_reach_on_every_screen(kiosk_app, PORTRAIT)
    assert not problems, "\n".join(problems)
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


@pytest.mark.kiosk(**{"display.mount_bottom_mm": 400.0, "display.screen_height_mm": 1210.0, "display.dpi": 40.0,
                      "display.orientation": "portrait"})
async def test_portrait_search_in_the_reach_band_keeps_whole_readable_results(kiosk_app: Any) -> None:
    from tests.ui.shopping import type_on_keyboard, visible_cards, wait_results

    app = kiosk_app
    await start_session(app, PORTRAIT)
    await tap(topbar(app).ids.access_button)
    await wait_for(lambda: app.accessible, what="accessibility mode")
    app.show_search()
    search = app.root.sm.get_screen("search")
    await wait_for(lambda: app.current_screen == "search" and not search.searching, what="search")
    await type_on_keyboard(search, "sofa")
    await wait_results(app, search, "sofa")
    await wait_frames(10)
    grid, chips = search.ids.grid, search.ids.chip_row
    # Field, one sideways-scrolling row of chips, heading, results and
    # keyboard share the band: at least one whole row of tiles is shown...
    assert grid.height >= grid.tile_height > 0, (grid.height, grid.tile_height)
    assert chips.height < 2 * search.ids.chips.children[0].height, "the filter chips wrapped into rows"
    assert search.chip_row_width > chips.width, "the chip row scrolls sideways"
    # ...with keys still finger-sized, and nothing pushed under the top bar.
    assert search.key_size >= app.theme.target
    bar = topbar(app)
    assert search.ids.field.to_window(0, search.ids.field.top)[1] <= bar.to_window(0, bar.y)[1] + 1
    # The tiles are wide and short: the picture beside the text, which stays whole.
    card = visible_cards(search)[0]
    image, name = card.ids.image, card._name.rect
    assert card.width > 1.6 * card.height and image.right <= name.pos[0]
    assert image.height > 0.5 * card.height and card.shown_name == card.name
    assert card._price.rect.pos[1] >= card.y and name.pos[1] + name.size[1] <= card.top
