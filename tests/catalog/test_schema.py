"""The JSON Schema in kiosk/schema and parse_product describe the same format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kiosk.records import RecordError, parse_product

from .conftest import EAN13_B, REPO, product, small_catalog, variant
from .test_records import BAD_PRODUCTS

SCHEMA_PATH = REPO / "kiosk" / "schema" / "catalog.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    doc = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(doc)
    return doc


@pytest.fixture(scope="module")
def file_validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def product_validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({"$schema": schema["$schema"], "$defs": schema["$defs"],
                                            "$ref": "#/$defs/product"})


def test_schema_accepts_the_sample_catalog_file(file_validator: jsonschema.Draft202012Validator) -> None:
    doc = {"format": "kiosk-catalog", "version": 1, "products": small_catalog(), "scenes": [
        {"id": "S1", "title": "Reading corner", "hero_image": "asset:demo/scenes/s1.png",
         "items": [{"product_id": "P-1002", "x": 0.4, "y": 0.7}]}]}
    assert list(file_validator.iter_errors(doc)) == []


def test_schema_accepts_the_bundled_demo_catalog(file_validator: jsonschema.Draft202012Validator) -> None:
    demo = REPO / "assets" / "demo" / "catalog.json"
    if not demo.exists():
        pytest.skip("demo catalog not generated")
    doc = json.loads(demo.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in file_validator.iter_errors(doc)]
    assert errors == []
    for obj in doc["products"]:
        parse_product(obj)


@pytest.mark.parametrize("doc", [
    {"version": 1, "products": []},
    {"format": "kiosk-catalog", "version": 2, "products": []},
    {"format": "shopify", "version": 1, "products": []},
    {"format": "kiosk-catalog", "version": 1},
])
def test_schema_refuses_bad_catalog_headers(file_validator: jsonschema.Draft202012Validator, doc: Any) -> None:
    assert not file_validator.is_valid(doc)


GOOD = [
    product(),
    *small_catalog(),
    {"id": "P", "name": "Mug", "variants": [{"sku": "M-1", "price": "4", "currency": "EUR"}]},
    product(brand=None, description=None, tags=None, images=None, online_url="", featured=None, updated_at=None),
    product(name="Paper\u00a0weight  with  spaces", category=["家具", "椅子"]),
    product(updated_at="2026-11-01T10:00:00+05:30"),
    product(variants=[variant(stock=4.0, options=None, compare_at_price=None, image="https://x.example/v.png")]),
    product(variants=[variant(), variant(id="V2", sku="S2", barcodes=[EAN13_B], price="1", currency="JPY",
                                         compare_at_price=None)]),
]

# Rules JSON Schema cannot state; parse_product enforces them (documented in
# docs/catalog-format.md under "Rules beyond the schema").
BEYOND_SCHEMA = {
    "too many decimals", "JPY with cents", "compare below price", "bad check digit", "barcode twice",
    "UPC-A and its EAN-13 form", "duplicate sku", "duplicate variant id", "barcode on two variants",
}


@pytest.mark.parametrize("obj", GOOD)
def test_good_samples_pass_both(product_validator: jsonschema.Draft202012Validator, obj: Any) -> None:
    assert list(product_validator.iter_errors(obj)) == []
    parse_product(obj)


@pytest.mark.parametrize(("name", "obj"), [(c[0], c[1]) for c in BAD_PRODUCTS], ids=[c[0] for c in BAD_PRODUCTS])
def test_bad_samples_fail_both(product_validator: jsonschema.Draft202012Validator, name: str, obj: Any) -> None:
    with pytest.raises(RecordError):
        parse_product(obj)
    if name in BEYOND_SCHEMA:
        assert product_validator.is_valid(obj), "schema got stricter: move the case out of BEYOND_SCHEMA"
    else:
        assert not product_validator.is_valid(obj), f"schema accepts {name!r} but the importer refuses it"


def test_generated_bench_catalog_matches_the_schema(tmp_path: Path,
                                                    product_validator: jsonschema.Draft202012Validator) -> None:
    import sys

    sys.path.insert(0, str(REPO))
    from bench.catalog_200k import SOURCE, build

    if not SOURCE.exists():
        pytest.skip(f"{SOURCE} not available")
    paths = build(tmp_path, variants=300)
    lines = paths.jsonl.read_text(encoding="utf-8").splitlines()
    assert len(lines) == paths.products == 30
    for line in lines:
        obj = json.loads(line)
        assert list(product_validator.iter_errors(obj)) == []
        parse_product(obj)
