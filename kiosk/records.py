"""The canonical catalog record format: parsing, validation, serialisation.

Every way a product enters the kiosk (a JSON/JSONL/CSV file, the central
changes feed, the bundled demo catalog) goes through :func:`parse_product`,
so one set of rules decides what a valid product is. The format is
documented in docs/catalog-format.md and described by the JSON Schema in
``kiosk/schema/catalog.schema.json``.

Prices in records are decimal *strings* (``"899.00"``); parsed records hold
integer minor units. Barcodes are verified (EAN-13, EAN-8, UPC-A check
digits) and kept in their normal form (see :mod:`kiosk.barcodes`).
Unknown keys are ignored so that a newer producer can add fields without
breaking older kiosks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from kiosk.barcodes import BarcodeError, check_digit, validate_barcode
from kiosk.money import MoneyError, check_currency, parse_decimal, to_decimal

FORMAT_NAME = "kiosk-catalog"
FORMAT_VERSION = 1

# Column sizes of kiosk.models; a longer value is refused rather than cut.
MAX_ID = 128
MAX_NAME = 500
MAX_BRAND = 200
MAX_DESCRIPTION = 20_000
MAX_CATEGORY_LEVEL = 200
MAX_CATEGORY_DEPTH = 8
MAX_TAG = 100
MAX_TAGS = 100
MAX_URL = 2000
MAX_IMAGES = 50
MAX_VARIANTS = 1000
MAX_TITLE = 300
MAX_OPTION_NAME = 50
MAX_OPTION_VALUE = 100
MAX_OPTIONS = 10
MAX_BARCODES = 20
MAX_LOCATION = 32
MAX_STOCK = 10**9
MAX_SCENE_TITLE = 200
MAX_SCENE_SUBTITLE = 500
MAX_SCENE_ITEMS = 100
MAX_NOTE = 300
MAX_STORE_ID = 64

# C0 controls, DEL and C1 controls: never valid in a one-line field.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Multi-line text (descriptions) may keep tabs and newlines.
_CONTROL_MULTILINE_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES_RE = re.compile(r"\s+")
# The common shape of a URL, accepted without urlsplit (which accepts it too).
_PLAIN_URL_RE = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#]\S*)?\Z")


class RecordError(ValueError):
    """A record that breaks the catalog format.

    Attributes:
        field: Where in the record, as a path (``"variants[1].price"``).
        message: Why, in words a store manager can act on.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(slots=True)
class VariantRecord:
    """One buyable variant of a product (prices in minor units)."""

    id: str
    sku: str
    price_minor: int
    currency: str
    title: str = ""
    options: dict[str, str] = field(default_factory=dict)
    compare_at_minor: int | None = None
    barcodes: list[str] = field(default_factory=list)
    stock: int = 0
    online_available: bool = False
    aisle: str = ""
    bay: str = ""
    platform_variant_id: str = ""
    image: str = ""


@dataclass(slots=True)
class ProductRecord:
    """A product with its variants, as the catalog format describes it."""

    id: str
    name: str
    variants: list[VariantRecord]
    brand: str = ""
    description: str = ""
    category: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    online_url: str = ""
    platform_product_id: str = ""
    featured: bool = False
    # None: the source did not say; the store keeps the first import's time.
    updated_at: datetime | None = None


@dataclass(slots=True)
class SceneItemRecord:
    """A product placed on a scene's hero image (x, y fractions, origin top-left)."""

    product_id: str
    x: float
    y: float
    note: str = ""


@dataclass(slots=True)
class SceneRecord:
    """A staff-curated scene: products shown together on a hero image."""

    id: str
    title: str
    subtitle: str = ""
    hero_image: str = ""
    store_id: str | None = None
    active_from: datetime | None = None
    active_to: datetime | None = None
    position: int = 0
    items: list[SceneItemRecord] = field(default_factory=list)


# ---------------------------------------------------------------- primitives


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _join(base: str, key: str) -> str:
    """The field path of ``key`` inside ``base`` (built only when reporting an error)."""
    return f"{base}.{key}" if base else key


