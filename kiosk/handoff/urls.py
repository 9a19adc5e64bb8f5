"""URL builders for every handoff target: pure functions, no I/O.

Each builder takes the cart as ``(platform_id, qty)`` pairs and returns the URL
a phone opens to get the same items in the online store's cart:

* Shopify cart permalink: ``https://{shop}/cart/{id}:{qty},{id}:{qty}?storefront=true``
* WooCommerce checkout link: ``https://{site}/checkout-link/?products={id}:{qty},...``
* a retailer's own URL template (placeholders documented in docs/handoff.md)
* the central service's short link: ``{central}/h/{code}``

Ids come from the source system and may hold anything; they are always
percent-encoded so that an id containing ``:``, ``,``, ``/``, ``?``, ``#`` or
non-ASCII text can neither break the item list nor the URL. Only cart
contents and attribution go into a URL: never anything about the customer.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from kiosk.cart import CartLine


class HandoffError(ValueError):
    """A handoff URL cannot be built (bad configuration or an empty cart)."""


#: One cart line as the online platform knows it: its id and the quantity.
Item = tuple[str, int]

_HOST_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$")


@dataclass(frozen=True, slots=True)
class Attribution:
    """Where a handoff came from, for the shop's analytics (never who)."""

    ref: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""

    def params(self) -> list[tuple[str, str]]:
        """The non-empty parameters in a stable order."""
        pairs = [
            ("ref", self.ref),
            ("utm_source", self.utm_source),
            ("utm_medium", self.utm_medium),
            ("utm_campaign", self.utm_campaign),
        ]
        return [(k, v) for k, v in pairs if v]


def kiosk_attribution(ref: str, utm: bool, store_id: str) -> Attribution:
    """The attribution a kiosk adds: ``ref`` and, if enabled, UTM tags.

    Args:
        ref: The ``ref=`` value (empty for none).
        utm: Whether to add ``utm_source=kiosk&utm_medium=qr&utm_campaign=<store>``.
        store_id: The store, used as the UTM campaign (a place, not a person).
    """
    if not utm:
        return Attribution(ref=ref)
    return Attribution(ref=ref, utm_source="kiosk", utm_medium="qr", utm_campaign=store_id)


def encode_id(value: str) -> str:
    """Percent-encode one id so it is a single, unambiguous token.

    Everything outside RFC 3986's unreserved set is encoded (``:`` -> ``%3A``,
    ``,`` -> ``%2C``, ``/`` -> ``%2F``, space -> ``%20``, UTF-8 for the rest).

    Raises:
        HandoffError: The id is empty.
    """
    if not value:
        raise HandoffError("empty id")
    return quote(value, safe="")


def _check_items(items: Sequence[Item]) -> None:
    if not items:
        raise HandoffError("the cart is empty: nothing to hand off")
    for pid, qty in items:
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            raise HandoffError(f"quantity of {pid!r} must be a positive whole number, got {qty!r}")


def _merge(items: Sequence[Item]) -> list[Item]:
    """Merge repeated ids (two kiosk variants mapped to one platform id)."""
    merged: dict[str, int] = {}
    for pid, qty in items:
        merged[pid] = merged.get(pid, 0) + qty
    return list(merged.items())


def normalize_host(value: str, what: str = "shop domain") -> str:
    """Reduce ``https://shop.example/`` or ``shop.example`` to ``shop.example``.

    Raises:
        HandoffError: Not a bare host name (has a path, spaces, user info...).
    """
    text = value.strip()
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise HandoffError(f"{what} must be a host name such as shop.example, got {value!r}")
        text = parts.netloc
    text = text.rstrip("/")
    if not _HOST_RE.match(text):
        raise HandoffError(f"{what} must be a host name such as shop.example, got {value!r}")
    return text.lower()


def _query(params: Iterable[tuple[str, str]]) -> str:
    return urlencode(list(params), quote_via=quote, safe="")


def shopify_cart_url(
    shop_domain: str,
    items: Sequence[Item],
    *,
    discount: str = "",
    attribution: Attribution | None = None,
) -> str:
    """Shopify cart permalink that fills the online cart (not checkout).

    Args:
        shop_domain: ``shop.example`` (a scheme and trailing slash are tolerated).
        items: ``(variant_id, qty)`` pairs; repeated ids are merged.
        discount: Optional discount code, applied as ``discount=``.
        attribution: Optional ``ref=`` and UTM parameters.

    Returns:
        ``https://{shop}/cart/{id}:{qty},...?storefront=true[&discount=..][&ref=..]``

    Raises:
        HandoffError: Empty cart, bad quantity or bad domain.
    """
    _check_items(items)
    host = normalize_host(shop_domain)
    lines = ",".join(f"{encode_id(pid)}:{qty}" for pid, qty in _merge(items))
    params: list[tuple[str, str]] = [("storefront", "true")]
    if discount:
        params.append(("discount", discount))
    if attribution:
        params.extend(attribution.params())
    return f"https://{host}/cart/{lines}?{_query(params)}"


