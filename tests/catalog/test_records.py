"""parse_product / parse_scene: the one set of rules every catalog source goes through."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.records import (
    RecordError,
    category_slug_path,
    parse_product,
    parse_scene,
    product_to_json,
    scene_to_json,
)

from .conftest import EAN8, EAN13, EAN13_B, UPCA, product, variant


def test_valid_product_parses_to_minor_units_and_normal_forms() -> None:
    rec = parse_product(product(variants=[variant(barcodes=[UPCA, EAN8])]))
    assert rec.id == "P-1001"
    assert rec.category == ["Furniture", "Sofas"]
    assert rec.updated_at == datetime(2026, 11, 1, 10, 0, tzinfo=timezone.utc)
    v = rec.variants[0]
    assert (v.price_minor, v.compare_at_minor, v.currency) == (89900, 99900, "EUR")
    assert v.barcodes == ["0" + UPCA, EAN8]
    assert v.options == {"Colour": "Grey"}


def test_round_trip_through_canonical_json() -> None:
    rec = parse_product(product(variants=[variant(), variant(id="V2", sku="S2", barcodes=[UPCA], price="1",
                                                          compare_at_price=None, currency="JPY")]))
    again = parse_product(product_to_json(rec))
    assert again == rec
    out = product_to_json(rec)
    assert out["variants"][0]["price"] == "899.00"
    assert out["variants"][1]["price"] == "1"  # JPY has no minor unit
    assert out["updated_at"] == "2026-11-01T10:00:00Z"


def test_defaults_fill_optional_fields() -> None:
    rec = parse_product({"id": "P", "name": "Mug", "variants": [{"sku": "M-1", "price": "4", "currency": "EUR"}]})
    v = rec.variants[0]
    assert v.id == "M-1"  # the variant id defaults to the SKU
    assert (v.stock, v.online_available, v.barcodes, v.compare_at_minor) == (0, False, [], None)
    assert (rec.brand, rec.category, rec.images, rec.updated_at) == ("", [], [], None)


def test_messy_names_are_tidied() -> None:
    rec = parse_product(product(name="  Eternal Gandhi  Paper\u00a0Weight ", brand=" Eternal "))
    assert rec.name == "Eternal Gandhi Paper Weight"
    assert rec.brand == "Eternal"


def test_duplicate_tags_are_merged() -> None:
    assert parse_product(product(tags=["sofa", "sofa", " sofa "])).tags == ["sofa"]


def test_integral_float_stock_is_a_whole_number() -> None:
    assert parse_product(product(variants=[variant(stock=4.0)])).variants[0].stock == 4


BAD_PRODUCTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("not an object", [], "product", "must be an object"),  # type: ignore[list-item]
    ("missing id", product(id=None), "id", "is required"),
    ("blank id", product(id="   "), "id", "must not be empty"),
    ("id too long", product(id="P" * 129), "id", "at most 128"),
    ("missing name", product(name=None), "name", "is required"),
    ("name not text", product(name=12), "name", "must be text, got a number"),
    ("control char in name", product(name="Sofa\x07"), "name", "control character (U+0007)"),
    ("C1 control in name", product(name="Sofa\x85x"), "name", "control character (U+0085)"),
    ("name too long", product(name="n" * 501), "name", "at most 500"),
    ("description with NUL", product(description="a\x00b"), "description", "control character"),
    ("category not a list", product(category="Furniture > Sofas"), "category", "must be a list"),
    ("category level with >", product(category=["Furniture > Sofas"]), "category[0]", "contains '>'"),
    ("empty category level", product(category=["Furniture", ""]), "category[1]", "must not be empty"),
    ("too deep category", product(category=[f"L{i}" for i in range(9)]), "category", "at most 8"),
    ("tag not text", product(tags=[1]), "tags[0]", "must be text"),
    ("image not a ref", product(images=["p-1001.png"]), "images[0]", "not an image reference"),
    ("image ftp", product(images=["ftp://x.example/a.png"]), "images[0]", "not an image reference"),
    ("asset escaping assets/", product(images=["asset:../secret.png"]), "images[0]", "must name a file under assets/"),
    ("online_url not http", product(online_url="javascript:alert(1)"), "online_url", "not an http(s) URL"),
    ("featured not bool", product(featured="yes"), "featured", "must be true or false"),
    ("naive timestamp", product(updated_at="2026-11-01T10:00:00"), "updated_at", "has no timezone"),
    ("bad timestamp", product(updated_at="yesterday"), "updated_at", "not a timestamp"),
    ("no variants", product(variants=None), "variants", "is required"),
    ("empty variants", product(variants=[]), "variants", "is empty"),
    ("variant not object", product(variants=["x"]), "variants[0]", "must be an object"),
    ("missing sku", product(variants=[variant(sku=None)]), "variants[0].sku", "is required"),
    ("missing price", product(variants=[variant(price=None)]), "variants[0].price", "is required"),
    ("float price", product(variants=[variant(price=899.0)]), "variants[0].price", "not the number 899.0"),
    ("int price", product(variants=[variant(price=899)]), "variants[0].price", "must be a decimal string"),
    ("comma price", product(variants=[variant(price="899,00")]), "variants[0].price", "not a price"),
    ("negative price", product(variants=[variant(price="-1.00")]), "variants[0].price", "not a price"),
    ("too many decimals", product(variants=[variant(price="1.005")]), "variants[0].price", "more than 2 decimals"),
    ("JPY with cents", product(variants=[variant(price="100.50", compare_at_price=None, currency="JPY")]),
     "variants[0].price", "more than 0 decimals"),
    ("missing currency", product(variants=[variant(currency=None)]), "variants[0].currency", "is required"),
    ("lower-case currency", product(variants=[variant(currency="eur")]), "variants[0].currency", "ISO 4217"),
    ("compare below price", product(variants=[variant(compare_at_price="100.00")]),
     "variants[0].compare_at_price", "below the price"),
    ("negative stock", product(variants=[variant(stock=-1)]), "variants[0].stock", "at least 0"),
    ("text stock", product(variants=[variant(stock="4")]), "variants[0].stock", "whole number"),
    ("bool stock", product(variants=[variant(stock=True)]), "variants[0].stock", "whole number"),
    ("bad check digit", product(variants=[variant(barcodes=["4006381333932"])]), "variants[0].barcodes[0]",
     "wrong check digit for EAN-13 (expected 1"),
    ("numeric barcode", product(variants=[variant(barcodes=[4006381333931])]), "variants[0].barcodes[0]",
     "leading zeros matter"),
    ("barcode twice", product(variants=[variant(barcodes=[EAN13, EAN13])]), "variants[0].barcodes[1]",
     "listed twice"),
    ("UPC-A and its EAN-13 form", product(variants=[variant(barcodes=[UPCA, "0" + UPCA])]),
     "variants[0].barcodes[1]", "listed twice"),
    ("options not object", product(variants=[variant(options=["Grey"])]), "variants[0].options", "must be an object"),
    ("option value not text", product(variants=[variant(options={"Size": 42})]), "variants[0].options.Size",
     "must be text"),
    ("blank option value", product(variants=[variant(options={"Size": " "})]), "variants[0].options.Size",
     "must not be empty"),
    ("variant image bad", product(variants=[variant(image="c:/img.png")]), "variants[0].image", "not an image"),
    ("duplicate sku", product(variants=[variant(), variant(id="V2", barcodes=[EAN13_B])]), "variants[1].sku",
     "also used by variants[0]"),
    ("duplicate variant id", product(variants=[variant(), variant(sku="S2", barcodes=[EAN13_B])]),
     "variants[1].id", "also used by variants[0]"),
    ("barcode on two variants", product(variants=[variant(), variant(id="V2", sku="S2")]), "variants[1].barcodes",
     "also on variants[0]"),
]


@pytest.mark.parametrize(("obj", "field", "message"), [c[1:] for c in BAD_PRODUCTS], ids=[c[0] for c in BAD_PRODUCTS])
def test_each_rule_has_a_clear_error(obj: Any, field: str, message: str) -> None:
    with pytest.raises(RecordError) as exc:
        parse_product(obj)
    assert exc.value.field == field
    assert message in exc.value.message
    assert str(exc.value) == f"{field}: {exc.value.message}"


def scene(**over: Any) -> dict[str, Any]:
    s = {"id": "S-living", "title": "Cosy living room", "subtitle": "Autumn", "hero_image": "asset:demo/scenes/l.png",
         "store_id": None, "active_from": "2026-10-01T00:00:00Z", "active_to": "2026-12-31T23:59:59Z", "position": 2,
         "items": [{"product_id": "P-1001", "x": 0.25, "y": 0.6, "note": "Shown in grey"}]}
    s.update(over)
    return s


def test_scene_round_trip() -> None:
    rec = parse_scene(scene())
    assert rec.items[0].x == 0.25
    assert parse_scene(scene_to_json(rec)) == rec


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"title": ""}, "title", "must not be empty"),
        ({"items": [{"product_id": "P", "x": 1.5, "y": 0}]}, "items[0].x", "from 0 to 1"),
        ({"items": [{"product_id": "P", "x": "0.5", "y": 0}]}, "items[0].x", "must be a number"),
        ({"items": [{"product_id": "P", "y": 0}]}, "items[0].x", "is required"),
        ({"items": [{"x": 0.1, "y": 0.1}]}, "items[0].product_id", "is required"),
        ({"active_to": "2026-09-01T00:00:00Z"}, "active_to", "must be after active_from"),
        ({"hero_image": "hero.png"}, "hero_image", "not an image reference"),
    ],
)
def test_scene_errors(over: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(RecordError) as exc:
        parse_scene(scene(**over))
    assert (exc.value.field, message in exc.value.message) == (field, True)


def test_category_ids_are_path_slugs() -> None:
    nodes = category_slug_path(["Home & Garden", "Pots, Planters"])
    assert [n[0] for n in nodes] == ["home-garden", "home-garden/pots-planters"]
    assert nodes[1][2] == "home-garden"
    assert nodes[1][3] == "Home & Garden > Pots, Planters"
    assert category_slug_path(["Möbel", "Stühle"])[1][0] == "mobel/stuhle"
    assert category_slug_path(["家具"])[0][0] == "家具"


# ----------------------------------------------------------------- property

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
PRODUCT_KEYS = list(product().keys())
VARIANT_KEYS = list(variant().keys())


@st.composite
def mangled_products(draw: st.DrawFn) -> Any:
    """A valid product with some fields (its own or a variant's) replaced by arbitrary values."""
    obj = product(variants=[variant(), variant(id="V2", sku="S2", barcodes=[EAN13_B])])
    for key in draw(st.lists(st.sampled_from(PRODUCT_KEYS), max_size=3)):
        obj[key] = draw(json_values)
    if isinstance(obj.get("variants"), list) and obj["variants"] and isinstance(obj["variants"][0], dict):
        for key in draw(st.lists(st.sampled_from(VARIANT_KEYS), max_size=3)):
            obj["variants"][0][key] = draw(json_values | st.text(alphabet="0123456789. ,-", max_size=16))
    return obj


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values, mangled_products()))
def test_parse_product_raises_only_record_errors(obj: Any) -> None:
    try:
        rec = parse_product(obj)
    except RecordError as exc:
        assert exc.field and exc.message
        return
    # Whatever is accepted survives the canonical round trip unchanged.
    assert parse_product(product_to_json(rec)) == rec


