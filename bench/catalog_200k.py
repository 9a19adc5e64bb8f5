"""Build a large catalog (200,000 variants by default) from the Flipkart sample.

``../shared/data/flipkart-20k.csv`` holds 20,000 real product names, brands,
ids and prices (whole INR, messy names kept as they are). Each product is
scaled into colour/size variants with valid EAN-13 barcodes (GS1 India
prefix 890 + a running number + check digit), unique SKUs, aisle/bay
locations and stock, deterministically (same input, same output).

Two files with the same content are written:

* ``catalog-<n>.csv``: the simple CSV format, one row per variant, with the
  optional ``variant_id``, ``variant_title``, ``option:Colour``,
  ``option:Size``, ``compare_at_price``, ``tags``, ``online_url``,
  ``platform_variant_id`` columns (see docs/catalog-format.md);
* ``catalog-<n>.jsonl``: one canonical product object per line.

Python API (the search and import benchmarks use it)::

    from bench.catalog_200k import build
    paths = build("bench/.data", variants=200_000)
    paths.csv, paths.jsonl, paths.products, paths.variants

Command line::

    .venv/bin/python bench/catalog_200k.py [DEST_DIR] [--variants N] [--force]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as a script from anywhere
    sys.path.insert(0, str(ROOT))

from kiosk.barcodes import with_check_digit  # noqa: E402

SOURCE = ROOT.parent / "shared" / "data" / "flipkart-20k.csv"
DEFAULT_DEST = ROOT / "bench" / ".data"
CURRENCY = "INR"
UPDATED_AT = "2026-11-01T00:00:00Z"
# Bump when the generated content changes so cached files are rebuilt.
GENERATOR_VERSION = 1

CSV_HEADERS = [
    "product_id", "variant_id", "sku", "barcode", "name", "brand", "category",
    "variant_title", "option:Colour", "option:Size", "price", "compare_at_price",
    "currency", "description", "image_url", "aisle", "bay", "stock", "tags",
    "online_url", "platform_variant_id",
]

COLOURS = ["Black", "White", "Navy", "Red", "Grey", "Green", "Beige", "Pink", "Yellow", "Teal"]
COLOUR_CODES = {"Black": "BLK", "White": "WHT", "Navy": "NVY", "Red": "RED", "Grey": "GRY", "Green": "GRN",
                "Beige": "BGE", "Pink": "PNK", "Yellow": "YLW", "Teal": "TEL"}
SIZES = ["S", "M", "L", "XL", "XXL", "3XL"]
SIZE_SURCHARGE = {"S": 0, "M": 0, "L": 20, "XL": 40, "XXL": 60, "3XL": 80}

# Flipkart pid prefixes -> (department, category); the rest fall back to
# "General" and a category taken from the product name.
PREFIX_CATEGORIES: dict[str, tuple[str, str]] = {
    "NKC": ("Jewellery", "Necklaces"), "RNG": ("Jewellery", "Rings"), "BBA": ("Jewellery", "Bangles & Bracelets"),
    "JWS": ("Jewellery", "Jewel Sets"), "ERG": ("Jewellery", "Earrings"), "BCH": ("Jewellery", "Brooches"),
    "ACC": ("Electronics", "Mobile Accessories"), "RTR": ("Electronics", "Routers"), "USG": ("Electronics", "USB Gadgets"),
    "BRA": ("Clothing", "Lingerie"), "TSH": ("Clothing", "T-Shirts"), "SHT": ("Clothing", "Shirts"),
    "DRE": ("Clothing", "Dresses"), "TOP": ("Clothing", "Tops"), "LJG": ("Clothing", "Leggings"),
    "KRT": ("Clothing", "Kurtis"), "KTA": ("Clothing", "Kurtas"), "JEA": ("Clothing", "Jeans"),
    "SWS": ("Clothing", "Sweatshirts"), "SWT": ("Clothing", "Sweaters"), "TRO": ("Clothing", "Trousers"),
    "ETH": ("Clothing", "Ethnic Sets"), "SKI": ("Clothing", "Skirts"), "JCK": ("Clothing", "Jackets"),
    "TKP": ("Clothing", "Track Pants"), "SRT": ("Clothing", "Shorts"), "FAB": ("Clothing", "Fabrics"),
    "ACB": ("Kids", "Baby Clothing"), "DRP": ("Kids", "Dungarees & Rompers"),
    "SHO": ("Footwear", "Shoes"), "SND": ("Footwear", "Sandals & Heels"), "SFF": ("Footwear", "Slippers & Flip Flops"),
    "WAT": ("Watches", "Wrist Watches"), "WCK": ("Home Decor", "Wall Clocks"), "SHI": ("Home Decor", "Showpieces"),
    "STI": ("Home Decor", "Wall Stickers"), "PTG": ("Home Decor", "Paintings"), "RCL": ("Home Decor", "Lights"),
    "CRN": ("Home Furnishing", "Curtains"), "BLA": ("Home Furnishing", "Blankets"), "CPC": ("Home Furnishing", "Cushion Covers"),
    "BTW": ("Home Furnishing", "Towels"), "PEB": ("Pets", "Pet Beds"), "SOF": ("Furniture", "Sofas"),
    "MUG": ("Kitchen", "Mugs"), "PTP": ("Kitchen", "Cookware"), "PAC": ("Kitchen", "Tools"),
    "PCS": ("Garden", "Planters"), "CRT": ("Automotive", "Car Mats"), "SUD": ("Automotive", "Sun Shades"),
    "VHR": ("Automotive", "Horns & Accessories"), "CAG": ("Beauty", "Gift Sets"), "CBK": ("Beauty", "Combos"),
    "PBX": ("Stationery", "Pencil Boxes"), "DIA": ("Stationery", "Notebooks"), "HMB": ("Bags", "Handbags"),
    "BKP": ("Bags", "Backpacks"), "TIE": ("Accessories", "Ties"), "SGL": ("Accessories", "Sunglasses"),
    "BAL": ("Sports", "Balls"),
}
DEPARTMENT_AISLES = {dep: 1 + 3 * i for i, dep in enumerate(sorted({d for d, _ in PREFIX_CATEGORIES.values()} | {"General"}))}
BAYS = "ABCDEFGH"

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z-]{2,}")


@dataclass(frozen=True)
class CatalogPaths:
    """Where :func:`build` wrote the catalog, and how big it is."""

    csv: Path
    jsonl: Path
    products: int
    variants: int


def _h(text: str) -> int:
    """A stable small hash (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def _category(pid: str, name: str) -> list[str]:
    found = PREFIX_CATEGORIES.get(pid[:3])
    if found:
        return list(found)
    words = _WORD_RE.findall(name)
    leaf = words[-1].title() if words else "Miscellaneous"
    return ["General", leaf]


def _price(row: dict[str, str], seed: int) -> tuple[int, int | None]:
    """Whole-rupee price and compare-at price (None when not discounted)."""
    disc, retail = row["discounted_price"].strip(), row["retail_price"].strip()
    if not disc and not retail:
        price = 199 + seed % 4800  # a few rows have no price at all
        return price, None
    price = int(disc or retail)
    was = int(retail or disc)
    return price, (was if was > price else None)


def _products(source: Path, variants: int, per_product: int) -> Iterator[dict[str, Any]]:
    with source.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    n_products = max(1, min(len(rows), -(-variants // per_product)))
    base, extra = divmod(variants, n_products)
    seen_codes: set[str] = set()
    serial = 0
    for i, row in enumerate(rows[:n_products]):
        n_var = base + (1 if i < extra else 0)
        seed = _h(row["uniq_id"])
        code = row["pid"].strip() or f"X{i:07d}"
        if code in seen_codes:  # two Flipkart rows share a pid
            code = f"{code}{i}"
        seen_codes.add(code)
        name = row["product_name"]
        brand = row["brand"]
        category = _category(code, name)
        price, was = _price(row, seed)
        department = category[0]
        aisle = str(DEPARTMENT_AISLES.get(department, 1) + seed % 3)
        colour_start = seed % len(COLOURS)
        vs = []
        for j in range(n_var):
            colour = COLOURS[(colour_start + j) % len(COLOURS)]
            size = SIZES[(j // len(COLOURS)) % len(SIZES)]
            pack = j // (len(COLOURS) * len(SIZES))
            options = {"Colour": colour, "Size": size}
            title = f"{colour} / {size}"
            sku = f"{code}-{COLOUR_CODES[colour]}-{size}"
            if pack:
                options["Pack"] = f"{pack + 1}"
                title += f" / Pack of {pack + 1}"
                sku += f"-P{pack + 1}"
            vseed = _h(f"{row['uniq_id']}:{j}")
            surcharge = SIZE_SURCHARGE[size] * (pack + 1)
            v_price = price * (pack + 1) + surcharge
            v_was = (was * (pack + 1) + surcharge) if was is not None else None
            stock = 0 if vseed % 7 == 0 else vseed % 40
            serial += 1
            vs.append({
                "id": f"{code}-{j + 1:03d}",
                "sku": sku,
                "title": title,
                "options": options,
                "price": f"{v_price}.00",
                "compare_at_price": f"{v_was}.00" if v_was is not None else None,
                "currency": CURRENCY,
                "barcodes": [with_check_digit(f"890{serial:09d}")],
                "stock": stock,
                "online_available": vseed % 5 != 0,
                "aisle": aisle,
                "bay": BAYS[vseed % len(BAYS)],
                "platform_variant_id": str(40_000_000_000_000 + serial),
                "image": "",
            })
        title_brand = f" by {brand}" if brand else ""
        yield {
            "id": row["uniq_id"],
            "name": name,
            "brand": brand,
            "description": f"{name}{title_brand}. Available in {n_var} colour and size options.",
            "category": category,
            "tags": [category[1].lower(), department.lower()],
            "images": [f"https://img.example.com/flipkart/{code}.jpg"],
            "online_url": f"https://shop.example.com/p/{code}",
            "platform_product_id": code,
            "featured": seed % 250 == 0,
            "updated_at": UPDATED_AT,
            "variants": vs,
        }


def _csv_rows(product: dict[str, Any]) -> Iterator[list[str]]:
    for v in product["variants"]:
        yield [
            product["id"], v["id"], v["sku"], "|".join(v["barcodes"]), product["name"], product["brand"],
            " > ".join(product["category"]), v["title"], v["options"]["Colour"], v["options"]["Size"],
            v["price"], v["compare_at_price"] or "", v["currency"], product["description"],
            product["images"][0], v["aisle"], v["bay"], str(v["stock"]), "|".join(product["tags"]),
            product["online_url"], v["platform_variant_id"],
        ]


def build(dest_dir: Path | str = DEFAULT_DEST, variants: int = 200_000, *, per_product: int = 10,
          source: Path | str = SOURCE, force: bool = False) -> CatalogPaths:
    """Write the scaled catalog as CSV and JSONL into ``dest_dir``.

    Files already there from the same generator version are reused unless
    ``force``.

    Args:
        dest_dir: Output directory (created if missing).
        variants: Total number of variants; spread over up to 20,000
            products (10 per product at the default size).
        per_product: Variants per product when the source has enough
            products (more per product once all 20,000 are used).
        source: The Flipkart CSV to scale.
        force: Rebuild even if the files exist.

    Returns:
        The two paths and the product/variant counts.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    stem = f"catalog-{variants}-{per_product}pp-v{GENERATOR_VERSION}"
    csv_path, jsonl_path, meta_path = dest / f"{stem}.csv", dest / f"{stem}.jsonl", dest / f"{stem}.meta.json"
    if not force and csv_path.exists() and jsonl_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        return CatalogPaths(csv_path, jsonl_path, meta["products"], meta["variants"])
    n_products = n_variants = 0
    tmp_csv, tmp_jsonl = csv_path.with_suffix(".csv.tmp"), jsonl_path.with_suffix(".jsonl.tmp")
    with tmp_csv.open("w", encoding="utf-8", newline="") as fc, tmp_jsonl.open("w", encoding="utf-8") as fj:
        writer = csv.writer(fc)
        writer.writerow(CSV_HEADERS)
        for product in _products(Path(source), variants, max(1, per_product)):
            fj.write(json.dumps(product, ensure_ascii=False, separators=(",", ":")) + "\n")
            writer.writerows(_csv_rows(product))
            n_products += 1
            n_variants += len(product["variants"])
    tmp_csv.replace(csv_path)
    tmp_jsonl.replace(jsonl_path)
    meta_path.write_text(json.dumps({"products": n_products, "variants": n_variants}))
    return CatalogPaths(csv_path, jsonl_path, n_products, n_variants)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: build the catalog and print where it went."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", nargs="?", type=Path, default=DEFAULT_DEST, help="output directory")
    parser.add_argument("--variants", type=int, default=200_000, help="number of variants (default 200000)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the files exist")
    args = parser.parse_args(argv)
    paths = build(args.dest, args.variants, force=args.force)
    print(f"{paths.products} products, {paths.variants} variants")
    print(f"csv:   {paths.csv}")
    print(f"jsonl: {paths.jsonl}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
