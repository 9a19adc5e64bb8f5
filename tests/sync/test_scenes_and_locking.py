"""Scenes pulled from the real server; one sync at a time; stale staging discarded."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, insert

from kiosk.images import resolve
from kiosk.image_cache import ImageCache
from kiosk.models import Scene, SyncState
from kiosk.sync.client import CentralClient
from kiosk.sync.pull import sync_once
from kiosk.sync.scenes import pull_scenes
from kiosk.sync.staging import Staging, SyncBusyError
from tests.sync.catalogs import catalog
from tests.sync.conftest import Central
from tests.sync.helpers import sql


def scene(sid: str, title: str, products: list[str]) -> dict:
    return {"id": sid, "title": title, "subtitle": "", "hero_image": "asset:demo/images/sofa-0-mustard.png",
            "store_id": None, "active_from": None, "active_to": None, "position": 0,
            "items": [{"product_id": p, "x": 0.2 + 0.1 * i, "y": 0.5, "note": ""} for i, p in enumerate(products)]}


def test_scenes_follow_central_but_kiosk_made_scenes_stay(central: Central, engine: Engine,
                                                          tmp_path: Path) -> None:
    products = catalog(4)
    central.publish(products, scenes=[scene("SC-1", "Living room", ["P-00000", "P-00001"]),
                                      scene("SC-2", "Dining", ["P-00002"])])
    with engine.begin() as conn:  # a scene made on the kiosk itself, unknown centrally
        conn.execute(insert(Scene).values(id="LOCAL-1", title="Staff pick", store_id=None, position=0))
    with CentralClient(central.url, central.store, central.token) as client:
        res = pull_scenes(engine, client)
        assert res.upserted == 2 and not res.rejected
        hero = sql(engine, "SELECT hero_image FROM scenes WHERE id = 'SC-1'")[0][0]
        assert hero.startswith(central.url + "/v1/images/") and hero in res.image_urls
        cache = ImageCache(tmp_path / "images")
        cache.download(hero)
        assert resolve(hero, tmp_path / "images") is not None  # the hero image works offline
        assert sql(engine, "SELECT product_id FROM scene_items WHERE scene_id = 'SC-1' ORDER BY position") == [
            ("P-00000",), ("P-00001",)]
        assert pull_scenes(engine, client).not_modified  # unchanged: a 304
        central.publish(products, scenes=[scene("SC-1", "Living room, new", ["P-00003"])])
        # Staff remove SC-2 centrally (the API's optimistic concurrency: If-Match).
        auth = {"Authorization": f"Bearer {central.token}"}
        url = f"{central.url}/v1/stores/{central.store}/scenes/SC-2"
        etag = requests.get(url, headers=auth, timeout=10).headers["ETag"]
        assert requests.delete(url, headers={**auth, "If-Match": etag}, timeout=10).status_code == 204
        res = pull_scenes(engine, client)
    ids = [r[0] for r in sql(engine, "SELECT id FROM scenes ORDER BY id")]
    # SC-2 went away centrally and SC-1 changed; the kiosk's own scene is untouched.
    assert ids == ["LOCAL-1", "SC-1"] and res.deleted == 1
    assert sql(engine, "SELECT title FROM scenes WHERE id = 'SC-1'")[0][0] == "Living room, new"


def test_only_one_sync_of_a_database_at_a_time(central: Central, engine: Engine) -> None:
    central.publish(catalog(3))
    with Staging(Path(engine.url.database)):  # another sync holds the lock
        with CentralClient(central.url, central.store, central.token) as client, pytest.raises(SyncBusyError):
            sync_once(engine, client)
    assert sql(engine, "SELECT count(*) FROM products")[0][0] == 0
    with CentralClient(central.url, central.store, central.token) as client:
        assert sync_once(engine, client).applied.upserted == 3


def test_staging_from_an_older_cursor_is_discarded(central: Central, engine: Engine) -> None:
    central.publish(catalog(30))
    with CentralClient(central.url, central.store, central.token) as client:
        sync_once(engine, client, page_size=10, max_pages=1)  # 10 changes staged from cursor ""
        # Meanwhile another process applied up to some cursor: the staged pages
        # no longer start where the catalog stands.
        with engine.begin() as conn:
            conn.execute(insert(SyncState).values(store_id=central.store, cursor="5", etag="", last_error="",
                                                  counts={}))
        res = sync_once(engine, client, page_size=10)
    assert not res.resumed and res.applied.upserted == 25  # changes 6..30, fetched afresh