@settings(max_examples=150, deadline=None)
@given(st.one_of(json_values, st.fixed_dictionaries({}, optional={
    "id": json_values, "title": json_values, "items": json_values, "active_from": json_values,
    "hero_image": json_values, "position": json_values})))
def test_parse_scene_raises_only_record_errors(obj: Any) -> None:
    try:
        parse_scene(obj)
    except RecordError:
        pass


@st.composite
def mangled_variants(draw: st.DrawFn) -> Any:
    """A valid variant with some fields replaced by arbitrary or near-valid values."""
    obj = variant()
    near = st.sampled_from(["", " ", "  x", "x  y", "a\u00a0b", "12.50", "1.005", "EUR", "eur", "036000291452",
                            "4006381333932", "96385074", "asset:a/b.png", "https://x.example/v.png", "0", "-1"])
    for key in draw(st.lists(st.sampled_from([*VARIANT_KEYS, "price", "barcodes", "options"]), max_size=4)):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            obj[key] = draw(json_values)
        elif kind == 1:
            obj[key] = draw(near)
        elif kind == 2:
            obj[key] = draw(st.lists(near, max_size=3))
        else:
            obj.pop(key, None)
    if draw(st.booleans()):
        obj["options"] = draw(st.dictionaries(near, near, max_size=3))
    return obj


