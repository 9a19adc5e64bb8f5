"""The app with a real central service: syncs reach the open screens and the cart, the customer stays put.

A central server process on 127.0.0.1 (the sync tests' fixture) and a kiosk
app on a real window configured against it, starting from an empty cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.db import open_db
from tests.sync.conftest import Central, central, central_server  # noqa: F401  (fixtures)
from tests.ui.conftest import wait_for
from tests.ui.shopping import start_session

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]


def _sofa(price: str) -> dict[str, Any]:
    return {"id": "P-OSLO", "name": "Oslo 3-seat sofa", "brand": "Nordhem", "category": ["Furniture", "Sofas"],
            "variants": [{"id": "V-OSLO", "sku": "NH-OSLO", "title": "Grey", "options": {"Colour": "Grey"},
                          "price": price, "currency": "EUR", "stock": 4, "online_available": True,
                          "aisle": "12", "bay": "B"}]}


@pytest.fixture(scope="module")
def catalog_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kiosk installed but never synced: an empty, migrated cache."""
    path = tmp_path_factory.mktemp("empty-cache") / "empty.sqlite3"
    open_db(path).dispose()
    return path


@pytest.fixture
def kiosk_overrides(central: Central) -> dict[str, Any]:  # noqa: F811
    """This kiosk is a store of the central service, which already has a catalog for it."""
    central.publish([_sofa("899.00")])
    return {"sync.url": central.url, "sync.token": central.token, "store.store_id": central.store,
            "sync.poll_interval_s": 60.0}


async def test_a_sync_reaches_the_open_product_and_the_cart_without_moving_the_customer(
        kiosk_app: Any, central: Central) -> None:  # noqa: F811
    app = kiosk_app
    # Started on an empty cache, the sync worker (made after the first interactive frame) brings the catalog.
    await wait_for(lambda: app.sync_worker is not None, timeout=30, what="the sync worker to start")
    await wait_for(lambda: app.search_engine.search("oslo").total == 1, timeout=30,
                   what="the central catalog to be searchable", explain=lambda: repr(app.sync_worker.status()))
    await start_session(app)
    app.show_product("P-OSLO")
    product = app.root.sm.get_screen("product")
    await wait_for(lambda: product.loaded and product.product_id == "P-OSLO", what="the product")
    assert product.price_text == app.format_price(89900, "EUR")
    app.add_to_cart("V-OSLO", 2)
    await wait_for(lambda: app.cart_count == 2, what="the sofa in the cart")

    # Head office lowers the price while the customer looks at the sofa.
    central.publish([_sofa("799.00")])
    app.sync_worker.sync_now()
    await wait_for(lambda: product.price_text == app.format_price(79900, "EUR"), timeout=30,
                   what="the new price on the open product screen", explain=lambda: product.price_text)
    assert app.current_screen == "product" and product.product_id == "P-OSLO", "the customer stays where they were"
    await wait_for(lambda: [ln.unit_minor for ln in app.cart.lines] == [79900], what="the cart at the new price")
    assert app.cart_count == 2, "the quantity is kept"
