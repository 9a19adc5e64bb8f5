"""A fast path for :func:`kiosk.records.parse_product` on JSON text: typed decoding with msgspec.

msgspec decodes a product line straight into typed structs, checking the
JSON types, required fields and the simple limits (lengths, counts, stock
range, barcode and identifier shapes) in C while it decodes. What is left
in Python is what a type cannot say: printable text without stray spaces,
check digits, prices as exact decimals in the currency's minor units,
codes and SKUs used twice within the product.

:func:`decode_product` only ever *agrees* with ``parse_product`` or
*declines*: it returns the same :class:`~kiosk.records.ProductRecord`
that ``parse_product(json.loads(line))`` returns, or ``None`` whenever
anything is unusual (a type msgspec refuses, text that needs tidying, an
``asset:`` image, any error). The caller then runs ``parse_product``,
which decides and words the error, so messages are the same on both
paths. The catalog tests compare the two on generated products.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from kiosk.barcodes import check_digit
from kiosk.records import (
    _GOOD_CURRENCIES,
    FORMAT_NAME,
    _PLAIN_URL_RE,
    MAX_BARCODES,
    MAX_BRAND,
    MAX_CATEGORY_DEPTH,
    MAX_CATEGORY_LEVEL,
    MAX_DESCRIPTION,
    MAX_ID,
    MAX_IMAGES,
    MAX_LOCATION,
    MAX_NAME,
    MAX_OPTION_NAME,
    MAX_OPTION_VALUE,
    MAX_OPTIONS,
    MAX_STOCK,
    MAX_TAG,
    MAX_TAGS,
    MAX_TITLE,
    MAX_URL,
    MAX_VARIANTS,
    ProductRecord,
    RecordError,
    VariantRecord,
    _cached_price,
    _check_text,
    _currency_error,
    _image,
    parse_timestamp,
)

_Price = Annotated[str, msgspec.Meta(max_length=32)]
_Empty = Annotated[str, msgspec.Meta(max_length=0)]


class _Variant(msgspec.Struct):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID)]
    price: _Price
    currency: str
    id: Annotated[str, msgspec.Meta(max_length=MAX_ID)] = ""
    title: str = ""
    options: Annotated[dict[str, str], msgspec.Meta(max_length=MAX_OPTIONS)] = {}
    compare_at_price: _Price | None = None
    barcodes: Annotated[list[str], msgspec.Meta(max_length=MAX_BARCODES)] = []
    stock: Annotated[int, msgspec.Meta(ge=0, le=MAX_STOCK)] = 0
    online_available: bool = False
    aisle: Annotated[str, msgspec.Meta(max_length=MAX_LOCATION)] = ""
    bay: Annotated[str, msgspec.Meta(max_length=MAX_LOCATION)] = ""
    platform_variant_id: Annotated[str, msgspec.Meta(max_length=MAX_ID)] = ""
    image: _Empty = ""


class _Product(msgspec.Struct):
    id: str
    name: str
    variants: Annotated[list[_Variant], msgspec.Meta(min_length=1, max_length=MAX_VARIANTS)]
    brand: str = ""
    description: str = ""
    category: Annotated[list[str], msgspec.Meta(max_length=MAX_CATEGORY_DEPTH)] = []
    tags: Annotated[list[str], msgspec.Meta(max_length=MAX_TAGS)] = []
    images: Annotated[list[str], msgspec.Meta(max_length=MAX_IMAGES)] = []
    online_url: str = ""
    platform_product_id: str = ""
    featured: bool = False
    updated_at: str | None = None
    # A JSON catalog document's header on a JSONL line is a file problem.
    format: Any = None


_decoder = msgspec.json.Decoder(_Product)


class _Declined(Exception):
    pass


def _tidy(value: str, path: str, *, max_len: int, required: bool = False, collapse: bool = False) -> str:
    """One-line text as parse_product tidies it (the usual clean value costs one check)."""
    if (value.isprintable() and value[:1] != " " and value[-1:] != " " and len(value) <= max_len
            and (value or not required) and not (collapse and "  " in value)):
        return value
    return _check_text(value, path, max_len=max_len, required=required, collapse=collapse)


def decode_product(line: bytes | str) -> ProductRecord | None:
    """``parse_product(json.loads(line))`` for the usual clean product, or ``None`` (ask ``parse_product``).

    Args:
        line: One product object as JSON text.

    Returns:
        The same record ``parse_product`` gives, or ``None`` when the
        product is unusual or wrong in any way.
    """
    try:
        p = _decoder.decode(line)
    except (msgspec.MsgspecError, UnicodeDecodeError):  # not UTF-8: the worker reports that
        return None
    try:
        return _check(p)
    except (_Declined, RecordError):
        return None


def _check(p: _Product) -> ProductRecord:
    if p.format == FORMAT_NAME:
        raise _Declined
    # The same tidying and limits as parse_product, in the same words when
    # they fail (an error here only declines, parse_product reports it).
    pid = _tidy(p.id, "id", max_len=MAX_ID, required=True)
    name = _tidy(p.name, "name", max_len=MAX_NAME, required=True, collapse=True)
    category: list[str] = []
    for level in p.category:
        level = _tidy(level, "category", max_len=MAX_CATEGORY_LEVEL, required=True, collapse=True)
        if ">" in level:
            raise _Declined
        category.append(level)
    tags: list[str] = []
    for tag in p.tags:
        tag = _tidy(tag, "tags", max_len=MAX_TAG, required=True, collapse=True)
        if tag not in tags:
            tags.append(tag)
    images: list[str] = []
    for ref in p.images:
        if not (_PLAIN_URL_RE.match(ref) and len(ref) <= MAX_URL and ref.isprintable()):
            ref = _image(ref, "images")  # asset:<path>, or a URL to tidy
            if not ref:
                raise _Declined
        images.append(ref)
    online_url = p.online_url
    if online_url:
        online_url = _tidy(online_url, "online_url", max_len=MAX_URL)
        if online_url and not _PLAIN_URL_RE.match(online_url):
            raise _Declined
    description = p.description
    if not (description.isprintable() and description[:1] != " " and description[-1:] != " "
            and len(description) <= MAX_DESCRIPTION):
        # Line breaks are fine in a description: the same tidying as parse_product.
        description = _check_text(description, "description", max_len=MAX_DESCRIPTION, multiline=True)
    brand = _tidy(p.brand, "brand", max_len=MAX_BRAND, collapse=True)
    ppid = _tidy(p.platform_product_id, "platform_product_id", max_len=MAX_ID)
    updated_at = parse_timestamp(p.updated_at, "updated_at") if p.updated_at is not None else None

    variants: list[VariantRecord] = []
    seen: set[str] = set()  # variant ids, SKUs and codes: any repeat declines
    good_currencies = _GOOD_CURRENCIES
    for v in p.variants:
        sku = v.sku
        vid = v.id or sku
        aisle = v.aisle
        bay = v.bay
        pvid = v.platform_variant_id
        plain = sku + vid + aisle + bay + pvid
        if " " in plain or not plain.isprintable():
            raise _Declined
        title = v.title
        if title and not (title.isprintable() and title[0] != " " and title[-1] != " " and "  " not in title
                          and len(title) <= MAX_TITLE):
            title = _check_text(title, "title", max_len=MAX_TITLE, collapse=True)
        currency = v.currency
        if currency not in good_currencies:
            if _currency_error(currency) is not None:
                raise _Declined
            good_currencies.add(currency)
        price = _cached_price(v.price, currency)
        if price is None:
            raise _Declined
        compare = v.compare_at_price
        if compare is not None:
            compare = _cached_price(compare, currency)
            if compare is None or compare < price:
                raise _Declined
        options = v.options
        for oname, ovalue in options.items():
            if not (oname and ovalue and len(oname) <= MAX_OPTION_NAME and len(ovalue) <= MAX_OPTION_VALUE
                    and (oname + ovalue).isprintable()
                    and oname[0] != " " and oname[-1] != " " and ovalue[0] != " " and ovalue[-1] != " "
                    and "  " not in oname and "  " not in ovalue):
                raise _Declined
        codes = v.barcodes
        if codes:
            normal = []
            for code in codes:
                n = len(code)
                if n == 12:
                    code = "0" + code
                elif n != 13 and n != 8:
                    raise _Declined
                if (not code.isdigit() or not code.isascii() or check_digit(code[:-1]) != ord(code[-1]) - 48
                        or code in normal):
                    raise _Declined
                normal.append(code)
            codes = normal
            for code in codes:
                key = "b" + code
                if key in seen:
                    raise _Declined
                seen.add(key)
        ikey = "i" + vid
        skey = "s" + sku
        if ikey in seen or skey in seen:
            raise _Declined
        seen.add(ikey)
        seen.add(skey)
        variants.append(VariantRecord(vid, sku, price, currency, title, options, compare, codes, v.stock,
                                      v.online_available, aisle, bay, pvid, ""))
    return ProductRecord(pid, name, variants, brand, description, category, tags, images,
                         online_url, ppid, p.featured, updated_at)


__all__ = ["decode_product"]
