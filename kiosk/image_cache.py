"""The on-disk cache of product and scene images downloaded from URLs.

Images are fetched on a worker thread (never the UI thread) and kept so the
kiosk shows them offline; :func:`kiosk.images.resolve` maps a URL to its
cached file. The cache is bounded: files are named by the sha256 of their URL
(:func:`kiosk.images.cache_key`), and when the total size passes the cap the
least recently used files go first (a file's mtime is its last use:
``resolve`` refreshes it, throttled).

Every download is checked: only ``http``/``https`` URLs, an ``image/*``
content type, a byte-size cap (streamed, so a huge body is cut off), and the
file appears atomically (temporary file, fsync, rename) so a reader never
sees half an image.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from kiosk.images import cache_key

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 10 * 1024 * 1024
DEFAULT_CAP_BYTES = 512 * 1024 * 1024
#: After a failed download, wait this long before trying the URL again
#: (doubling per failure, up to a day).
RETRY_BASE_S = 60.0
RETRY_MAX_S = 24 * 3600.0
_TMP_PREFIX = ".part-"
STALE_PART_S = 3600.0


class ImageDownloadError(Exception):
    """An image could not be downloaded or was refused."""


@dataclass
class CacheStats:
    """Counters of one cache (since the process started)."""

    downloaded: int = 0
    failed: int = 0
    evicted: int = 0
    files: int = 0
    bytes: int = 0


class ImageCache:
    """A bounded directory of downloaded images.

    Args:
        cache_dir: Where the files live (created if missing).
        max_bytes: Total size cap; least recently used files are evicted.
        max_image_bytes: Largest single image accepted.
        session: The HTTP session to use (default: a new one with retries).
        timeout: (connect, read) timeouts in seconds.
        auth_for: Returns the headers to send for a URL (the central
            service's bearer token for its own URLs, nothing elsewhere).
        scan: Measure the cache (and evict) now; ``False`` defers that to
            the first :meth:`evict` (the worker thread does it, keeping the
            directory scan off the UI thread).
    """

    def __init__(self, cache_dir: Path, *, max_bytes: int = DEFAULT_CAP_BYTES,
                 max_image_bytes: int = MAX_IMAGE_BYTES, session: requests.Session | None = None,
                 timeout: tuple[float, float] = (3.05, 20.0),
                 auth_for: Callable[[str], dict[str, str]] | None = None, scan: bool = True) -> None:
        self.dir = Path(cache_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.max_image_bytes = max_image_bytes
        self.timeout = timeout
        self.auth_for = auth_for or (lambda _url: {})
        if session is None:
            from kiosk.sync.client import make_retry

            session = requests.Session()
            session.trust_env = False
            adapter = HTTPAdapter(max_retries=make_retry(total=2, allowed_methods=frozenset({"GET"})))
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self.session = session
        self.stats = CacheStats()
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}
        self._total = -1  # bytes in the cache; -1: not measured yet
        if scan:
            self.evict()

    def path_for(self, url: str) -> Path:
        """Where ``url``'s image is (or would be) cached."""
        return self.dir / cache_key(url)

    def has(self, url: str) -> bool:
        """Whether ``url`` is cached."""
        return self.path_for(url).is_file()

    def due(self, url: str) -> bool:
        """Whether ``url`` may be tried now (not in back-off after failures)."""
        fail = self._failures.get(url)
        return fail is None or time.monotonic() >= fail[1]

    def download(self, url: str) -> Path:
        """Download ``url`` into the cache (no-op if cached) and return its file.

        Raises:
            ImageDownloadError: Not http(s), not an image, too large, HTTP
                error, or the connection failed. The cache is unchanged.
        """
        target = self.path_for(url)
        if target.is_file():
            return target
        try:
            path = self._fetch(url, target)
        except ImageDownloadError:
            n = self._failures.get(url, (0, 0.0))[0] + 1
            self._failures[url] = (n, time.monotonic() + min(RETRY_MAX_S, RETRY_BASE_S * 2 ** (n - 1)))
            self.stats.failed += 1
            raise
        self._failures.pop(url, None)
        self.stats.downloaded += 1
        with self._lock:
            added = path.stat().st_size
            self._total = self._total + added if self._total >= 0 else -1
            self.stats.files += 1
            self.stats.bytes = max(self._total, 0)
        if self._total < 0 or self._total > self.max_bytes:
            self.evict()
        return path

    def _fetch(self, url: str, target: Path) -> Path:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ImageDownloadError(f"refused image URL {url!r}: only http(s) URLs are downloaded")
        try:
            resp = self.session.get(url, headers=self.auth_for(url), timeout=self.timeout, stream=True,
                                    allow_redirects=True)
        except requests.exceptions.RequestException as exc:
            raise ImageDownloadError(f"{url}: {exc}") from exc
        try:
            if resp.status_code != 200:
                raise ImageDownloadError(f"{url}: HTTP {resp.status_code}")
            if urlsplit(resp.url).scheme not in ("http", "https"):
                raise ImageDownloadError(f"{url}: redirected to a non-http(s) URL")
            ctype = resp.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
            if not ctype.startswith("image/"):
                raise ImageDownloadError(f"{url}: not an image (Content-Type {ctype or 'none'!r})")
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.max_image_bytes:
                raise ImageDownloadError(f"{url}: image too large ({declared} bytes)")
            fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=self.dir)
            try:
                size = 0
                with os.fdopen(fd, "wb") as fh:
                    for chunk in resp.iter_content(64 * 1024):
                        size += len(chunk)
                        if size > self.max_image_bytes:
                            raise ImageDownloadError(f"{url}: image larger than {self.max_image_bytes} bytes")
                        fh.write(chunk)
                    fh.flush()
                    os.fsync(fh.fileno())
                if size == 0:
                    raise ImageDownloadError(f"{url}: empty body")
                os.replace(tmp, target)
            except requests.exceptions.RequestException as exc:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise ImageDownloadError(f"{url}: connection broke: {exc}") from exc
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        finally:
            resp.close()
        return target

    def evict(self) -> int:
        """Delete least recently used files until the cache fits its cap.

        Returns:
            How many files were removed.
        """
        with self._lock:
            entries = []
            total = 0
            for p in self.dir.iterdir():
                if p.name.startswith(_TMP_PREFIX):
                    # Left by a download interrupted by a crash. Only old ones:
                    # another process (kiosk sync beside the app) may be
                    # writing a fresh one right now.
                    with contextlib.suppress(OSError):
                        if time.time() - p.stat().st_mtime > STALE_PART_S:
                            p.unlink()
                    continue
                if not p.is_file():
                    continue
                try:
                    st = p.stat()
                except OSError:
                    continue
                entries.append((st.st_mtime, st.st_size, p))
                total += st.st_size
            removed = 0
            if total > self.max_bytes:
                entries.sort()
                for _mtime, size, p in entries:
                    if total <= self.max_bytes:
                        break
                    with contextlib.suppress(OSError):
                        p.unlink()
                        total -= size
                        removed += 1
            self.stats.files = len(entries) - removed
            self.stats.bytes = total
            self._total = total
            self.stats.evicted += removed
            return removed


