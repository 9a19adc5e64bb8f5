"""kiosk.lookup: what a barcode scanner or a typed SKU finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.importer import import_file
from kiosk.lookup import lookup_code

from .conftest import EAN8, EAN13, EAN13_B, UPCA, small_catalog, write_json_catalog


@pytest.fixture
def catalog(engine: Engine, tmp_path: Path) -> Engine:
    assert import_file(engine, write_json_catalog(tmp_path / "c.json", small_catalog())).ok
    return engine


@pytest.mark.parametrize(
    ("code", "variant_id", "matched"),
    [
        (EAN13, "V-1001-1", "barcode"),
        (EAN13_B, "V-1002-1", "barcode"),
        (EAN8, "V-2001-1", "barcode"),
        (UPCA, "V-1002-2", "barcode"),          # stored as its EAN-13 form
        ("0" + UPCA, "V-1002-2", "barcode"),    # ... and found by it
        ("0" + EAN13, "V-1001-1", "barcode"),   # a GTIN-14 with a leading zero
        (f"{EAN13}\r\n", "V-1001-1", "barcode"),  # what a keyboard-wedge scanner types
        (f"\x02 {EAN13}\t", "V-1001-1", "barcode"),
        ("NH-OSLO-3-GRY", "V-1001-1", "sku"),
        ("  nh-oslo-3-gry\n", "V-1001-1", "sku"),  # typed in lower case
        ("HM-TT-CHR", "V-2001-2", "sku"),
    ],
)
def test_codes_find_their_variant(catalog: Engine, code: str, variant_id: str, matched: str) -> None:
    found = lookup_code(catalog, code)
    assert found is not None
    assert (found.variant_id, found.matched) == (variant_id, matched)


def test_result_carries_what_the_screen_shows(catalog: Engine) -> None:
    found = lookup_code(catalog, EAN13)
    assert found is not None
    assert found.to_json() == {
        "product_id": "P-1001", "variant_id": "V-1001-1", "sku": "NH-OSLO-3-GRY", "matched": "barcode",
        "code": EAN13, "name": "Oslo 3-seat sofa", "title": "Grey", "price_minor": 89900, "currency": "EUR",
        "stock": 4, "aisle": "12", "bay": "B"}


@pytest.mark.parametrize("code", ["", "   ", "4006381333932", "400638133393", "NH-OSLO", "x" * 10_000,
                                  "' OR 1=1 --", "\x00", "🛋️", "NH-OSLO-3-GRY%", "%"])
def test_anything_else_finds_nothing_and_never_raises(catalog: Engine, code: str) -> None:
    assert lookup_code(catalog, code) is None


def test_lookup_on_an_open_connection(catalog: Engine) -> None:
    with catalog.connect() as conn:
        assert [lookup_code(conn, c).sku for c in (EAN13, EAN8)] == ["NH-OSLO-3-GRY", "HM-TT-NAT"]  # type: ignore[union-attr]


def test_lookup_uses_the_indexes(catalog: Engine) -> None:
    # "In microseconds" means an index probe, never a scan of 200k variants.
    from kiosk.lookup import _SQL_BARCODE, _SQL_SKU

    with catalog.connect() as conn:
        for sql in (_SQL_BARCODE, _SQL_SKU):
            plan = " ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, ("x",)))
            assert "SCAN" not in plan, plan
