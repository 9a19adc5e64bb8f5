"""Read-side catalog API for the screens: products, variants, categories.

Everything here is plain Python over the SQLite cache and returns small
frozen dataclasses, never ORM objects: a screen gets all it will show in one
call on a worker thread and can never trigger a lazy load on the UI thread.
Queries use SQLAlchemy Core with a handful of statements per call, so a card
grid of 48 products costs the same few round trips as one product.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Engine, bindparam, case, func, or_, select
from sqlalchemy.engine import Connection

from kiosk.models import Barcode, Category, Product, ProductImage, ProductTag, Variant
from kiosk.money import format_price

_p = Product.__table__
_v = Variant.__table__
_b = Barcode.__table__
_img = ProductImage.__table__
_tag = ProductTag.__table__
_cat = Category.__table__

#: Separator of category levels in ``Category.path`` ("Furniture > Sofas").
PATH_SEP = " > "
#: Ids per ``IN (...)`` list, well under SQLite's bound-parameter limit.
_CHUNK = 900


class StockStatus(str, Enum):
    """Where a customer can get a variant."""

    IN_STORE = "in_store"
    """On the shelf in this store."""
    ONLINE = "online"
    """Sold in this store but none left here; can be ordered online."""
    ONLINE_ONLY = "online_only"
    """Not carried in this store (no shelf location); online only."""
    OUT_OF_STOCK = "out_of_stock"
    """Neither here nor online."""


@dataclass(frozen=True, slots=True)
class Availability:
    """A variant's availability as the product screen states it.

    Attributes:
        status: The machine-readable state (colour the text by it).
        text: One line for the customer: ``"In stock here: aisle 12, bay B"``,
            ``"Only online"``, ``"Out of stock here · available online"``,
            ``"Out of stock"``.
    """

    status: StockStatus
    text: str

    @property
    def can_buy(self) -> bool:
        """Whether the customer can get it at all (here or online)."""
        return self.status is not StockStatus.OUT_OF_STOCK


def location_text(aisle: str, bay: str) -> str:
    """``"aisle 12, bay B"``, ``"aisle 12"`` or ``""`` when the shelf is unknown."""
    parts = []
    if aisle:
        parts.append(f"aisle {aisle}")
    if bay:
        parts.append(f"bay {bay}")
    return ", ".join(parts)


def availability(stock_store: int, online_available: bool, aisle: str = "", bay: str = "",
                 low_stock: int = 3) -> Availability:
    """Say where a variant can be had, in the words the product screen uses.

    Args:
        stock_store: Units on hand in this store.
        online_available: Whether the online shop sells it.
        aisle: Shelf aisle in this store ("" if not carried here).
        bay: Shelf bay.
        low_stock: At or below this many units the text says how many are left.

    Returns:
        The status and one line of text. A variant with stock but no shelf
        location reads "In stock here"; one without stock or location that
        is sold online reads "Only online" (the store does not carry it).
    """
    where = location_text(aisle, bay)
    if stock_store > 0:
        text = f"In stock here: {where}" if where else "In stock here"
        if stock_store <= low_stock:
            text += f" (only {stock_store} left)"
        return Availability(StockStatus.IN_STORE, text)
    if online_available:
        if not where:
            return Availability(StockStatus.ONLINE_ONLY, "Only online")
        return Availability(StockStatus.ONLINE, "Out of stock here \u00b7 available online")
    return Availability(StockStatus.OUT_OF_STOCK, "Out of stock")


@dataclass(frozen=True, slots=True)
class VariantDetail:
    """One buyable variant, everything the product screen shows of it."""

    id: str
    sku: str
    title: str
    options: dict[str, str] = field(hash=False)
    price_minor: int
    compare_at_minor: int | None
    currency: str
    stock_store: int
    online_available: bool
    aisle: str
    bay: str
    barcodes: tuple[str, ...]
    platform_variant_id: str
    image_url: str
    position: int = 0

    @property
    def in_store(self) -> bool:
        """On the shelf here."""
        return self.stock_store > 0

    @property
    def on_sale(self) -> bool:
        """Has a compare-at ("was") price above its price."""
        return self.compare_at_minor is not None and self.compare_at_minor > self.price_minor

    @property
    def price_text(self) -> str:
        """``"€899.00"``."""
        return format_price(self.price_minor, self.currency)

    @property
    def compare_at_text(self) -> str:
        """The was-price (``"€999.00"``) when on sale, else ``""``."""
        return format_price(self.compare_at_minor, self.currency) if self.on_sale else ""  # type: ignore[arg-type]

    @property
    def availability(self) -> Availability:
        """Where to get it (see :func:`availability`)."""
        return availability(self.stock_store, self.online_available, self.aisle, self.bay)

    def location_text(self) -> str:
        """``"aisle 12, bay B"`` (``""`` when not shelved here)."""
        return location_text(self.aisle, self.bay)


@dataclass(frozen=True, slots=True)
class OptionAxis:
    """One option of a product (``Colour``) and its values in display order."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProductDetail:
    """A product with its variants, as the product screen shows it."""

    id: str
    name: str
    brand: str
    description: str
    category_id: str | None
    category_path: tuple[str, ...]
    images: tuple[str, ...]
    tags: tuple[str, ...]
    online_url: str
    platform_product_id: str
    featured: bool
    updated_at: datetime | None
    variants: tuple[VariantDetail, ...]
    option_axes: tuple[OptionAxis, ...]

    @property
    def axes(self) -> dict[str, list[str]]:
        """Option axes as ``{"Colour": ["Grey", "Sage"], "Size": [...]}`` (display order)."""
        return {a.name: list(a.values) for a in self.option_axes}

    @property
    def default_variant(self) -> VariantDetail:
        """The variant to show first: the first on the shelf here, else the first buyable, else the first."""
        for v in self.variants:
            if v.in_store:
                return v
        for v in self.variants:
            if v.online_available:
                return v
        return self.variants[0]

    @property
    def price_range(self) -> tuple[int, int]:
        """Lowest and highest variant price in minor units."""
        prices = [v.price_minor for v in self.variants]
        return min(prices), max(prices)

    @property
    def currency(self) -> str:
        """The currency of the product's prices (of its first variant)."""
        return self.variants[0].currency

    @property
    def in_store(self) -> bool:
        """Whether any variant is on the shelf here."""
        return any(v.in_store for v in self.variants)

    def variant(self, variant_id: str) -> VariantDetail | None:
        """The variant with this id, or ``None``."""
        return next((v for v in self.variants if v.id == variant_id), None)

    def pick_variant(self, choice: Mapping[str, str]) -> VariantDetail | None:
        """The variant for a chosen combination of option values.

        An exact match wins. With a partial or impossible combination, the
        variant that agrees with the most chosen values is returned (in-store
        stock breaking ties, then display order), so a tap on an option
        always lands on a real variant. ``None`` only if no variant has any
        of the chosen values and ``choice`` is not empty.

        Args:
            choice: Option name -> value, e.g. ``{"Colour": "Sage", "Size": "L"}``.
        """
        if not choice:
            return self.default_variant

        def rank(v: VariantDetail) -> tuple[int, int, int, int]:
            agree = sum(1 for k, val in choice.items() if v.options.get(k) == val)
            return (agree, int(agree == len(choice)), int(v.in_store), int(v.online_available))

        # max() keeps the first of equals, so display order breaks ties.
        best = max(self.variants, key=rank)
        return best if rank(best)[0] else None

    def values_available(self, axis: str, choice: Mapping[str, str]) -> dict[str, bool]:
        """For each value of ``axis``: can it be had together with the other choices?

        Use it to dim option buttons whose combination is sold out or does
        not exist.
        """
        others = {k: v for k, v in choice.items() if k != axis}
        values = next((a.values for a in self.option_axes if a.name == axis), ())
        out: dict[str, bool] = {}
        for value in values:
            out[value] = any(
                v.options.get(axis) == value and all(v.options.get(k) == val for k, val in others.items())
                and (v.in_store or v.online_available)
                for v in self.variants
            )
        return out