@settings(max_examples=300, deadline=None)
@given(mangled_variants())
def test_fast_and_checked_variant_paths_agree(obj: Any) -> None:
    # parse_variant takes a shortcut for clean input; it must never accept
    # something the field-by-field path refuses, nor produce a different record.
    from kiosk.records import _fast_variant, _parse_variant_checked

    fast = _fast_variant(obj)
    try:
        checked = _parse_variant_checked(obj, "v")
    except RecordError:
        assert fast is None
        return
    if fast is not None:
        assert fast == checked


def test_clean_variants_take_the_fast_path() -> None:
    from kiosk.records import _fast_variant

    assert _fast_variant(variant()) == parse_product(product()).variants[0]
    assert _fast_variant(variant(barcodes=[UPCA], options={}, compare_at_price=None, stock=None)) is not None


# ------------------------------------------------- msgspec fast path (bulk import)

NEAR_TEXT = st.sampled_from(["", " ", "  x", "x  y", "x ", "a\u00a0b", "a\nb", "a\tb", "a\u200bb", "\ud800",
                             "12.50", "1.005", "12", "EUR", "eur", "JPY", "036000291452", "4006381333932",
                             "96385074", "4006381333931", "asset:a/b.png", "https://x.example/v.png", "ftp://x",
                             "Décor > Vases", "kiosk-catalog", "2026-11-01T10:00:00Z", "2026-11-01", "0", "-1",
                             "x" * 129, "y" * 501])


