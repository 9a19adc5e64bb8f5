"""Fixtures for handoff tests: a small real catalog in a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk.cart import Cart, line_for_variant
from kiosk.db import open_db
from kiosk.models import Product, ProductImage, Variant

# (product id, name, variant id, sku, title, price_minor, platform variant id, image)
CATALOG = [
    ("P-1001", "Oslo 3-seat sofa", "V-1001-1", "NH-OSLO-3-GRY", "Grey", 89900, "40112233445566",
     "https://cdn.example/oslo.png"),
    ("P-1002", "Lund side table", "V-1002-1", "NH-LUND-OAK", "Oak", 12950, "40112233445577", ""),
    ("P-1003", "Wool throw <Nordic>", "V-1003-2", "NH-THROW-RED", "Red & white", 4900, "40112233445588", ""),
    ("P-1004", "Store-only lamp", "V-1004-1", "NH-LAMP-ST", "Brass", 7900, "", ""),
    ("P-1005", "Odd id chair", "V:1005/1", "NH CHAIR,1", "Blue", 15000, "gid:odd/1,2", ""),
]


def seed_catalog(engine: Engine) -> None:
    """Insert the test catalog (products, variants, an image)."""
    with Session(engine) as s, s.begin():
        for pid, name, vid, sku, title, price, pvid, image in CATALOG:
            p = Product(id=pid, name=name, brand="Nordhem", platform_product_id=f"pp-{pid}" if pvid else "")
            p.variants.append(Variant(id=vid, sku=sku, title=title, price_minor=price, currency="EUR",
                                      platform_variant_id=pvid, online_available=bool(pvid)))
            if image:
                p.images.append(ProductImage(position=0, url=image))
            s.add(p)


@pytest.fixture
def catalog_db(tmp_path: Path) -> Iterator[tuple[Path, Engine]]:
    """A migrated database file with the test catalog."""
    path = tmp_path / "kiosk.sqlite3"
    engine = open_db(path)
    seed_catalog(engine)
    yield path, engine
    engine.dispose()


def make_cart(engine: Engine, *pairs: tuple[str, int]) -> Cart:
    """A cart of ``(variant_id, qty)`` lines from the catalog."""
    cart = Cart(currency="EUR")
    for vid, qty in pairs:
        cart.add(line_for_variant(engine, vid, qty))
    return cart
