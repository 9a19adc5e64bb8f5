"""What makes a frame cheap must not change what the customer sees.

With software OpenGL every pixel is drawn by the CPU, so the screens avoid
the costly ways Kivy can draw (docs/benchmarks-ui-screens.md):

* the search grid is clipped with a scissor set at draw time instead of a
  stencil (``screens.frame.ScissorClipMixin``): its tiles must still end
  exactly at the grid's edge, also in accessibility mode, where the whole
  frame moves up into the reach band without the grid's own position
  changing;
* a ``Line`` wider than 1 px in a colour with alpha < 1 is drawn by Kivy
  through a stencil (a full-screen stencil clear and extra passes per
  line): no customer screen may draw one;
* the filter chips and the top bar are drawn once into a texture
  (``screens.widgets.texture_layer.DrawnIntoTexture``): a tapped chip and
  the cart badge must still show in the picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import settle, wait_for, wait_frames
from tests.ui.shopping import SOFA_ID, demo_template, open_search

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]

SOFA_VARIANT = "V-1001-1"
SCENE = "cozy-living-room"


@pytest.fixture(scope="session")
def catalog_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store: hundreds of results to scroll, scenes, a cart."""
    return demo_template(tmp_path_factory)


def _rgb(color: Any) -> tuple[int, int, int]:
    return tuple(round(c * 255) for c in color[:3])  # type: ignore[return-value]


async def _straddle_top_edge(grid: Any) -> None:
    """Scroll ``grid`` so that a row of tiles is cut by its top edge (half above, half below)."""
    layout = grid.children[0]
    row = grid.tile_height + layout.spacing[1]
    await wait_for(lambda: layout.height > grid.height + 6 * row, what="a long result list")
    grid.scroll_y = 1 - (3 * row + grid.tile_height / 2) / (layout.height - grid.height)
    await wait_frames(3)


def _strip(picture: Any, grid: Any, above: bool) -> set[tuple[int, int, int]]:
    """The colours in a 4-pixel strip just above (or just inside) the grid's top edge."""
    x0, _ = grid.to_window(grid.x, grid.y)
    _, top = grid.to_window(grid.x, grid.top)
    row = picture.height - int(top)  # PIL counts rows from the top
    rows = range(row - 6, row - 2) if above else range(row + 2, row + 6)
    # The scroll bar sits at the right edge, outside the clip as in Kivy: leave it out.
    xs = range(int(x0) + 2, int(x0 + grid.width) - 40)
    return {picture.getpixel((x, y))[:3] for y in rows for x in xs}


async def _shot(app: Any, tmp_path: Path, name: str) -> Any:
    """A picture of the app drawn as the window draws it (a 1920x1080 window
    does not fit the test's Xvfb drawable, made at 1280x720: read an Fbo)."""
    from kivy.core.window import Window
    from PIL import Image as PILImage

    from screens.frame import export_png

    await wait_frames(2)
    export_png(app.root, tmp_path / f"{name}.png", Window.clearcolor)
    return PILImage.open(tmp_path / f"{name}.png").convert("RGB")


# A low-mounted panel: in accessibility mode the frame starts above its bottom
# edge (the reach band begins 380 mm above the floor), so the grid is drawn
# higher in the window than its own position says.
@pytest.mark.kiosk(**{"display.mount_bottom_mm": 200.0, "display.screen_height_mm": 700.0, "display.dpi": 39.0})
async def test_result_tiles_are_cut_at_the_grid_edge_in_both_modes(kiosk_app: Any, tmp_path: Path) -> None:
    from kivy.graphics.stencil_instructions import StencilPush

    app = kiosk_app
    screen = await open_search(app)
    grid = screen.ids.grid
    for group in (grid.canvas.before, grid.canvas.after):
        assert not any(isinstance(i, StencilPush) for i in group.children), "the grid should clip with a scissor"

    for mode in ("standard", "accessible"):
        if mode == "accessible":
            app.toggle_accessible()
            await wait_for(lambda: app.accessible, what="accessibility mode")
            await settle(app)
            assert app.root.frame.y > 0, "accessibility mode should move the frame up into the reach band"
        await _straddle_top_edge(grid)
        picture = await _shot(app, tmp_path, mode)
        bg = _rgb(app.theme.bg)
        # A tile is cut by the edge: something is drawn just inside it ...
        assert _strip(picture, grid, above=False) - {bg}, f"{mode}: no tile drawn at the grid's top"
        # ... and nothing of it leaks out above (the page background only).
        leaked = _strip(picture, grid, above=True) - {bg}
        assert not leaked, f"{mode}: tiles drawn outside the grid: {sorted(leaked)[:5]}"


