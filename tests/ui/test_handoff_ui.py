"""The handoff screen in the real app: screenshot -> zxing-cpp -> the expected URL.

Offline (central down): the QR carries the Shopify permalink built locally.
Central up (a real ``kiosk central serve`` process): the QR carries the short
link, which headless Chromium opens to show the cart; the scan is counted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import create_engine, text

from tests.handoff.support import CentralServer, central_server, chromium_dump_dom, free_port
from tests.ui.conftest import settle, tap, wait_for, window_shot

pytestmark = pytest.mark.ui

# Platform variant ids given to the first three variants of the UI catalog;
# the fourth is made store-only (no platform id).
PLATFORM_IDS = ["40112233445566", "40112233445577", "gid:odd/1,2"]
SHOP = "hearth-and-home.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    with central_server(tmp_path_factory.mktemp("central-ui")) as srv:
        yield srv


def prepare_variants(db: Path) -> list[str]:
    """Give the test's catalog copy known platform ids; returns four variant ids."""
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as conn:
            ids = [r[0] for r in conn.execute(text("SELECT id FROM variants ORDER BY id LIMIT 4"))]
            assert len(ids) == 4, "the UI test catalog needs at least four variants"
            for vid, pid in zip(ids, [*PLATFORM_IDS, ""]):
                conn.execute(text("UPDATE variants SET platform_variant_id = :p WHERE id = :v"), {"p": pid, "v": vid})
    finally:
        engine.dispose()
    return ids


async def fill_cart_and_open_handoff(app: Any, variant_ids: list[str], qtys: list[int]) -> Any:
    if app.current_screen == "attract":
        await tap(app.root.sm.current_screen)  # a customer starts a session
        await wait_for(lambda: app.current_screen == "home", what="home after touching attract")
    # One at a time, as a customer adds them: the cart keeps that order.
    for n, (vid, qty) in enumerate(zip(variant_ids, qtys), 1):
        app.add_to_cart(vid, qty)
        await wait_for(lambda n=n: len(app.cart) == n, what=f"{vid} in the cart")
    assert [ln.variant_id for ln in app.cart.lines] == list(variant_ids)
    app.show_cart()
    await settle(app)
    # What the customer does: "Continue on my phone" on the cart screen.
    button = app.get_screen("cart").ids.handoff_button
    await tap(button)
    await wait_for(lambda: app.current_screen == "handoff", what="the handoff screen")
    screen = app.get_screen("handoff")
    await wait_for(lambda: screen.state in ("ready", "error"), timeout=30, what="the QR code")
    await settle(app)
    # The app's calm exception handler would hide a broken kv rule: none may fire.
    assert app.errors_handled == 0
    return screen


async def decode_screen(tmp_path: Path) -> list[zxingcpp.Result]:
    shot = await window_shot(tmp_path / "handoff.png")
    return zxingcpp.read_barcodes(Image.open(shot), formats=zxingcpp.BarcodeFormat.QRCode)


def expected_permalink(qtys: list[int]) -> str:
    lines = ",".join(f"{pid}:{q}" for pid, q in zip(["40112233445566", "40112233445577", "gid%3Aodd%2F1%2C2"], qtys))
    return (f"https://{SHOP}/cart/{lines}?storefront=true&ref=kiosk"
            "&utm_source=kiosk&utm_medium=qr&utm_campaign=demo-store")


@pytest.mark.kiosk(**{"handoff.target": "central", "handoff.central_url": f"http://127.0.0.1:{free_port(range(18240, 18250))}",
                      "handoff.shop_domain": SHOP, "handoff.countdown_s": 600.0})
@pytest.mark.asyncio
async def test_offline_qr_on_screen_is_the_shop_permalink(kiosk_app: Any, tmp_path: Path) -> None:
    app = kiosk_app
    ids = prepare_variants(app.config_obj.db)
    qtys = [1, 2, 3, 1]
    screen = await fill_cart_and_open_handoff(app, ids, qtys)
    assert screen.state == "ready"
    assert screen.plan.kind == "shopify" and "unreachable" in screen.plan.fallback_reason
    (result,) = await decode_screen(tmp_path)
    assert result.text == expected_permalink(qtys[:3])
    assert result.ec_level == "M"
    # The store-only line is named on screen, not silently dropped.
    name = app.cart.lines[3].name
    assert name in screen.missing_text
    assert screen.short_code == "" and screen.destination == SHOP
    # Counted for "carts handed off" (nothing about the customer).
    engine = create_engine(f"sqlite:///{app.config_obj.db}")
    try:
        with engine.connect() as conn:
            payloads = [json.loads(r[0]) for r in conn.execute(
                text("SELECT payload FROM events WHERE kind = 'handoff'"))]
    finally:
        engine.dispose()
    assert payloads == [{"kind": "shopify", "lines": 4, "carried": 3, "missing": 1, "code": "",
                         "qr_version": screen.matrix.version}]
    # Every module at least 0.5 mm at the configured DPI, whole pixels.
    qr = screen.ids.qr
    assert qr.module_px * 25.4 / app.config_obj.display.dpi >= 0.5
    assert qr.drawn_side == qr.module_px * screen.matrix.size