@dataclass(frozen=True, slots=True)
class ProductSummary:
    """What a product card shows: name, brand, from-price, picture, stock."""

    product_id: str
    name: str
    brand: str
    price_minor: int
    max_price_minor: int
    compare_at_minor: int | None
    currency: str
    image_url: str
    in_stock: bool
    online_available: bool
    variant_count: int
    category_id: str | None = None
    featured: bool = False

    @property
    def id(self) -> str:
        """Alias of :attr:`product_id`."""
        return self.product_id

    @property
    def has_price_range(self) -> bool:
        """Variants differ in price: show "from €x"."""
        return self.max_price_minor > self.price_minor

    @property
    def price_text(self) -> str:
        """``"€19.95"`` or ``"from €19.95"`` when variants differ in price."""
        text = format_price(self.price_minor, self.currency)
        return f"from {text}" if self.has_price_range else text

    @property
    def on_sale(self) -> bool:
        """The cheapest variant has a was-price above its price."""
        return self.compare_at_minor is not None and self.compare_at_minor > self.price_minor

    @property
    def stock_text(self) -> str:
        """Short card text: "In stock here", "Available online" or "Out of stock"."""
        if self.in_stock:
            return "In stock here"
        return "Available online" if self.online_available else "Out of stock"


@dataclass(frozen=True, slots=True)
class CategorySummary:
    """A category tile: name, how many products, a picture from it."""

    id: str
    name: str
    path: str
    product_count: int
    image_url: str = ""
    depth: int = 0


