"""Small hand-made catalogs, imported through the real importer into a real SQLite file."""

from __future__ import annotations

import json
from itertools import count
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from kiosk.barcodes import with_check_digit
from kiosk.importer import import_file

_codes = count(1)


def variant(vid: str, *, price: str = "10.00", stock: int = 5, online: bool = True, aisle: str = "3",
            bay: str = "A", options: dict[str, str] | None = None, compare: str | None = None,
            barcode: str | None = None, image: str = "") -> dict[str, Any]:
    """A variant object of the canonical format (a fresh valid EAN-13 unless given)."""
    code = barcode or with_check_digit(f"200{next(_codes):09d}")
    return {"id": vid, "sku": f"SKU-{vid}", "title": " / ".join((options or {}).values()), "options": options or {},
            "price": price, "compare_at_price": compare, "currency": "EUR", "barcodes": [code], "stock": stock,
            "online_available": online, "aisle": aisle, "bay": bay, "platform_variant_id": "", "image": image}


def product(pid: str, name: str, *, category: list[str] | None = None, tags: list[str] | None = None,
            variants: list[dict[str, Any]] | None = None, featured: bool = False, brand: str = "Acme",
            images: list[str] | None = None, **variant_kw: Any) -> dict[str, Any]:
    """A product object with one default variant unless ``variants`` is given."""
    return {"id": pid, "name": name, "brand": brand, "description": f"About {name}.",
            "category": category or ["Furniture", "Sofas"], "tags": tags or [],
            "images": images if images is not None else [f"https://img.example/{pid}.png"],
            "online_url": f"https://shop.example/{pid}", "platform_product_id": "", "featured": featured,
            "updated_at": "2026-11-01T10:00:00Z",
            "variants": variants or [variant(f"{pid}-1", **variant_kw)]}


def scene(sid: str, title: str, product_ids: list[str], *, position: int = 0, store_id: str | None = None,
          active_from: str | None = None, active_to: str | None = None) -> dict[str, Any]:
    """A scene object with hotspots spread across the picture."""
    items = [{"product_id": p, "x": round((i + 1) / (len(product_ids) + 1), 3), "y": 0.5, "note": ""}
             for i, p in enumerate(product_ids)]
    return {"id": sid, "title": title, "subtitle": f"{title} subtitle", "hero_image": f"https://img.example/{sid}.jpg",
            "store_id": store_id, "active_from": active_from, "active_to": active_to, "position": position,
            "items": items}


def load(engine: Engine, tmp_path: Path, products: list[dict[str, Any]],
         scenes: list[dict[str, Any]] | None = None) -> None:
    """Write a catalog file and import it with ``kiosk.importer.import_file``."""
    path = tmp_path / f"catalog-{next(_codes)}.json"
    path.write_text(json.dumps({"format": "kiosk-catalog", "version": 1, "products": products,
                                "scenes": scenes or []}), encoding="utf-8")
    report = import_file(engine, path)
    assert report.committed, report.errors
