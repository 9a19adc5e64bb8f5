"""Helpers for the catalog tests: sample records, files on disk, table dumps, the CLI."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

REPO = Path(__file__).resolve().parents[2]
KIOSK = REPO / ".venv" / "bin" / "kiosk"

# Real, valid codes (check digits verified by hand against GS1's calculator).
EAN13 = "4006381333931"
EAN13_B = "5901234123457"
EAN8 = "96385074"
UPCA = "036000291452"

CATALOG_TABLES = ("categories", "products", "product_tags", "product_images", "variants", "barcodes",
                  "scenes", "scene_items")

CSV_HEADER = "product_id,sku,barcode,name,brand,category,price,currency,description,image_url,aisle,bay,stock"


def variant(**over: Any) -> dict[str, Any]:
    """A valid variant object; keyword arguments replace fields (None removes one)."""
    v = {"id": "V-1001-1", "sku": "NH-OSLO-3-GRY", "title": "Grey", "options": {"Colour": "Grey"},
         "price": "899.00", "compare_at_price": "999.00", "currency": "EUR", "barcodes": [EAN13],
         "stock": 4, "online_available": True, "aisle": "12", "bay": "B",
         "platform_variant_id": "40112233445566", "image": ""}
    return _apply(v, over)


def product(**over: Any) -> dict[str, Any]:
    """A valid product object (the example of docs/catalog-format.md)."""
    p = {"id": "P-1001", "name": "Oslo 3-seat sofa", "brand": "Nordhem", "description": "Deep seats.\nWashable covers.",
         "category": ["Furniture", "Sofas"], "tags": ["living room"], "images": ["asset:demo/images/p-1001.png"],
         "online_url": "https://shop.example/products/oslo", "platform_product_id": "", "featured": False,
         "updated_at": "2026-11-01T10:00:00Z", "variants": [variant()]}
    return _apply(p, over)


def _apply(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def small_catalog() -> list[dict[str, Any]]:
    """Three products, five variants, UPC-A and EAN-8 codes included."""
    return [
        product(),
        product(id="P-1002", name="Bergen armchair", category=["Furniture", "Chairs"], tags=["reading"],
                variants=[variant(id="V-1002-1", sku="NH-BERG-BLU", title="Blue", options={"Colour": "Blue"},
                                  price="349.00", compare_at_price=None, barcodes=[EAN13_B], stock=0),
                          variant(id="V-1002-2", sku="NH-BERG-RED", title="Red", options={"Colour": "Red"},
                                  price="349.00", compare_at_price=None, barcodes=[UPCA], stock=2)]),
        product(id="P-2001", name="Linen tea towel", brand="Hemma", category=["Textiles", "Kitchen textiles"],
                tags=[], images=["https://cdn.example.com/t.jpg"], updated_at=None,
                variants=[variant(id="V-2001-1", sku="HM-TT-NAT", title="Natural", options={},
                                  price="9.50", compare_at_price=None, barcodes=[EAN8], stock=30),
                          variant(id="V-2001-2", sku="HM-TT-CHR", title="Charcoal", options={},
                                  price="9.50", compare_at_price="12.00", barcodes=[], stock=12)]),
    ]


def write_json_catalog(path: Path, products: list[dict[str, Any]], scenes: list[dict[str, Any]] | None = None) -> Path:
    """A JSON catalog file, pretty-printed (one field per line, like a hand-edited file)."""
    doc = {"format": "kiosk-catalog", "version": 1, "products": products, "scenes": scenes or []}
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def write_jsonl(path: Path, products: list[Any]) -> Path:
    """One product object per line."""
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in products), encoding="utf-8")
    return path


def dump_tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the catalog tables, sorted: equal dumps mean equal content."""
    out = {}
    with engine.connect() as conn:
        for table in CATALOG_TABLES:
            rows = conn.exec_driver_sql(f"SELECT * FROM {table}").fetchall()
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


def count(engine: Engine, table: str) -> int:
    """Rows in a table."""
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


@pytest.fixture
def run_kiosk(db_path: Path, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real ``kiosk`` command on the test's database file."""

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KIOSK_DB": str(db_path), "HOME": str(tmp_path)}
        env.pop("KIOSK_CONFIG", None)
        return subprocess.run([str(KIOSK), *args], capture_output=True, text=True, env=env, input=stdin,
                              timeout=120, cwd=tmp_path)

    return run