def _text(obj: dict[str, Any], key: str, base: str, *, max_len: int, required: bool = False,
          multiline: bool = False, collapse: bool = False) -> str:
    """A string field: stripped, length-checked, free of control characters."""
    value = obj.get(key)
    # Fast path for the usual clean value: isprintable() is False for every
    # control character and every whitespace but " ", so a printable value
    # without edge spaces (or double spaces, when collapsing) needs no work.
    if (type(value) is str and len(value) <= max_len and value.isprintable()
            and value[:1] != " " and value[-1:] != " " and (value or not required)
            and not (collapse and "  " in value)):
        return value
    path = _join(base, key)
    if value is None:
        if required:
            raise RecordError(path, "is required")
        return ""
    if not isinstance(value, str):
        raise RecordError(path, f"must be text, got {_type_name(value)}")
    return _check_text(value, path, max_len=max_len, required=required, multiline=multiline, collapse=collapse)


def _clean(value: str, base: str, max_len: int, required: bool = True, collapse: bool = True, *, key: str,
           prefix: str = "") -> str:
    """Like :func:`_check_text` for a value known to be a string, with the fast path."""
    if (len(value) <= max_len and value.isprintable() and value[:1] != " " and value[-1:] != " "
            and (value or not required) and not (collapse and "  " in value)):
        return value
    return _check_text(value, _join(base, prefix + key), max_len=max_len, required=required, collapse=collapse)


def _check_text(value: str, path: str, *, max_len: int, required: bool = False, multiline: bool = False,
                collapse: bool = False) -> str:
    bad = (_CONTROL_MULTILINE_RE if multiline else _CONTROL_RE).search(value)
    if bad:
        raise RecordError(path, f"contains a control character (U+{ord(bad.group()):04X}) at position {bad.start()}")
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    elif collapse:
        # Source systems pad names with double and no-break spaces; one
        # space reads the same on screen and searches the same.
        value = _SPACES_RE.sub(" ", value).strip()
    else:
        value = value.strip()
    if required and not value:
        raise RecordError(path, "must not be empty")
    if len(value) > max_len:
        raise RecordError(path, f"is {len(value)} characters long; at most {max_len} allowed")
    return value


def _bool(obj: dict[str, Any], key: str, base: str, default: bool = False) -> bool:
    value = obj.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise RecordError(_join(base, key), f"must be true or false, got {_type_name(value)}")
    return value


def _int(obj: dict[str, Any], key: str, base: str, *, default: int, minimum: int, maximum: int) -> int:
    value = obj.get(key, default)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON has one number type: 4.0 is the whole number 4
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(_join(base, key), f"must be a whole number, got {_type_name(value)}")
    if value < minimum:
        raise RecordError(_join(base, key), f"must be at least {minimum}, got {value}")
    if value > maximum:
        raise RecordError(_join(base, key), f"must be at most {maximum}, got {value}")
    return value


def _list(obj: dict[str, Any], key: str, base: str, *, max_items: int) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(_join(base, key), f"must be a list, got {_type_name(value)}")
    if len(value) > max_items:
        raise RecordError(_join(base, key), f"has {len(value)} entries; at most {max_items} allowed")
    return value


def check_image_ref(ref: str, path: str) -> str:
    """Check an image reference: ``asset:<path under assets/>`` or an http(s) URL.

    Raises:
        RecordError: Anything else, or an asset path that climbs out of
            ``assets/``.
    """
    if ref.startswith("asset:"):
        rel = ref[len("asset:"):]
        parts = rel.replace("\\", "/").split("/")
        if not rel or rel.startswith("/") or ".." in parts or "" in parts:
            raise RecordError(path, f"asset reference {ref!r} must name a file under assets/ (asset:dir/file.png)")
        return ref
    return check_url(ref, path, what="image")