def _ean13(n: int, prefix: str = "20") -> str:
    from kiosk.barcodes import check_digit

    body = f"{prefix}{n:0{12 - len(prefix)}d}"
    return body + str(check_digit(body))


@st.composite
def mangled_product_lines(draw: st.DrawFn, salt: int = 0) -> str:
    """A valid product (as a JSON line) with product and variant fields replaced by arbitrary or near-valid values.

    A non-zero ``salt`` gives the product its own ids, SKUs and codes (for chunks of several products).
    """
    import json

    if salt:
        obj = product(id=f"P-{salt}", variants=[
            variant(id=f"V1-{salt}", sku=f"S1-{salt}", barcodes=[_ean13(3 * salt)]),
            variant(id=f"V2-{salt}", sku=f"S2-{salt}", barcodes=[_ean13(3 * salt + 1)], options={"Size": "M"}),
            variant(id="", sku=f"S3-{salt}", barcodes=[_ean13(3 * salt + 2, "0")[1:]], compare_at_price=None)])
    else:
        obj = product(variants=[variant(), variant(id="V2", sku="S2", barcodes=[EAN13_B], options={"Size": "M"}),
                                variant(id="", sku="S3", barcodes=[UPCA, EAN8], compare_at_price=None)])
    values = json_values | NEAR_TEXT | st.lists(NEAR_TEXT, max_size=3) | st.dictionaries(NEAR_TEXT, NEAR_TEXT,
                                                                                          max_size=2)
    for key in draw(st.lists(st.sampled_from([*PRODUCT_KEYS, "format"]), max_size=3)):
        obj[key] = draw(values)
    for i in draw(st.lists(st.integers(0, 2), max_size=3)):
        if isinstance(obj.get("variants"), list) and len(obj["variants"]) > i and isinstance(obj["variants"][i], dict):
            key = draw(st.sampled_from(VARIANT_KEYS))
            if draw(st.booleans()):
                obj["variants"][i].pop(key, None)
            else:
                obj["variants"][i][key] = draw(values)
    if draw(st.booleans()) and isinstance(obj.get("variants"), list) and len(obj["variants"]) > 1:
        # A SKU, id or code used twice within the product.
        key = draw(st.sampled_from(["sku", "id", "barcodes"]))
        if isinstance(obj["variants"][0], dict) and isinstance(obj["variants"][1], dict):
            obj["variants"][1][key] = obj["variants"][0].get(key)
    return json.dumps(obj, ensure_ascii=draw(st.booleans()))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_product_lines())
def test_msgspec_fast_path_agrees_with_parse_product(line: str) -> None:
    # decode_product may decline anything, but what it accepts must be the
    # very record parse_product makes, and it must accept nothing that
    # parse_product refuses (the error messages then come from parse_product).
    import json

    from kiosk.records_fast import decode_product

    fast = decode_product(line.encode("utf-8", "surrogatepass"))
    try:
        expected = parse_product(json.loads(line))
    except RecordError:
        assert fast is None
        return
    if fast is not None:
        assert fast == expected


def test_clean_products_take_the_msgspec_fast_path() -> None:
    import json

    from kiosk.records_fast import decode_product

    for obj in (product(), product(name="Oslo  sofa ", description="Two\r\nlines", tags=["a", "a"], updated_at=None),
                product(variants=[variant(barcodes=[UPCA], options={}, compare_at_price=None, stock=0, id="")])):
        rec = decode_product(json.dumps(obj).encode())
        assert rec is not None and rec == parse_product(obj)


