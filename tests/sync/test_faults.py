"""Faults between the kiosk and the real central server, injected by a proxy process.

Each fault must leave the catalog exactly as it was (or, for retryable
faults, end in a correct sync), record the error for staff, and never crash.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.sync.client import (
    CentralClient,
    HTTPStatusError,
    ResponseError,
    SyncError,
    TransportError,
    make_retry,
)
from kiosk.sync.pull import sync_once
from kiosk.sync.status import read_status
from kiosk.sync.worker import SyncWorker
from kiosk.config import SyncConfig
from tests.sync.catalogs import catalog, product
from tests.sync.conftest import Central, FaultProxy
from tests.sync.helpers import catalog_digest, price_of, sql


def via(proxy: FaultProxy, central: Central, **kw: object) -> CentralClient:
    kw.setdefault("retry", make_retry(total=2, backoff_factor=0.05, backoff_jitter=0.05))
    return CentralClient(proxy.url, central.store, central.token, **kw)


@pytest.fixture
def synced(central: Central, engine: Engine) -> Engine:
    """A kiosk synced to catalog v1; central already holds v2 (price change on every product)."""
    central.publish(catalog(30))
    with CentralClient(central.url, central.store, central.token) as client:
        sync_once(engine, client)
    central.publish(catalog(30, version=2, price=200))
    return engine


def changes_requests(proxy: FaultProxy) -> list[dict]:
    return [r for r in proxy.log() if "/changes" in r["path"]]


def test_503_with_retry_after_is_retried_after_the_wait(synced: Engine, central: Central,
                                                         proxy: FaultProxy) -> None:
    proxy.add("/changes", "status", times=2, code=503, retry_after=1)
    with via(proxy, central) as client:
        res = sync_once(synced, client)
    assert res.applied.upserted == 30
    assert price_of(synced, "V-00000-1") == 20100
    reqs = changes_requests(proxy)
    assert [r["status"] for r in reqs] == [503, 503, 200]
    # Retry-After: 1 was honoured: each retry came at least a second later.
    assert reqs[1]["t"] - reqs[0]["t"] >= 0.95
    assert reqs[2]["t"] - reqs[1]["t"] >= 0.95


def test_persistent_500_fails_cleanly_and_changes_nothing(synced: Engine, central: Central,
                                                           proxy: FaultProxy) -> None:
    before = catalog_digest(synced)
    proxy.add("/changes", "status", times=-1, code=500)
    with via(proxy, central) as client, pytest.raises(HTTPStatusError) as err:
        sync_once(synced, client)
    assert err.value.status == 500
    assert len(changes_requests(proxy)) == 3  # the first try and two retries
    assert catalog_digest(synced) == before


def test_response_slower_than_the_read_timeout(synced: Engine, central: Central, proxy: FaultProxy) -> None:
    before = catalog_digest(synced)
    proxy.add("/changes", "delay", times=3, seconds=3)
    with via(proxy, central, read_timeout=0.5) as client, pytest.raises(TransportError, match="read timeout"):
        sync_once(synced, client)
    assert catalog_digest(synced) == before
    with via(proxy, central, read_timeout=0.5) as client:  # the server is fast again
        assert sync_once(synced, client).applied.upserted == 30


@pytest.mark.parametrize("mode, error", [
    ("truncate", TransportError),   # Content-Length promised more than was sent
    ("die", TransportError),        # chunked body stops mid-way, connection closed
    ("malformed", ResponseError),   # complete response, invalid JSON
    ("ctype", ResponseError),       # text/html instead of JSON
])
def test_lying_or_broken_responses_change_nothing(synced: Engine, central: Central, proxy: FaultProxy,
                                                   mode: str, error: type[SyncError]) -> None:
    before = catalog_digest(synced)
    cursor = read_status(synced, central.store).cursor
    proxy.add("/changes", mode, times=-1)
    with via(proxy, central) as client, pytest.raises(error):
        sync_once(synced, client)
    assert catalog_digest(synced) == before
    assert read_status(synced, central.store).cursor == cursor
    proxy.clear()
    with via(proxy, central) as client:
        assert sync_once(synced, client).applied.upserted == 30
    assert price_of(synced, "V-00000-1") == 20100


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_body_is_refused_without_reading_it_all(synced: Engine, central: Central, proxy: FaultProxy,
                                                          chunked: bool) -> None:
    before = catalog_digest(synced)
    proxy.add("/changes", "oversize", times=1, bytes=8 * 1024 * 1024, chunked=chunked)
    with via(proxy, central, max_json_bytes=256 * 1024) as client:
        with pytest.raises(ResponseError, match="too large"):
            sync_once(synced, client)
        assert client.stats.body_bytes <= 256 * 1024 + 65536
    assert catalog_digest(synced) == before


@pytest.mark.parametrize("how", ["price", "name", "type", "id"])
def test_invalid_records_are_rejected_and_the_rest_applies(synced: Engine, central: Central,
                                                            proxy: FaultProxy, how: str) -> None:
    proxy.add("/changes", "poison", times=-1, every=3, how=how)
    with via(proxy, central) as client:
        res = sync_once(synced, client)
    bad = {r.product_id for r in res.applied.rejected}
    assert len(bad) == 10 and res.applied.upserted == 20
    for i in range(30):
        pid = f"P-{i:05d}"
        # Rejected products keep their last valid version; the others are new.
        assert price_of(synced, f"V-{i:05d}-1") == (10100 if pid in bad else 20100)
    st = read_status(synced, central.store)
    assert st.rejected_total == 10 and st.counts["rejected"] == 10
    reasons = sql(synced, "SELECT reason, raw FROM sync_rejects")
    assert all(reason and raw for reason, raw in reasons)


def test_server_killed_mid_sync_then_resumed(own_central: Central, engine: Engine) -> None:
    own_central.publish(catalog(60))
    before = catalog_digest(engine)
    pages: list[int] = []

    def kill_after_two_pages(p: object) -> None:
        pages.append(1)
        if len(pages) == 2:
            own_central.stop(__import__("signal").SIGKILL)

    client = CentralClient(own_central.url, own_central.store, own_central.token,
                           retry=make_retry(total=1, backoff_factor=0.05))
    with client, pytest.raises(TransportError):
        sync_once(engine, client, page_size=10, progress=kill_after_two_pages)
    assert catalog_digest(engine) == before  # nothing applied
    own_central.start()
    with CentralClient(own_central.url, own_central.store, own_central.token) as client:
        res = sync_once(engine, client, page_size=10)
    assert res.resumed and res.applied.upserted == 60
    assert sql(engine, "SELECT count(*) FROM products")[0][0] == 60


def test_worker_survives_faults_and_reports_them(synced: Engine, central: Central, proxy: FaultProxy,
                                                 tmp_path: Path) -> None:
    cfg = SyncConfig(url=proxy.url, token=central.token, poll_interval_s=3600, read_timeout_s=2)
    worker = SyncWorker(synced, central.store, cfg, tmp_path / "images")
    worker.client.session.adapters["http://"].max_retries = make_retry(total=0)
    proxy.add("/changes", "malformed", times=1)
    changed = threading.Event()
    worker.add_listener(lambda st: changed.set())
    worker.start()
    try:
        _wait(lambda: worker.polls >= 1)
        st = worker.status()
        assert st.running and "malformed JSON" in st.last_error
        assert read_status(synced, central.store).last_error == st.last_error  # kept for staff
        worker.sync_now()
        assert changed.wait(30)
        st = worker.status()
        assert st.ok and st.counts["upserted"] == 30 and not st.stale
    finally:
        worker.stop()
    assert price_of(synced, "V-00000-1") == 20100


def _wait(cond, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