def check_url(url: str, path: str, *, what: str = "link") -> str:
    """Check an absolute http(s) URL with a host; returns it unchanged."""
    if _PLAIN_URL_RE.match(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        if what == "image":
            raise RecordError(path, f"{url!r} is not an image reference (asset:<path> or an http(s) URL)")
        raise RecordError(path, f"{url!r} is not an http(s) URL")
    return url


def _image(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise RecordError(path, f"must be text, got {_type_name(value)}")
    value = _check_text(value, path, max_len=MAX_URL)
    return check_image_ref(value, path) if value else ""


_TIMESTAMPS: dict[str, datetime] = {}


def parse_timestamp(value: Any, path: str) -> datetime | None:
    """An ISO-8601 timestamp with a timezone (``2026-11-01T10:00:00Z``) as aware UTC.

    ``None`` (or a missing field) stays ``None``.
    """
    if value is None:
        return None
    if type(value) is str:
        # A feed stamps many products with the same few times.
        when = _TIMESTAMPS.get(value)
        if when is None:
            when = _parse_timestamp(value, path)
            if len(_TIMESTAMPS) > 10_000:
                _TIMESTAMPS.clear()
            _TIMESTAMPS[value] = when
        return when
    raise RecordError(path, f"must be an ISO-8601 timestamp string, got {_type_name(value)}")


def _parse_timestamp(value: str, path: str) -> datetime:
    if not isinstance(value, str):
        raise RecordError(path, f"must be an ISO-8601 timestamp string, got {_type_name(value)}")
    text = value.strip()
    if "T" not in text and " " not in text:
        raise RecordError(path, f"{value!r} is not a timestamp (expected e.g. 2026-11-01T10:00:00Z)")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(path, f"{value!r} is not a timestamp (expected e.g. 2026-11-01T10:00:00Z)") from None
    if when.tzinfo is None:
        raise RecordError(path, f"{value!r} has no timezone; add Z for UTC (2026-11-01T10:00:00Z)")
    try:
        return when.astimezone(timezone.utc)
    except OverflowError:
        raise RecordError(path, f"{value!r} is out of range") from None


def format_timestamp(when: datetime | None) -> str | None:
    """Aware datetime -> ``2026-11-01T10:00:00Z`` (microseconds kept when set)."""
    if when is None:
        return None
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@lru_cache(maxsize=65536)
def _parse_price_cached(text: str, currency: str) -> int | str:
    """Minor units, or the error message (catalogs repeat prices a lot)."""
    try:
        return parse_decimal(text, currency)
    except MoneyError as exc:
        return str(exc)


def _price(value: Any, currency: str, base: str, key: str) -> int:
    if type(value) is str:
        minor = _parse_price_cached(value, currency)
        if type(minor) is int:
            return minor
        raise RecordError(_join(base, key), minor)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise RecordError(_join(base, key), f"must be a decimal string such as \"12.50\", not the number {value!r} "
                                "(numbers in JSON are floats and can lose cents)")
    raise RecordError(_join(base, key), f"must be a decimal string such as \"12.50\", got {_type_name(value)}")


@lru_cache(maxsize=1024)
def _currency_error(currency: str) -> str | None:
    try:
        check_currency(currency)
    except MoneyError as exc:
        return str(exc)
    return None


# ------------------------------------------------------------------ products


def parse_variant(obj: Any, path: str = "variant") -> VariantRecord:
    """Validate one variant object (see :func:`parse_product`)."""
    if type(obj) is dict:
        rec = _fast_variant(obj)
        if rec is not None:
            return rec
    return _parse_variant_checked(obj, path)


# Prices and currencies repeat across a catalog; remember the parsed ones.
_PRICE_CACHE: dict[tuple[str, str], int] = {}
_PRICE_CACHE_MAX = 100_000
_GOOD_CURRENCIES: set[str] = set()


def _cached_price(text: str, currency: str) -> int | None:
    key = (text, currency)
    minor = _PRICE_CACHE.get(key)
    if minor is None:
        try:
            minor = parse_decimal(text, currency)
        except MoneyError:
            return None
        if len(_PRICE_CACHE) >= _PRICE_CACHE_MAX:
            _PRICE_CACHE.clear()
        _PRICE_CACHE[key] = minor
    return minor


def _fast_variant(obj: dict[str, Any]) -> VariantRecord | None:
    """The usual, clean variant, checked without a function call per field.

    Returns ``None`` whenever anything needs a closer look (cleanup, an
    error, an unusual type); :func:`_parse_variant_checked` then decides
    and words the error. The two must accept the same input with the same
    result: the catalog tests compare them on generated variants.
    """
    g = obj.get
    sku = g("sku")
    vid = g("id")
    if vid is None or vid == "":
        vid = sku
    title = g("title", "")
    aisle = g("aisle", "")
    bay = g("bay", "")
    pvid = g("platform_variant_id", "")
    if not (type(sku) is str and type(vid) is str and type(title) is str and type(aisle) is str
            and type(bay) is str and type(pvid) is str):
        return None
    plain = sku + vid + aisle + bay + pvid
    if (not sku or len(sku) > MAX_ID or len(vid) > MAX_ID or len(title) > MAX_TITLE or len(aisle) > MAX_LOCATION
            or len(bay) > MAX_LOCATION or len(pvid) > MAX_ID or " " in plain
            or not (plain + title).isprintable()
            or title[:1] == " " or title[-1:] == " " or "  " in title):
        return None
    image = g("image")
    if image is not None and image != "":
        return None
    currency = g("currency")
    if type(currency) is not str:
        return None
    if currency not in _GOOD_CURRENCIES:
        if _currency_error(currency) is not None:
            return None
        _GOOD_CURRENCIES.add(currency)
    price = g("price")
    if type(price) is not str:
        return None
    price_minor = _cached_price(price, currency)
    if price_minor is None:
        return None
    compare = g("compare_at_price")
    compare_minor = None
    if compare is not None:
        if type(compare) is not str:
            return None
        compare_minor = _cached_price(compare, currency)
        if compare_minor is None or compare_minor < price_minor:
            return None
    options = g("options")
    opts: dict[str, str] = {}
    if options is not None:
        if type(options) is not dict or len(options) > MAX_OPTIONS:
            return None
        for name, value in options.items():
            if not (type(name) is str and type(value) is str and name and value and len(name) <= MAX_OPTION_NAME
                    and len(value) <= MAX_OPTION_VALUE and (name + value).isprintable()
                    and name[0] != " " and name[-1] != " " and value[0] != " " and value[-1] != " "
                    and "  " not in name and "  " not in value):
                return None
            opts[name] = value
    codes = g("barcodes")
    normal: list[str] = []
    if codes is not None:
        if type(codes) is not list or len(codes) > MAX_BARCODES:
            return None
        for code in codes:
            if type(code) is not str or not code.isdigit() or not code.isascii():
                return None
            n = len(code)
            if n == 12:
                code = "0" + code
            elif n != 13 and n != 8:
                return None
            if check_digit(code[:-1]) != ord(code[-1]) - 48 or code in normal:
                return None
            normal.append(code)
    stock = g("stock")
    if stock is None:
        stock = 0
    elif type(stock) is not int or stock < 0 or stock > MAX_STOCK:
        return None
    online = g("online_available")
    if online is None:
        online = False
    elif type(online) is not bool:
        return None
    return VariantRecord(vid, sku, price_minor, currency, title, opts, compare_minor, normal, stock, online,
                         aisle, bay, pvid, "")


def _parse_variant_checked(obj: Any, path: str) -> VariantRecord:
    """Validate one variant field by field, raising the first problem found."""
    if not isinstance(obj, dict):
        raise RecordError(path, f"must be an object, got {_type_name(obj)}")
    sku = _text(obj, "sku", path, max_len=MAX_ID, required=True)
    vid = _text(obj, "id", path, max_len=MAX_ID) or sku
    currency = obj.get("currency")
    if currency is None:
        raise RecordError(f"{path}.currency", "is required (a three-letter ISO 4217 code such as EUR)")
    if type(currency) is not str:
        raise RecordError(f"{path}.currency", f"must be a three-letter ISO 4217 code such as EUR, got {_type_name(currency)}")
    problem = _currency_error(currency)
    if problem:
        raise RecordError(f"{path}.currency", problem)
    if "price" not in obj or obj["price"] is None:
        raise RecordError(f"{path}.price", "is required (a decimal string such as \"12.50\")")
    price = _price(obj["price"], currency, path, "price")
    compare_raw = obj.get("compare_at_price")
    compare = None
    if compare_raw is not None:
        compare = _price(compare_raw, currency, path, "compare_at_price")
        if compare < price:
            raise RecordError(f"{path}.compare_at_price",
                              f"{compare_raw} is below the price {obj['price']}; the was-price must be at least the price")
    options_raw = obj.get("options")
    options: dict[str, str] = {}
    if options_raw is not None:
        if not isinstance(options_raw, dict):
            raise RecordError(f"{path}.options", f"must be an object of option name -> value, got {_type_name(options_raw)}")
        if len(options_raw) > MAX_OPTIONS:
            raise RecordError(f"{path}.options", f"has {len(options_raw)} options; at most {MAX_OPTIONS} allowed")
        for name, value in options_raw.items():
            if type(name) is not str or type(value) is not str:
                raise RecordError(f"{path}.options.{name}", f"must be text, got {_type_name(value)}")
            oname = _clean(name, path, MAX_OPTION_NAME, key=name, prefix="options.")
            options[oname] = _clean(value, path, MAX_OPTION_VALUE, key=name, prefix="options.")
    barcodes: list[str] = []
    for i, code in enumerate(_list(obj, "barcodes", path, max_items=MAX_BARCODES)):
        if type(code) is not str:
            raise RecordError(f"{path}.barcodes[{i}]", f"must be a string of digits, got {_type_name(code)} (write barcodes in quotes: "
                                     "leading zeros matter)")
        try:
            normal = validate_barcode(code)
        except BarcodeError as exc:
            raise RecordError(f"{path}.barcodes[{i}]", str(exc)) from None
        if normal in barcodes:
            raise RecordError(f"{path}.barcodes[{i}]", f"barcode {code} is listed twice")
        barcodes.append(normal)
    return VariantRecord(
        id=vid,
        sku=sku,
        price_minor=price,
        currency=currency,
        title=_text(obj, "title", path, max_len=MAX_TITLE, collapse=True),
        options=options,
        compare_at_minor=compare,
        barcodes=barcodes,
        stock=_int(obj, "stock", path, default=0, minimum=0, maximum=MAX_STOCK),
        online_available=_bool(obj, "online_available", path),
        aisle=_text(obj, "aisle", path, max_len=MAX_LOCATION),
        bay=_text(obj, "bay", path, max_len=MAX_LOCATION),
        platform_variant_id=_text(obj, "platform_variant_id", path, max_len=MAX_ID),
        image="" if obj.get("image") in (None, "") else _image(obj["image"], f"{path}.image"),
    )


def parse_product(obj: Any) -> ProductRecord:
    """Validate a product object of the catalog format.

    Args:
        obj: The decoded JSON object (see docs/catalog-format.md).

    Returns:
        The product with prices in minor units, barcodes in normal form,
        text stripped (names with runs of spaces collapsed) and
        defaults filled in.

    Raises:
        RecordError: The first problem found, with the field path and a
            message that says how to fix it. Nothing else is raised, for
            any input.
    """
    if not isinstance(obj, dict):
        raise RecordError("product", f"must be an object, got {_type_name(obj)}")
    pid = _text(obj, "id", "", max_len=MAX_ID, required=True)
    name = _text(obj, "name", "", max_len=MAX_NAME, required=True, collapse=True)
    category: list[str] = []
    for i, level in enumerate(_list(obj, "category", "", max_items=MAX_CATEGORY_DEPTH)):
        if type(level) is not str:
            raise RecordError(f"category[{i}]", f"must be text, got {_type_name(level)}")
        if not (level and len(level) <= MAX_CATEGORY_LEVEL and level.isprintable() and level[0] != " "
                and level[-1] != " " and "  " not in level):
            level = _check_text(level, f"category[{i}]", max_len=MAX_CATEGORY_LEVEL, required=True, collapse=True)
        if ">" in level:
            raise RecordError(f"category[{i}]", f"{level!r} contains '>', which separates category levels; "
                                                "give each level as its own list entry")
        category.append(level)
    tags: list[str] = []
    for i, tag in enumerate(_list(obj, "tags", "", max_items=MAX_TAGS)):
        if type(tag) is not str:
            raise RecordError(f"tags[{i}]", f"must be text, got {_type_name(tag)}")
        if not (tag and len(tag) <= MAX_TAG and tag.isprintable() and tag[0] != " " and tag[-1] != " "
                and "  " not in tag):
            tag = _check_text(tag, f"tags[{i}]", max_len=MAX_TAG, required=True, collapse=True)
        if tag not in tags:  # duplicates say nothing new
            tags.append(tag)
    images: list[str] = []
    for i, ref in enumerate(_list(obj, "images", "", max_items=MAX_IMAGES)):
        if type(ref) is str and _PLAIN_URL_RE.match(ref) and len(ref) <= MAX_URL and ref.isprintable():
            images.append(ref)  # the usual case, without a call per check
            continue
        ref = _image(ref, f"images[{i}]")
        if not ref:
            raise RecordError(f"images[{i}]", "must not be empty")
        images.append(ref)
    online_url = _text(obj, "online_url", "", max_len=MAX_URL)
    if online_url:
        check_url(online_url, "online_url")
    variants_raw = obj.get("variants")
    if variants_raw is None:
        raise RecordError("variants", "is required: a product needs at least one variant with a SKU and a price")
    if not isinstance(variants_raw, list):
        raise RecordError("variants", f"must be a list, got {_type_name(variants_raw)}")
    if not variants_raw:
        raise RecordError("variants", "is empty: a product needs at least one variant with a SKU and a price")
    if len(variants_raw) > MAX_VARIANTS:
        raise RecordError("variants", f"has {len(variants_raw)} variants; at most {MAX_VARIANTS} allowed")
    variants: list[VariantRecord] = []
    ids: dict[str, int] = {}
    skus: dict[str, int] = {}
    codes: dict[str, int] = {}
    for i, raw in enumerate(variants_raw):
        v = (_fast_variant(raw) if type(raw) is dict else None) or _parse_variant_checked(raw, f"variants[{i}]")
        if v.id in ids:
            raise RecordError(f"variants[{i}].id", f"variant id {v.id!r} is also used by variants[{ids[v.id]}]")
        if v.sku in skus:
            raise RecordError(f"variants[{i}].sku", f"SKU {v.sku!r} is also used by variants[{skus[v.sku]}]")
        for code in v.barcodes:
            if code in codes:
                raise RecordError(f"variants[{i}].barcodes", f"barcode {code} is also on variants[{codes[code]}]")
            codes[code] = i
        ids[v.id] = skus[v.sku] = i
        variants.append(v)
    return ProductRecord(
        id=pid,
        name=name,
        variants=variants,
        brand=_text(obj, "brand", "", max_len=MAX_BRAND, collapse=True),
        description=_text(obj, "description", "", max_len=MAX_DESCRIPTION, multiline=True),
        category=category,
        tags=tags,
        images=images,
        online_url=online_url,
        platform_product_id=_text(obj, "platform_product_id", "", max_len=MAX_ID),
        featured=_bool(obj, "featured", ""),
        updated_at=parse_timestamp(obj.get("updated_at"), "updated_at"),
    )


def variant_to_json(v: VariantRecord) -> dict[str, Any]:
    """A variant in the canonical format (prices as decimal strings)."""
    return {
        "id": v.id,
        "sku": v.sku,
        "title": v.title,
        "options": dict(v.options),
        "price": to_decimal(v.price_minor, v.currency),
        "compare_at_price": None if v.compare_at_minor is None else to_decimal(v.compare_at_minor, v.currency),
        "currency": v.currency,
        "barcodes": list(v.barcodes),
        "stock": v.stock,
        "online_available": v.online_available,
        "aisle": v.aisle,
        "bay": v.bay,
        "platform_variant_id": v.platform_variant_id,
        "image": v.image,
    }


def product_to_json(rec: ProductRecord) -> dict[str, Any]:
    """A product in the canonical format; ``parse_product`` of it gives ``rec`` back."""
    return {
        "id": rec.id,
        "name": rec.name,
        "brand": rec.brand,
        "description": rec.description,
        "category": list(rec.category),
        "tags": list(rec.tags),
        "images": list(rec.images),
        "online_url": rec.online_url,
        "platform_product_id": rec.platform_product_id,
        "featured": rec.featured,
        "updated_at": format_timestamp(rec.updated_at),
        "variants": [variant_to_json(v) for v in rec.variants],
    }


# -------------------------------------------------------------------- scenes


def _fraction(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordError(path, f"must be a number from 0 to 1, got {_type_name(value)}")
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise RecordError(path, f"must be from 0 to 1 (a fraction of the hero image), got {value!r}")
    return float(value)


def parse_scene(obj: Any) -> SceneRecord:
    """Validate a scene object of the catalog format.

    Raises:
        RecordError: The first problem found (field path and message).
    """
    if not isinstance(obj, dict):
        raise RecordError("scene", f"must be an object, got {_type_name(obj)}")
    sid = _text(obj, "id", "", max_len=MAX_ID, required=True)
    title = _text(obj, "title", "", max_len=MAX_SCENE_TITLE, required=True, collapse=True)
    hero = _image(obj.get("hero_image") or "", "hero_image")
    store_raw = obj.get("store_id")
    store_id = None
    if store_raw is not None:
        store_id = _text(obj, "store_id", "", max_len=MAX_STORE_ID) or None
    active_from = parse_timestamp(obj.get("active_from"), "active_from")
    active_to = parse_timestamp(obj.get("active_to"), "active_to")
    if active_from and active_to and active_to <= active_from:
        raise RecordError("active_to", "must be after active_from")
    items: list[SceneItemRecord] = []
    for i, raw in enumerate(_list(obj, "items", "", max_items=MAX_SCENE_ITEMS)):
        ipath = f"items[{i}]"
        if not isinstance(raw, dict):
            raise RecordError(ipath, f"must be an object, got {_type_name(raw)}")
        for key in ("x", "y"):
            if key not in raw:
                raise RecordError(f"{ipath}.{key}", "is required (a fraction 0..1 of the hero image)")
        items.append(SceneItemRecord(
            product_id=_text(raw, "product_id", ipath, max_len=MAX_ID, required=True),
            x=_fraction(raw["x"], f"{ipath}.x"),
            y=_fraction(raw["y"], f"{ipath}.y"),
            note=_text(raw, "note", ipath, max_len=MAX_NOTE, collapse=True),
        ))
    return SceneRecord(
        id=sid,
        title=title,
        subtitle=_text(obj, "subtitle", "", max_len=MAX_SCENE_SUBTITLE, collapse=True),
        hero_image=hero,
        store_id=store_id,
        active_from=active_from,
        active_to=active_to,
        position=_int(obj, "position", "", default=0, minimum=-(10**9), maximum=10**9),
        items=items,
    )


def scene_to_json(rec: SceneRecord) -> dict[str, Any]:
    """A scene in the canonical format; ``parse_scene`` of it gives ``rec`` back."""
    return {
        "id": rec.id,
        "title": rec.title,
        "subtitle": rec.subtitle,
        "hero_image": rec.hero_image,
        "store_id": rec.store_id,
        "active_from": format_timestamp(rec.active_from),
        "active_to": format_timestamp(rec.active_to),
        "position": rec.position,
        "items": [{"product_id": it.product_id, "x": it.x, "y": it.y, "note": it.note} for it in rec.items],
    }


def category_slug_path(levels: list[str]) -> list[tuple[str, str, str | None, str, int]]:
    """The category nodes of a path, root first: (id, name, parent_id, path, depth).

    A node's id is the slug of its whole path (``furniture/sofas``), so the
    same path from any source lands on the same category row.
    """
    out: list[tuple[str, str, str | None, str, int]] = []
    parent: str | None = None
    slugs: list[str] = []
    for depth, name in enumerate(levels):
        slugs.append(slugify(name))
        cid = "/".join(slugs)
        out.append((cid, name, parent, " > ".join(levels[: depth + 1]), depth))
        parent = cid
    return out


_SLUG_DROP_RE = re.compile(r"[^\w]+", re.UNICODE)


def slugify(text: str) -> str:
    """Lower-case, word characters joined by ``-`` (keeps non-Latin letters)."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    slug = _SLUG_DROP_RE.sub("-", folded).strip("-_")
    return slug or "-"
