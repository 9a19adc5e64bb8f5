"""The background worker against the real server, and the kiosk carrying on offline."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, update

from kiosk.config import SyncConfig
from kiosk.images import resolve
from kiosk.lookup import lookup_code
from kiosk.models import SyncState, utcnow
from kiosk.search import SearchEngine
from kiosk.sync.status import SyncStatus, read_status
from kiosk.sync.worker import SyncWorker
from tests.sync.catalogs import catalog
from tests.sync.conftest import Central, run_kiosk
from tests.sync.helpers import sql


def wait_for(cond, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_worker_syncs_notifies_and_keeps_serving_offline(own_central: Central, engine: Engine,
                                                         tmp_path: Path) -> None:
    own_central.publish(catalog(20, images=2))
    images = tmp_path / "images"
    cfg = SyncConfig(url=own_central.url, token=own_central.token, poll_interval_s=3600, stale_after_hours=24)
    worker = SyncWorker(engine, own_central.store, cfg, images)
    seen: list[SyncStatus] = []
    threads: set[str] = set()

    def listener(st: SyncStatus) -> None:
        threads.add(threading.current_thread().name)
        seen.append(st)

    worker.add_listener(lambda st: 1 / 0)  # a broken listener must not stop syncing
    worker.add_listener(listener)
    worker.start()
    try:
        wait_for(lambda: len(seen) == 1)
        st = worker.status()
        assert st.ok and not st.stale and st.counts["upserted"] == 20 and st.running
        assert threads == {"kiosk-sync"}  # called on the worker; the UI marshals it
        urls = [u for (u,) in sql(engine, "SELECT url FROM product_images")]
        wait_for(lambda: all(resolve(u, images) for u in urls))

        # A price changed centrally reaches the kiosk on the next poll.
        run_kiosk("central", "set-price", "SKU-00003-1", "199.00", "--store", own_central.store,
                  "--db", own_central.db_url)
        code = sql(engine, "SELECT code FROM barcodes WHERE variant_id = 'V-00003-1'")[0][0]
        assert lookup_code(engine, code).price_minor == 10100
        worker.sync_now()
        wait_for(lambda: len(seen) == 2)
        assert lookup_code(engine, code).price_minor == 19900

        # The server goes away: the worker reports it and the kiosk still answers.
        own_central.stop()
        polls = worker.polls
        worker.sync_now()
        wait_for(lambda: worker.polls > polls)
        st = worker.status()
        assert st.running and st.last_error and not st.stale
        hit = lookup_code(engine, code)
        assert hit is not None and hit.price_minor == 19900
        assert SearchEngine(engine).search("test product").total == 20
        assert all(resolve(u, images) for u in urls)  # images too
    finally:
        worker.stop()
    assert len(seen) == 2  # the failed poll changed nothing, so no notification


def test_kiosk_starts_offline_from_its_cache_and_flags_stale_prices(own_central: Central, engine: Engine,
                                                                    tmp_path: Path) -> None:
    own_central.publish(catalog(5))
    cfg = SyncConfig(url=own_central.url, token=own_central.token, poll_interval_s=3600, stale_after_hours=24)
    worker = SyncWorker(engine, own_central.store, cfg, tmp_path / "images")
    assert worker.run_once()
    worker.stop()
    own_central.stop()
    # Pretend the last contact was 30 hours ago, then start with no server.
    with engine.begin() as conn:
        conn.execute(update(SyncState).values(last_success_at=utcnow() - timedelta(hours=30)))
    worker = SyncWorker(engine, own_central.store, cfg, tmp_path / "images")
    worker.start()
    try:
        wait_for(lambda: worker.polls >= 1)
        st = worker.status()
        assert st.stale and 29.9 < st.staleness_hours < 30.1 and st.last_error
        assert SearchEngine(engine).search("test product").total == 5
    finally:
        worker.stop()
    assert read_status(engine, own_central.store, 24).stale


def test_standalone_kiosk_has_no_sync_and_is_never_stale(engine: Engine, tmp_path: Path) -> None:
    worker = SyncWorker(engine, "demo-store", SyncConfig(url=""), tmp_path / "images")
    assert worker.run_once()
    st = worker.status()
    assert not st.configured and not st.stale and st.ok
