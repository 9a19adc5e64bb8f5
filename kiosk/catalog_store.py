"""Writing catalog records into the local cache, in bulk, inside the caller's transaction.

Every writer of products (file import, sync apply, demo load) uses these
functions, so replacement rules live in one place:

* a product row is upserted (its id is stable; rows elsewhere that name it
  keep pointing at it);
* its variants, barcodes, images and tags are *replaced* by the record's;
* categories are created on the way (id = path slug, see
  :func:`kiosk.records.category_slug_path`; a path already in the table
  keeps its row);
* a SKU, barcode or variant id that belongs to another product is refused
  for that one product, which is reported back instead of raising;
* :func:`kiosk.search.index.update_index` is called with the written ids
  before returning, so the index commits or rolls back with the data.

Writes are SQLAlchemy Core ``executemany`` statements, a few per batch,
never ORM objects row by row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, delete, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kiosk.models import (
    Barcode,
    Category,
    Product,
    ProductImage,
    ProductTag,
    Scene,
    SceneItem,
    UTCDateTime,
    Variant,
    utcnow,
)
from kiosk.records import ProductRecord, RecordError, SceneRecord, slugify
from kiosk.search.index import update_index

_T = TypeVar("_T")

# Under SQLite's bound-parameter limit (32766 since 3.32) with room to spare.
_IN_CHUNK = 5000

_products = Product.__table__
_variants = Variant.__table__
_barcodes = Barcode.__table__
_images = ProductImage.__table__
_tags = ProductTag.__table__
_categories = Category.__table__
_scenes = Scene.__table__
_scene_items = SceneItem.__table__

_PRODUCT_COLS = ("name", "brand", "description", "category_id", "online_url", "platform_product_id", "featured")


@dataclass
class StoreResult:
    """What a write did.

    Attributes:
        written: Ids of the products now in the cache as the records say.
        variants: Number of variants written.
        rejected: Records refused because a SKU, barcode or variant id
            belongs to another product, each with the reason.
    """

    written: list[str] = field(default_factory=list)
    variants: int = 0
    rejected: list[tuple[ProductRecord, RecordError]] = field(default_factory=list)


def _chunks(items: Sequence[_T], size: int = _IN_CHUNK) -> Iterator[Sequence[_T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _insert_sql(table: Any, columns: Sequence[str], *, upsert_set: Sequence[str] | None = None,
                ignore: bool = False) -> str:
    """An INSERT statement for ``executemany`` built from the model's table.

    Column names come from the SQLAlchemy metadata (so they cannot drift
    from kiosk.models); rows are passed as tuples straight to the driver,
    because SQLAlchemy's per-row parameter processing cost more than the
    insert itself at 200,000 rows.
    """
    for col in columns:
        table.c[col]  # KeyError here means a column was renamed in the model
    sql = (f"INSERT{' OR IGNORE' if ignore else ''} INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    if upsert_set is not None:
        sets = ", ".join(f"{c} = excluded.{c}" for c in upsert_set)
        sql += f" ON CONFLICT(id) DO UPDATE SET {sets}"
    return sql


_VARIANT_COLS = ("id", "product_id", "sku", "title", "options", "position", "price_minor", "compare_at_minor",
                 "currency", "stock_store", "online_available", "aisle", "bay", "platform_variant_id", "image_url")
_SQL_VARIANTS = _insert_sql(_variants, _VARIANT_COLS)
_SQL_BARCODES = _insert_sql(_barcodes, ("code", "variant_id"))
_SQL_IMAGES = _insert_sql(_images, ("product_id", "position", "url", "alt"))
_SQL_TAGS = _insert_sql(_tags, ("product_id", "tag"))
_SQL_CATEGORIES = _insert_sql(_categories, ("id", "name", "parent_id", "path", "depth", "position"), ignore=True)
_SQL_PRODUCTS_WITH_TIME = _insert_sql(_products, ("id", *_PRODUCT_COLS, "updated_at"),
                                      upsert_set=(*_PRODUCT_COLS, "updated_at"))
# Without a time from the source, a re-import keeps the time the product
# first arrived, so importing the same file twice changes nothing.
_SQL_PRODUCTS_KEEP_TIME = _insert_sql(_products, ("id", *_PRODUCT_COLS, "updated_at"), upsert_set=_PRODUCT_COLS)

_UTC_DT = UTCDateTime()


def _owners(conn: Connection, sql: str, values: list[str]) -> dict[str, str]:
    """Map each of ``values`` found by ``sql`` (``... IN ({})``) to the product owning it."""
    found: dict[str, str] = {}
    for chunk in _chunks(values):
        stmt = sql.format(", ".join("?" * len(chunk)))
        for value, product_id in conn.exec_driver_sql(stmt, tuple(chunk)):
            found[value] = product_id
    return found


_SQL_SKU_OWNERS = "SELECT sku, product_id FROM variants WHERE sku IN ({})"
_SQL_VID_OWNERS = "SELECT id, product_id FROM variants WHERE id IN ({})"
_SQL_CODE_OWNERS = ("SELECT barcodes.code, variants.product_id FROM barcodes "
                    "JOIN variants ON variants.id = barcodes.variant_id WHERE barcodes.code IN ({})")


def _find_conflicts(conn: Connection, records: list[ProductRecord], fresh: FreshCatalog | None = None
                    ) -> tuple[list[ProductRecord], list[tuple[ProductRecord, RecordError]]]:
    """Split records into writable ones and ones that collide with another product.

    A SKU/barcode/variant id may move between products that are both in
    ``records`` (they are all replaced together); it may not be taken from
    a product that stays as it is.
    """
    batch_ids = {r.id for r in records}
    if fresh is not None:
        sku_owner, vid_owner, code_owner = fresh.sku, fresh.vid, fresh.code
    else:
        skus = [v.sku for r in records for v in r.variants]
        vids = [v.id for r in records for v in r.variants]
        codes = [c for r in records for v in r.variants for c in v.barcodes]
        sku_owner = _owners(conn, _SQL_SKU_OWNERS, skus)
        vid_owner = _owners(conn, _SQL_VID_OWNERS, vids)
        code_owner = _owners(conn, _SQL_CODE_OWNERS, codes)
    # Within the batch, the first product to claim a value keeps it.
    claimed_sku: dict[str, str] = {}
    claimed_vid: dict[str, str] = {}
    claimed_code: dict[str, str] = {}
    good: list[ProductRecord] = []
    bad: list[tuple[ProductRecord, RecordError]] = []
    for rec in records:
        err = _conflict(rec, batch_ids, sku_owner, vid_owner, code_owner, claimed_sku, claimed_vid, claimed_code)
        if err is not None:
            bad.append((rec, err))
            continue
        for v in rec.variants:
            claimed_sku[v.sku] = claimed_vid[v.id] = rec.id
            for code in v.barcodes:
                claimed_code[code] = rec.id
        good.append(rec)
    return good, bad


def _conflict(rec: ProductRecord, batch_ids: set[str], sku_owner: dict[str, str], vid_owner: dict[str, str],
              code_owner: dict[str, str], claimed_sku: dict[str, str], claimed_vid: dict[str, str],
              claimed_code: dict[str, str]) -> RecordError | None:
    """The first SKU/variant id/barcode of ``rec`` that another product holds, as an error."""
    pid = rec.id
    for i, v in enumerate(rec.variants):
        owner = sku_owner.get(v.sku)
        if owner is not None and owner not in batch_ids:
            return RecordError(f"variants[{i}].sku", f"SKU {v.sku!r} already belongs to product {owner!r}")
        if claimed_sku.get(v.sku, pid) != pid:
            return RecordError(f"variants[{i}].sku", f"SKU {v.sku!r} is also used by product {claimed_sku[v.sku]!r}")
        owner = vid_owner.get(v.id)
        if owner is not None and owner not in batch_ids:
            return RecordError(f"variants[{i}].id", f"variant id {v.id!r} already belongs to product {owner!r}")
        if claimed_vid.get(v.id, pid) != pid:
            return RecordError(f"variants[{i}].id", f"variant id {v.id!r} is also used by product {claimed_vid[v.id]!r}")
        for j, code in enumerate(v.barcodes):
            owner = code_owner.get(code)
            if owner is not None and owner not in batch_ids:
                return RecordError(f"variants[{i}].barcodes[{j}]", f"barcode {code} already belongs to product {owner!r}")
            if claimed_code.get(code, pid) != pid:
                return RecordError(f"variants[{i}].barcodes[{j}]",
                                   f"barcode {code} is also used by product {claimed_code[code]!r}")
    return None


def _write_categories(conn: Connection, records: Iterable[ProductRecord]) -> dict[tuple[str, ...], str]:
    """Create the categories the records name; returns category path -> category id."""
    return write_category_paths(conn, {tuple(rec.category) for rec in records if rec.category})


def write_category_paths(conn: Connection, paths: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """Create the categories of these paths (root first); returns category path -> category id.

    Nodes are created root first; each node's id is its parent's id plus
    the slug of its name (``furniture/sofas``). A path that is already in
    the table keeps its row, whatever its id; two spellings of one path
    that share a slug ("Home & Garden", "Home Garden") share the row of the
    first one seen.
    """
    wanted = {path for path in paths if path}
    # Category path as given -> (id, path text of the row it landed in).
    resolved: dict[tuple[str, ...], tuple[str, str]] = {}
    depth = 0
    while True:
        level = sorted({path[:depth + 1] for path in wanted if len(path) > depth} - resolved.keys())
        if not level:
            break
        rows = []
        for path in level:
            parent, parent_text = resolved[path[:-1]] if depth else (None, "")
            slug = slugify(path[-1])
            text = f"{parent_text} > {path[-1]}" if parent else path[-1]
            rows.append((f"{parent}/{slug}" if parent else slug, path[-1], parent, text, depth, 0))
        conn.exec_driver_sql(_SQL_CATEGORIES, rows)
        by_text: dict[str, tuple[str, str]] = {}
        by_id: dict[str, tuple[str, str]] = {}
        for chunk in _chunks([r[3] for r in rows]):
            sql = f"SELECT id, path FROM categories WHERE path IN ({', '.join('?' * len(chunk))})"
            by_text.update((p, (i, p)) for i, p in conn.exec_driver_sql(sql, tuple(chunk)))
        for chunk in _chunks([r[0] for r in rows]):
            sql = f"SELECT id, path FROM categories WHERE id IN ({', '.join('?' * len(chunk))})"
            by_id.update((i, (i, p)) for i, p in conn.exec_driver_sql(sql, tuple(chunk)))
        for path, row in zip(level, rows):
            # Found by its path text, else by its id: then the slug was
            # taken by another spelling, whose row it now shares.
            resolved[path] = by_text.get(row[3]) or by_id[row[0]]
        depth += 1
    return {path: cid for path, (cid, _) in resolved.items()}


def _delete_children(conn: Connection, ids: list[str]) -> None:
    for chunk in _chunks(ids):
        marks = ", ".join("?" * len(chunk))
        params = tuple(chunk)
        # Barcodes first: deleting them by a join is cheaper than letting
        # the foreign-key cascade find them one variant at a time.
        conn.exec_driver_sql(f"DELETE FROM barcodes WHERE variant_id IN "
                             f"(SELECT id FROM variants WHERE product_id IN ({marks}))", params)
        conn.exec_driver_sql(f"DELETE FROM variants WHERE product_id IN ({marks})", params)
        conn.exec_driver_sql(f"DELETE FROM product_images WHERE product_id IN ({marks})", params)
        conn.exec_driver_sql(f"DELETE FROM product_tags WHERE product_id IN ({marks})", params)


def _write_products(conn: Connection, records: list[ProductRecord], now: datetime,
                    category_ids: dict[tuple[str, ...], str]) -> None:
    to_db = _UTC_DT.process_bind_param
    now_text = to_db(now, None)
    with_time: list[tuple[Any, ...]] = []
    keep_time: list[tuple[Any, ...]] = []
    for r in records:
        cid = category_ids.get(tuple(r.category)) if r.category else None
        row = (r.id, r.name, r.brand, r.description, cid, r.online_url, r.platform_product_id, int(r.featured),
               to_db(r.updated_at, None) if r.updated_at is not None else now_text)
        (with_time if r.updated_at is not None else keep_time).append(row)
    if with_time:
        conn.exec_driver_sql(_SQL_PRODUCTS_WITH_TIME, with_time)
    if keep_time:
        conn.exec_driver_sql(_SQL_PRODUCTS_KEEP_TIME, keep_time)


def _write_children(conn: Connection, records: list[ProductRecord]) -> int:
    variants: list[tuple[Any, ...]] = []
    barcodes: list[tuple[str, str]] = []
    images: list[tuple[str, int, str, str]] = []
    tags: list[tuple[str, str]] = []
    options_json: dict[tuple[tuple[str, str], ...], str] = {}
    dumps = json.dumps
    for r in records:
        pid = r.id
        for pos, v in enumerate(r.variants):
            # The same few option sets repeat across a catalog: encode each once.
            okey = tuple(v.options.items())
            opts = options_json.get(okey)
            if opts is None:
                opts = options_json[okey] = dumps(v.options)
            variants.append((v.id, pid, v.sku, v.title, opts, pos, v.price_minor, v.compare_at_minor, v.currency,
                             v.stock, int(v.online_available), v.aisle, v.bay, v.platform_variant_id, v.image))
            for code in v.barcodes:
                barcodes.append((code, v.id))
        for pos, url in enumerate(r.images):
            images.append((pid, pos, url, ""))
        for tag in r.tags:
            tags.append((pid, tag))
    if variants:
        conn.exec_driver_sql(_SQL_VARIANTS, variants)
    if barcodes:
        conn.exec_driver_sql(_SQL_BARCODES, barcodes)
    if images:
        conn.exec_driver_sql(_SQL_IMAGES, images)
    if tags:
        conn.exec_driver_sql(_SQL_TAGS, tags)
    return len(variants)


class FreshCatalog:
    """Who owns each SKU, variant id and barcode, when the catalog started out empty.

    A bulk writer that fills an empty catalog (a kiosk's first import) in
    one transaction can pass one of these to every :func:`upsert_products`
    call: ownership is then answered from memory instead of three indexed
    lookups per variant, and there are no old variants to delete. Get one
    with :meth:`if_empty`; it is only valid inside that same transaction.
    """

    def __init__(self) -> None:
        self.sku: dict[str, str] = {}
        self.vid: dict[str, str] = {}
        self.code: dict[str, str] = {}
        # Product id -> the codes it holds, to release them if it is rewritten.
        self._held: dict[str, tuple[list[str], list[str], list[str]]] = {}

    @classmethod
    def if_empty(cls, conn: Connection) -> FreshCatalog | None:
        """A tracker if the catalog tables are empty now, else ``None``."""
        for table in ("products", "variants", "barcodes"):
            if conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {table})").scalar():
                return None
        return cls()

    def written_before(self, pid: str) -> bool:
        """True if this transaction already wrote product ``pid``."""
        return pid in self._held

    def record(self, recs: list[ProductRecord]) -> None:
        """Note what ``recs`` hold now (after they were written)."""
        for rec in recs:
            old = self._held.get(rec.id)
            if old is not None:
                for mapping, values in zip((self.sku, self.vid, self.code), old):
                    for value in values:
                        if mapping.get(value) == rec.id:
                            del mapping[value]
            skus = [v.sku for v in rec.variants]
            vids = [v.id for v in rec.variants]
            codes = [c for v in rec.variants for c in v.barcodes]
            pid = rec.id
            for value in skus:
                self.sku[value] = pid
            for value in vids:
                self.vid[value] = pid
            for value in codes:
                self.code[value] = pid
            self._held[pid] = (skus, vids, codes)


def upsert_products(conn: Connection, records: Iterable[ProductRecord], *, index: bool = True,
                    fresh: FreshCatalog | None = None) -> StoreResult:
    """Insert or replace products, with their variants, barcodes, images and tags.

    Runs inside the caller's transaction (commit or roll back as a whole).

    Args:
        conn: A connection with a transaction begun.
        records: Parsed products; a later record with the same id as an
            earlier one wins.
        index: Call ``update_index(conn, written_ids)`` before returning
            (``False`` lets a bulk writer call it once at the end instead).
        fresh: For bulk writers filling an empty catalog: see
            :class:`FreshCatalog`.

    Returns:
        The ids written and the records refused because a SKU, barcode or
        variant id belongs to another product.
    """
    latest: dict[str, ProductRecord] = {}
    for rec in records:
        latest.pop(rec.id, None)  # keep the order of the last occurrence
        latest[rec.id] = rec
    result = StoreResult()
    if not latest:
        return result
    good, bad = _find_conflicts(conn, list(latest.values()), fresh)
    result.rejected = bad
    if good:
        ids = [r.id for r in good]
        category_ids = _write_categories(conn, good)
        _write_products(conn, good, utcnow(), category_ids)
        old = ids if fresh is None else [pid for pid in ids if fresh.written_before(pid)]
        if old:
            _delete_children(conn, old)
        result.variants = _write_children(conn, good)
        result.written = ids
        if fresh is not None:
            fresh.record(good)
        if index:
            update_index(conn, ids)
    return result


def delete_products(conn: Connection, ids: Iterable[str], *, index: bool = True) -> int:
    """Delete products (and, by cascade, their variants, barcodes, images, tags).

    Scenes that name a deleted product keep it (the scene hides it until it
    returns). Runs inside the caller's transaction.

    Returns:
        How many products existed and were deleted.
    """
    id_list = list(dict.fromkeys(ids))
    deleted = 0
    for chunk in _chunks(id_list):
        params = {"ids": list(chunk)}
        conn.execute(
            delete(_barcodes).where(_barcodes.c.variant_id.in_(
                select(_variants.c.id).where(_variants.c.product_id.in_(bindparam("ids", expanding=True))))),
            params)
        res = conn.execute(delete(_products).where(_products.c.id.in_(bindparam("ids", expanding=True))), params)
        deleted += res.rowcount or 0
    if index and id_list:
        update_index(conn, id_list)
    return deleted


def _scene_row(s: SceneRecord) -> dict[str, Any]:
    return {"id": s.id, "title": s.title, "subtitle": s.subtitle, "hero_image": s.hero_image,
            "store_id": s.store_id, "active_from": s.active_from, "active_to": s.active_to,
            "position": s.position}


def _items_of(s: SceneRecord) -> list[tuple[str, float, float, str]]:
    return [(it.product_id, it.x, it.y, it.note) for it in s.items]


def upsert_scenes(conn: Connection, scenes: Iterable[SceneRecord]) -> int:
    """Insert or replace scenes with their hotspot items.

    A scene whose content changes gets its ``version`` bumped (the central
    service's If-Match check relies on it); an unchanged scene is left
    alone, so re-importing a file changes nothing. Runs inside the caller's
    transaction.

    Returns:
        How many scenes were inserted or changed.
    """
    latest = {s.id: s for s in scenes}
    if not latest:
        return 0
    ids = list(latest)
    existing: dict[str, dict[str, Any]] = {}
    items: dict[str, list[tuple[str, float, float, str]]] = {}
    for chunk in _chunks(ids):
        rows = conn.execute(select(_scenes).where(_scenes.c.id.in_(bindparam("ids", expanding=True))),
                            {"ids": list(chunk)}).mappings()
        for row in rows:
            existing[row["id"]] = dict(row)
        for row in conn.execute(select(_scene_items).where(_scene_items.c.scene_id.in_(
                bindparam("ids", expanding=True))).order_by(_scene_items.c.scene_id, _scene_items.c.position),
                {"ids": list(chunk)}):
            items.setdefault(row.scene_id, []).append((row.product_id, row.x, row.y, row.note))
    now = utcnow()
    changed = []
    for sid, s in latest.items():
        old = existing.get(sid)
        row = _scene_row(s)
        if old is not None and all(old[k] == v for k, v in row.items()) and items.get(sid, []) == _items_of(s):
            continue
        row["version"] = (old["version"] + 1) if old is not None else 1
        row["updated_at"] = now
        changed.append(row)
    if not changed:
        return 0
    stmt = sqlite_insert(_scenes)
    stmt = stmt.on_conflict_do_update(index_elements=[_scenes.c.id],
                                      set_={c: stmt.excluded[c] for c in changed[0] if c != "id"})
    conn.execute(stmt, changed)
    changed_ids = [r["id"] for r in changed]
    for chunk in _chunks(changed_ids):
        conn.execute(delete(_scene_items).where(_scene_items.c.scene_id.in_(bindparam("ids", expanding=True))),
                     {"ids": list(chunk)})
    item_rows = [{"scene_id": sid, "position": pos, "product_id": p, "x": x, "y": y, "note": note}
                 for sid in changed_ids for pos, (p, x, y, note) in enumerate(_items_of(latest[sid]))]
    if item_rows:
        conn.execute(insert(_scene_items), item_rows)
    return len(changed)


__all__ = ["FreshCatalog", "StoreResult", "delete_products", "upsert_products", "upsert_scenes",
           "write_category_paths"]
