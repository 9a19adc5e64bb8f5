"""Tables of the central catalog service.

These are separate from the kiosk's cache models (kiosk/models.py): the
central database holds many stores, an append-only changes log and binary
images, and runs on SQLite or PostgreSQL.

Feed design (see docs/api.md): every change to a chain's catalog gets the next
value of the chain's sequence (``chains.last_seq``, incremented under a row
lock so sequence order is commit order). The ``changes`` table is a compacted
log: it keeps only the newest row per product (chain-level, ``store_id = ''``)
and per (store, product) for store overrides, so a feed read from cursor 0 is
bounded by the catalog size, and a product that changes while a client pages
moves forward past the client's cursor instead of being lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kiosk.models import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: ``changes.store_id`` of a chain-level change (seen by every store of the chain).
CHAIN_LEVEL = ""


class Base(DeclarativeBase):
    """Declarative base of the central service (not the kiosk cache's)."""

    metadata = MetaData(naming_convention=NAMING)


class Chain(Base):
    """A retail chain: one catalog shared by its stores."""

    __tablename__ = "chains"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Random per chain: part of every feed ETag, so a rebuilt database never
    # answers 304 to a validator issued by the old one.
    epoch: Mapped[str] = mapped_column(String(16))
    # The chain's sequence: last value handed out (chain- or store-level).
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Highest seq of a chain-level change (what every store sees).
    head_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Store(Base):
    """A physical store; kiosks of a store share its token scope."""

    __tablename__ = "stores"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    chain_id: Mapped[str] = mapped_column(ForeignKey("chains.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # Highest seq of a change specific to this store (its overrides).
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Version of the store's scene collection; bumped by any scene write.
    scenes_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Product(Base):
    """The current canonical record of a chain's product (deleted ones are removed)."""

    __tablename__ = "products"

    chain_id: Mapped[str] = mapped_column(ForeignKey("chains.id"), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    # Canonical JSON text (sorted keys, compact), images rewritten to
    # /v1/images/<sha256>; served as is unless a store override applies.
    record: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VariantIndex(Base):
    """Variant id and SKU of each variant, to find products by SKU."""

    __tablename__ = "variant_index"

    chain_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    variant_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    sku: Mapped[str] = mapped_column(String(255), default="")
    product_id: Mapped[str] = mapped_column(String(255))

    __table_args__ = (
        Index("ix_variant_index_sku", "chain_id", "sku"),
        Index("ix_variant_index_product", "chain_id", "product_id"),
    )


class Override(Base):
    """Store-specific values of one variant, merged into what the store receives."""

    __tablename__ = "overrides"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    variant_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(255))
    price: Mapped[str | None] = mapped_column(String(32))  # decimal string, variant currency
    compare_at_price: Mapped[str | None] = mapped_column(String(32))
    stock: Mapped[int | None] = mapped_column(Integer)
    aisle: Mapped[str | None] = mapped_column(String(32))
    bay: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_overrides_product", "store_id", "product_id"),)


class Change(Base):
    """One entry of the compacted changes log (newest per product / store+product)."""

    __tablename__ = "changes"

    chain_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    store_id: Mapped[str] = mapped_column(String(64), default=CHAIN_LEVEL)
    product_id: Mapped[str] = mapped_column(String(255))
    op: Mapped[str] = mapped_column(String(8))  # "upsert" | "delete"

    __table_args__ = (
        Index("ix_changes_product", "chain_id", "product_id", "store_id"),
        Index("ix_changes_store_seq", "chain_id", "store_id", "seq"),
    )


class SceneRow(Base):
    """A scene of one store; ``body`` is the canonical scene JSON."""

    __tablename__ = "scenes"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    scene_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Image(Base):
    """Image bytes, addressed by their sha256 (which is also the ETag)."""

    __tablename__ = "images"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventBatch(Base):
    """An accepted events upload, remembered by its Idempotency-Key."""

    __tablename__ = "event_batches"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    accepted: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventRow(Base):
    """One analytics event from a kiosk (no personal data)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    store_id: Mapped[str] = mapped_column(String(64))
    uid: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("store_id", "uid", name="uq_events_store_uid"),
        # The unmet-demand report: a store's events of some kinds since a time.
        Index("ix_events_store_kind_at", "store_id", "kind", "at"),
    )


class Token(Base):
    """A bearer token: only its sha256 is stored."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[str | None] = mapped_column(String(64))  # None: admin token
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Handoff(Base):
    """A cart handed off from a kiosk to a phone through a short link."""

    __tablename__ = "handoffs"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    # [{"name", "variant", "qty", "unit_price_minor", "image", ...}]
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    checkout_url: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HandoffScan(Base):
    """One opening of a handoff link (for handed-off vs opened figures)."""

    __tablename__ = "handoff_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(ForeignKey("handoffs.code", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
