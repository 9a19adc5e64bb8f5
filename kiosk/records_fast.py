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

import json
from datetime import timezone
from itertools import chain, repeat
from operator import lt
from typing import Annotated, Any

import msgspec

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
_astuple = msgspec.structs.astuple
# The column order RowSink's chunk path unpacks _Variant's fields in.
_VARIANT_FIELDS = ("sku", "price", "currency", "id", "title", "options", "compare_at_price", "barcodes", "stock",
                   "online_available", "aisle", "bay", "platform_variant_id", "image")
assert _Variant.__struct_fields__ == _VARIANT_FIELDS

# GS1 check digits by table: weighted digit sums of every 3-digit group,
# for the two weight patterns (1,3,1) and (3,1,3). A key that is not three
# ASCII digits is simply missing, which declines the code.
_W131 = {f"{n:03d}": (n // 100) + 3 * (n // 10 % 10) + n % 10 for n in range(1000)}
_W313 = {f"{n:03d}": 3 * (n // 100) + (n // 10 % 10) + 3 * (n % 10) for n in range(1000)}
_DIGIT = {str(n): n for n in range(10)}


def _normal_code(code: str) -> str | None:
    """An EAN-13 / EAN-8 / UPC-A code with a right check digit in normal form (as validate_barcode), else None."""
    n = len(code)
    if n == 12:
        code = "0" + code
        n = 13
    try:
        if n == 13:
            total = _W131[code[0:3]] + _W313[code[3:6]] + _W131[code[6:9]] + _W313[code[9:12]] + _DIGIT[code[12]]
        elif n == 8:
            total = _W313[code[0:3]] + _W131[code[3:6]] + 3 * _DIGIT[code[6]] + _DIGIT[code[7]]
        else:
            return None
    except KeyError:
        return None
    return code if total % 10 == 0 else None


# EAN-13's digit weights, the check digit's last (as in _normal_code).
_EAN13_WEIGHTS = (1, 3) * 6 + (1,)
# An ASCII digit's byte -> its value (the column is all ASCII digits before this is used).
_DIGIT_VALUES = bytes.maketrans(b"0123456789", bytes(range(10)))
# A weighted digit sum (one byte: at most 9 * 24 + 9 = 225) -> 0 if it is a multiple of 10, else 1.
_NOT_TENS = bytes(int(total % 10 != 0) for total in range(256))


def _ean13_column_ok(codes: list[str]) -> bool:
    """True if every code (each 13 characters long) is ASCII digits with a right EAN-13 check digit.

    All codes' weighted digit sums at once, in C: the i-th digits of the
    whole column, as the bytes of one integer, times their weight, summed
    over the 13 positions. Each code's sum stays in its own byte (no sum
    reaches 256, so nothing carries into the next code's), and the bytes
    of the total are the codes' sums. 0.01 s for 100,000 codes, where a
    ``map`` per digit group over the column took 0.11 s.
    """
    joined = "".join(codes)
    if not joined.isascii():
        return False
    digits = joined.encode("ascii")
    if not digits.isdigit():  # bytes: ASCII decimal digits only
        return False
    digits = digits.translate(_DIGIT_VALUES)
    total = 0
    for position, weight in enumerate(_EAN13_WEIGHTS):
        total += weight * int.from_bytes(digits[position::13], "little")
    sums = total.to_bytes(len(codes), "little")
    return sums.translate(_NOT_TENS).count(0) == len(codes)


def _normal_codes(codes: list[str]) -> list[str | None]:
    """``list(map(_normal_code, codes))``, in C for the usual column: EAN-13 codes with right check digits.

    The same weights and rule as :func:`_normal_code`, for the whole
    column at once (:func:`_ean13_column_ok`); any other column (a shorter
    code, a non-digit, a wrong check digit) is taken code by code.
    """
    if codes and set(map(len, codes)) == {13} and _ean13_column_ok(codes):
        return list(codes)  # an EAN-13 code is its own normal form
    return list(map(_normal_code, codes))


class _Declined(Exception):
    pass


# (price text, currency) -> minor units, for prices parse_decimal accepts.
_PRICES: dict[tuple[str, str], int] = {}


def _price(key: tuple[str, str]) -> int:
    minor = _cached_price(*key)
    if minor is None:
        raise _Declined
    if len(_PRICES) > 100_000:
        _PRICES.clear()
    _PRICES[key] = minor
    return minor


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


def _product_fields(p: _Product) -> tuple[Any, ...]:
    """The product's own fields, tidied and checked as parse_product does (variants aside)."""
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
    return pid, name, brand, description, category, tags, images, online_url, ppid, p.featured, updated_at


def _check(p: _Product) -> ProductRecord:
    pid, name, brand, description, category, tags, images, online_url, ppid, featured, updated_at = \
        _product_fields(p)
    variants: list[VariantRecord] = []
    # Variant ids, SKUs and codes: a repeat within the product declines.
    vids: list[str] = []
    skus: list[str] = []
    all_codes: list[str] = []
    good_currencies = _GOOD_CURRENCIES
    normal_code = _normal_code
    prices = _PRICES
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
        key = (v.price, currency)
        price = prices.get(key)
        if price is None:
            price = _price(key)
        compare = v.compare_at_price
        if compare is not None:
            key = (compare, currency)
            compare = prices.get(key)
            if compare is None:
                compare = _price(key)
            if compare < price:
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
            codes = [normal_code(code) for code in codes]
            if None in codes:
                raise _Declined
            all_codes.extend(codes)
        vids.append(vid)
        skus.append(sku)
        variants.append(VariantRecord(vid, sku, price, currency, title, options, compare, codes, v.stock,
                                      v.online_available, aisle, bay, pvid, ""))
    if len(set(vids)) != len(vids) or len(set(skus)) != len(skus) or len(set(all_codes)) != len(all_codes):
        raise _Declined
    return ProductRecord(pid, name, variants, brand, description, category, tags, images,
                         online_url, ppid, featured, updated_at)


# ------------------------------------------------------- rows for a bulk writer

#: Column order of the rows a :class:`RowSink` makes (the catalog tables'
#: columns as kiosk.catalog_store writes them; ``cat`` is the category path
#: as JSON, ``updated_at`` None when the source gave no time, and a product
#: row ends with its number of variants: the importer's category batches
#: need it, and counting staged rows would cost a sort). A variant row
#: ends with one more value, its first barcode (or None): most variants have
#: one code, and a row of its own for it would cost a bulk writer as much as
#: the variant; :attr:`RowSink.barcodes` holds the second and later codes.
PRODUCT_COLUMNS = ("id", "name", "brand", "description", "cat", "online_url", "platform_product_id", "featured",
                   "updated_at", "variant_count")
VARIANT_COLUMNS = ("id", "product_id", "sku", "title", "options", "position", "price_minor", "compare_at_minor",
                   "currency", "stock_store", "online_available", "aisle", "bay", "platform_variant_id",
                   "image_url")


class RowSink:
    """Catalog rows for validated products, ready for ``executemany``.

    :meth:`add_record` takes a record from ``parse_product``;
    :meth:`add_lines` takes a chunk of JSON lines and validates them
    column by column (one C-level pass per field over the whole chunk
    instead of a Python loop per variant), or declines the chunk so that
    the caller takes the lines one by one. Both give the same rows for
    the same products (the catalog tests compare them).
    """

    def __init__(self) -> None:
        self.products: list[tuple[Any, ...]] = []
        self.variants: list[tuple[Any, ...]] = []
        self.barcodes: list[tuple[str, str]] = []
        self.images: list[tuple[str, int, str, str]] = []
        self.tags: list[tuple[str, str]] = []
        self.product_count = 0
        self.variant_count = 0
        self._options: dict[tuple[tuple[str, str], ...], str] = {}
        self._times: dict[Any, str] = {}
        self._cats: dict[tuple[str, ...], str] = {}

    def clear(self) -> None:
        """Forget the rows (after they were written); counts and caches stay."""
        for rows in (self.products, self.variants, self.barcodes, self.images, self.tags):
            rows.clear()

    def _product_row(self, pid: str, name: str, brand: str, description: str, category: list[str],
                     online_url: str, ppid: str, featured: bool, updated_at: Any, variant_count: int) -> None:
        stamp = None
        if updated_at is not None:
            stamp = self._times.get(updated_at)
            if stamp is None:
                # The text kiosk.models.UTCDateTime stores.
                stamp = self._times[updated_at] = updated_at.astimezone(timezone.utc).isoformat(
                    timespec="microseconds")
        cat = None
        if category:
            key = tuple(category)
            cat = self._cats.get(key)
            if cat is None:
                cat = self._cats[key] = json.dumps(category)
        self.products.append((pid, name, brand, description, cat, online_url, ppid, int(featured), stamp,
                              variant_count))

    def _options_json(self, key: tuple[tuple[str, str], ...], options: dict[str, str]) -> str:
        opts = self._options.get(key)
        if opts is None:
            opts = self._options[key] = json.dumps(options)
        return opts

    def add_record(self, rec: ProductRecord) -> None:
        """Rows for one validated product."""
        pid = rec.id
        self._product_row(pid, rec.name, rec.brand, rec.description, rec.category, rec.online_url,
                          rec.platform_product_id, rec.featured, rec.updated_at, len(rec.variants))
        variants = self.variants
        barcodes = self.barcodes
        for pos, v in enumerate(rec.variants):
            opts = self._options_json(tuple(v.options.items()), v.options)
            codes = v.barcodes
            variants.append((v.id, pid, v.sku, v.title, opts, pos, v.price_minor, v.compare_at_minor, v.currency,
                             v.stock, int(v.online_available), v.aisle, v.bay, v.platform_variant_id, v.image,
                             codes[0] if codes else None))
            for code in codes[1:]:
                barcodes.append((code, v.id))
        self.images.extend((pid, pos, url, "") for pos, url in enumerate(rec.images))
        self.tags.extend((pid, tag) for tag in rec.tags)
        self.product_count += 1
        self.variant_count += len(rec.variants)

    def add_lines(self, lines: list[bytes]) -> bool:
        """Rows for a chunk of product lines, if every one is clean; False (nothing added) otherwise."""
        decode = _decoder.decode
        try:
            # One line at a time: a product may not span lines, nor a line hold two.
            ps = [decode(line) for line in lines]
        except (msgspec.MsgspecError, UnicodeDecodeError):
            return False
        return self._add_structs(ps)

    def add_objects(self, objs: list[Any]) -> bool:
        """Like :meth:`add_lines` for decoded product objects (as the CSV reader assembles them)."""
        try:
            ps = msgspec.convert(objs, list[_Product])
        except msgspec.MsgspecError:
            return False
        return self._add_structs(ps)

    def _add_structs(self, ps: list[_Product]) -> bool:
        """Rows for decoded products, all or nothing; False when the chunk needs the careful path."""
        mark = (len(self.products), len(self.images), len(self.tags))
        try:
            return self._add_structs_or_raise(ps)
        except BaseException as exc:
            # All or nothing: drop this chunk's product rows.
            del self.products[mark[0]:], self.images[mark[1]:], self.tags[mark[2]:]
            if isinstance(exc, (_Declined, RecordError)):
                return False
            raise

    def _add_structs_or_raise(self, ps: list[_Product]) -> bool:
        pids: list[str] = []
        for p in ps:
            pid, name, brand, description, category, tags, images, online_url, ppid, featured, updated_at = \
                _product_fields(p)
            self._product_row(pid, name, brand, description, category, online_url, ppid, featured, updated_at,
                              len(p.variants))
            if images:
                self.images.extend((pid, pos, url, "") for pos, url in enumerate(images))
            if tags:
                self.tags.extend((pid, tag) for tag in tags)
            pids.append(pid)
        vs = [v for p in ps for v in p.variants]
        n = len(vs)
        # Every variant field as a column, transposed in C (a list
        # comprehension per field cost twice as much).
        (skus, price_texts, currencies, ids, titles, option_dicts, compare_texts, code_lists, stocks, onlines,
         aisles, bays, pvids, _images) = zip(*map(_astuple, vs))  # _VARIANT_FIELDS' order
        vids = ids if "" not in ids else tuple(vid or sku for vid, sku in zip(ids, skus))
        # Each check below runs once over a whole column, as _check runs it per value.
        plain = "".join(skus) + "".join(vids) + "".join(aisles) + "".join(bays) + "".join(pvids)
        if " " in plain or not plain.isprintable():
            raise _Declined
        framed = "\n" + "\n".join(titles) + "\n"  # "\n" marks each title's edges
        if (not "".join(titles).isprintable() or "  " in framed or " \n" in framed or "\n " in framed
                or max(map(len, titles)) > MAX_TITLE):
            raise _Declined
        if len(set(vids)) != n or len(set(skus)) != n:
            raise _Declined  # a repeat within a product, or across the chunk: take it product by product
        for currency in set(currencies).difference(_GOOD_CURRENCIES):
            if _currency_error(currency) is not None:
                raise _Declined
            _GOOD_CURRENCIES.add(currency)
        prices = _PRICES
        keys = list(zip(price_texts, currencies))
        minor = list(map(prices.get, keys))
        if None in minor:
            minor = [m if m is not None else _price(k) for m, k in zip(minor, keys)]
        # No compare-at price is (None, currency), never a key of _PRICES.
        ckeys = list(zip(compare_texts, currencies))
        compare = list(map(prices.get, ckeys))
        if None in compare:
            compare = [_price(k) if c is None and k[0] is not None else c for c, k in zip(compare, ckeys)]
        if None in compare:
            below = any(c is not None and c < m for c, m in zip(compare, minor))
        else:
            below = any(map(lt, compare, minor))
        if below:
            raise _Declined
        option_keys = list(map(tuple, map(dict.items, option_dicts)))
        options = list(map(self._options.get, option_keys))
        if None in options:
            options = [o if o is not None else self._checked_options(k, d)
                       for o, k, d in zip(options, option_keys, option_dicts)]
        sizes = list(map(len, code_lists))
        firsts: Any = [None] * n
        if any(sizes):
            codes = list(chain.from_iterable(code_lists))
            normal = _normal_codes(codes)
            if None in normal or len(set(normal)) != len(normal):
                raise _Declined
            if min(sizes) == 1 and max(sizes) == 1:  # the usual catalog: one code a variant
                firsts = normal
            elif max(sizes) == 1:
                it = iter(normal)
                firsts = [next(it) if k else None for k in sizes]
            else:
                it = iter(normal)
                per = [[next(it) for _ in range(k)] for k in sizes]
                firsts = [cl[0] if cl else None for cl in per]
                self.barcodes.extend((code, vid) for cl, vid in zip(per, vids) for code in cl[1:])
        counts = [len(p.variants) for p in ps]
        positions = chain.from_iterable(map(range, counts))
        owners = chain.from_iterable(map(repeat, pids, counts))
        self.variants.extend(zip(vids, owners, skus, titles, options, positions, minor, compare, currencies,
                                 stocks, map(int, onlines), aisles, bays, pvids, repeat("", n), firsts))
        self.product_count += len(ps)
        self.variant_count += n
        return True

    def _checked_options(self, key: tuple[tuple[str, str], ...], options: dict[str, str]) -> str:
        for oname, ovalue in key:
            if not (oname and ovalue and len(oname) <= MAX_OPTION_NAME and len(ovalue) <= MAX_OPTION_VALUE
                    and (oname + ovalue).isprintable()
                    and oname[0] != " " and oname[-1] != " " and ovalue[0] != " " and ovalue[-1] != " "
                    and "  " not in oname and "  " not in ovalue):
                raise _Declined
        return self._options_json(key, options)


__all__ = ["PRODUCT_COLUMNS", "VARIANT_COLUMNS", "RowSink", "decode_product"]