@pytest.mark.asyncio
async def test_short_link_qr_opens_the_cart_in_chromium(kiosk_app: Any, server: CentralServer,
                                                        tmp_path: Path) -> None:
    app = kiosk_app
    app.config_obj.handoff.target = "central"
    app.config_obj.handoff.central_url = server.base_url
    app.config_obj.handoff.shop_domain = SHOP
    app.config_obj.sync.token = server.token
    ids = prepare_variants(app.config_obj.db)
    qtys = [2, 1, 1, 1]
    screen = await fill_cart_and_open_handoff(app, ids, qtys)
    assert screen.state == "ready" and screen.plan.is_short_link
    (result,) = await decode_screen(tmp_path)
    url = result.text
    assert re.fullmatch(re.escape(server.base_url) + r"/h/[0-9A-Z]{7}", url)
    assert url == screen.plan.url
    assert screen.matrix.data == url and screen.matrix.version <= 4
    # The code to type is beside it.
    assert screen.short_code.replace(" ", "") == screen.plan.code
    dom = chromium_dump_dom(url)
    lines = app.cart.lines
    for line in lines:
        assert line.name.replace("&", "&amp;").replace("<", "&lt;") in dom, line.name
    total = app.format_price(app.cart.total_minor)
    assert f'<span id="total">{total}</span>' in dom
    assert "Continue to checkout" in dom
    assert expected_permalink(qtys[:3]).replace("&", "&amp;") in dom
    from kiosk.central.db import make_engine
    from kiosk.central.handoffs import scan_count

    central = make_engine(server.db_url)
    try:
        assert scan_count(central, screen.plan.code) == 1
    finally:
        central.dispose()


@pytest.mark.kiosk(**{"handoff.target": "shopify", "handoff.countdown_s": 600.0,
                      "session.idle_timeout_s": 45.0, "session.idle_warning_s": 20.0})
@pytest.mark.asyncio
async def test_buttons_countdown_and_idle_reset(kiosk_app: Any) -> None:
    app = kiosk_app
    ids = prepare_variants(app.config_obj.db)
    screen = await fill_cart_and_open_handoff(app, ids[:2], [1, 1])
    assert screen.state == "ready" and screen.matrix is not None
    # 40 s without a touch (the customer is scanning) is past the idle warning
    # point (25 s): while its countdown runs the screen keeps the session, so
    # no warning covers the code.
    for _ in range(2):
        app.idle_clock.advance(20)
        await wait_for(lambda: app.session.idle_s(app.idle_clock()) < 5, what="the session kept alive")
    await settle(app)
    assert app._idle_warning is None and app.current_screen == "handoff"
    before = screen.remaining
    await tap(screen.ids.more_time_button)
    assert screen.remaining > before + 30
    await tap(screen.ids.back_to_cart_button)
    await wait_for(lambda: app.current_screen == "cart", what="back to the cart")
    # Left alone, the screen goes back to the cart by itself.
    app.config_obj.handoff.countdown_s = 1.0
    app.show_handoff()
    assert app.current_screen == "handoff"
    await wait_for(lambda: app.current_screen == "cart", timeout=20, what="the countdown to return to the cart")
    assert screen.state == "ready"  # the countdown only runs once the code is on screen
    # The idle reset blanks the code for the next customer.
    app.end_session()
    await settle(app)
    assert screen.matrix is None and screen.plan is None and screen.state == "idle"
    assert screen.ids.qr.texture is None and screen.summary == ""
    # Next customer, only a store-only item: no code, but a way to a person.
    app.config_obj.handoff.countdown_s = 600.0
    screen = await fill_cart_and_open_handoff(app, ids[3:4], [1])
    assert screen.state == "error" and screen.matrix is None
    assert "ask a member of staff" in screen.error_text
    await tap(screen.ids.staff_button)
    await wait_for(lambda: any(o.name == "help" for o in app.overlays), what="the help notice")
