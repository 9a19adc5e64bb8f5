"""Request and response bodies of the REST API (pydantic; they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    """The inside of an error response."""

    code: str = Field(description="Stable machine-readable code, e.g. `store_not_found`.")
    message: str = Field(description="Human-readable explanation.")


class ErrorBody(BaseModel):
    """Every error response: `{"error": {"code", "message"}}`."""

    error: ErrorDetail


class ChangeEntry(BaseModel):
    """One entry of the changes feed."""

    seq: int = Field(description="Server sequence number; strictly increasing within a response.")
    op: Literal["upsert", "delete"]
    product_id: str
    product: dict[str, Any] | None = Field(
        description="The canonical product record with this store's overrides merged; null for a delete.")


class ChangesPage(BaseModel):
    """A page of the changes feed."""

    changes: list[ChangeEntry]
    next: int = Field(description="Cursor for the next request (`since=`).")
    more: bool = Field(description="Whether more entries follow right away.")
    checkpoint: int = Field(description="The feed's head in this response's snapshot: a client that has "
                                        "applied everything up to it holds a consistent catalog.")


class ScenesList(BaseModel):
    """A store's scenes and the collection version (also the ETag)."""

    version: int
    scenes: list[dict[str, Any]]


class ScenesReplace(BaseModel):
    """The body of `PUT /scenes`: the whole collection."""

    scenes: list[dict[str, Any]]


class SceneWritten(BaseModel):
    """Answer to a scene write."""

    id: str
    version: int
    created: bool = False


class EventIn(BaseModel):
    """One analytics event (no personal data)."""

    model_config = ConfigDict(extra="ignore")

    uid: str = Field(min_length=1, max_length=64, description="Unique per event (a UUID).")
    kind: str = Field(min_length=1, max_length=40)
    at: datetime = Field(description="When it happened (ISO 8601 with a timezone).")
    payload: dict[str, Any] = Field(default_factory=dict)


class EventsBatch(BaseModel):
    """A batch of events; send it with an `Idempotency-Key` header."""

    events: list[EventIn] = Field(max_length=5000)


class EventsAccepted(BaseModel):
    """Answer to an events upload."""

    accepted: int = Field(description="New events stored by the first upload of this batch.")
    duplicate: bool = Field(description="This request repeated an already stored batch.")


class HandoffItem(BaseModel):
    """One cart line handed off to a phone."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=300)
    variant_title: str = Field(default="", max_length=200)
    variant: str = Field(default="", max_length=200, description="Alias of variant_title.")
    qty: int = Field(ge=1, le=999)
    unit_price: str = Field(description="Decimal string in the cart's currency, e.g. `899.00`.")
    image: str = Field(default="", max_length=2000)
    product_id: str = Field(default="", max_length=255)
    variant_id: str = Field(default="", max_length=255)
    sku: str = Field(default="", max_length=255)
    online: bool = True


class HandoffCreate(BaseModel):
    """The body of `POST /handoffs`: a cart, without anything about the customer."""

    model_config = ConfigDict(extra="ignore")

    currency: str = Field(min_length=3, max_length=3)
    items: list[HandoffItem] = Field(min_length=1, max_length=200)
    total: str | None = Field(default=None, description="Optional; must equal the sum of the lines.")
    checkout_url: str = Field(default="", max_length=4000)


class HandoffCreated(BaseModel):
    """Answer to a handoff: the short code and its link."""

    code: str
    url: str
    expires_at: datetime


class OverridePatch(BaseModel):
    """Store-specific values of a variant; omitted fields stay, `null` clears back to the chain's value."""

    model_config = ConfigDict(extra="forbid")

    price: str | None = None
    compare_at_price: str | None = None
    stock: int | None = Field(default=None, ge=0)
    aisle: str | None = Field(default=None, max_length=32)
    bay: str | None = Field(default=None, max_length=32)


class PricePatch(BaseModel):
    """A chain-wide price change of a variant."""

    model_config = ConfigDict(extra="forbid")

    price: str
    compare_at_price: str | None = None


class FeedHead(BaseModel):
    """Answer to a write that changes the feed."""

    head: int


class CatalogPublish(BaseModel):
    """The body of an admin catalog publish."""

    products: list[dict[str, Any]]
    scenes: list[dict[str, Any]] = Field(default_factory=list)
    full: bool = Field(default=True, description="Products not listed are deleted (tombstones).")


class PublishResult(BaseModel):
    """What a publish changed."""

    chain: str
    added: int
    updated: int
    deleted: int
    unchanged: int
    scenes_changed: int
    head: int


class StoreStatus(BaseModel):
    """A store's view of the service."""

    store: str
    chain: str
    name: str
    head: int
    products: int
    overrides: int
    scenes_version: int
    server_time: datetime


class DemandTerm(BaseModel):
    """One thing customers looked for at the kiosks and did not find."""

    term: str = Field(description="As customers typed it most often; case, accents and spaces are merged.")
    searches: int = Field(description="Searches that found nothing.")
    scans: int = Field(description="Scans of an unknown barcode.")
    stores: int = Field(description="In how many stores.")
    last_seen: datetime


class DemandReport(BaseModel):
    """The chain's unmet demand over a period, most wanted first."""

    chain: str
    store: str | None
    since: datetime
    terms: list[DemandTerm]


class ImageStored(BaseModel):
    """Answer to an image upload."""

    id: str
    url: str
    content_type: str
    size: int