def _sink_rows(sink: Any) -> tuple[Any, ...]:
    return (sink.products, sink.variants, sink.barcodes, sink.images, sink.tags, sink.product_count,
            sink.variant_count)


@st.composite
def mangled_chunks(draw: st.DrawFn) -> list[str]:
    """1-4 product lines, mostly with their own ids and codes (now and then a repeat across products)."""
    n = draw(st.integers(1, 4))
    return [draw(mangled_product_lines(salt=draw(st.sampled_from([i + 1, i + 1, i + 1, 1])))) for i in range(n)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_chunks())
def test_chunk_rows_agree_with_parse_product(lines: list[str]) -> None:
    # The bulk import validates a chunk of lines column by column; when it
    # accepts the chunk, every product must be valid and give the rows that
    # parse_product's record gives.
    import json

    from kiosk.records_fast import RowSink

    chunk, one_by_one = RowSink(), RowSink()
    accepted = chunk.add_lines([line.encode("utf-8", "surrogatepass") for line in lines])
    if not accepted:
        assert _sink_rows(chunk)[:5] == ([], [], [], [], [])
        return
    for line in lines:
        one_by_one.add_record(parse_product(json.loads(line)))  # raises if the chunk took a bad product
    assert _sink_rows(chunk) == _sink_rows(one_by_one)


def test_clean_products_take_the_chunk_path() -> None:
    import json

    from kiosk.records_fast import RowSink

    objs = [product(), product(id="P-2", name="Two", tags=["a", "a"], updated_at=None,
                               variants=[variant(id="V-9", sku="S-9", barcodes=[UPCA], options={}, stock=0),
                                         variant(id="", sku="S-10", barcodes=[], compare_at_price=None)])]
    chunk, one_by_one = RowSink(), RowSink()
    assert chunk.add_lines([json.dumps(o).encode() for o in objs])
    assert chunk.add_objects([product(id="P-3", variants=[variant(id="V-3", sku="S-3", barcodes=[EAN8])])])
    for obj in [*objs, product(id="P-3", variants=[variant(id="V-3", sku="S-3", barcodes=[EAN8])])]:
        one_by_one.add_record(parse_product(obj))
    assert _sink_rows(chunk) == _sink_rows(one_by_one)
    # A chunk with one bad product adds nothing (the caller goes product by product).
    assert not chunk.add_lines([json.dumps(product(id="P-4")).encode(), b'{"id": "P-5"}'])
    assert _sink_rows(chunk) == _sink_rows(one_by_one)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.sampled_from([EAN13, EAN13_B, EAN8, UPCA]),
    st.from_regex(r"\A[0-9]{13}\Z"),  # mostly wrong check digits
    st.from_regex(r"\A[0-9]{8}\Z|\A[0-9]{12}\Z"),
    st.text(max_size=14),
), max_size=12))
def test_a_column_of_barcodes_is_checked_exactly_as_code_by_code(codes: list[str]) -> None:
    # The bulk path checks a chunk's codes column-wise; every code must get
    # the same normal form (or None: declined) as the one-by-one check.
    from kiosk.records_fast import _normal_code, _normal_codes

    assert _normal_codes(codes) == [_normal_code(c) for c in codes]
    valid = [EAN13, EAN13_B] * 3
    assert _normal_codes(valid) == valid


def _with_check_digit(first12: str) -> str:
    total = sum(int(d) * w for d, w in zip(first12, (1, 3) * 6))
    return first12 + str(-total % 10)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.from_regex(r"\A[0-9]{12}\Z").map(_with_check_digit), min_size=1, max_size=40),
       st.data())
def test_a_column_of_right_ean13_codes_with_one_wrong_character_is_checked_as_code_by_code(
        codes: list[str], data: st.DataObject) -> None:
    # The usual column (every code a right EAN-13) is checked at once, all
    # codes' digit sums side by side in one integer; a single wrong digit,
    # a non-ASCII digit or any other character anywhere must still decline
    # exactly that code, as the one-by-one check does.
    from kiosk.records_fast import _normal_code, _normal_codes

    assert _normal_codes(codes) == codes
    if data.draw(st.booleans()):
        i = data.draw(st.integers(0, len(codes) - 1))
        pos = data.draw(st.integers(0, 12))
        char = data.draw(st.one_of(st.sampled_from("0123456789٣３ a\x00"), st.characters()))
        codes[i] = codes[i][:pos] + char + codes[i][pos + 1:]
    assert _normal_codes(codes) == [_normal_code(c) for c in codes]
