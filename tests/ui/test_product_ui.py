"""The product screen on a real window: variant picker, sale price, availability, complete the look."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from screens.widgets.variant_choice import VariantChooser
from tests.ui.conftest import scroll_into_view, tap, wait_for, wait_frames
from tests.ui.shopping import demo_template, start_session

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]

ARMCHAIR = "P-1019"  # Visby armchair: on sale, several colours


@pytest.fixture(scope="session")
def catalog_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """These tests shop in the demo store."""
    return demo_template(tmp_path_factory)


async def open_product(app: Any, product_id: str) -> Any:
    app.show_product(product_id)
    screen = app.root.sm.get_screen("product")
    await wait_for(lambda: app.current_screen == "product" and screen.loaded and screen.product_id == product_id,
                   what=f"product {product_id}")
    await wait_frames(3)  # let the layout settle before touching
    return screen


async def test_variant_picker_sale_price_and_complete_the_look(kiosk_app: Any) -> None:
    app = kiosk_app
    await start_session(app)
    product = await open_product(app, ARMCHAIR)
    assert product.ids.name.text == "Visby armchair"
    # On sale: the was-price is struck through beside the price.
    assert product.compare_text and product.ids.compare.strikethrough
    assert product.ids.compare.text == product.compare_text != product.price_text
    assert product.stock_text.startswith(("In stock here", "Only online", "Out of stock"))
    rows = list(reversed(product.ids.options.children))
    assert rows, "option axes become rows of chips"
    axis = rows[0].axis
    chips = list(reversed(rows[0].ids.value_box.children))
    assert len(chips) >= 2
    for chip in chips:  # finger-sized toggles
        assert chip.height >= app.theme.target
    before = (product.variant_id, product.code_text)
    other = next(c for c in chips if c.state == "normal")
    await tap(other)
    await wait_for(lambda: product.variant_id != before[0], what="another variant")
    assert product.chooser.value(axis) == other.value
    assert other.state == "down"
    assert product.code_text != before[1]  # SKU / barcode follow the variant
    variant = product.chooser.selected
    assert product.price_text == app.format_price(variant.price_minor, variant.currency)
    # Complete the look: each card says why it is there; a tap opens that product.
    looks = list(reversed(product.ids.looks.children))
    assert looks and all(card.note for card in looks)
    target = looks[0].product_id
    await scroll_into_view(product.ids.scroll, looks[0])  # the customer scrolls down to the row
    assert looks[0] in product.ids.looks.children, "the row was not rebuilt under the finger"
    await tap(looks[0])
    await wait_for(lambda: product.product_id == target and product.loaded, what="the recommended product",
                   explain=lambda: f"screen {app.current_screen!r}, product {product.product_id!r}, "
                                   f"loaded {product.loaded}, overlays {[o.name for o in app._overlays]}")
    await wait_frames(3)
    assert app.current_screen == "product"


def _fill(widget: Any) -> tuple[float, ...]:
    """The colour of the first shape a widget paints (a chip's fill)."""
    from kivy.graphics import Color

    return tuple(next(i for i in widget.canvas.before.children if isinstance(i, Color)).rgba)


async def test_option_chips_grow_and_turn_high_contrast_in_accessibility_mode(kiosk_app: Any) -> None:
    app = kiosk_app
    await start_session(app)
    product = await open_product(app, ARMCHAIR)
    chips = list(reversed(list(reversed(product.ids.options.children))[0].ids.value_box.children))
    chosen = next(c for c in chips if c.state == "down")
    other = next(c for c in chips if c.state == "normal")
    before = chosen.height, chosen.font_size
    app.set_accessible(True)
    await wait_frames(3)
    # Finger-sized for the larger target, larger text, and the theme's
    # high-contrast colours: yellow for the chosen value, black for the rest.
    assert chosen.height >= app.theme.target and chosen.height > before[0] and chosen.font_size > before[1]
    assert _fill(chosen) == tuple(app.theme.primary) and tuple(chosen.color) == tuple(app.theme.primary_fg)
    assert _fill(other) == tuple(app.theme.surface) and tuple(other.color) == tuple(app.theme.text)
    app.set_accessible(False)
    await wait_frames(3)
    assert chosen.height == before[0] and _fill(chosen) == tuple(app.theme.primary)


async def test_a_loaded_picture_leaves_no_placeholder_around_it(kiosk_app: Any, tmp_path: Path) -> None:
    from tests.ui.test_frame_cost import _rgb, _shot

    app = kiosk_app
    await start_session(app)
    product = await open_product(app, ARMCHAIR)
    image = product.ids.carousel.current_slide
    await wait_for(lambda: image.loaded, what="the product picture")
    width, height = image.norm_image_size
    assert height < image.height - 20, "the square picture is letterboxed in its taller box"
    picture = await _shot(app, tmp_path, "product")
    # Between the box's top and the picture: the gallery's own colour. The
    # placeholder (surface_alt) was still drawn there, under every loaded
    # picture (a RoundedRectangle "hidden" at size 0 keeps its last shape).
    wx, wy = image.to_window(image.center_x, image.top - (image.height - height) / 4)
    assert picture.getpixel((int(wx), picture.height - int(wy)))[:3] == _rgb(app.theme.surface)


async def test_chooser_keeps_other_choices_and_prefers_stock() -> None:
    class V:
        def __init__(self, vid: str, colour: str, size: str, stock: int) -> None:
            self.id, self.options, self.stock_store, self.online_available = vid, {"Colour": colour, "Size": size}, stock, True

    variants = [V("a", "Red", "S", 0), V("b", "Red", "M", 2), V("c", "Blue", "M", 1), V("d", "Blue", "L", 0)]
    chooser = VariantChooser(variants)
    assert chooser.selected.id == "b"  # first one in stock
    assert chooser.values("Size") == ["S", "M", "L"]
    assert chooser.choose("Colour", "Blue").id == "c"  # keeps Size M
    assert chooser.choose("Size", "L").id == "d"
    assert chooser.is_possible("Colour", "Blue") and not chooser.is_possible("Colour", "Red")
    assert chooser.choose("Colour", "Red").id == "b"  # Red/L does not exist: the in-stock Red wins
