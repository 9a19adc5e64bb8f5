"""Reading the catalog out of SQLite for the search index.

A handful of aggregate queries (prices, stock, first SKU, option values per
product) do the per-variant work inside SQLite, so 200,000 variants cost
about as much as reading 20,000 product rows. Callers run these inside one
read transaction so the rows form one consistent snapshot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

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
    # SQLite returns the bare columns of the row holding min(position) only
    # when that is the query's one min()/max() (with two, the row is either's),
    # hence total() for the stock.
    # A variant's title normally names its options ("Grey / L"); the options
    # JSON is only read for variants without a title (its keys are indexed
    # too, which is harmless in the lowest-but-one field).
    for pid, _pos, sku, currency, in_stock, prices, titles in _rows(
        conn,
        "SELECT product_id, min(position), sku, currency, total(stock_store > 0) > 0,"
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


def product_rows(
    products: Iterable[Sequence[Any]],
    variants: Iterable[Sequence[Any]],
    images: Iterable[Sequence[Any]],
    tags: Iterable[tuple[str, str]],
    *,
    product_columns: Sequence[str] = ("id", "name", "brand", "description", "category_id", "featured"),
    variant_columns: Sequence[str] = ("product_id", "position", "sku", "currency", "stock_store", "price_minor",
                                      "title", "options"),
    image_columns: Sequence[str] = ("product_id", "position", "url"),
) -> list[ProductRow]:
    """What :func:`load_products` reads, made from catalog rows held in memory.

    A bulk import builds the search index from the rows it stages, before
    they are in the catalog (kiosk.import_index); this gives exactly the
    rows ``load_products`` would read back once they are: the aggregates of
    the variants in ``position`` order (as ``ix_variants_product_position``
    returns them), tags in the primary key's order, the first image.

    Args:
        products: Rows of the ``products`` table, in table order.
        variants: Rows of ``variants`` of those products, in any order.
        images: Rows of ``product_images``.
        tags: ``(product_id, tag)`` rows of ``product_tags``.
        product_columns: The catalog columns each product row holds, in
            order (more than those read are fine: rows are used as given).
        variant_columns: Likewise for a variant row.
        image_columns: Likewise for an image row.

    Returns:
        The products' rows, in the order given.
    """
    pid_, name_, brand_, desc_, cat_, featured_ = map(
        list(product_columns).index, ("id", "name", "brand", "description", "category_id", "featured"))
    out = {p[pid_]: ProductRow(p[pid_], p[name_] or "", p[brand_] or "", p[desc_] or "", p[cat_], bool(p[featured_]))
           for p in products}
    vpid, pos, sku, currency, stock, price, title, options = map(
        list(variant_columns).index,
        ("product_id", "position", "sku", "currency", "stock_store", "price_minor", "title", "options"))
    by_position, stock_of, price_of, title_of = itemgetter(pos), itemgetter(stock), itemgetter(price), itemgetter(title)
    grouped: dict[str, list[Sequence[Any]]] = {}
    for v in variants:
        group = grouped.get(v[vpid])
        if group is None:
            grouped[v[vpid]] = [v]
        else:
            group.append(v)
    for product_id, vs in grouped.items():
        row = out.get(product_id)
        if row is None:
            continue
        vs.sort(key=by_position)
        first = vs[0]
        row.sku = first[sku] or ""
        row.currency = first[currency] or ""
        row.in_stock = max(map(stock_of, vs)) > 0
        row.prices = tuple(sorted(set(map(price_of, vs))))
        titles = list(map(title_of, vs))
        if "" in titles:  # a variant without a title is known by its options
            titles = [v[options] if t == "" else t for v, t in zip(vs, titles)]
        # group_concat skips NULLs; a title is never NULL, nor are options.
        row.variant_text = " ; ".join(titles)
    ipid, ipos, url = map(list(image_columns).index, ("product_id", "position", "url"))
    first_image: dict[str, tuple[int, str]] = {}
    for image in images:
        seen = first_image.get(image[ipid])
        if seen is None or image[ipos] < seen[0]:
            first_image[image[ipid]] = (image[ipos], image[url])
    for product_id, (_, first_url) in first_image.items():
        row = out.get(product_id)
        if row is not None:
            row.image_url = first_url or ""
    by_product: dict[str, list[str]] = {}
    for product_id, tag in tags:
        by_product.setdefault(product_id, []).append(tag)
    for product_id, product_tags in by_product.items():
        row = out.get(product_id)
        if row is not None:
            # The primary key (product_id, tag) orders them: by code point,
            # as SQLite's BINARY collation compares UTF-8.
            row.tags = " ; ".join(sorted(product_tags))
    return list(out.values())


def find_sku(conn: sqlite3.Connection, text: str) -> tuple[str, str] | None:
    """``(sku, product id)`` of the variant whose SKU is ``text`` (as typed or upper-cased)."""
    for candidate in dict.fromkeys((text, text.upper())):
        row = conn.execute("SELECT sku, product_id FROM variants WHERE sku = ?", (candidate,)).fetchone()
        if row is not None:
            return row[0], row[1]
    return None
