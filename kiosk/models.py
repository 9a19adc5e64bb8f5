"""SQLAlchemy 2.x models of the kiosk's local cache.

Public ids are the source system's strings, never SQLite rowids. Money is
integer minor units plus an ISO 4217 currency. Timestamps are timezone-aware
UTC (stored as ISO-8601 text so that SQLite sorts them correctly).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so Alembic migrations (batch mode on SQLite) can
# refer to them across versions.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes stored as ISO-8601 text; naive input is refused."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must be timezone-aware UTC")
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value).astimezone(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names."""

    metadata = MetaData(naming_convention=NAMING)


class Category(Base):
    """A node of the category tree; ``id`` is the full path slug."""

    __tablename__ = "categories"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    # Human path such as "Furniture > Sofas", as shown and as imported.
    path: Mapped[str] = mapped_column(String(1000), unique=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Product(Base):
    """A product as the customer sees it; prices and stock live on variants."""

    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    brand: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    online_url: Mapped[str] = mapped_column(String(2000), default="")
    # Platform product id for handoff targets that work per product (WooCommerce).
    platform_product_id: Mapped[str] = mapped_column(String(128), default="")
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship(lazy="joined")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.position", cascade="all, delete-orphan", passive_deletes=True
    )
    images: Mapped[list[ProductImage]] = relationship(
        order_by="ProductImage.position", cascade="all, delete-orphan", passive_deletes=True
    )
    tags: Mapped[list[ProductTag]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class ProductTag(Base):
    """A free-text tag on a product (searchable, used by recommendations)."""

    __tablename__ = "product_tags"

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)


class ProductImage(Base):
    """An image of a product, by URL; the image cache maps it to a local file."""

    __tablename__ = "product_images"

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    alt: Mapped[str] = mapped_column(String(500), default="")


class Variant(Base):
    """A buyable variant (size/colour...) with its own SKU, price and stock."""

    __tablename__ = "variants"
    __table_args__ = (
        CheckConstraint("price_minor >= 0", name="price_nonneg"),
        CheckConstraint("length(currency) = 3", name="currency_iso"),
        Index("ix_variants_product_position", "product_id", "position"),
    )

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(128), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    # {"Size": "L", "Colour": "Blue"}: option name -> value, in display order.
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    price_minor: Mapped[int] = mapped_column(Integer)
    compare_at_minor: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    stock_store: Mapped[int] = mapped_column(Integer, default=0)
    online_available: Mapped[bool] = mapped_column(Boolean, default=False)
    aisle: Mapped[str] = mapped_column(String(32), default="")
    bay: Mapped[str] = mapped_column(String(32), default="")
    # The online platform's variant id (Shopify variant id, WooCommerce id).
    platform_variant_id: Mapped[str] = mapped_column(String(128), default="")
    image_url: Mapped[str] = mapped_column(String(2000), default="")

    product: Mapped[Product] = relationship(back_populates="variants")
    barcodes: Mapped[list[Barcode]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Barcode(Base):
    """A scannable code (EAN-13, EAN-8, UPC-A) of one variant."""

    __tablename__ = "barcodes"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    variant_id: Mapped[str] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"), index=True)


class Scene(Base):
    """A staff-curated scene: products shown together on a hero image."""

    __tablename__ = "scenes"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    subtitle: Mapped[str] = mapped_column(String(500), default="")
    hero_image: Mapped[str] = mapped_column(String(2000), default="")
    # None: every store of the chain; else the one store it is for.
    store_id: Mapped[str | None] = mapped_column(String(64), index=True)
    active_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Optimistic-concurrency version, bumped on every write (If-Match).
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[SceneItem]] = relationship(
        order_by="SceneItem.position", cascade="all, delete-orphan", passive_deletes=True
    )


class SceneItem(Base):
    """A product placed on a scene's hero image at a hotspot (fractions 0..1)."""

    __tablename__ = "scene_items"
    __table_args__ = (
        CheckConstraint("x >= 0 AND x <= 1 AND y >= 0 AND y <= 1", name="hotspot_in_image"),
        Index("ix_scene_items_product", "product_id"),
    )

    scene_id: Mapped[str] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key: a scene may name a product the store does not carry
    # yet (it is hidden until the product arrives), and catalog syncs must
    # not delete staff-made scenes.
    product_id: Mapped[str] = mapped_column(String(128))
    # Origin top-left, fractions of the hero image's width and height.
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(300), default="")


class SyncState(Base):
    """Where the sync with the central service stands (one row per store)."""

    __tablename__ = "sync_state"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(64), default="")
    etag: Mapped[str] = mapped_column(String(200), default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Counters of the last sync: {"upserted": n, "deleted": n, "rejected": n}.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SyncReject(Base):
    """A product the central feed sent that the kiosk refused, for staff.

    One row per (store, product): the newest rejection. The row goes away
    when a valid version of the product (or its deletion) is applied. The
    kiosk keeps showing the last valid version of a rejected product.
    """

    __tablename__ = "sync_rejects"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    field: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # The record as received (cut to a few KB), so staff can forward it.
    raw: Mapped[str] = mapped_column(Text, default="")
    rejected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchChange(Base):
    """One entry of the search index's change log (see kiosk/search/index.py).

    Writers append the ids of products they changed inside their own
    transaction; a row without a product id means "rebuild everything".
    Search engines in any process compare the highest ``seq`` with the one
    their in-memory index was built at, and patch or rebuild.
    """

    __tablename__ = "search_changes"
    __table_args__ = {"sqlite_autoincrement": True}

    # AUTOINCREMENT: sequence numbers never go back, even after the log is
    # collapsed into one full-rebuild row.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[str | None] = mapped_column(String(128))


class SearchSnapshot(Base):
    """The search index as last built, saved so that a restart loads it instead of building it.

    At most one row. It is used only when ``generation`` is still the
    newest ``search_changes.seq`` (nothing changed since) and ``format``
    names the running code's index layout; otherwise the index is built
    from the catalog as usual and saved again (see kiosk/search/snapshot.py).
    """

    __tablename__ = "search_snapshots"

    format: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(Base):
    """An analytics event (search misses, unknown scans, help requests, ...).

    Recorded locally first; the sync worker uploads them in batches and marks
    them with ``uploaded_at``.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_upload", "uploaded_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Globally unique id so a retried upload is counted once centrally.
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Setting(Base):
    """Small key/value settings made on the kiosk itself (staff choices)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


__all__ = [
    "Barcode",
    "Base",
    "Category",
    "Event",
    "Product",
    "ProductImage",
    "ProductTag",
    "Scene",
    "SceneItem",
    "SearchChange",
    "Setting",
    "SyncReject",
    "SyncState",
    "UTCDateTime",
    "Variant",
    "utcnow",
]
