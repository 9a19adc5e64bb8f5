"""The cart on a real window, and catalog text shown literally from search card to cart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import tap, wait_for, wait_frames
from tests.ui.shopping import (
    LITERAL_ID,
    LITERAL_NAME,
    demo_template,
    open_search,
    type_on_keyboard,
    visible_cards,
    wait_results,
)

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]


@pytest.fixture(scope="session")
def catalog_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """These tests shop in the demo store."""
    return demo_template(tmp_path_factory)


async def test_hostile_name_is_literal_from_card_to_cart(kiosk_app: Any) -> None:
    app = kiosk_app
    search = await open_search(app)
    await type_on_keyboard(search, "zyxwv")  # the literal product's brand
    await wait_results(app, search, "zyxwv")
    card = next(c for c in visible_cards(search) if c.product_id == LITERAL_ID)
    from kivy.core.text import Label as CoreLabel
    from kivy.core.text.markup import MarkupLabel as CoreMarkupLabel

    # The tile draws its name itself: the whole text, not markup-parsed (as
    # markup, "[b]x[/b]" would render as a bold "x", a narrower picture).
    assert card.shown_name == LITERAL_NAME
    literal = CoreLabel(text=LITERAL_NAME, font_size=app.theme.font_m, bold=True)
    literal.refresh()
    as_markup = CoreMarkupLabel(text=LITERAL_NAME, font_size=app.theme.font_m, bold=True)
    as_markup.refresh()
    assert card.name_texture is not None and card.name_texture.width == literal.texture.width
    assert card.name_texture.width > as_markup.texture.width
    await tap(card)
    await wait_for(lambda: app.current_screen == "product", what="product")
    await wait_frames(3)  # let the layout settle before touching
    product = app.root.sm.get_screen("product")
    await wait_for(lambda: product.loaded and product.product_id == LITERAL_ID, what="literal product")
    await wait_frames(3)  # let the layout settle before touching
    assert product.ids.name.text == LITERAL_NAME and not product.ids.name.markup
    assert product.ids.description.text.startswith("[color=ff0000]not red[/color] {name} %(x)s")
    await tap(product.ids.add_button)
    await wait_for(lambda: app.cart_count == 1,
                   what=f"added ({product.adding} {[getattr(o, 'title', o) for o in app.overlays]} {list(app.cart)})")
    app.show_cart()
    cart = app.root.sm.get_screen("cart")
    await wait_for(lambda: app.current_screen == "cart", what="cart")
    await wait_frames(3)  # let the layout settle before touching
    line = cart.line_view("V-LITERAL")
    assert line.ids.name.text == LITERAL_NAME and not line.ids.name.markup
    assert line.ids.variant.text == "{0}"


async def test_cart_quantities_remove_empty_state_and_handoff(kiosk_app: Any) -> None:
    app = kiosk_app
    await open_search(app)
    for vid in ("V-1001-1", "V-1002-1"):
        done: list[Any] = []
        app.add_to_cart(vid, 1, on_done=done.append)
        await wait_for(lambda: done, what=f"{vid} added")
    app.show_cart()
    cart = app.root.sm.get_screen("cart")
    await wait_for(lambda: app.current_screen == "cart" and not cart.empty, what="cart")
    await wait_frames(3)  # let the layout settle before touching
    assert cart.ids.body.parent is not None and cart._widgets["empty_state"].parent is None
    first = cart.line_view("V-1001-1")
    assert first.ids.name.text == "Sørlandet sofa" and first.ids.unit.text == "€469.00 each"
    total = app.cart.total_minor
    await tap(first.ids.stepper.ids.plus)
    await wait_for(lambda: app.cart.lines[0].qty == 2, what="qty 2")
    assert cart.ids.cart_total.text == app.format_price(total + 46900, "EUR")
    assert first.ids.total.text == "€938.00"
    assert app.cart_count == 3
    await tap(first.ids.stepper.ids.minus)
    await wait_for(lambda: app.cart.lines[0].qty == 1, what="qty 1")
    assert first.ids.stepper.ids.minus.disabled  # never below 1: "Remove" takes a line out
    second = cart.line_view("V-1002-1")
    await tap(second.ids.remove_button)
    await wait_for(lambda: len(app.cart) == 1, what="line removed")
    assert cart.line_view("V-1002-1") is None
    assert cart.ids.cart_total.text == "€469.00"
    await tap(cart.ids.handoff_button)
    await wait_for(lambda: app.current_screen == "handoff", what="the handoff screen")
    await wait_frames(3)  # let the layout settle before touching
    app.show_cart()
    await wait_for(lambda: app.current_screen == "cart", what="cart again")
    await wait_frames(3)  # let the layout settle before touching
    await tap(cart.line_view("V-1001-1").ids.remove_button)
    await wait_for(lambda: cart.empty, what="empty cart")
    await wait_frames(3)  # let the layout settle before touching
    assert cart._widgets["empty_state"].parent is not None and cart._widgets["body"].parent is None
    await tap(cart.ids.empty_search)
    await wait_for(lambda: app.current_screen == "search", what="search from the empty cart")
    await wait_frames(3)  # let the layout settle before touching


async def test_lines_added_together_keep_the_order_they_were_added_in(kiosk_app: Any, monkeypatch: Any) -> None:
    """"Add the whole look" adds a scene's products at once; the cart lists them in that order.

    Each line is built on a worker thread; here the first one's takes longest,
    as a slow disk read would make it.
    """
    import threading

    import screens.app as app_module

    real = app_module.line_for_variant
    first_may_finish = threading.Event()

    def slow_first(engine: Any, variant_id: str, qty: int) -> Any:
        if variant_id == "V-1001-1":
            first_may_finish.wait(5)
        line = real(engine, variant_id, qty)
        if variant_id == "V-1002-1":
            first_may_finish.set()  # the second is built before the first
        return line

    monkeypatch.setattr(app_module, "line_for_variant", slow_first)
    app = kiosk_app
    await open_search(app)
    done: list[Any] = []
    for vid in ("V-1001-1", "V-1002-1"):
        app.add_to_cart(vid, 1, on_done=done.append)
    await wait_for(lambda: len(done) == 2, what="both added")
    assert [line.variant_id for line in app.cart.lines] == ["V-1001-1", "V-1002-1"]
