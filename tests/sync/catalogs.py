"""Small deterministic catalogs in the canonical format for sync tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk.barcodes import with_check_digit

DEMO_IMAGES = ["asset:demo/images/sofa-0-mustard.png", "asset:demo/images/armchair-0-navy.png",
               "asset:demo/images/plate-1-blush.png", "asset:demo/images/plate-1-navy.png"]


def product(i: int, *, variants: int = 3, price: int = 100, version: int = 1, images: bool = False) -> dict[str, Any]:
    """Product number ``i`` with ``variants`` variants; ``price`` is whole euros."""
    pid = f"P-{i:05d}"
    return {
        "id": pid,
        "name": f"Test product {i} v{version}",
        "brand": ["Nordhem", "Lykke", "Fjord"][i % 3],
        "description": f"Product {i}, version {version}.",
        "category": ["Furniture", ["Sofas", "Chairs", "Tables"][i % 3]],
        "tags": ["living room"] if i % 2 else ["dining"],
        "images": [DEMO_IMAGES[i % len(DEMO_IMAGES)]] if images else [],
        "online_url": f"https://shop.example/products/{pid.lower()}",
        "platform_product_id": "",
        "featured": i % 10 == 0,
        "updated_at": "2026-11-01T10:00:00Z",
        "variants": [
            {"id": f"V-{i:05d}-{j}", "sku": f"SKU-{i:05d}-{j}", "title": f"Option {j}",
             "options": {"Size": str(j)}, "price": f"{price + j}.00", "compare_at_price": None,
             "currency": "EUR", "barcodes": [with_check_digit(f"20{i:06d}{j:04d}")], "stock": (i + j) % 7,
             "online_available": True, "aisle": str(i % 20), "bay": "ABC"[j % 3],
             "platform_variant_id": "", "image": ""}
            for j in range(1, variants + 1)
        ],
    }


def catalog(n: int, *, variants: int = 3, version: int = 1, start: int = 0, images: int = 0,
            price: int = 100) -> list[dict[str, Any]]:
    """Products ``start .. start+n-1``; the first ``images`` of them have an image."""
    return [product(i, variants=variants, version=version, images=(i - start) < images, price=price)
            for i in range(start, start + n)]


def write_jsonl(path: Path, products: list[dict[str, Any]]) -> Path:
    """Write products as a JSONL catalog file."""
    path.write_text("".join(json.dumps(p) + "\n" for p in products), encoding="utf-8")
    return path
