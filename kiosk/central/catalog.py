"""Reading catalog files and making canonical product and scene records.

The record format is the project's canonical one (docs and kiosk/records.py,
owned by the import engineer): ``parse_product`` validates, ``product_to_json``
gives the canonical dict. Here the dict becomes the stored text: compact JSON
with sorted keys, so that its sha256 changes exactly when the content does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.central.images import publish_image_ref


class CatalogError(ValueError):
    """A catalog file or record that cannot be published."""


@dataclass(frozen=True)
class CanonicalProduct:
    """A product ready to store: its id, JSON text, hash and variants."""

    product_id: str
    text: str
    content_hash: str
    variants: tuple[tuple[str, str], ...]  # (variant id, sku)


def dumps(obj: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def read_catalog_file(path: Path) -> tuple[list[Any], list[Any]]:
    """Products and scenes of a canonical JSON catalog or a JSONL file.

    Raises:
        CatalogError: Unreadable file, bad JSON (with the line number) or a
            JSON document that is not a kiosk catalog.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read: {exc}") from exc
    doc: Any = None
    if path.suffix.lower() != ".jsonl":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            # "Extra data" after the first object: it is JSON Lines.
            if not exc.msg.startswith("Extra data"):
                raise CatalogError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from exc
    if doc is None:
        products = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                products.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CatalogError(f"{path}:{n}: not JSON: {exc.msg}") from exc
        return products, []
    if isinstance(doc, list):
        return doc, []
    if not isinstance(doc, dict) or doc.get("format") != "kiosk-catalog":
        raise CatalogError(f'{path}: expected {{"format": "kiosk-catalog", ...}} or JSONL')
    if doc.get("version") != 1:
        raise CatalogError(f"{path}: unsupported catalog version {doc.get('version')!r}")
    products = doc.get("products") or []
    scenes = doc.get("scenes") or []
    if not isinstance(products, list) or not isinstance(scenes, list):
        raise CatalogError(f"{path}: products and scenes must be lists")
    return products, scenes


def _records() -> tuple[Callable[[Any], Any], Callable[[Any], dict[str, Any]], type[Exception]]:
    from kiosk.records import RecordError, parse_product, product_to_json

    return parse_product, product_to_json, RecordError


def canonical_product(obj: Any, rewrite_image: Callable[[str], str]) -> CanonicalProduct:
    """Validate a product object and make its stored form.

    Args:
        obj: A product object from a file or a request.
        rewrite_image: Maps an image reference to its stored form (local files
            become ``/v1/images/<sha256>``).

    Raises:
        CatalogError: The record is invalid (message names the field).
    """
    parse_product, product_to_json, record_error = _records()
    try:
        rec = parse_product(obj)
    except record_error as exc:
        pid = obj.get("id") if isinstance(obj, dict) else None
        raise CatalogError(f"product {pid!r}: {exc}") from exc
    data = product_to_json(rec)
    try:
        data["images"] = [rewrite_image(ref) for ref in data.get("images") or []]
        for variant in data.get("variants") or []:
            if variant.get("image"):
                variant["image"] = rewrite_image(variant["image"])
    except ValueError as exc:
        raise CatalogError(f"product {data.get('id')!r}: {exc}") from exc
    text = dumps(data)
    variants = tuple((str(v.get("id", "")), str(v.get("sku") or "")) for v in data.get("variants") or [])
    return CanonicalProduct(product_id=str(data["id"]), text=text,
                            content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(), variants=variants)


def canonical_scene(obj: Any, store_id: str, rewrite_image: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Validate a scene object and return its canonical dict for ``store_id``.

    Raises:
        CatalogError: The scene is invalid.
    """
    from kiosk.records import RecordError, parse_scene, scene_to_json

    try:
        data = scene_to_json(parse_scene(obj))
    except RecordError as exc:
        sid = obj.get("id") if isinstance(obj, dict) else None
        raise CatalogError(f"scene {sid!r}: {exc}") from exc
    data["store_id"] = store_id
    if rewrite_image is not None and data.get("hero_image"):
        try:
            data["hero_image"] = rewrite_image(data["hero_image"])
        except ValueError as exc:
            raise CatalogError(f"scene {data.get('id')!r}: {exc}") from exc
    return data


def image_rewriter(conn: Any, base_dir: Path | None) -> Callable[[str], str]:
    """A ``rewrite_image`` function that stores local files through ``conn``."""
    cache: dict[str, str] = {}
    return lambda ref: publish_image_ref(conn, ref, base_dir, cache)
