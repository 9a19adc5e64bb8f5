"""Writing to the feed: publishing catalogs, price changes and store overrides.

Every write that changes what a store receives takes the next values of the
chain's sequence under the chain row's lock (``UPDATE chains ... RETURNING``),
so sequence order equals commit order and a reader that has seen seq N has
seen everything up to N. Older log entries for the same product are removed
in the same transaction (the log is compacted; see kiosk/central/models.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, select, update

from kiosk.central.catalog import (
    CanonicalProduct,
    CatalogError,
    canonical_product,
    canonical_scene,
    dumps,
    image_rewriter,
    read_catalog_file,
)
from kiosk.central.db import write_tx
from kiosk.central.models import CHAIN_LEVEL, Chain, Change, Override, Product, Store, VariantIndex
from kiosk.central.scenes import upsert_scenes_from_publish
from kiosk.central.sqlutil import chunks
from kiosk.central.stores import DEFAULT_CHAIN, ensure_chain, ensure_store
from kiosk.models import utcnow
from kiosk.money import MoneyError, parse_decimal


@dataclass
class PublishReport:
    """What a publish changed in the feed."""

    chain_id: str
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)
    scenes_changed: int = 0
    head: int = 0  # the chain's sequence after the publish

    @property
    def changes(self) -> int:
        """Entries appended to the feed."""
        return self.added + self.updated + self.deleted


def lock_chain(conn: Connection, chain_id: str) -> None:
    """Take the chain row's lock before reading what a write is based on.

    Two writers of one chain then run one after the other (PostgreSQL
    ``SELECT ... FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` already does).

    Raises:
        LookupError: No such chain.
    """
    if conn.execute(select(Chain.id).where(Chain.id == chain_id).with_for_update()).first() is None:
        raise LookupError(f"no chain {chain_id!r}")


def allocate_seqs(conn: Connection, chain_id: str, n: int) -> int:
    """Reserve ``n`` consecutive sequence numbers of a chain; returns the first.

    The UPDATE takes the chain row's lock until commit, which orders
    concurrent writers (PostgreSQL) - SQLite already has one writer at a time.
    """
    row = conn.execute(
        update(Chain).where(Chain.id == chain_id).values(last_seq=Chain.last_seq + n).returning(Chain.last_seq)
    ).one()
    return int(row.last_seq) - n + 1


def _write_chain_changes(conn: Connection, chain_id: str, upserts: Sequence[CanonicalProduct],
                         deletes: Sequence[str], existing: set[str]) -> int:
    """Store product upserts/deletions and append them to the chain's log."""
    ids = [p.product_id for p in upserts] + list(deletes)
    if not ids:
        return 0
    first = allocate_seqs(conn, chain_id, len(ids))
    now = utcnow()
    for batch in chunks(ids):
        # A chain-level change supersedes every older entry of the product,
        # store overrides included: any cursor before them sees this one.
        conn.execute(delete(Change).where(Change.chain_id == chain_id, Change.product_id.in_(batch)))
        conn.execute(delete(VariantIndex).where(VariantIndex.chain_id == chain_id,
                                                VariantIndex.product_id.in_(batch)))
    conn.execute(insert(Change), [
        {"chain_id": chain_id, "seq": first + i, "store_id": CHAIN_LEVEL, "product_id": pid,
         "op": "upsert" if i < len(upserts) else "delete"}
        for i, pid in enumerate(ids)
    ])
    # Changed products are replaced (delete + one executemany insert): far
    # fewer round trips than an UPDATE per product on a big publish.
    replaced = [p.product_id for p in upserts if p.product_id in existing] + list(deletes)
    for batch in chunks(replaced):
        conn.execute(delete(Product).where(Product.chain_id == chain_id, Product.product_id.in_(batch)))
    if upserts:
        conn.execute(insert(Product), [
            {"chain_id": chain_id, "product_id": p.product_id, "record": p.text,
             "content_hash": p.content_hash, "updated_at": now} for p in upserts
        ])
    vrows = [{"chain_id": chain_id, "variant_id": vid, "sku": sku, "product_id": p.product_id}
             for p in upserts for vid, sku in p.variants]
    if vrows:
        conn.execute(insert(VariantIndex), vrows)
    head = first + len(ids) - 1
    conn.execute(update(Chain).where(Chain.id == chain_id).values(head_seq=head))
    return head


def apply_products(conn: Connection, chain_id: str, products: Iterable[CanonicalProduct], *,
                   full: bool, report: PublishReport) -> None:
    """Diff ``products`` against the chain's current catalog and write the changes.

    Args:
        conn: A write transaction.
        chain_id: The chain.
        products: The canonical products being published.
        full: The products are the whole catalog: others get tombstones.
        report: Counts are added here.
    """
    lock_chain(conn, chain_id)
    current = {row.product_id: row.content_hash for row in conn.execute(
        select(Product.product_id, Product.content_hash).where(Product.chain_id == chain_id))}
    upserts: dict[str, CanonicalProduct] = {}
    for p in products:
        upserts[p.product_id] = p  # the last occurrence of a duplicated id wins
    changed = []
    for pid, p in upserts.items():
        old = current.get(pid)
        if old == p.content_hash:
            report.unchanged += 1
            continue
        changed.append(p)
        if old is None:
            report.added += 1
        else:
            report.updated += 1
    deletes = sorted(set(current) - set(upserts)) if full else []
    report.deleted += len(deletes)
    head = _write_chain_changes(conn, chain_id, changed, deletes, set(current))
    report.head = head or int(conn.execute(select(Chain.last_seq).where(Chain.id == chain_id)).scalar_one())


def publish_objects(engine: Engine, products: Sequence[Any], scenes: Sequence[Any] = (), *,
                    store_id: str | None = None, chain_id: str | None = None, full: bool = True,
                    skip_invalid: bool = False, base_dir: Path | None = None) -> PublishReport:
    """Publish product (and scene) objects into a chain's feed.

    Args:
        engine: The central database.
        products: Product objects in the canonical format.
        scenes: Scene objects; they go to ``store_id``, to the store named in
            the scene, or to every store of the chain.
        store_id: A store of the chain (created if missing); the catalog is
            its chain's.
        chain_id: The chain (default: the store's chain, else ``default``).
        full: The products are the whole catalog: products not in it are
            deleted (tombstones). ``False`` only adds and updates.
        skip_invalid: Publish the valid records and report the invalid ones;
            by default one invalid record refuses the whole publish.
        base_dir: Directory that relative image paths are relative to.

    Returns:
        The report. Publishing the same catalog twice changes nothing.

    Raises:
        CatalogError: An invalid record (unless ``skip_invalid``); nothing is
            written to the feed then.
    """
    with write_tx(engine) as conn:
        if store_id is not None:
            chain_id = ensure_store(conn, store_id, chain_id)
        else:
            chain_id = chain_id or DEFAULT_CHAIN
            ensure_chain(conn, chain_id)
    report = PublishReport(chain_id=chain_id)
    # Validating and storing images happens before the feed's write lock is
    # taken; images are content-addressed, so storing them early is harmless.
    canon: list[CanonicalProduct] = []
    scene_dicts: list[tuple[Any, str | None]] = []
    with write_tx(engine) as conn:
        rewrite = image_rewriter(conn, base_dir)
        for i, obj in enumerate(products):
            try:
                canon.append(canonical_product(obj, rewrite))
            except CatalogError as exc:
                if not skip_invalid:
                    raise CatalogError(f"record {i + 1}: {exc}") from exc
                report.rejected.append(f"record {i + 1}: {exc}")
        for obj in scenes:
            target = store_id or (obj.get("store_id") if isinstance(obj, dict) else None)
            scene_dicts.append((obj, target))
        scene_targets = _scene_targets(conn, chain_id, scene_dicts)
        scene_records = []
        for obj, targets in scene_targets:
            for target in targets:
                try:
                    scene_records.append((target, canonical_scene(obj, target, rewrite)))
                except CatalogError as exc:
                    if not skip_invalid:
                        raise
                    report.rejected.append(str(exc))
    with write_tx(engine) as conn:
        apply_products(conn, chain_id, canon, full=full, report=report)
        report.scenes_changed = upsert_scenes_from_publish(conn, scene_records)
    return report


def _scene_targets(conn: Connection, chain_id: str, scenes: list[tuple[Any, str | None]]) -> list[tuple[Any, list[str]]]:
    stores = [r.id for r in conn.execute(select(Store.id).where(Store.chain_id == chain_id))]
    out = []
    for obj, target in scenes:
        if target:
            ensure_store(conn, target, chain_id)
            out.append((obj, [target]))
        else:
            out.append((obj, stores))
    return out


def publish_file(engine: Engine, path: Path, **kwargs: Any) -> PublishReport:
    """Publish a canonical JSON or JSONL catalog file (see ``publish_objects``)."""
    products, scenes = read_catalog_file(path)
    return publish_objects(engine, products, scenes, base_dir=path.parent, **kwargs)


# ---------------------------------------------------------------- overrides

#: Fields of a variant a store may override.
OVERRIDE_FIELDS = ("price", "compare_at_price", "stock", "aisle", "bay")


@dataclass(frozen=True)
class OverrideInput:
    """New store-specific values for one variant; ``None`` leaves a field as is.

    ``clear`` names fields to drop (back to the chain's value).
    """

    variant: str  # variant id or SKU
    price: str | None = None
    compare_at_price: str | None = None
    stock: int | None = None
    aisle: str | None = None
    bay: str | None = None
    clear: tuple[str, ...] = ()


def find_variant(conn: Connection, chain_id: str, key: str) -> tuple[str, str]:
    """``(variant_id, product_id)`` of a variant given by id or SKU.

    Raises:
        LookupError: No such variant, or a SKU shared by several variants.
    """
    row = conn.execute(select(VariantIndex.variant_id, VariantIndex.product_id)
                       .where(VariantIndex.chain_id == chain_id, VariantIndex.variant_id == key)).first()
    if row is not None:
        return row.variant_id, row.product_id
    rows = conn.execute(select(VariantIndex.variant_id, VariantIndex.product_id)
                        .where(VariantIndex.chain_id == chain_id, VariantIndex.sku == key).limit(2)).all()
    if not rows:
        raise LookupError(f"no variant with id or SKU {key!r} in chain {chain_id!r}")
    if len(rows) > 1:
        raise LookupError(f"SKU {key!r} is shared by several variants; give the variant id")
    return rows[0].variant_id, rows[0].product_id


def _currency_of(conn: Connection, chain_id: str, product_id: str, variant_id: str) -> str:
    text = conn.execute(select(Product.record).where(Product.chain_id == chain_id,
                                                     Product.product_id == product_id)).scalar_one()
    for v in json.loads(text).get("variants") or []:
        if v.get("id") == variant_id:
            return str(v.get("currency") or "EUR")
    return "EUR"


def _check_price(value: str | None, currency: str, name: str) -> str | None:
    if value is None:
        return None
    try:
        minor = parse_decimal(str(value), currency)
    except MoneyError as exc:
        raise ValueError(f"{name}: {exc}") from exc
    if minor < 0:
        raise ValueError(f"{name}: must not be negative")
    return str(value).strip()


def set_overrides(conn: Connection, store_id: str, inputs: Sequence[OverrideInput]) -> int:
    """Set store overrides and append one store-level change per product.

    Args:
        conn: A write transaction.
        store_id: The store.
        inputs: Values per variant.

    Returns:
        The store's feed head after the change.

    Raises:
        LookupError: Unknown store or variant.
        ValueError: A bad price, stock or field name.
    """
    row = conn.execute(select(Store.chain_id).where(Store.id == store_id)).first()
    if row is None:
        raise LookupError(f"no store {store_id!r}")
    chain_id = row.chain_id
    lock_chain(conn, chain_id)
    now = utcnow()
    products: list[str] = []
    for inp in inputs:
        bad = set(inp.clear) - set(OVERRIDE_FIELDS)
        if bad:
            raise ValueError(f"cannot clear unknown field(s) {sorted(bad)}; fields: {OVERRIDE_FIELDS}")
        if inp.stock is not None and inp.stock < 0:
            raise ValueError("stock: must not be negative")
        variant_id, product_id = find_variant(conn, chain_id, inp.variant)
        currency = _currency_of(conn, chain_id, product_id, variant_id)
        values: dict[str, Any] = {
            "price": _check_price(inp.price, currency, "price"),
            "compare_at_price": _check_price(inp.compare_at_price, currency, "compare_at_price"),
            "stock": inp.stock, "aisle": inp.aisle, "bay": inp.bay,
        }
        old = conn.execute(select(Override).where(Override.store_id == store_id,
                                                  Override.variant_id == variant_id)).first()
        merged = {f: getattr(old, f) if old is not None else None for f in OVERRIDE_FIELDS}
        merged.update({k: v for k, v in values.items() if v is not None})
        for f in inp.clear:
            merged[f] = None
        if old is not None:
            conn.execute(update(Override).where(Override.store_id == store_id, Override.variant_id == variant_id)
                         .values(**merged, updated_at=now))
        else:
            conn.execute(insert(Override).values(store_id=store_id, variant_id=variant_id, product_id=product_id,
                                                 **merged, updated_at=now))
        if product_id not in products:
            products.append(product_id)
    if not products:
        return 0
    first = allocate_seqs(conn, chain_id, len(products))
    conn.execute(delete(Change).where(and_(Change.chain_id == chain_id, Change.store_id == store_id,
                                           Change.product_id.in_(products))))
    conn.execute(insert(Change), [
        {"chain_id": chain_id, "seq": first + i, "store_id": store_id, "product_id": pid, "op": "upsert"}
        for i, pid in enumerate(products)
    ])
    head = first + len(products) - 1
    conn.execute(update(Store).where(Store.id == store_id).values(last_seq=head))
    return head


def set_chain_price(conn: Connection, chain_id: str, variant: str, price: str,
                    compare_at_price: str | None = None) -> int:
    """Change a variant's price for the whole chain (edits the product record).

    Returns:
        The chain's head after the change (unchanged if the price already was so).

    Raises:
        LookupError: Unknown variant.
        ValueError: A bad price.
    """
    lock_chain(conn, chain_id)
    variant_id, product_id = find_variant(conn, chain_id, variant)
    text = conn.execute(select(Product.record).where(Product.chain_id == chain_id,
                                                     Product.product_id == product_id)).scalar_one()
    data = json.loads(text)
    for v in data.get("variants") or []:
        if v.get("id") == variant_id:
            currency = str(v.get("currency") or "EUR")
            v["price"] = _check_price(price, currency, "price")
            if compare_at_price is not None:
                v["compare_at_price"] = _check_price(compare_at_price, currency, "compare_at_price") or None


    new_text = dumps(data)
    digest = hashlib.sha256(new_text.encode("utf-8")).hexdigest()
    p = CanonicalProduct(product_id=product_id, text=new_text, content_hash=digest,
                         variants=tuple((str(v.get("id", "")), str(v.get("sku") or ""))
                                        for v in data.get("variants") or []))
    report = PublishReport(chain_id=chain_id)
    apply_products(conn, chain_id, [p], full=False, report=report)
    return report.head


def delete_products(conn: Connection, chain_id: str, product_ids: Sequence[str]) -> int:
    """Delete products from a chain (tombstones); unknown ids are ignored.

    Returns:
        How many products were deleted.
    """
    lock_chain(conn, chain_id)
    existing = {r.product_id for r in conn.execute(select(Product.product_id).where(
        Product.chain_id == chain_id, Product.product_id.in_(list(product_ids))))}
    dels = [pid for pid in product_ids if pid in existing]
    _write_chain_changes(conn, chain_id, [], dels, existing)
    return len(dels)