# ------------------------------------------------------------------ helpers


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def _build_summary_stmt() -> Any:
    # Built once: constructing a statement costs more than running it on a
    # small catalog, and an expanding bind keeps SQLAlchemy's compiled cache warm.
    ids = bindparam("ids", expanding=True)
    agg = (
        select(
            _v.c.product_id,
            func.min(_v.c.price_minor).label("min_price"),
            func.max(_v.c.price_minor).label("max_price"),
            func.max(case((_v.c.stock_store > 0, 1), else_=0)).label("in_stock"),
            func.max(case((_v.c.online_available, 1), else_=0)).label("online"),
            func.count().label("n"),
            func.min(_v.c.currency).label("currency"),
        )
        .where(_v.c.product_id.in_(ids))
        .group_by(_v.c.product_id)
        .subquery()
    )
    first_img = (
        select(_img.c.url).where(_img.c.product_id == _p.c.id).order_by(_img.c.position).limit(1)
        .scalar_subquery()
    )
    # The was-price shown on a card is that of the cheapest variant.
    cheapest_cmp = (
        select(_v.c.compare_at_minor)
        .where(_v.c.product_id == _p.c.id, _v.c.price_minor == agg.c.min_price)
        .order_by(_v.c.compare_at_minor.desc()).limit(1).scalar_subquery()
    )
    # Fall back to the first variant's own picture when the product has none.
    variant_img = (
        select(_v.c.image_url).where(_v.c.product_id == _p.c.id, _v.c.image_url != "")
        .order_by(_v.c.position).limit(1).scalar_subquery()
    )
    return select(
        _p.c.id, _p.c.name, _p.c.brand, _p.c.category_id, _p.c.featured,
        agg.c.min_price, agg.c.max_price, agg.c.in_stock, agg.c.online, agg.c.n, agg.c.currency,
        first_img.label("image"), variant_img.label("vimage"), cheapest_cmp.label("cmp"),
    ).join(agg, agg.c.product_id == _p.c.id)


_SUMMARY_STMT = _build_summary_stmt()


def summary_map(conn: Connection, ids: Sequence[str]) -> dict[str, ProductSummary]:
    """Card summaries of ``ids`` by id, on an open connection (ids not in the cache are absent).

    One query per 900 ids, whatever the number of variants: the other read
    modules (scenes, recommendations) build on it.
    """
    out: dict[str, ProductSummary] = {}
    if not ids:
        return out
    for chunk in _chunks(list(dict.fromkeys(ids))):
        for r in conn.execute(_SUMMARY_STMT, {"ids": list(chunk)}):
            out[r.id] = ProductSummary(
                product_id=r.id, name=r.name, brand=r.brand or "", price_minor=int(r.min_price),
                max_price_minor=int(r.max_price), compare_at_minor=r.cmp, currency=r.currency,
                image_url=r.image or r.vimage or "", in_stock=bool(r.in_stock), online_available=bool(r.online),
                variant_count=int(r.n), category_id=r.category_id, featured=bool(r.featured),
            )
    return out


def _category_filter(conn: Connection, category_id: str) -> Any:
    """A WHERE clause: products in ``category_id`` or any category below it."""
    path = conn.execute(select(_cat.c.path).where(_cat.c.id == category_id)).scalar_one_or_none()
    if path is None:
        return None
    below = select(_cat.c.id).where(or_(_cat.c.path == path,
                                         _cat.c.path.startswith(path + PATH_SEP, autoescape=True)))
    return _p.c.category_id.in_(below)


# ---------------------------------------------------------------- public API