class ImageDownloader:
    """A worker thread that downloads queued image URLs into an :class:`ImageCache`.

    Args:
        cache: The cache to fill.
        on_downloaded: Called (on the worker thread) with each URL that
            became available; the UI marshals it to its own thread.
    """

    def __init__(self, cache: ImageCache, on_downloaded: Callable[[str], None] | None = None) -> None:
        self.cache = cache
        self.on_downloaded = on_downloaded
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._queued: set[str] = set()
        self._qlock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def pending(self) -> int:
        """URLs waiting to be downloaded."""
        return len(self._queued)

    def start(self) -> None:
        """Start the worker thread."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="kiosk-images", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the worker to stop and wait for it."""
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def enqueue(self, urls: Iterable[str]) -> int:
        """Queue URLs that are not cached, not queued and not in back-off."""
        n = 0
        with self._qlock:
            for url in urls:
                if url in self._queued or not url.startswith(("http://", "https://")):
                    continue
                if self.cache.has(url) or not self.cache.due(url):
                    continue
                self._queued.add(url)
                self._queue.put(url)
                n += 1
        return n

    def wait_idle(self, timeout: float) -> bool:
        """Block until the queue is empty (tests, the CLI); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queued:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            url = self._queue.get()
            if url is None:
                continue
            try:
                self.cache.download(url)
                if self.on_downloaded is not None:
                    self.on_downloaded(url)
            except ImageDownloadError as exc:
                log.info("image not cached: %s", exc)
            except Exception:  # noqa: BLE001 - the worker must outlive any one bad image
                log.exception("image download crashed on %s", url)
            finally:
                with self._qlock:
                    self._queued.discard(url)
