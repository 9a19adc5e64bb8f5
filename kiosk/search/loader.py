"""Reading the catalog out of SQLite for the search index.

A handful of aggregate queries (prices, stock, first SKU, option values per
product) do the per-variant work inside SQLite, so 200,000 variants cost
about as much as reading 20,000 product rows. Callers run these inside one
read transaction so the rows form one consistent snapshot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# SQLite's default limit on bound parameters is far higher, but small
# chunks keep each statement cheap to prepare.
_CHUNK = 500


@dataclass(slots=True)
class ProductRow:
    """What the search index needs to know about one product."""

    id: str
    name: str
    brand: str
    description: str
    category_id: str | None
    featured: bool
    tags: str = ""
    variant_text: str = ""  # variant titles and option values
    sku: str = ""  # first variant by position
    currency: str = ""
    prices: tuple[int, ...] = ()  # distinct variant prices, ascending
    in_stock: bool = False
    image_url: str = ""


@dataclass(frozen=True, slots=True)
class CategoryRow:
    """A node of the category tree."""

    id: str
    name: str
    parent_id: str | None
    path: str


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _rows(conn: sqlite3.Connection, sql: str, ids: Sequence[str] | None, column: str) -> Iterator[tuple]:
    """Run ``sql`` for every product, or for ``ids`` only (added as ``column IN (...)``)."""
    if ids is None:
        yield from conn.execute(sql.format(where=""))
        return
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        yield from conn.execute(sql.format(where=f"WHERE {column} IN ({marks})"), tuple(chunk))


def load_categories(conn: sqlite3.Connection) -> list[CategoryRow]:
    """Every category."""
    return [CategoryRow(*row) for row in conn.execute("SELECT id, name, parent_id, path FROM categories")]


def load_products(conn: sqlite3.Connection, ids: Sequence[str] | None = None) -> dict[str, ProductRow]:
    """Products with their search-relevant variant aggregates.

    Args:
        conn: A DB-API connection, inside a read transaction.
        ids: Only these products (``None``: all).

    Returns:
        ``{product id: ProductRow}``; ids that do not exist are absent.
    """
    out: dict[str, ProductRow] = {}
    for pid, name, brand, desc, cat, featured in _rows(
        conn, "SELECT id, name, brand, description, category_id, featured FROM products {where}", ids, "id"
    ):
        out[pid] = ProductRow(pid, name or "", brand or "", desc or "", cat, bool(featured))
    if not out:
        return out
    for pid, tags in _rows(
        conn, "SELECT product_id, group_concat(tag, ' ; ') FROM product_tags {where} GROUP BY product_id",
        ids, "product_id",
    ):
        row = out.get(pid)
        if row is not None:
            row.tags = tags or ""
    # SQLite returns the bare columns of the row holding min(position).
    # A variant's title normally names its options ("Grey / L"); the options
    # JSON is only read for variants without a title (its keys are indexed
    # too, which is harmless in the lowest-but-one field).
    for pid, _pos, sku, currency, in_stock, prices, titles in _rows(
        conn,
        "SELECT product_id, min(position), sku, currency, max(stock_store > 0),"
        " group_concat(price_minor), group_concat(CASE WHEN title = '' THEN options ELSE title END, ' ; ')"
        " FROM variants {where} GROUP BY product_id",
        ids, "product_id",
    ):
        row = out.get(pid)
        if row is None:
            continue
        row.sku = sku or ""
        row.currency = currency or ""
        row.in_stock = bool(in_stock)
        row.prices = tuple(sorted({int(p) for p in str(prices).split(",") if p})) if prices else ()
        row.variant_text = titles or ""
    for pid, _pos, url in _rows(
        conn, "SELECT product_id, min(position), url FROM product_images {where} GROUP BY product_id",
        ids, "product_id",
    ):
        row = out.get(pid)
        if row is not None:
            row.image_url = url or ""
    return out


def find_sku(conn: sqlite3.Connection, text: str) -> tuple[str, str] | None:
    """``(sku, product id)`` of the variant whose SKU is ``text`` (as typed or upper-cased)."""
    for candidate in dict.fromkeys((text, text.upper())):
        row = conn.execute("SELECT sku, product_id FROM variants WHERE sku = ?", (candidate,)).fetchone()
        if row is not None:
            return row[0], row[1]
    return None
