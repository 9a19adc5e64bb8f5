"""Syncing a kiosk from the real central server process: full, incremental, paging, resume, auth, events."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from kiosk.analytics import record_event
from kiosk.models import Event, SyncReject, SyncState
from kiosk.sync.client import AuthError, CentralClient
from kiosk.sync.events import upload_events
from kiosk.sync.pull import sync_once
from kiosk.sync.status import read_status
from tests.sync.catalogs import catalog, product
from tests.sync.conftest import Central
from tests.sync.helpers import price_of, sql


def client_for(central: Central, **kw: object) -> CentralClient:
    return CentralClient(central.url, central.store, central.token, **kw)


def test_full_sync_brings_the_whole_catalog(central: Central, engine: Engine) -> None:
    central.publish(catalog(40, variants=3))
    with client_for(central) as client:
        res = sync_once(engine, client, page_size=15)
    assert res.pages == 3 and res.applied.upserted == 40 and not res.applied.rejected
    assert sql(engine, "SELECT count(*) FROM products")[0][0] == 40
    assert sql(engine, "SELECT count(*) FROM variants")[0][0] == 120
    assert price_of(engine, "V-00007-2") == 10200  # "102.00" in minor units
    st = read_status(engine, central.store)
    assert st.cursor == res.cursor and st.last_success_at is not None and not st.stale and st.ok
    assert st.counts == {"upserted": 40, "deleted": 0, "rejected": 0}


def test_incremental_sync_transfers_only_the_changes(central: Central, engine: Engine) -> None:
    products = catalog(60)
    central.publish(products)
    with client_for(central) as client:
        sync_once(engine, client)
        full_bytes = client.stats.body_bytes
        changed = [p for p in products if p["id"] != "P-00003"]  # P-00003 deleted
        changed[0] = product(0, price=250)  # a price change
        changed.append(product(99))  # a new product
        central.publish(changed)
        before = client.stats.body_bytes
        res = sync_once(engine, client)
        delta = client.stats.body_bytes - before
    assert (res.applied.upserted, res.applied.deleted) == (2, 1)
    assert res.staged == 3
    assert price_of(engine, "V-00000-1") == 25100
    assert sql(engine, "SELECT count(*) FROM products WHERE id = 'P-00003'")[0][0] == 0
    assert sql(engine, "SELECT count(*) FROM products WHERE id = 'P-00099'")[0][0] == 1
    assert delta * 10 < full_bytes  # scales with the changes, not the catalog


def test_unchanged_poll_is_one_304_with_no_database_write(central: Central, engine: Engine) -> None:
    central.publish(catalog(10))
    with client_for(central) as client:
        sync_once(engine, client)
        sync_once(engine, client)  # learns the ETag of the head cursor
        path = Path(engine.url.database)
        watcher = sqlite3.connect(path)
        version = watcher.execute("PRAGMA data_version").fetchone()[0]
        files = _file_states(path)
        requests_before = client.stats.requests
        bytes_before = client.stats.body_bytes
        res = sync_once(engine, client)
        assert res.not_modified
        assert client.stats.requests - requests_before == 1
        assert client.stats.body_bytes == bytes_before
        # data_version changes when another connection commits to the file.
        assert watcher.execute("PRAGMA data_version").fetchone()[0] == version
        watcher.close()
        # Nor to the WAL or the staging file: a poll every few minutes must
        # not wear out a kiosk's SD card.
        assert _file_states(path) == files


def _file_states(db: Path) -> list[tuple[int, int] | None]:
    out = []
    for suffix in ("", "-wal", "-sync-staging", "-sync-staging-wal"):
        p = Path(f"{db}{suffix}")
        out.append((p.stat().st_size, p.stat().st_mtime_ns) if p.exists() else None)
    return out


def test_interrupted_sync_resumes_from_staged_pages(central: Central, engine: Engine) -> None:
    central.publish(catalog(50))
    with client_for(central) as client:
        first = sync_once(engine, client, page_size=10, max_pages=2)
        # Nothing is applied until the feed's end: the catalog is unchanged.
        assert sql(engine, "SELECT count(*) FROM products")[0][0] == 0
        assert first.staged == 20
        requests_before = client.stats.requests
        res = sync_once(engine, client, page_size=10)
        assert res.resumed and res.applied.upserted == 50
        assert client.stats.requests - requests_before == 3  # pages 3-5 only
    assert sql(engine, "SELECT count(*) FROM products")[0][0] == 50


def test_bad_token_and_other_store_are_refused_and_change_nothing(central: Central, engine: Engine) -> None:
    central.publish(catalog(5))
    with CentralClient(central.url, central.store, "kst_not-a-real-token") as client:
        with pytest.raises(AuthError):
            sync_once(engine, client)
    other = central.create_token(f"{central.store}-other")
    with CentralClient(central.url, central.store, other) as client:  # another store's token
        with pytest.raises(AuthError):
            sync_once(engine, client)
    assert sql(engine, "SELECT count(*) FROM products")[0][0] == 0


def test_server_refusing_the_cursor_triggers_a_full_resync(central: Central, engine: Engine) -> None:
    central.publish(catalog(8))
    with client_for(central) as client:
        sync_once(engine, client)
        # A cursor the server never issued (its database was rebuilt), and a
        # product only this kiosk still has.
        with engine.begin() as conn:
            conn.execute(update(SyncState).values(cursor="999999", etag=""))
            conn.exec_driver_sql("UPDATE products SET name = 'stale copy' WHERE id = 'P-00001'")
        central.publish(catalog(6))  # P-00006, P-00007 are gone centrally
        res = sync_once(engine, client)
    assert res.applied.upserted == 6
    assert sql(engine, "SELECT id FROM products ORDER BY id") == [(f"P-{i:05d}",) for i in range(6)]
    assert sql(engine, "SELECT name FROM products WHERE id = 'P-00001'")[0][0] == "Test product 1 v1"


def test_events_upload_once_even_when_retried(central: Central, engine: Engine) -> None:
    for q in ("sofa", "lamp", "rug"):
        record_event(engine, "search_no_results", {"query": q})
    with client_for(central) as client:
        assert upload_events(engine, client) == 3
        assert upload_events(engine, client) == 0  # nothing left to send
        # A retry of the same batch (the answer was lost) is counted once.
        with engine.begin() as conn:
            conn.execute(update(Event).values(uploaded_at=None))
        assert upload_events(engine, client) == 3
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Event).where(Event.uploaded_at.is_(None))).scalar() == 0
    from kiosk.central.db import open_central_db
    from kiosk.central.events import count_events

    ceng = open_central_db(central.db_url, migrate_schema=False)
    with ceng.connect() as conn:
        assert count_events(conn, central.store) == 3
    ceng.dispose()


def test_rejects_are_listed_for_staff_and_cleared_when_fixed(central: Central, engine: Engine,
                                                              tmp_path: Path) -> None:
    # Products whose SKU collides with another product's: the database
    # refuses them one by one and the rest applies.
    central.publish(catalog(5))
    with client_for(central) as client:
        sync_once(engine, client)
        clash = product(7)
        clash["variants"][0]["sku"] = "SKU-00001-1"  # P-00001's SKU
        central.publish(catalog(5) + [clash], full=False)
        res = sync_once(engine, client)
        assert [r.product_id for r in res.applied.rejected] == ["P-00007"]
        with engine.connect() as conn:
            rows = conn.execute(select(SyncReject.product_id, SyncReject.reason)).all()
        assert rows[0][0] == "P-00007" and "SKU" in rows[0][1].upper()
        assert read_status(engine, central.store).rejected_total == 1
        central.publish(catalog(5) + [product(7)], full=False)  # fixed centrally
        sync_once(engine, client)
        assert read_status(engine, central.store).rejected_total == 0
    assert sql(engine, "SELECT count(*) FROM products")[0][0] == 6
