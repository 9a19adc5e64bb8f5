"""The product tile draws its own text: what it shows must be the product's, whole or visibly shortened.

``ProductCard`` has no Label widgets: it lays out and draws its lines from
shared, cached text textures (``screens.widgets.text_textures``). These
tests check what a shopper reads on it: long names wrap onto two lines and
end in "…" inside the tile, Chinese names wrap too, a recycled tile never
shows the previous product's text, and accessibility mode enlarges the text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import wait_for, wait_frames
from tests.ui.shopping import demo_template, open_search, type_on_keyboard, visible_cards, wait_results

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]

LONG_NAME = ("Kombee Girl's Printed Red Cotton Summer Top With Long Sleeves, Embroidered Collar "
             "and Mother-of-Pearl Buttons")
CJK_NAME = "北欧风格实木三人座布艺沙发客厅小户型现代简约可拆洗"


@pytest.fixture(scope="session")
def catalog_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store."""
    return demo_template(tmp_path_factory)


def _card(**data: Any) -> Any:
    from screens.widgets.product_card import ProductCard

    fields = {"product_id": "P-X", "name": "", "brand": "Nordhem", "price_text": "€899.00",
              "in_stock": True, "stock_text": "In stock here"}
    fields.update(data)
    return ProductCard(size_hint=(None, None), size=(300, 420), pos=(100, 100), **fields)


def _inside(card: Any, rect: Any) -> bool:
    (x, y), (w, h) = rect.pos, rect.size
    return card.x <= x and x + w <= card.right and card.y <= y and y + h <= card.top


def _flat(shown: str) -> str:
    return shown.replace("\n", " ").removesuffix("\u2026")


async def test_long_names_wrap_to_two_lines_and_end_in_an_ellipsis_inside_the_tile(kiosk_app: Any) -> None:
    await open_search(kiosk_app)
    long_card = _card(name=LONG_NAME)
    lines = long_card.shown_name.split("\n")
    assert len(lines) == 2, long_card.shown_name
    assert lines[1].endswith("\u2026") and LONG_NAME.startswith(_flat(long_card.shown_name).rstrip())
    assert _inside(long_card, long_card._name.rect), "the name is drawn outside its tile"
    assert long_card._name.rect.size[0] <= long_card.width - 2 * kiosk_app.theme.gap * 1.2

    short_card = _card(name="Oslo sofa")
    assert short_card.shown_name == "Oslo sofa"
    # The brand follows the name's last line: lower under a two-line name.
    assert long_card._brand.rect.pos[1] < short_card._brand.rect.pos[1]
    # Pictures line up across a row whatever the names' lengths.
    assert long_card.ids.image.size == short_card.ids.image.size and long_card.ids.image.height > 100

    cjk = _card(name=CJK_NAME, brand="北欧家居")
    cjk_lines = cjk.shown_name.split("\n")
    assert len(cjk_lines) == 2 and CJK_NAME.startswith(cjk_lines[0]), cjk.shown_name
    assert cjk.name_texture is not None and cjk.name_texture.height > long_card.name_texture.height / 2
    assert _inside(cjk, cjk._name.rect)


async def test_a_recycled_tile_shows_its_new_product(kiosk_app: Any) -> None:
    app = kiosk_app
    search = await open_search(app)
    await type_on_keyboard(search, "sofa")
    await wait_results(app, search, "sofa")
    sofas = {c.product_id: c.shown_name for c in visible_cards(search)}
    assert sofas and all("sofa" in name.lower() for name in sofas.values()), sofas
    await type_on_keyboard(search, "\x1blamp")  # Clear, then a new word
    await wait_results(app, search, "lamp")
    await wait_frames(2)
    cards = visible_cards(search)
    assert cards
    for card in cards:
        # Each tile's text is its own product's, never what it showed before.
        assert card.shown_name and card.name.startswith(_flat(card.shown_name).rstrip()), (card.name, card.shown_name)
        assert card._price.shown == card.price_text and card._brand.shown == card.brand
    assert not {c.product_id for c in cards} & set(sofas)


async def test_the_frame_that_shows_the_results_shows_each_tiles_own_text(kiosk_app: Any) -> None:
    from kivy.core.window import Window

    app = kiosk_app
    search = await open_search(app)
    keyboard = search.ids.keyboard
    frames: list[list[tuple[str, str]]] = []
    armed = {"results": False}

    def on_results(*_args: Any) -> None:
        armed["results"] = True

    def on_flip(*_args: Any) -> None:
        # The first frame drawn after a query's results reached the grid
        # (what bench/bench_ui_search.py times): no tile may still show
        # another product's text, or be drawn a frame late.
        if armed["results"]:
            armed["results"] = False
            frames.append([(c.name, c.shown_name) for c in search.ids.grid.layout_manager.children if c.product_id])

    search.bind(on_results=on_results)
    Window.bind(on_flip=on_flip)
    try:
        for ch in "sofa\x1blamp\x1brug":
            keyboard.press(ch)
            await wait_frames(3)
    finally:
        Window.unbind(on_flip=on_flip)
        search.unbind(on_results=on_results)
    assert len(frames) >= 10 and all(frames)
    stale = [(name, shown) for frame in frames for name, shown in frame if not name.startswith(_flat(shown).rstrip())]
    assert not stale, stale[:5]


async def test_the_tile_around_a_picture_is_the_tiles_colour(kiosk_app: Any, tmp_path: Path) -> None:
    from tests.ui.test_frame_cost import _rgb, _shot

    app = kiosk_app
    search = await open_search(app)
    await type_on_keyboard(search, "sofa")
    await wait_results(app, search, "sofa")
    card = visible_cards(search)[0]
    image = card.ids.image
    await wait_for(lambda: image.loaded, what="the tile's picture")
    picture = await _shot(app, tmp_path, "tile")
    # The panel is not painted under the picture's box: the picture fills it,
    # with bars in the tile's colour beside a picture narrower than the box.
    assert image.norm_image_size[0] < image.width - 20, "the demo pictures are square, the box is wider"
    bar_x = (image.x + (image.width - image.norm_image_size[0]) / 4)
    for wx, wy in (image.to_window(bar_x, image.center_y), image.to_window(image.right - 3, image.y + 3)):
        assert picture.getpixel((int(wx), picture.height - int(wy)))[:3] == _rgb(app.theme.surface)
    # Above the box and beside it, the panel; outside the tile, the page.
    for wx, wy in (card.to_window(card.center_x, card.top - 4), card.to_window(card.x + 4, image.center_y)):
        assert picture.getpixel((int(wx), picture.height - int(wy)))[:3] == _rgb(app.theme.surface)
    wx, wy = card.to_window(card.x - 3, card.center_y)
    assert picture.getpixel((int(wx), picture.height - int(wy)))[:3] == _rgb(app.theme.bg)


async def test_accessibility_mode_enlarges_the_tiles_text(kiosk_app: Any) -> None:
    app = kiosk_app
    search = await open_search(app)
    await type_on_keyboard(search, "sofa")
    await wait_results(app, search, "sofa")
    card = visible_cards(search)[0]
    before = card.name_texture.height, card._price.rect.size[1]
    app.toggle_accessible()
    await wait_for(lambda: app.accessible, what="accessibility mode")
    await wait_frames(3)
    card = visible_cards(search)[0]
    assert card.name_texture.height > before[0] and card._price.rect.size[1] > before[1]
    # High contrast: the tile gets its white outline, and its text turns white.
    assert card._outline_on and tuple(card._name.color.rgba) == tuple(app.theme.text)
