"""Images stored in the central database, addressed by sha256.

Catalog files refer to images as ``asset:<path under assets/>`` or as a path
relative to the catalog file; publishing stores the bytes here and rewrites
the reference to ``/v1/images/<sha256>``. The stored record keeps that
relative form and the feed prefixes the public base URL when it serves it, so
the service can move host without republishing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Connection

from kiosk.central.models import Image
from kiosk.central.sqlutil import insert_ignore
from kiosk.images import ASSETS_DIR
from kiosk.models import utcnow

IMAGE_PATH = "/v1/images/"

# Magic numbers of the formats a kiosk can show; anything else is refused
# rather than served with a made-up content type.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class ImageError(ValueError):
    """An image reference or payload that cannot be stored."""


def sniff_content_type(data: bytes) -> str:
    """The content type of image bytes (PNG, JPEG, GIF, WebP).

    Raises:
        ImageError: Not one of those formats.
    """
    for magic, ctype in _SIGNATURES:
        if data.startswith(magic):
            return ctype
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise ImageError("not a PNG, JPEG, GIF or WebP image")


def store_image(conn: Connection, data: bytes) -> str:
    """Store image bytes (idempotent) and return their id (hex sha256)."""
    ctype = sniff_content_type(data)
    digest = hashlib.sha256(data).hexdigest()
    insert_ignore(conn, Image.__table__, [
        {"id": digest, "content_type": ctype, "size": len(data), "data": data, "created_at": utcnow()}
    ])
    return digest


def local_image_path(ref: str, base_dir: Path | None) -> Path | None:
    """The file a catalog's image reference points at, or ``None`` for URLs.

    Raises:
        ImageError: An ``asset:`` or relative reference whose file is missing
            or escapes its directory.
    """
    if not ref or ref.startswith(("http://", "https://", IMAGE_PATH)):
        return None
    if ref.startswith("asset:"):
        root = ASSETS_DIR.resolve()
        path = (root / ref[len("asset:"):]).resolve()
    else:
        root = (base_dir or Path.cwd()).resolve()
        path = (root / ref).resolve()
    if root not in path.parents:
        raise ImageError(f"image {ref!r} is outside {root}")
    if not path.is_file():
        raise ImageError(f"image file not found: {ref!r} ({path})")
    return path


def publish_image_ref(conn: Connection, ref: str, base_dir: Path | None, cache: dict[str, str]) -> str:
    """Store a local image reference and return its ``/v1/images/<id>`` form.

    URLs (http/https) and already-central references are returned unchanged.
    ``cache`` maps references already stored in this publish to their result.
    """
    if ref in cache:
        return cache[ref]
    path = local_image_path(ref, base_dir)
    if path is None:
        out = ref
    else:
        try:
            out = IMAGE_PATH + store_image(conn, path.read_bytes())
        except ImageError as exc:
            raise ImageError(f"image {ref!r}: {exc}") from exc
    cache[ref] = out
    return out


def absolute_image_urls(record_json: str, base_url: str) -> str:
    """Prefix central image paths inside a record's JSON text with ``base_url``.

    Works on the text so that the common path (no override) never parses the
    record: the stored JSON only ever holds ``"/v1/images/`` at the start of
    a string value.
    """
    if base_url and IMAGE_PATH in record_json:
        return record_json.replace('"' + IMAGE_PATH, '"' + base_url + IMAGE_PATH)
    return record_json
