"""Where a product or scene image reference lives on this machine.

Image references in the catalog are either ``http(s)://`` URLs, downloaded by
the sync worker into the on-disk image cache, or ``asset:<path>`` references
to files bundled under the repository's ``assets/`` directory (the demo
catalog). ``resolve`` never touches the network.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
# The image cache evicts least recently used files by mtime; resolve()
# refreshes a file's mtime at most this often (seconds) to keep writes rare.
TOUCH_INTERVAL_S = 3600.0


def cache_key(url: str) -> str:
    """File name of a URL in the image cache (sha256 of the URL)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def resolve(ref: str, cache_dir: Path | None = None) -> Path | None:
    """The local file of an image reference, or ``None`` if not available offline.

    Args:
        ref: ``asset:demo/images/x.png`` or an http(s) URL.
        cache_dir: The image cache directory for downloaded URLs.
    """
    if not ref:
        return None
    if ref.startswith("asset:"):
        rel = ref[len("asset:"):]
        path = (ASSETS_DIR / rel).resolve()
        # A reference must not escape assets/ ("asset:../../etc/passwd").
        if ASSETS_DIR not in path.parents or not path.is_file():
            return None
        return path
    if ref.startswith(("http://", "https://")) and cache_dir is not None:
        path = cache_dir / cache_key(ref)
        try:
            st = path.stat()
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        if time.time() - st.st_mtime > TOUCH_INTERVAL_S:
            try:
                os.utime(path)
            except OSError:  # a read-only cache still serves
                pass
        return path
    return None
