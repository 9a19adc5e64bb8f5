"""The scene screen on a real window: hotspots on the picture, product list, add the whole look."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import tap, wait_for, wait_frames
from tests.ui.shopping import PORTRAIT, demo_template, set_window, start_session

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]

SCENE = "cozy-living-room"


@pytest.fixture(scope="session")
def catalog_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """These tests shop in the demo store."""
    return demo_template(tmp_path_factory)


async def open_scene(app: Any) -> Any:
    app.show_scene(SCENE)
    scene = app.root.sm.get_screen("scene")
    await wait_for(lambda: scene.loaded and scene.ids.hero.loaded and scene.hotspots and scene.hotspots[0].opacity,
                   what="scene with its picture")
    return scene


def assert_hotspots_on_picture(scene: Any) -> None:
    """Each hotspot's centre is where its fractions fall on the picture as drawn (aspect kept)."""
    hero = scene.ids.hero
    iw, ih = hero.texture_size
    scale = min(hero.width / iw, hero.height / ih)
    w, h = iw * scale, ih * scale
    x0, y0 = hero.x + (hero.width - w) / 2, hero.y + (hero.height - h) / 2
    for spot in scene.hotspots:
        ex, ey = x0 + spot.fx * w, y0 + (1 - spot.fy) * h
        assert abs(spot.center_x - ex) < 1 and abs(spot.center_y - ey) < 1, (spot.product_id, spot.center, (ex, ey))
        assert x0 - 1 <= spot.center_x <= x0 + w + 1 and y0 - 1 <= spot.center_y <= y0 + h + 1


async def test_hotspots_follow_the_picture_and_open_products(kiosk_app: Any) -> None:
    app = kiosk_app
    await start_session(app)
    scene = await open_scene(app)
    assert scene.ids.title.text == "Cozy living room"
    assert len(scene.hotspots) >= 5
    assert_hotspots_on_picture(scene)
    # Listed beside the picture with the same numbers as the hotspots.
    rows = list(reversed(scene.ids.products.children))
    assert [r.number for r in rows] == [str(i + 1) for i in range(len(rows))]
    assert {r.product_id for r in rows} == {s.product_id for s in scene.hotspots}
    # A portrait screen: the picture is drawn elsewhere, the hotspots move with it.
    before = scene.hotspots[0].center[:]
    await set_window(app, PORTRAIT)
    await wait_for(lambda: scene.hotspots[0].center != before, what="hotspots to move")
    assert_hotspots_on_picture(scene)
    spot = scene.hotspots[2]
    await tap(spot)
    product = app.root.sm.get_screen("product") if app.root.sm.has_screen("product") else None
    await wait_for(lambda: app.current_screen == "product", what="the hotspot's product")
    await wait_frames(3)  # let the layout settle before touching
    product = app.root.sm.get_screen("product")
    await wait_for(lambda: product.loaded and product.product_id == spot.product_id, what="product loaded")
    await wait_frames(3)  # let the layout settle before touching


async def test_add_the_whole_look_fills_the_cart(kiosk_app: Any) -> None:
    app = kiosk_app
    await start_session(app)
    scene = await open_scene(app)
    products = {p.product_id for p in scene.scene.products}
    await tap(scene.ids.add_look)
    await wait_for(lambda: scene.added_text, what="the look to be added")
    assert scene.added_text == f"Added {len(products)} items to your cart"
    assert {line.product_id for line in app.cart} == products  # every product of the look, once
    assert all(line.qty == 1 for line in app.cart)
    await tap(scene.ids.topbar.ids.cart_button)
    await wait_for(lambda: app.current_screen == "cart", what="cart")
    await wait_frames(3)  # let the layout settle before touching
    cart = app.root.sm.get_screen("cart")
    assert len(cart.ids.lines.children) == len(products)
    assert cart.ids.cart_total.text == app.format_price(app.cart.total_minor, app.cart.currency)