def get_product(engine: Engine, product_id: str) -> ProductDetail | None:
    """Everything the product screen shows of one product.

    Args:
        engine: The catalog cache.
        product_id: The product's public id.

    Returns:
        The product with its variants (display order), images, tags and
        category path, or ``None`` if the cache does not hold it (any more).
    """
    with engine.connect() as conn:
        p = conn.execute(select(_p).where(_p.c.id == product_id)).one_or_none()
        if p is None:
            return None
        cat_path: tuple[str, ...] = ()
        if p.category_id:
            path = conn.execute(select(_cat.c.path).where(_cat.c.id == p.category_id)).scalar_one_or_none()
            cat_path = tuple(path.split(PATH_SEP)) if path else ()
        images = tuple(conn.execute(select(_img.c.url).where(_img.c.product_id == product_id)
                                    .order_by(_img.c.position)).scalars())
        tags = tuple(conn.execute(select(_tag.c.tag).where(_tag.c.product_id == product_id)
                                  .order_by(_tag.c.tag)).scalars())
        vrows = conn.execute(select(_v).where(_v.c.product_id == product_id)
                             .order_by(_v.c.position, _v.c.id)).all()
        codes: dict[str, list[str]] = {}
        if vrows:
            for vid, code in conn.execute(select(_b.c.variant_id, _b.c.code)
                                          .where(_b.c.variant_id.in_([r.id for r in vrows]))
                                          .order_by(_b.c.variant_id, _b.c.code)):
                codes.setdefault(vid, []).append(code)
    variants = tuple(
        VariantDetail(
            id=r.id, sku=r.sku, title=r.title or "", options=dict(r.options or {}), price_minor=int(r.price_minor),
            compare_at_minor=r.compare_at_minor, currency=r.currency, stock_store=int(r.stock_store or 0),
            online_available=bool(r.online_available), aisle=r.aisle or "", bay=r.bay or "",
            barcodes=tuple(codes.get(r.id, ())), platform_variant_id=r.platform_variant_id or "",
            image_url=r.image_url or "", position=int(r.position or 0),
        )
        for r in vrows
    )
    if not variants:
        return None  # a product without variants cannot be shown or sold
    axes: dict[str, list[str]] = {}
    for v in variants:
        for name, value in v.options.items():
            vals = axes.setdefault(name, [])
            if value not in vals:
                vals.append(value)
    if not images:
        # A product without its own pictures borrows its variants'.
        images = tuple(dict.fromkeys(v.image_url for v in variants if v.image_url))
    return ProductDetail(
        id=p.id, name=p.name, brand=p.brand or "", description=p.description or "", category_id=p.category_id,
        category_path=cat_path, images=images, tags=tags, online_url=p.online_url or "",
        platform_product_id=p.platform_product_id or "", featured=bool(p.featured), updated_at=p.updated_at,
        variants=variants, option_axes=tuple(OptionAxis(k, tuple(vs)) for k, vs in axes.items()),
    )


def product_summaries(engine: Engine, ids: Sequence[str]) -> list[ProductSummary]:
    """Card data for ``ids``, in the order given; ids not in the cache are skipped."""
    with engine.connect() as conn:
        found = summary_map(conn, ids)
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def featured_products(engine: Engine, limit: int = 12) -> list[ProductSummary]:
    """Featured products, those on the shelf here first, then by name."""
    with engine.connect() as conn:
        in_stock = (select(func.max(case((_v.c.stock_store > 0, 1), else_=0)))
                    .where(_v.c.product_id == _p.c.id).scalar_subquery())
        ids = list(conn.execute(select(_p.c.id).where(_p.c.featured.is_(True))
                                .order_by(in_stock.desc(), _p.c.name, _p.c.id).limit(limit)).scalars())
        found = summary_map(conn, ids)
    return [found[i] for i in ids if i in found]


def products_in_category(engine: Engine, category_id: str, *, limit: int = 48, offset: int = 0,
                         in_stock_only: bool = False, sort: str = "featured") -> list[ProductSummary]:
    """Products in a category and all categories below it.

    Args:
        engine: The catalog cache.
        category_id: A category id (``furniture`` or ``furniture/sofas``).
        limit: Page size.
        offset: Products to skip (paging).
        in_stock_only: Only products with a variant on the shelf here.
        sort: ``"featured"`` (featured, then in stock, then name), ``"name"``,
            ``"price"`` (lowest first) or ``"price_desc"``.

    Returns:
        Card summaries; empty for an unknown category.

    Raises:
        ValueError: An unknown ``sort``.
    """
    with engine.connect() as conn:
        where = _category_filter(conn, category_id)
        if where is None:
            return []
        in_stock = (select(func.max(case((_v.c.stock_store > 0, 1), else_=0)))
                    .where(_v.c.product_id == _p.c.id).scalar_subquery())
        min_price = select(func.min(_v.c.price_minor)).where(_v.c.product_id == _p.c.id).scalar_subquery()
        orders = {
            "featured": (_p.c.featured.desc(), in_stock.desc(), _p.c.name),
            "name": (_p.c.name,),
            "price": (min_price, _p.c.name),
            "price_desc": (min_price.desc(), _p.c.name),
        }
        if sort not in orders:
            raise ValueError(f"unknown sort {sort!r}; use one of {', '.join(orders)}")
        stmt = select(_p.c.id).where(where)
        if in_stock_only:
            stmt = stmt.where(in_stock == 1)
        ids = list(conn.execute(stmt.order_by(*orders[sort], _p.c.id).limit(limit).offset(offset)).scalars())
        found = summary_map(conn, ids)
    return [found[i] for i in ids if i in found]


