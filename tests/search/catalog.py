"""Small real catalogs for the search tests, written with SQLAlchemy Core.

Rows go into the real models' tables in one transaction, and
``update_index`` is called inside it, exactly as the catalog writers do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, delete, insert, select

from kiosk.models import Category, Product, ProductTag, Variant
from kiosk.search.index import update_index


@dataclass
class P:
    """A test product: one variant per entry of ``variants`` (title, price, stock)."""

    id: str
    name: str
    brand: str = ""
    category: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    description: str = ""
    featured: bool = False
    variants: list[tuple[str, int, int]] = field(default_factory=lambda: [("", 1000, 5)])
    currency: str = "EUR"


def _slug(path: Iterable[str]) -> str:
    return "/".join(re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in path)


def _ensure_categories(conn: Connection, path: tuple[str, ...]) -> str | None:
    parent = None
    for depth in range(len(path)):
        cid = _slug(path[: depth + 1])
        if conn.execute(select(Category.id).where(Category.id == cid)).first() is None:
            conn.execute(insert(Category).values(
                id=cid, name=path[depth], parent_id=parent, path=" > ".join(path[: depth + 1]), depth=depth,
                position=0,
            ))
        parent = cid
    return parent


def write_products(conn: Connection, products: Iterable[P]) -> list[str]:
    """Insert or replace products inside the caller's transaction (no update_index)."""
    products = list(products)
    ids = [p.id for p in products]
    conn.execute(delete(Product).where(Product.id.in_(ids)))
    cats = {p.category: _ensure_categories(conn, p.category) for p in products if p.category}
    conn.execute(insert(Product), [
        {"id": p.id, "name": p.name, "brand": p.brand, "description": p.description,
         "category_id": cats.get(p.category), "online_url": "", "platform_product_id": "", "featured": p.featured}
        for p in products
    ])
    tags = [{"product_id": p.id, "tag": t} for p in products for t in p.tags]
    if tags:
        conn.execute(insert(ProductTag), tags)
    conn.execute(insert(Variant), [
        {"id": f"{p.id}-{i}", "product_id": p.id, "sku": f"SKU-{p.id}-{i}", "title": title,
         "options": {"Colour": title} if title else {}, "position": i, "price_minor": price,
         "compare_at_minor": None, "currency": p.currency, "stock_store": stock,
         "online_available": True, "aisle": "1", "bay": "A", "platform_variant_id": "", "image_url": ""}
        for p in products for i, (title, price, stock) in enumerate(p.variants)
    ])
    return ids


def load(engine: Engine, products: Iterable[P]) -> list[str]:
    """Write products and log them for the search index, in one transaction."""
    with engine.begin() as conn:
        ids = write_products(conn, products)
        update_index(conn, ids)
    return ids


def remove(engine: Engine, ids: list[str]) -> None:
    """Delete products and log it, in one transaction."""
    with engine.begin() as conn:
        conn.execute(delete(Product).where(Product.id.in_(ids)))
        update_index(conn, ids)
