"""The phone's landing page ``GET /h/{code}`` on the real central app (in process)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from kiosk.central.app import create_app
from kiosk.central.auth import create_token
from kiosk.central.db import make_engine, migrate, write_tx
from kiosk.central.handoffs import scan_count
from kiosk.central.models import Handoff
from kiosk.central.settings import Settings
from kiosk.central.stores import ensure_store
from kiosk.models import utcnow

ITEMS = [
    {"name": "Oslo 3-seat sofa", "variant_title": "Grey", "qty": 1, "unit_price": "899.00",
     "image": "https://cdn.example/oslo.png", "variant_id": "V-1001-1", "online": True},
    {"name": "Lund side table", "variant_title": "Oak", "qty": 2, "unit_price": "129.50", "online": True},
    {"name": "Wool throw <script>alert(1)</script>", "variant_title": "Red & \"white\"", "qty": 1,
     "unit_price": "49.00", "online": True},
    {"name": "Store-only lamp", "variant_title": "Brass", "qty": 1, "unit_price": "79.00", "online": False},
]
CHECKOUT = "https://hearth-and-home.example/cart/40112233445566:1,40112233445577:2?storefront=true&ref=kiosk"


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Engine, str]]:
    # One migrated service for the module; every test makes its own handoffs.
    settings = Settings(db_url=f"sqlite:///{tmp_path_factory.mktemp('central') / 'central.sqlite3'}")
    engine = make_engine(settings.db_url)
    migrate(engine)
    with write_tx(engine) as conn:
        ensure_store(conn, "demo-store", name="Hearth & Home Oslo")
        token = create_token(conn, store_id="demo-store")
    with TestClient(create_app(settings, engine)) as client:
        yield client, engine, token
    engine.dispose()


def post(client: TestClient, token: str, checkout_url: str = CHECKOUT, items: list | None = None) -> dict:
    resp = client.post("/v1/stores/demo-store/handoffs", headers={"Authorization": f"Bearer {token}"},
                       json={"currency": "EUR", "total": None, "checkout_url": checkout_url,
                             "items": items if items is not None else ITEMS})
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_landing_lists_items_total_and_checkout(central: tuple[TestClient, Engine, str]) -> None:
    client, engine, token = central
    created = post(client, token)
    resp = client.get(f"/h/{created['code']}")
    assert resp.status_code == 200
    page = resp.text
    for text in ["Oslo 3-seat sofa", "Grey", "Lund side table", "Qty 2", "€129.50 each", "€259.00", "€899.00",
                 "https://cdn.example/oslo.png", "Hearth &amp; Home Oslo"]:
        assert text in page, text
    assert '<span id="total">€1,286.00</span>' in page
    assert f'href="{CHECKOUT.replace("&", "&amp;")}"' in page and "Continue to checkout" in page
    assert "Store-only lamp" in page and "In store only" in page
    # Catalog text is escaped, never markup; no script at all on the page.
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Red &amp; &quot;white&quot;" in page
    assert "default-src 'none'" in resp.headers["content-security-policy"]
    assert resp.headers["cache-control"] == "no-store"


def test_each_opening_is_recorded(central: tuple[TestClient, Engine, str]) -> None:
    client, engine, token = central
    code = post(client, token)["code"]
    assert scan_count(engine, code) == 0
    client.get(f"/h/{code}")
    client.get(f"/h/{code.lower()}")  # typed in lower case: same cart
    assert scan_count(engine, code) == 2


def test_unknown_code_gets_a_friendly_404_with_a_retry_box(central: tuple[TestClient, Engine, str]) -> None:
    client, _, _ = central
    resp = client.get("/h/ZZZZZZZ")
    assert resp.status_code == 404
    assert "We could not find that cart" in resp.text
    assert '<form method="get" action="/h">' in resp.text and 'value="ZZZZZZZ"' in resp.text
    nasty = client.get('/h/"><img src=x onerror=alert(1)>')
    assert nasty.status_code == 404
    assert "<img src=x" not in nasty.text and "Traceback" not in nasty.text


def test_expired_code_gets_a_friendly_410(central: tuple[TestClient, Engine, str]) -> None:
    client, engine, token = central
    code = post(client, token)["code"]
    with write_tx(engine) as conn:
        conn.execute(update(Handoff).where(Handoff.code == code).values(expires_at=utcnow() - timedelta(minutes=1)))
    resp = client.get(f"/h/{code}")
    assert resp.status_code == 410
    assert "This cart link has expired" in resp.text
    assert "Oslo 3-seat sofa" not in resp.text and "Continue to checkout" not in resp.text  # an old cart is not shown to whoever holds the link
    assert scan_count(engine, code) == 1


def test_typed_code_redirects_to_the_cart(central: tuple[TestClient, Engine, str]) -> None:
    client, _, token = central
    code = post(client, token)["code"]
    typed = f"{code[:3].lower()} {code[3:]}"
    resp = client.get("/h", params={"code": typed}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"/h/{code}"
    assert client.get("/h").status_code == 200


def test_store_only_cart_and_unsafe_checkout_url(central: tuple[TestClient, Engine, str]) -> None:
    client, engine, token = central
    code = post(client, token, checkout_url="", items=[ITEMS[3]])["code"]
    page = client.get(f"/h/{code}").text
    assert "Continue to checkout" not in page and "can only be bought in the store" in page
    # A checkout URL that is not http(s) never becomes a link.
    with write_tx(engine) as conn:
        conn.execute(update(Handoff).where(Handoff.code == code).values(checkout_url="javascript:alert(1)"))
    page = client.get(f"/h/{code}").text
    assert "javascript:" not in page
