"""URL builders against the exact formats the platforms document."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.handoff.urls import (
    Attribution,
    HandoffError,
    central_short_url,
    check_template,
    encode_id,
    kiosk_attribution,
    normalize_host,
    shopify_cart_url,
    template_url,
    woocommerce_checkout_url,
)


def test_shopify_exact_format_with_quantities() -> None:
    url = shopify_cart_url("shop.example", [("40112233445566", 2), ("40112233445577", 1)])
    assert url == "https://shop.example/cart/40112233445566:2,40112233445577:1?storefront=true"


def test_shopify_discount_and_attribution_follow_storefront() -> None:
    url = shopify_cart_url(
        "https://Shop.Example/", [("1", 3)], discount="SPRING 10%",
        attribution=kiosk_attribution("kiosk", True, "store-7"),
    )
    assert url == ("https://shop.example/cart/1:3?storefront=true&discount=SPRING%2010%25&ref=kiosk"
                   "&utm_source=kiosk&utm_medium=qr&utm_campaign=store-7")


def test_shopify_attribution_can_be_ref_only() -> None:
    url = shopify_cart_url("shop.example", [("1", 1)], attribution=kiosk_attribution("kiosk", False, "s"))
    assert url.endswith("?storefront=true&ref=kiosk")
    assert shopify_cart_url("shop.example", [("1", 1)], attribution=Attribution()).endswith("?storefront=true")


def test_odd_ids_are_percent_encoded_and_cannot_break_the_list() -> None:
    odd = ["a:b", "c,d", "x/y?z#w", "spa ce", "ümlaut", "100%"]
    url = shopify_cart_url("shop.example", [(i, n + 1) for n, i in enumerate(odd)])
    path = urlsplit(url).path
    assert path == "/cart/a%3Ab:1,c%2Cd:2,x%2Fy%3Fz%23w:3,spa%20ce:4,%C3%BCmlaut:5,100%25:6"
    pairs = [p.split(":") for p in path.removeprefix("/cart/").split(",")]
    assert [(unquote(i), int(q)) for i, q in pairs] == [(i, n + 1) for n, i in enumerate(odd)]


def test_repeated_ids_are_merged() -> None:
    assert shopify_cart_url("s.example", [("7", 1), ("8", 1), ("7", 2)]) == \
        "https://s.example/cart/7:3,8:1?storefront=true"


def test_many_lines_keep_order_and_quantities() -> None:
    items = [(str(40000000000000 + i), i % 5 + 1) for i in range(60)]
    url = shopify_cart_url("shop.example", items)
    listed = urlsplit(url).path.removeprefix("/cart/").split(",")
    assert listed == [f"{i}:{q}" for i, q in items]


@pytest.mark.parametrize("qty", [0, -1, 1.5, True])
def test_bad_quantities_are_refused(qty: object) -> None:
    with pytest.raises(HandoffError):
        shopify_cart_url("shop.example", [("1", qty)])  # type: ignore[list-item]


def test_empty_cart_and_bad_domain_are_refused() -> None:
    with pytest.raises(HandoffError, match="empty"):
        shopify_cart_url("shop.example", [])
    for bad in ["shop.example/path", "ftp://shop.example", "", "sh op.example", "user@shop.example"]:
        with pytest.raises(HandoffError):
            normalize_host(bad)


def test_woocommerce_exact_format_and_coupon() -> None:
    assert woocommerce_checkout_url("wp.example", [("123", 2), ("456", 1)]) == \
        "https://wp.example/checkout-link/?products=123:2,456:1"
    url = woocommerce_checkout_url("wp.example", [("123", 1)], coupon="WELCOME5",
                                   attribution=kiosk_attribution("kiosk", True, "s1"))
    assert url == ("https://wp.example/checkout-link/?products=123:1&coupon=WELCOME5&ref=kiosk"
                   "&utm_source=kiosk&utm_medium=qr&utm_campaign=s1")
    # A query parser sees exactly the products list WooCommerce splits.
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["products"] == "123:1"


def test_woocommerce_odd_ids() -> None:
    url = woocommerce_checkout_url("wp.example", [("a&b=c", 1), ("1,2", 2)])
    assert url == "https://wp.example/checkout-link/?products=a%26b%3Dc:1,1%2C2:2"
    assert dict(parse_qsl(urlsplit(url).query)) == {"products": "a&b=c:1,1,2:2"}


def test_template_placeholders() -> None:
    lines = [{"id": "11", "product_id": "P1", "sku": "NH/OSLO 3", "qty": 2},
             {"id": "12", "product_id": "P2", "sku": "NH-BED", "qty": 1}]
    url = template_url("https://shop.example/basket/add?items={items}&n={count}&l={lines}&s={store}&r={ref}",
                       lines, item_format="{sku}*{qty}", separator="|", store="store 1", ref="kiosk")
    assert url == "https://shop.example/basket/add?items=NH%2FOSLO%203*2|NH-BED*1&n=3&l=2&s=store%201&r=kiosk"


def test_template_default_item_format_and_discount() -> None:
    url = template_url("https://x.example/c/{items}?code={discount}", [{"id": "9", "qty": 4}], discount="A B")
    assert url == "https://x.example/c/9:4?code=A%20B"


@pytest.mark.parametrize(
    ("template", "item_format", "message"),
    [
        ("https://x.example/?i={items}&e={email}", "{id}:{qty}", "unknown placeholder"),
        ("https://x.example/?n={count}", "{id}:{qty}", "must contain {items}"),
        ("x.example/{items}", "{id}:{qty}", "https"),
        ("https://x.example/{items", "{id}:{qty}", "bad template"),
        ("https://x.example/{items}", "{id}", "needs {qty}"),
        ("https://x.example/{items}", "{name}:{qty}", "unknown placeholder"),
        ("https://x.example/{0}{items}", "{id}:{qty}", "bad placeholder"),
        ("", "{id}:{qty}", "empty"),
    ],
)
def test_bad_templates_are_explained(template: str, item_format: str, message: str) -> None:
    with pytest.raises(HandoffError, match=message):
        check_template(template, item_format)


def test_template_line_without_the_needed_field() -> None:
    with pytest.raises(HandoffError, match="no sku"):
        template_url("https://x.example/{items}", [{"id": "1", "sku": "", "qty": 1}], item_format="{sku}:{qty}")


def test_central_short_url() -> None:
    assert central_short_url("https://central.example/", "K7M3QX") == "https://central.example/h/K7M3QX"
    assert central_short_url("http://127.0.0.1:18200", "ab/c") == "http://127.0.0.1:18200/h/ab%2Fc"
    with pytest.raises(HandoffError):
        central_short_url("central.example", "X")


@given(st.lists(st.tuples(st.text(min_size=1, max_size=20), st.integers(1, 99)), min_size=1, max_size=30,
                unique_by=lambda t: t[0]))
def test_any_ids_round_trip_through_the_permalink(items: list[tuple[str, int]]) -> None:
    url = shopify_cart_url("shop.example", items)
    path = urlsplit(url).path.removeprefix("/cart/")
    decoded = [(unquote(i), int(q)) for i, q in (p.split(":") for p in path.split(","))]
    assert decoded == items
    assert url.isascii() and " " not in url


def test_encode_id_rejects_empty() -> None:
    with pytest.raises(HandoffError):
        encode_id("")