def woocommerce_checkout_url(
    site: str,
    items: Sequence[Item],
    *,
    coupon: str = "",
    attribution: Attribution | None = None,
) -> str:
    """WooCommerce checkout link (``/checkout-link/?products=...``).

    Args:
        site: ``shop.example`` (a scheme and trailing slash are tolerated).
        items: ``(product_or_variation_id, qty)`` pairs; repeated ids are merged.
        coupon: Optional coupon code, applied as ``coupon=``.
        attribution: Optional ``ref=`` and UTM parameters.

    Returns:
        ``https://{site}/checkout-link/?products={id}:{qty},{id}:{qty}[&coupon=..]``

    Raises:
        HandoffError: Empty cart, bad quantity or bad site.
    """
    _check_items(items)
    host = normalize_host(site, "site")
    # ``:`` and ``,`` are legal in a query value, and WooCommerce splits on
    # them literally; ids are encoded so they cannot contain either.
    products = ",".join(f"{encode_id(pid)}:{qty}" for pid, qty in _merge(items))
    url = f"https://{host}/checkout-link/?products={products}"
    params: list[tuple[str, str]] = []
    if coupon:
        params.append(("coupon", coupon))
    if attribution:
        params.extend(attribution.params())
    return url + ("&" + _query(params) if params else "")


#: Placeholders allowed in a URL template and in its item format.
TEMPLATE_FIELDS = frozenset({"items", "count", "lines", "store", "discount", "ref"})
ITEM_FIELDS = frozenset({"id", "product_id", "sku", "qty"})


def template_fields(template: str) -> set[str]:
    """The placeholder names a template uses.

    Raises:
        HandoffError: The template has unbalanced braces or positional/indexed fields.
    """
    names: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise HandoffError(f"bad template {template!r}: {exc}") from exc
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        if not name or not name.isidentifier() or spec or conv:
            raise HandoffError(f"bad placeholder {{{name}}} in {template!r}: use plain names like {{items}}")
        names.add(name)
    return names


def check_template(url_template: str, item_format: str = "{id}:{qty}") -> None:
    """Validate a URL template and item format before any customer needs them.

    Raises:
        HandoffError: Unknown placeholder, no ``{items}``, or not an http(s) URL.
    """
    if not url_template:
        raise HandoffError("[handoff] url_template is empty; see docs/handoff.md")
    used = template_fields(url_template)
    unknown = used - TEMPLATE_FIELDS
    if unknown:
        raise HandoffError(
            f"unknown placeholder(s) {', '.join(sorted(unknown))} in url_template; "
            f"known: {', '.join(sorted(TEMPLATE_FIELDS))}"
        )
    if "items" not in used:
        raise HandoffError("url_template must contain {items}")
    if not url_template.lower().startswith(("https://", "http://")):
        raise HandoffError("url_template must start with https://")
    item_used = template_fields(item_format)
    unknown = item_used - ITEM_FIELDS
    if unknown:
        raise HandoffError(
            f"unknown placeholder(s) {', '.join(sorted(unknown))} in item_format; "
            f"known: {', '.join(sorted(ITEM_FIELDS))}"
        )
    if "qty" not in item_used or not item_used & {"id", "product_id", "sku"}:
        raise HandoffError("item_format needs {qty} and one of {id}, {product_id}, {sku}")


def template_url(
    url_template: str,
    lines: Sequence[Mapping[str, str | int]],
    *,
    item_format: str = "{id}:{qty}",
    separator: str = ",",
    store: str = "",
    discount: str = "",
    ref: str = "",
) -> str:
    """Fill a retailer's URL template with the cart.

    Args:
        url_template: e.g. ``https://shop.example/basket/add?items={items}&src={ref}``.
        lines: One mapping per cart line with ``id``, ``product_id``, ``sku``
            (strings) and ``qty`` (int); see ``ITEM_FIELDS``.
        item_format: How one line is written, e.g. ``{sku}*{qty}``.
        separator: Put between lines (inserted as written, not encoded).
        store: Value of ``{store}``.
        discount: Value of ``{discount}``.
        ref: Value of ``{ref}``.

    Returns:
        The filled URL; every substituted value is percent-encoded.

    Raises:
        HandoffError: Bad template, empty cart, or a line lacks a field the
            item format uses.
    """
    check_template(url_template, item_format)
    if not lines:
        raise HandoffError("the cart is empty: nothing to hand off")
    used = template_fields(item_format)
    parts: list[str] = []
    count = 0
    for line in lines:
        qty = line.get("qty")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            raise HandoffError(f"bad quantity {qty!r}")
        values: dict[str, str] = {}
        for name in used:
            raw = line.get(name, "")
            if name != "qty" and not raw:
                raise HandoffError(f"a line has no {name} for the item format {item_format!r}")
            values[name] = str(raw) if name == "qty" else encode_id(str(raw))
        parts.append(item_format.format_map(values))
        count += qty
    fields = {
        "items": separator.join(parts),
        "count": str(count),
        "lines": str(len(parts)),
        "store": quote(store, safe=""),
        "discount": quote(discount, safe=""),
        "ref": quote(ref, safe=""),
    }
    return url_template.format_map(fields)


def central_short_url(central_base: str, code: str) -> str:
    """The short link of a handoff on the central service: ``{base}/h/{code}``.

    Raises:
        HandoffError: The base is not an http(s) URL or the code is empty.
    """
    parts = urlsplit(central_base.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise HandoffError(f"central URL must be http(s)://host, got {central_base!r}")
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    return f"{base}/h/{encode_id(code)}"


def item_fields(line: CartLine) -> dict[str, str | int]:
    """The template fields of one cart line (see ``ITEM_FIELDS``)."""
    return {
        "id": line.platform_variant_id,
        "product_id": line.platform_product_id,
        "sku": line.sku,
        "qty": line.qty,
    }
