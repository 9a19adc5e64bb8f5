"""The background sync worker the kiosk app runs.

A thread that syncs the catalog, uploads analytics events and queues image
downloads, then waits ``poll_interval_s`` (or until "sync now"). It never
raises: every failure becomes ``status.last_error`` and the next poll tries
again. The kiosk keeps serving from its local cache the whole time.

Listeners are called **on the worker thread**; the UI marshals them to its
own thread (``Clock.schedule_once``). They receive the :class:`SyncStatus`
after a sync that changed the catalog.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select, union

from kiosk.config import SyncConfig
from kiosk.image_cache import ImageCache, ImageDownloader
from kiosk.models import ProductImage, Scene, Variant, utcnow
from kiosk.sync.client import CentralClient, SyncError
from kiosk.sync.events import upload_events
from kiosk.sync.pull import DEFAULT_PAGE_SIZE, SyncResult, record_failure, sync_once
from kiosk.sync.scenes import pull_scenes
from kiosk.sync.staging import SyncBusyError
from kiosk.sync.status import SyncStatus, read_status

log = logging.getLogger(__name__)

Listener = Callable[[SyncStatus], None]
#: Wait after a failed poll before trying again (doubles, capped at the poll interval).
FAILURE_BACKOFF_S = 15.0


def missing_image_urls(engine: Engine, cache: ImageCache, limit: int = 5000) -> list[str]:
    """Image URLs the catalog names that are not in the cache yet."""
    stmt = union(
        select(ProductImage.url.label("url")),
        select(Variant.image_url.label("url")).where(Variant.image_url != ""),
        select(Scene.hero_image.label("url")).where(Scene.hero_image != ""),
    )
    out: list[str] = []
    with engine.connect() as conn:
        for (url,) in conn.execute(stmt):
            if url and url.startswith(("http://", "https://")) and not cache.has(url):
                out.append(url)
                if len(out) >= limit:
                    break
    return out


class SyncWorker:
    """Keeps the local catalog in step with the central service.

    Args:
        engine: The kiosk database.
        store_id: This kiosk's store.
        config: The ``[sync]`` configuration (url, token, poll interval...).
        image_cache_dir: Where downloaded images are kept.
        page_size: Changes per request.
    """

    def __init__(self, engine: Engine, store_id: str, config: SyncConfig, image_cache_dir: Path, *,
                 page_size: int = DEFAULT_PAGE_SIZE) -> None:
        self.engine = engine
        self.store_id = store_id
        self.config = config
        self.page_size = page_size
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._thread: threading.Thread | None = None
        self._status = SyncStatus(store_id=store_id, configured=bool(config.url),
                                  stale_after_hours=config.stale_after_hours)
        self._polls = 0
        self.client: CentralClient | None = None
        if config.url:
            self.client = CentralClient(config.url, store_id, config.token,
                                        connect_timeout=config.connect_timeout_s,
                                        read_timeout=config.read_timeout_s)
        client = self.client
        auth = client.auth_headers_for if client is not None else None
        self.images = ImageCache(image_cache_dir, max_bytes=config.image_cache_mb * 1024 * 1024,
                                 timeout=(config.connect_timeout_s, config.read_timeout_s), auth_for=auth,
                                 scan=False)
        self.downloader = ImageDownloader(self.images)

    # -- public API -------------------------------------------------------------------------

    def add_listener(self, fn: Listener) -> None:
        """Call ``fn(status)`` (on the worker thread) after each sync that changed the catalog or scenes."""
        with self._lock:
            self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        """Stop calling ``fn``."""
        with self._lock:
            if fn in self._listeners:
                self._listeners.remove(fn)

    @property
    def polls(self) -> int:
        """Completed poll cycles (successful or not)."""
        return self._polls

    def status(self) -> SyncStatus:
        """A snapshot of the current status (safe to read from any thread)."""
        with self._lock:
            st = dataclasses.replace(self._status, counts=dict(self._status.counts))
        st.running = self._thread is not None and self._thread.is_alive()
        st.images_pending = self.downloader.pending
        st.images_cached = self.images.stats.files
        return st

    def start(self) -> None:
        """Start the worker thread (a first sync runs at once)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._refresh_status_from_db()
        self.downloader.start()
        self._thread = threading.Thread(target=self._run, name="kiosk-sync", daemon=True)
        self._thread.start()

    def sync_now(self) -> None:
        """Ask for a sync as soon as the worker is free."""
        self._wake.set()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Stop the worker and the image downloader and wait for them."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.downloader.stop(timeout)
        if self.client is not None:
            self.client.close()

    # -- the loop ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self.images.evict()  # measure the cache here, off the UI thread
        except OSError:
            log.exception("image cache unreadable")
        failures = 0
        while not self._stop.is_set():
            # Cleared before the poll: a "sync now" during the poll runs another.
            self._wake.clear()
            try:
                ok = self.run_once()
            except Exception:  # noqa: BLE001 - run_once catches everything; belt and braces
                log.exception("sync poll crashed")
                ok = False
            failures = 0 if ok else failures + 1
            wait = self.config.poll_interval_s
            if failures:
                wait = min(wait, FAILURE_BACKOFF_S * 2 ** min(failures - 1, 10))
            self._wake.wait(wait)

    def run_once(self) -> bool:
        """One poll cycle: sync, upload events, queue images. Never raises.

        Returns:
            Whether the sync part succeeded.
        """
        if self.client is None:
            self._set(last_error="", configured=False)
            self._polls += 1
            return True
        self._set(syncing=True, last_attempt_at=utcnow())
        ok = False
        result: SyncResult | None = None
        try:
            result = sync_once(self.engine, self.client, page_size=self.page_size)
            ok = True
        except SyncBusyError as exc:
            self._fail(str(exc), persist=False)
        except SyncError as exc:
            self._fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - the worker must never die
            log.exception("sync crashed")
            self._fail(f"internal error: {exc!r}")
        if ok and result is not None:
            now = utcnow()
            changes = {"last_success_at": now, "last_error": "", "cursor": result.cursor}
            if result.changed or result.applied.rejected:
                changes["counts"] = result.applied.counts()
                changes["last_change_at"] = now
            self._set(**changes)
        scenes_changed = False
        if ok:
            # The catalog is current even if the scenes fail: staleness is
            # about prices, so last_success stays; the error is still shown.
            try:
                sc = pull_scenes(self.engine, self.client)
                scenes_changed = sc.changed
                if sc.image_urls:
                    self.downloader.enqueue(sorted(sc.image_urls))
            except SyncError as exc:
                ok = False
                self._fail(f"scenes: {exc}")
            except Exception as exc:  # noqa: BLE001
                log.exception("scene pull crashed")
                ok = False
                self._fail(f"scenes: internal error: {exc!r}")
        try:
            upload_events(self.engine, self.client)
        except SyncError as exc:
            log.info("events not uploaded (will retry): %s", exc)
        except Exception:  # noqa: BLE001
            log.exception("event upload crashed")
        try:
            if result is not None and result.applied.image_urls:
                self.downloader.enqueue(sorted(result.applied.image_urls))
            self.downloader.enqueue(missing_image_urls(self.engine, self.images))
        except Exception:  # noqa: BLE001
            log.exception("queueing images failed")
        self._refresh_counts_from_db()
        self._set(syncing=False)
        self._polls += 1
        if result is not None and (result.changed or scenes_changed):
            self._notify()
        return ok

    # -- helpers ----------------------------------------------------------------------------

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._status = dataclasses.replace(self._status, **changes)

    def _fail(self, message: str, *, persist: bool = True) -> None:
        log.warning("sync failed: %s", message)
        self._set(last_error=message, last_error_at=utcnow())
        if persist:
            record_failure(self.engine, self.store_id, message)

    def _refresh_status_from_db(self) -> None:
        try:
            st = read_status(self.engine, self.store_id, self.config.stale_after_hours)
        except Exception:  # noqa: BLE001 - a status read must not stop the worker
            log.exception("could not read sync status")
            return
        self._set(cursor=st.cursor, last_attempt_at=st.last_attempt_at, last_success_at=st.last_success_at,
                  last_error=st.last_error, last_error_at=st.last_error_at, counts=st.counts,
                  rejected_total=st.rejected_total, events_pending=st.events_pending)

    def _refresh_counts_from_db(self) -> None:
        try:
            st = read_status(self.engine, self.store_id, self.config.stale_after_hours)
        except Exception:  # noqa: BLE001
            return
        self._set(rejected_total=st.rejected_total, events_pending=st.events_pending)

    def _notify(self) -> None:
        status = self.status()
        with self._lock:
            listeners = list(self._listeners)
        for fn in listeners:
            try:
                fn(status)
            except Exception:  # noqa: BLE001 - a broken listener must not stop syncing
                log.exception("sync listener failed")