def count_in_category(engine: Engine, category_id: str, *, in_stock_only: bool = False) -> int:
    """How many products :func:`products_in_category` would page through."""
    with engine.connect() as conn:
        where = _category_filter(conn, category_id)
        if where is None:
            return 0
        stmt = select(func.count()).select_from(_p).where(where)
        if in_stock_only:
            stmt = stmt.where(_p.c.id.in_(select(_v.c.product_id).where(_v.c.stock_store > 0)))
        return int(conn.execute(stmt).scalar_one())


def _categories_with_counts(conn: Connection, parent_id: str | None) -> list[CategorySummary]:
    parent_filter = _cat.c.parent_id.is_(None) if parent_id is None else _cat.c.parent_id == parent_id
    nodes = conn.execute(select(_cat.c.id, _cat.c.name, _cat.c.path, _cat.c.depth, _cat.c.position)
                         .where(parent_filter).order_by(_cat.c.position, _cat.c.name)).all()
    if not nodes:
        return []
    # One pass over product counts per leaf category, rolled up to each node
    # by path prefix: cheaper than one COUNT per node on a big catalog.
    counts = dict(conn.execute(select(_p.c.category_id, func.count()).where(_p.c.category_id.is_not(None))
                               .group_by(_p.c.category_id)).all())
    paths = dict(conn.execute(select(_cat.c.id, _cat.c.path)).all())
    out = []
    for n in nodes:
        prefix = n.path + PATH_SEP
        members = [cid for cid, path in paths.items() if path == n.path or path.startswith(prefix)]
        total = sum(counts.get(cid, 0) for cid in members)
        if not total:
            continue
        # The tile picture: a featured product's if there is one, else any.
        # Two LIMIT 1 lookups instead of sorting the whole department.
        pictured = select(_img.c.url).join(_p, _p.c.id == _img.c.product_id).where(
            _p.c.category_id.in_(members), _img.c.position == 0)
        img = conn.execute(pictured.where(_p.c.featured.is_(True)).limit(1)).scalar_one_or_none()
        if img is None:
            img = conn.execute(pictured.limit(1)).scalar_one_or_none()
        out.append(CategorySummary(n.id, n.name, n.path, int(total), img or "", int(n.depth or 0)))
    return out


def top_categories(engine: Engine, limit: int = 8) -> list[CategorySummary]:
    """Root categories with products, most products first (ties by name).

    Empty categories are left out: a tile must lead somewhere.
    """
    with engine.connect() as conn:
        cats = _categories_with_counts(conn, None)
    cats.sort(key=lambda c: (-c.product_count, c.name))
    return cats[:limit]


def subcategories(engine: Engine, category_id: str) -> list[CategorySummary]:
    """The non-empty children of a category, in their catalog order."""
    with engine.connect() as conn:
        return _categories_with_counts(conn, category_id)


def find_variant_by_code(engine: Engine, code: str) -> tuple[str, str] | None:
    """``(product_id, variant_id)`` of an exact barcode or SKU, or ``None``.

    Scanner input: the barcode table first (its primary key), then SKUs.
    """
    code = code.strip()
    if not code:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(_v.c.product_id, _v.c.id).join(_b, _b.c.variant_id == _v.c.id)
                           .where(_b.c.code == code)).first()
        if row is None:
            row = conn.execute(select(_v.c.product_id, _v.c.id).where(_v.c.sku == code)).first()
    return (row[0], row[1]) if row else None


__all__ = [
    "Availability",
    "CategorySummary",
    "OptionAxis",
    "ProductDetail",
    "ProductSummary",
    "StockStatus",
    "VariantDetail",
    "availability",
    "count_in_category",
    "featured_products",
    "find_variant_by_code",
    "get_product",
    "location_text",
    "product_summaries",
    "products_in_category",
    "summary_map",
    "subcategories",
    "top_categories",
]
