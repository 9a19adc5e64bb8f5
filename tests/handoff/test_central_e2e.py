"""Kiosk -> real central service process -> headless Chromium, end to end (no Kivy)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.central.db import make_engine
from kiosk.central.handoffs import scan_count
from kiosk.cli.main import main
from kiosk.config import Config
from kiosk.handoff.choose import choose_handoff
from kiosk.handoff.qr import make_qr
from tests.handoff.conftest import make_cart
from tests.handoff.support import CentralServer, central_server, chromium_dump_dom


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    with central_server(tmp_path_factory.mktemp("central")) as srv:
        yield srv


def central_config(srv: CentralServer) -> Config:
    cfg = Config()
    cfg.handoff.target = "central"
    cfg.handoff.central_url = srv.base_url
    cfg.sync.token = srv.token
    return cfg


def test_short_link_opens_the_cart_in_a_browser_and_counts_the_scan(
        server: CentralServer, catalog_db: tuple[Path, Engine]) -> None:
    _, engine = catalog_db
    cart = make_cart(engine, ("V-1001-1", 1), ("V-1002-1", 2), ("V-1003-2", 1), ("V-1004-1", 1))
    plan = choose_handoff(cart.lines, central_config(server))
    assert plan.is_short_link and not plan.fallback_reason
    assert re.fullmatch(re.escape(server.base_url) + r"/h/[0-9A-Z]{7}", plan.url)
    assert make_qr(plan.url).version <= 4
    assert [ln.name for ln in plan.missing] == ["Store-only lamp"]

    dom = chromium_dump_dom(plan.url)
    for text in ["Oslo 3-seat sofa", "Lund side table", "Qty 2", "€259.00", "Store-only lamp", "In store only",
                 "Wool throw &lt;Nordic&gt;", "Continue to checkout"]:
        assert text in dom, text
    assert re.search(r'<span id="total">€1,286\.00</span>', dom)
    # The checkout button leads to the shop's permalink with the online items.
    assert ('href="https://hearth-and-home.example/cart/40112233445566:1,40112233445577:2,40112233445588:1'
            '?storefront=true&amp;ref=kiosk') in dom
    central = make_engine(server.db_url)
    try:
        assert scan_count(central, plan.code) == 1
    finally:
        central.dispose()


def test_unknown_code_in_the_browser(server: CentralServer) -> None:
    dom = chromium_dump_dom(f"{server.base_url}/h/NOSUCH1")
    assert "We could not find that cart" in dom and "Traceback" not in dom


def test_cli_central_target_against_the_server(server: CentralServer, catalog_db: tuple[Path, Engine],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = catalog_db
    rc = main(["handoff", "--db", str(db), "--target", "central", "--url", server.base_url, "--token",
               server.token, "--item", "NH-OSLO-3-GRY:1"])
    out = capsys.readouterr().out.strip()
    assert rc == 0
    assert re.fullmatch(re.escape(server.base_url) + r"/h/[0-9A-Z]{7}", out)


def test_wrong_token_falls_back_to_the_permalink(server: CentralServer, catalog_db: tuple[Path, Engine]) -> None:
    _, engine = catalog_db
    cfg = central_config(server)
    cfg.sync.token = "kst_wrong"
    plan = choose_handoff(make_cart(engine, ("V-1001-1", 1)).lines, cfg)
    assert plan.kind == "shopify" and "HTTP 401" in plan.fallback_reason
    assert plan.url.startswith("https://hearth-and-home.example/cart/40112233445566:1?storefront=true")
