"""The customer's cart at the kiosk: in memory, one per customer session.

Prices are those of the local cache when the line is added; ``reprice``
refreshes them after a sync so the kiosk and the online store agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from kiosk.money import MoneyError

if TYPE_CHECKING:
    from sqlalchemy import Engine

MAX_QTY = 99


class CartError(ValueError):
    """A cart operation that cannot be done (unknown variant, mixed currency)."""


@dataclass(frozen=True, slots=True)
class CartLine:
    """One variant and how many of it."""

    variant_id: str
    product_id: str
    sku: str
    name: str
    variant_title: str
    unit_minor: int
    currency: str
    qty: int
    platform_variant_id: str = ""
    platform_product_id: str = ""
    image_url: str = ""

    @property
    def total_minor(self) -> int:
        """Unit price times quantity, in minor units."""
        return self.unit_minor * self.qty


@dataclass
class Cart:
    """An ordered set of lines, at most one per variant."""

    currency: str
    _lines: dict[str, CartLine] = field(default_factory=dict)

    def __iter__(self) -> Iterator[CartLine]:
        return iter(self._lines.values())

    def __len__(self) -> int:
        return len(self._lines)

    @property
    def lines(self) -> list[CartLine]:
        """The lines in the order they were first added."""
        return list(self._lines.values())

    @property
    def item_count(self) -> int:
        """Total quantity over all lines."""
        return sum(line.qty for line in self._lines.values())

    @property
    def total_minor(self) -> int:
        """Sum of line totals in minor units of ``currency``."""
        return sum(line.total_minor for line in self._lines.values())

    def add(self, line: CartLine) -> CartLine:
        """Add a line, or add its quantity to the existing line of that variant.

        Raises:
            CartError: The line's currency differs from the cart's.
        """
        if line.currency != self.currency:
            raise CartError(f"cart is in {self.currency}, item is priced in {line.currency}")
        if line.qty < 1:
            raise CartError("quantity must be at least 1")
        old = self._lines.get(line.variant_id)
        qty = min(MAX_QTY, line.qty + (old.qty if old else 0))
        new = replace(line, qty=qty)
        self._lines[line.variant_id] = new
        return new

    def set_qty(self, variant_id: str, qty: int) -> None:
        """Set a line's quantity; 0 removes it; capped at ``MAX_QTY``."""
        if variant_id not in self._lines:
            return
        if qty <= 0:
            del self._lines[variant_id]
        else:
            self._lines[variant_id] = replace(self._lines[variant_id], qty=min(MAX_QTY, qty))

    def update_line(self, line: CartLine) -> None:
        """Replace a line's details (price, name) after a sync, keeping its place and quantity."""
        old = self._lines.get(line.variant_id)
        if old is not None:
            self._lines[line.variant_id] = replace(line, qty=old.qty)

    def remove(self, variant_id: str) -> None:
        """Remove a line if present."""
        self._lines.pop(variant_id, None)

    def clear(self) -> None:
        """Empty the cart (end of a customer session)."""
        self._lines.clear()

    def reprice(self, engine: Engine) -> list[str]:
        """Refresh prices from the cache after a sync.

        Returns:
            Variant ids that no longer exist and were removed.
        """
        gone: list[str] = []
        for vid, line in list(self._lines.items()):
            try:
                fresh = line_for_variant(engine, vid, line.qty)
            except CartError:
                gone.append(vid)
                del self._lines[vid]
                continue
            self._lines[vid] = fresh
        return gone


def line_for_variant(engine: Engine, variant_id: str, qty: int = 1) -> CartLine:
    """Build a cart line for a variant from the local cache.

    Raises:
        CartError: No such variant.
    """
    # Imported here: the kiosk app creates its Cart before its first frame,
    # while SQLAlchemy loads on the start-up thread (kiosk/startup.py).
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from kiosk.models import Product, Variant

    with Session(engine) as s:
        row = s.execute(
            select(Variant, Product).join(Product, Variant.product_id == Product.id).where(Variant.id == variant_id)
        ).first()
        if row is None:
            raise CartError(f"unknown variant {variant_id!r}")
        v, p = row
        image = v.image_url or (p.images[0].url if p.images else "")
        try:
            return CartLine(
                variant_id=v.id,
                product_id=p.id,
                sku=v.sku,
                name=p.name,
                variant_title=v.title,
                unit_minor=v.price_minor,
                currency=v.currency,
                qty=max(1, min(MAX_QTY, qty)),
                platform_variant_id=v.platform_variant_id,
                platform_product_id=p.platform_product_id,
                image_url=image,
            )
        except MoneyError as exc:  # pragma: no cover - guarded by the schema
            raise CartError(str(exc)) from exc