def _translucent_wide_lines(canvas: Any) -> list[str]:
    """Wide ``Line``s drawn with a colour of alpha < 1, walking the canvas in drawing order."""
    from kivy.graphics import Color, Line
    from kivy.graphics.instructions import InstructionGroup

    found: list[str] = []
    alpha = [1.0]

    def walk(group: Any) -> None:
        for instr in group.children:
            if isinstance(instr, Color):
                alpha[0] = instr.a
            elif isinstance(instr, Line) and instr.width > 1 and alpha[0] < 1:
                found.append(f"Line width {instr.width} alpha {alpha[0]:.2f} at {instr.points[:2]}")
            elif isinstance(instr, InstructionGroup):
                walk(instr)

    walk(canvas)
    return found


async def test_no_screen_draws_a_line_kivy_would_stencil(kiosk_app: Any) -> None:
    from kivy.core.window import Window

    app = kiosk_app
    await open_search(app)
    done: list[Any] = []
    app.add_to_cart(SOFA_VARIANT, 1, on_done=done.append)
    await wait_for(lambda: done, what="a line in the cart")
    visits = (("search", app.show_search), ("product", lambda: app.show_product(SOFA_ID)),
              ("scene", lambda: app.show_scene(SCENE)), ("cart", app.show_cart), ("home", app.go_home))
    problems: list[str] = []
    checked = 0
    for theme in ("standard", "high contrast"):
        if theme == "high contrast":
            app.toggle_accessible()
            await wait_for(lambda: app.accessible, what="accessibility mode")
        for name, go in visits:
            go()
            await wait_for(lambda: app.current_screen == name, what=f"the {name} screen")
            await settle(app)
            checked += 1
            problems += [f"{theme} {name}: {p}" for p in _translucent_wide_lines(Window.canvas)]
    assert checked == 10
    assert not problems, "\n".join(problems)


def _share(crop: Any, color: tuple[int, int, int]) -> float:
    pixels = list(crop.getdata())
    return sum(1 for p in pixels if all(abs(a - b) <= 12 for a, b in zip(p, color))) / len(pixels)


def _crop(picture: Any, widget: Any, inset: int = 6) -> Any:
    x, y = widget.to_window(widget.x, widget.y)
    top = picture.height - y - widget.height
    return picture.crop((int(x) + inset, int(top) + inset, int(x + widget.width) - inset,
                         int(top + widget.height) - inset))


async def test_chips_and_top_bar_drawn_from_a_texture_still_show_every_change(
        kiosk_app: Any, tmp_path: Path) -> None:
    from tests.ui.conftest import tap

    app = kiosk_app
    screen = await open_search(app)
    chips = screen.ids.chips
    topbar = screen.ids.topbar
    assert chips._fbo is not None and topbar._fbo is not None, "chips and top bar should draw into textures"
    chip = next(c for c in chips.children if c.text == "In stock here")
    badge = topbar.ids.cart_button.ids.badge

    before = await _shot(app, tmp_path, "before")
    selected = _rgb(app.theme.primary)  # the chip's "down" colour (chips.kv)
    assert _share(_crop(before, chip, inset=14), selected) < 0.2, "an unselected chip is light"
    assert _share(_crop(before, badge, inset=3), _rgb(app.theme.badge)) < 0.2, "no badge on an empty cart"

    await tap(chip)
    await wait_for(lambda: chip.state == "down", what="the chip selected")
    done: list[Any] = []
    app.add_to_cart(SOFA_VARIANT, 1, on_done=done.append)
    await wait_for(lambda: done and app.cart_count == 1, what="a line in the cart")
    await settle(app)

    after = await _shot(app, tmp_path, "after")
    assert _share(_crop(after, chip, inset=14), selected) > 0.5, "the tapped chip shows selected"
    assert _share(_crop(after, badge, inset=3), _rgb(app.theme.badge)) > 0.2, "the cart badge shows the count"
