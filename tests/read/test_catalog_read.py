"""kiosk.catalog: what the product screen, cards and category tiles read."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.catalog import (
    StockStatus,
    availability,
    count_in_category,
    featured_products,
    find_variant_by_code,
    get_product,
    product_summaries,
    products_in_category,
    subcategories,
    top_categories,
)
from kiosk.barcodes import with_check_digit
from tests.read.helpers import load, product, variant

SOFA_CODE = with_check_digit("299000000001")


@pytest.fixture
def shop(engine: Engine, tmp_path: Path) -> Engine:
    """A small store: a sofa in colours x sizes, lamps, mugs, an online-only rug."""
    sofa_variants = [
        variant("SOFA-G2", price="699.00", options={"Colour": "Grey", "Seats": "2-seat"}, stock=2, aisle="12",
                bay="B", barcode=SOFA_CODE),
        variant("SOFA-G3", price="899.00", compare="999.00", options={"Colour": "Grey", "Seats": "3-seat"},
                stock=0, aisle="12", bay="B"),
        variant("SOFA-S2", price="699.00", options={"Colour": "Sage", "Seats": "2-seat"}, stock=0, online=False,
                aisle="12", bay="B"),
        variant("SOFA-S3", price="899.00", options={"Colour": "Sage", "Seats": "3-seat"}, stock=4, aisle="12",
                bay="B", image="https://img.example/sofa-sage.png"),
    ]
    load(engine, tmp_path, [
        product("P-SOFA", "Oslo sofa", brand="Nordhem", variants=sofa_variants, tags=["living room"],
                images=["https://img.example/sofa-grey.png", "https://img.example/sofa-sage.png"]),
        product("P-LAMP", "Åre table lamp", category=["Decor", "Lighting"], price="49.00", featured=True, stock=0),
        product("P-LAMP2", "Lund floor lamp", category=["Decor", "Lighting"], price="129.00", featured=True),
        product("P-MUG", "Café mug", category=["Kitchen", "Tableware"], price="9.95", featured=True),
        product("P-MUG2", "青花瓷 teacup", category=["Kitchen", "Tableware"], price="12.50"),
        product("P-RUG", "Jalapeño rug", category=["Textiles", "Rugs"], price="199.00", stock=0, aisle="", bay="",
                online=True),
        product("P-CHAIR", "Bergen chair", category=["Furniture", "Chairs"], price="149.00", images=[]),
    ])
    return engine


def test_get_product_returns_everything_the_product_screen_shows(shop: Engine) -> None:
    p = get_product(shop, "P-SOFA")
    assert p is not None
    assert (p.name, p.brand, p.category_path) == ("Oslo sofa", "Nordhem", ("Furniture", "Sofas"))
    assert p.description == "About Oslo sofa."
    assert p.images == ("https://img.example/sofa-grey.png", "https://img.example/sofa-sage.png")
    assert p.tags == ("living room",)
    assert p.axes == {"Colour": ["Grey", "Sage"], "Seats": ["2-seat", "3-seat"]}
    assert [v.id for v in p.variants] == ["SOFA-G2", "SOFA-G3", "SOFA-S2", "SOFA-S3"]
    g3 = p.variant("SOFA-G3")
    assert g3 is not None
    assert (g3.price_minor, g3.compare_at_minor, g3.currency) == (89900, 99900, "EUR")
    assert g3.on_sale and g3.price_text == "€899.00" and g3.compare_at_text == "€999.00"
    assert p.variant("SOFA-G2").barcodes == (SOFA_CODE,)
    assert p.price_range == (69900, 89900)
    assert p.online_url == "https://shop.example/P-SOFA"


def test_the_first_variant_shown_is_one_on_the_shelf(shop: Engine) -> None:
    p = get_product(shop, "P-SOFA")
    assert p.default_variant.id == "SOFA-G2"


def test_pick_variant_for_a_chosen_combination(shop: Engine) -> None:
    p = get_product(shop, "P-SOFA")
    assert p.pick_variant({"Colour": "Sage", "Seats": "3-seat"}).id == "SOFA-S3"
    assert p.pick_variant({"Colour": "Grey", "Seats": "3-seat"}).id == "SOFA-G3"
    # Half a choice: the in-store variant with that value wins.
    assert p.pick_variant({"Colour": "Sage"}).id == "SOFA-S3"
    assert p.pick_variant({"Seats": "2-seat"}).id == "SOFA-G2"
    # An impossible combination lands on the closest real variant.
    assert p.pick_variant({"Colour": "Sage", "Seats": "5-seat"}).id == "SOFA-S3"
    assert p.pick_variant({"Colour": "Purple"}) is None
    assert p.pick_variant({}).id == "SOFA-G2"


def test_values_available_dims_combinations_that_cannot_be_had(shop: Engine) -> None:
    p = get_product(shop, "P-SOFA")
    # Sage 2-seat is sold out here and not online.
    assert p.values_available("Seats", {"Colour": "Sage"}) == {"2-seat": False, "3-seat": True}
    assert p.values_available("Colour", {"Seats": "2-seat"}) == {"Grey": True, "Sage": False}


def test_stock_and_location_text(shop: Engine) -> None:
    p = get_product(shop, "P-SOFA")
    assert p.variant("SOFA-S3").availability.text == "In stock here: aisle 12, bay B"
    assert p.variant("SOFA-G2").availability.text == "In stock here: aisle 12, bay B (only 2 left)"
    assert p.variant("SOFA-G3").availability.status is StockStatus.ONLINE
    assert p.variant("SOFA-G3").availability.text == "Out of stock here \u00b7 available online"
    s2 = p.variant("SOFA-S2").availability
    assert (s2.status, s2.text, s2.can_buy) == (StockStatus.OUT_OF_STOCK, "Out of stock", False)
    rug = get_product(shop, "P-RUG").variants[0].availability
    assert (rug.status, rug.text) == (StockStatus.ONLINE_ONLY, "Only online")
    assert p.variant("SOFA-S3").location_text() == "aisle 12, bay B"
    assert availability(10, False, "7", "").text == "In stock here: aisle 7"
    assert availability(10, False).text == "In stock here"


def test_unknown_product_is_none(shop: Engine) -> None:
    assert get_product(shop, "P-NOPE") is None


def test_results_are_frozen_plain_data_usable_after_the_database_is_gone(shop: Engine) -> None:
    p = get_product(shop, "P-SOFA")
    cards = product_summaries(shop, ["P-SOFA"])
    shop.dispose()
    # Nothing lazy left to load: a screen can read all of it on the UI thread.
    assert p.variants[3].availability.status is StockStatus.IN_STORE
    assert cards[0].price_text == "from €699.00"
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.name = "changed"  # type: ignore[misc]


def test_product_summaries_keep_the_order_asked_and_skip_missing(shop: Engine) -> None:
    cards = product_summaries(shop, ["P-MUG", "P-GONE", "P-SOFA", "P-MUG"])
    assert [c.product_id for c in cards] == ["P-MUG", "P-SOFA"]
    mug, sofa = cards
    assert (mug.name, mug.price_text, mug.in_stock, mug.image_url) == (
        "Café mug", "€9.95", True, "https://img.example/P-MUG.png")
    assert sofa.price_minor == 69900 and sofa.has_price_range and sofa.variant_count == 4
    assert sofa.image_url == "https://img.example/sofa-grey.png"
    assert sofa.in_stock and sofa.stock_text == "In stock here"
    rug = product_summaries(shop, ["P-RUG"])[0]
    assert (rug.in_stock, rug.stock_text) == (False, "Available online")
    # A product without pictures of its own shows nothing rather than failing.
    assert product_summaries(shop, ["P-CHAIR"])[0].image_url == ""


def test_cjk_names_come_back_intact(shop: Engine) -> None:
    assert product_summaries(shop, ["P-MUG2"])[0].name == "青花瓷 teacup"


def test_featured_products_in_stock_first(shop: Engine) -> None:
    ids = [c.product_id for c in featured_products(shop, limit=10)]
    assert set(ids) == {"P-LAMP", "P-LAMP2", "P-MUG"}
    assert ids[-1] == "P-LAMP", "the sold-out lamp goes last"
    assert len(featured_products(shop, limit=2)) == 2


def test_top_categories_count_subcategories_and_skip_empty_ones(shop: Engine) -> None:
    cats = top_categories(shop, limit=10)
    assert [(c.name, c.product_count) for c in cats] == [
        ("Decor", 2), ("Furniture", 2), ("Kitchen", 2), ("Textiles", 1)]
    assert [c.id for c in top_categories(shop, limit=2)] == ["decor", "furniture"]
    assert cats[0].image_url.startswith("https://img.example/")
    subs = subcategories(shop, "furniture")
    assert [(c.name, c.product_count) for c in subs] == [("Chairs", 1), ("Sofas", 1)]


def test_products_in_category_include_subcategories_sort_and_filter(shop: Engine) -> None:
    assert {c.product_id for c in products_in_category(shop, "furniture")} == {"P-SOFA", "P-CHAIR"}
    by_price = [c.product_id for c in products_in_category(shop, "decor", sort="price")]
    assert by_price == ["P-LAMP", "P-LAMP2"]
    assert [c.product_id for c in products_in_category(shop, "decor", sort="price_desc")] == ["P-LAMP2", "P-LAMP"]
    assert [c.product_id for c in products_in_category(shop, "decor", in_stock_only=True)] == ["P-LAMP2"]
    assert [c.product_id for c in products_in_category(shop, "decor", sort="price", limit=1, offset=1)] == ["P-LAMP2"]
    assert count_in_category(shop, "decor") == 2 and count_in_category(shop, "decor", in_stock_only=True) == 1
    assert products_in_category(shop, "no-such-category") == []
    with pytest.raises(ValueError, match="unknown sort"):
        products_in_category(shop, "decor", sort="random")


def test_find_variant_by_barcode_or_sku(shop: Engine) -> None:
    assert find_variant_by_code(shop, SOFA_CODE) == ("P-SOFA", "SOFA-G2")
    assert find_variant_by_code(shop, " SKU-SOFA-S3 ") == ("P-SOFA", "SOFA-S3")
    assert find_variant_by_code(shop, "0000000000000") is None
    assert find_variant_by_code(shop, "") is None


def test_demo_products_read_cleanly(demo_engine: Engine) -> None:
    cats = top_categories(demo_engine, limit=8)
    assert {c.name for c in cats} == {"Furniture", "Decor", "Kitchen", "Textiles", "Garden"}
    featured = featured_products(demo_engine, limit=12)
    assert len(featured) == 12 and all(c.image_url for c in featured)
    for card in products_in_category(demo_engine, "furniture", limit=200):
        p = get_product(demo_engine, card.product_id)
        assert p is not None and p.variants and p.images
        # Every combination the axes offer that exists picks exactly that variant.
        for v in p.variants:
            assert p.pick_variant(v.options).id == v.id
        assert card.price_minor == p.price_range[0]
