"""A small, hand-written catalog for the shell's UI tests.

Written with SQLAlchemy Core straight into the real schema (and the search
index hook), so the tests do not depend on the demo catalog's contents.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert

from kiosk.db import open_db
from kiosk.models import Barcode, Category, Product, Scene, SceneItem, Variant
from kiosk.search.index import update_index

LITERAL_NAME = "[b]x[/b] {0} %s"
LITERAL_ID = "P-LIT"
CJK_NAME = "北欧风格沙发"
SOFA_ID = "P-SOFA"
SOFA_GREEN = "V-SOFA-GRN"
SOFA_GREEN_EAN = "4006381333931"
SOFA_GREY = "V-SOFA-GRY"
SOFA_GREY_EAN = "4006381333948"
UNKNOWN_EAN = "5901234123457"


def build_catalog(path: Path) -> None:
    """Create the database at ``path`` with a few products and scenes."""
    engine = open_db(path)
    categories = [
        {"id": "furniture", "name": "Furniture", "parent_id": None, "path": "Furniture", "depth": 0, "position": 0},
        {"id": "furniture-sofas", "name": "Sofas", "parent_id": "furniture", "path": "Furniture > Sofas",
         "depth": 1, "position": 0},
        {"id": "kitchen", "name": "Kitchen", "parent_id": None, "path": "Kitchen", "depth": 0, "position": 1},
    ]
    products = [
        {"id": SOFA_ID, "name": "Oslo 3-seat sofa", "brand": "Nordhem", "description": "A deep, soft sofa.",
         "category_id": "furniture-sofas", "featured": True},
        {"id": LITERAL_ID, "name": LITERAL_NAME, "brand": "{brand}", "description": "[color=ff0000]red[/color]",
         "category_id": "kitchen", "featured": True},
        {"id": "P-CJK", "name": CJK_NAME, "brand": "北欧", "description": "", "category_id": "furniture-sofas",
         "featured": False},
    ]
    variants = [
        {"id": SOFA_GREEN, "product_id": SOFA_ID, "sku": "NH-OSLO-GRN", "title": "Green",
         "options": {"Colour": "Green"}, "position": 0, "price_minor": 89900, "compare_at_minor": 99900,
         "currency": "EUR", "stock_store": 3, "online_available": True, "aisle": "12", "bay": "B"},
        {"id": SOFA_GREY, "product_id": SOFA_ID, "sku": "NH-OSLO-GRY", "title": "Grey",
         "options": {"Colour": "Grey"}, "position": 1, "price_minor": 84900, "compare_at_minor": None,
         "currency": "EUR", "stock_store": 0, "online_available": True, "aisle": "12", "bay": "C"},
        {"id": "V-LIT", "product_id": LITERAL_ID, "sku": "LIT-1", "title": "{0}", "options": {},
         "position": 0, "price_minor": 1250, "compare_at_minor": None, "currency": "EUR", "stock_store": 5,
         "online_available": False, "aisle": "3", "bay": "A"},
        {"id": "V-CJK", "product_id": "P-CJK", "sku": "CJK-1", "title": "", "options": {}, "position": 0,
         "price_minor": 59900, "compare_at_minor": None, "currency": "EUR", "stock_store": 1,
         "online_available": True, "aisle": "14", "bay": "A"},
    ]
    barcodes = [
        {"code": SOFA_GREEN_EAN, "variant_id": SOFA_GREEN},
        {"code": SOFA_GREY_EAN, "variant_id": SOFA_GREY},
    ]
    scenes = [
        {"id": "S-LIVING", "title": "Cosy living room", "subtitle": "Soft textures for long evenings",
         "hero_image": "", "store_id": None, "position": 0, "version": 1},
        {"id": "S-KITCHEN", "title": LITERAL_NAME, "subtitle": "%(x)s {name}", "hero_image": "", "store_id": None,
         "position": 1, "version": 1},
    ]
    items = [
        {"scene_id": "S-LIVING", "position": 0, "product_id": SOFA_ID, "x": 0.4, "y": 0.6, "note": ""},
        {"scene_id": "S-KITCHEN", "position": 0, "product_id": LITERAL_ID, "x": 0.5, "y": 0.5, "note": ""},
    ]
    with engine.begin() as conn:
        conn.execute(insert(Category), categories)
        conn.execute(insert(Product), products)
        conn.execute(insert(Variant), variants)
        conn.execute(insert(Barcode), barcodes)
        conn.execute(insert(Scene), scenes)
        conn.execute(insert(SceneItem), items)
        update_index(conn, [p["id"] for p in products])
    engine.dispose()
