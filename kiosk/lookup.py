"""Exact lookup of a scanned or typed code: barcode first, then SKU.

A barcode scanner types the code followed by Enter (sometimes with a tab,
a carriage return or stray control characters around it); that noise is
stripped. Barcodes are compared in their normal form (see
:mod:`kiosk.barcodes`): a UPC-A finds the variant stored under its EAN-13
form and vice versa, and a 14-digit GTIN with a leading 0 finds its EAN-13.
Both lookups hit a unique index (``barcodes.code``, ``variants.sku``), so a
lookup costs a couple of B-tree probes: tens of microseconds on a held
connection.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from kiosk.barcodes import clean_scan, scan_candidates

# Everything a screen needs to show "found it" without a second query.
_COLUMNS = ("v.product_id, v.id, v.sku, p.name, v.title, v.price_minor, v.currency, v.stock_store, "
            "v.aisle, v.bay")
_SQL_BARCODE = (f"SELECT {_COLUMNS}, b.code FROM barcodes b JOIN variants v ON v.id = b.variant_id "
                "JOIN products p ON p.id = v.product_id WHERE b.code = ?")
_SQL_SKU = f"SELECT {_COLUMNS}, v.sku FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku = ?"
_MAX_CODE = 128


@dataclass(frozen=True, slots=True)
class LookupResult:
    """The variant a code belongs to.

    Attributes:
        product_id: The product's id.
        variant_id: The variant's id.
        sku: The variant's SKU.
        matched: ``"barcode"`` or ``"sku"``: what the code matched.
        code: The stored value that matched (a barcode in normal form, or the SKU).
        name: The product's name.
        title: The variant's title ("Grey / L").
        price_minor: Price in minor units.
        currency: ISO 4217 currency.
        stock: Units in this store.
        aisle: Aisle in this store.
        bay: Bay in the aisle.
    """

    product_id: str
    variant_id: str
    sku: str
    matched: str
    code: str
    name: str = ""
    title: str = ""
    price_minor: int = 0
    currency: str = ""
    stock: int = 0
    aisle: str = ""
    bay: str = ""

    def to_json(self) -> dict[str, Any]:
        """A plain dict (for ``kiosk lookup --json``)."""
        return asdict(self)


def _result(row: Any, matched: str) -> LookupResult:
    pid, vid, sku, name, title, price, currency, stock, aisle, bay, code = row
    return LookupResult(pid, vid, sku, matched, code, name, title, price, currency, stock, aisle, bay)


def _sku_candidates(text: str) -> list[str]:
    # Keep inner spaces (some SKUs have them) but drop scanner noise at the
    # edges; SKU labels are usually upper case while typed codes may not be.
    sku = text.strip().strip("".join(chr(c) for c in range(32)) + "\x7f")
    if not sku or len(sku) > _MAX_CODE:
        return []
    out = [sku]
    if sku.upper() != sku:
        out.append(sku.upper())
    compact = clean_scan(sku)
    if compact != sku and compact not in out:
        out.append(compact)
    return out


def lookup_in(conn: Connection, code: str) -> LookupResult | None:
    """Like :func:`lookup_code` on an open connection (no pool checkout)."""
    if not isinstance(code, str) or len(code) > 4 * _MAX_CODE:
        return None
    # Straight to the driver: two indexed SELECTs cost less than
    # SQLAlchemy's statement handling around them, and a lookup is a
    # read that needs no transaction bookkeeping.
    dbapi = conn.connection.driver_connection
    for candidate in scan_candidates(code):
        row = dbapi.execute(_SQL_BARCODE, (candidate,)).fetchone()
        if row is not None:
            return _result(row, "barcode")
    for candidate in _sku_candidates(code):
        row = dbapi.execute(_SQL_SKU, (candidate,)).fetchone()
        if row is not None:
            return _result(row, "sku")
    return None


def lookup_code(engine: Engine | Connection, code: str) -> LookupResult | None:
    """Find the variant of a scanned or typed code.

    Args:
        engine: The kiosk database, or an open connection to it (cheapest
            when looking up many codes).
        code: What the scanner or keyboard produced.

    Returns:
        The variant found by exact barcode (tried first) or exact SKU, or
        ``None``. Never raises for odd input (empty, huge, control
        characters).
    """
    if isinstance(engine, Connection):
        return lookup_in(engine, code)
    with engine.connect() as conn:
        return lookup_in(conn, code)


__all__ = ["LookupResult", "lookup_code", "lookup_in"]
