"""Images: downloaded from the real central server into a bounded cache, refused when wrong, served offline."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.image_cache import ImageCache, ImageDownloader, ImageDownloadError
from kiosk.images import ASSETS_DIR, resolve
from kiosk.sync.client import CentralClient
from kiosk.sync.pull import sync_once
from kiosk.sync.worker import missing_image_urls
from tests.sync.catalogs import DEMO_IMAGES, catalog
from tests.sync.conftest import Central, FaultProxy
from tests.sync.helpers import sql


def _sync_with_images(central: Central, engine: Engine, base_url: str | None = None) -> list[str]:
    central.publish(catalog(6, images=4))
    with CentralClient(base_url or central.url, central.store, central.token) as client:
        res = sync_once(engine, client)
    urls = [u for (u,) in sql(engine, "SELECT url FROM product_images ORDER BY product_id")]
    assert len(urls) == 4 and set(urls) == res.applied.image_urls
    return urls


def test_images_download_on_a_worker_and_resolve_offline(central: Central, engine: Engine,
                                                          tmp_path: Path) -> None:
    urls = _sync_with_images(central, engine)
    assert all(u.startswith(central.url + "/v1/images/") for u in urls)
    cache = ImageCache(tmp_path / "images")
    done: list[str] = []
    dl = ImageDownloader(cache, on_downloaded=done.append)
    dl.start()
    try:
        assert dl.enqueue(missing_image_urls(engine, cache)) == 4
        assert dl.wait_idle(30)
    finally:
        dl.stop()
    assert sorted(done) == sorted(urls)
    assert missing_image_urls(engine, cache) == []
    for i, url in enumerate(urls):
        path = resolve(url, tmp_path / "images")
        assert path is not None
        # The cached bytes are the published image, byte for byte.
        asset = ASSETS_DIR / DEMO_IMAGES[i].removeprefix("asset:")
        assert path.read_bytes() == asset.read_bytes()


@pytest.mark.parametrize("mode, params, match", [
    ("ctype", {}, "not an image"),
    ("status", {"code": 404}, "HTTP 404"),
    ("truncate", {}, "connection broke"),
])
def test_bad_image_responses_are_refused_and_leave_no_file(central: Central, engine: Engine, proxy: FaultProxy,
                                                           tmp_path: Path, mode: str, params: dict,
                                                           match: str) -> None:
    urls = _sync_with_images(central, engine, base_url=proxy.url)
    assert urls[0].startswith(proxy.url)  # image URLs go through the proxy too
    proxy.add("/v1/images/", mode, times=-1, **params)
    cache = ImageCache(tmp_path / "images")
    with pytest.raises(ImageDownloadError, match=match):
        cache.download(urls[0])
    assert resolve(urls[0], tmp_path / "images") is None
    assert list((tmp_path / "images").iterdir()) == []
    assert not cache.due(urls[0])  # backs off instead of hammering the server


def test_oversized_image_and_non_http_urls_are_refused(central: Central, engine: Engine, tmp_path: Path) -> None:
    urls = _sync_with_images(central, engine)
    cache = ImageCache(tmp_path / "images", max_image_bytes=1000)
    with pytest.raises(ImageDownloadError, match="too large|larger than"):
        cache.download(urls[0])
    for bad in ("file:///etc/passwd", "ftp://example.com/a.png", "javascript:alert(1)"):
        with pytest.raises(ImageDownloadError, match="only http"):
            cache.download(bad)
    assert ImageDownloader(cache).enqueue(["file:///etc/passwd"]) == 0
    assert list((tmp_path / "images").iterdir()) == []


def test_cache_is_bounded_and_evicts_the_least_recently_used(central: Central, engine: Engine,
                                                             tmp_path: Path) -> None:
    a, b, c, _ = _sync_with_images(central, engine)
    big = ImageCache(tmp_path / "probe")
    sizes = {u: big.download(u).stat().st_size for u in (a, b, c)}
    cache = ImageCache(tmp_path / "images", max_bytes=sum(sizes.values()) - 1)
    pa, pb = cache.download(a), cache.download(b)
    now = time.time()
    os.utime(pa, (now - 3 * 3600, now - 3 * 3600))
    os.utime(pb, (now - 2 * 3600, now - 2 * 3600))
    assert resolve(a, tmp_path / "images") == pa  # showing A marks it recently used
    cache.download(c)  # over the cap: the least recently used (B) goes
    assert resolve(a, tmp_path / "images") and resolve(c, tmp_path / "images")
    assert resolve(b, tmp_path / "images") is None
    total = sum(p.stat().st_size for p in (tmp_path / "images").iterdir())
    assert total <= cache.max_bytes and cache.stats.evicted == 1
