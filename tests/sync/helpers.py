"""Helpers shared by the sync tests."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from sqlalchemy import Engine

# Every catalog table and the columns that say what the customer sees
# (products.updated_at is when the kiosk wrote the row, so it is left out).
DIGEST_QUERIES = (
    "SELECT id, name, brand, description, category_id, online_url, platform_product_id, featured "
    "FROM products ORDER BY id",
    "SELECT id, product_id, sku, title, options, position, price_minor, compare_at_minor, currency, stock_store, "
    "online_available, aisle, bay, platform_variant_id, image_url FROM variants ORDER BY id",
    "SELECT code, variant_id FROM barcodes ORDER BY code",
    "SELECT product_id, position, url FROM product_images ORDER BY product_id, position",
    "SELECT product_id, tag FROM product_tags ORDER BY product_id, tag",
)


def catalog_digest(db: Path | Engine) -> str:
    """sha256 of the catalog's content (products, variants, barcodes, images, tags)."""
    path = Path(db.url.database) if isinstance(db, Engine) else db
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        for q in DIGEST_QUERIES:
            for row in conn.execute(q):
                h.update(repr(row).encode())
            h.update(b"|")
        return h.hexdigest()
    finally:
        conn.close()


def sql(db: Path | Engine, query: str, *params: object) -> list[tuple]:
    """Run a read query on the kiosk database with plain sqlite3."""
    path = Path(db.url.database) if isinstance(db, Engine) else db
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def price_of(db: Path | Engine, variant_id: str) -> int | None:
    """A variant's price in minor units, or None if it is not in the catalog."""
    rows = sql(db, "SELECT price_minor FROM variants WHERE id = ?", variant_id)
    return rows[0][0] if rows else None
