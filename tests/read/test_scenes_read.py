"""kiosk.scenes: which scenes show when and where, a scene's products, and safe staff edits."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kiosk.catalog_store import delete_products
from kiosk.models import SceneItem
from kiosk.scenes import (
    SceneDraft,
    SceneError,
    SceneItemDraft,
    VersionConflict,
    active_scenes,
    all_scenes,
    delete_scene,
    get_scene,
    save_scene,
)
from tests.read.helpers import load, product, scene

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
STORE = "store-a"


@pytest.fixture
def shop(engine: Engine, tmp_path: Path) -> Engine:
    products = [product(f"P-{i}", f"Product {i}", stock=0 if i == 3 else 5) for i in range(1, 7)]
    scenes = [
        scene("always", "Always on", ["P-1", "P-2"], position=2),
        scene("first", "Shown first", ["P-3", "P-1"], position=0),
        scene("over", "Summer 2025", ["P-1"], position=1, active_from="2025-05-01T00:00:00Z",
              active_to="2025-09-01T00:00:00Z"),
        scene("soon", "Christmas", ["P-2"], position=1, active_from="2026-12-01T00:00:00Z"),
        scene("mine", "Only store A", ["P-4"], position=3, store_id=STORE),
        scene("theirs", "Only store B", ["P-5"], position=3, store_id="store-b"),
        scene("ghost", "Nothing we sell", ["P-GONE-1", "P-GONE-2"], position=4),
        scene("partly", "Partly gone", ["P-6", "P-GONE-1", "P-2"], position=5),
    ]
    load(engine, tmp_path, products, scenes)
    return engine


def ids(scenes: list) -> list[str]:
    return [s.id for s in scenes]


def test_active_scenes_follow_date_windows_store_scope_and_position(shop: Engine) -> None:
    assert ids(active_scenes(shop, STORE, NOW)) == ["first", "always", "mine", "partly"]
    assert ids(active_scenes(shop, "store-b", NOW)) == ["first", "always", "theirs", "partly"]
    # Without a store only chain-wide scenes show.
    assert ids(active_scenes(shop, None, NOW)) == ["first", "always", "partly"]


def test_date_window_boundaries(shop: Engine) -> None:
    start = datetime(2025, 5, 1, tzinfo=timezone.utc)
    end = datetime(2025, 9, 1, tzinfo=timezone.utc)
    assert "over" not in ids(active_scenes(shop, None, start - timedelta(seconds=1)))
    assert "over" in ids(active_scenes(shop, None, start))
    assert "over" in ids(active_scenes(shop, None, end - timedelta(microseconds=1)))
    assert "over" not in ids(active_scenes(shop, None, end)), "active_to is exclusive"
    christmas = datetime(2026, 12, 1, tzinfo=timezone.utc)
    assert "soon" not in ids(active_scenes(shop, None, christmas - timedelta(seconds=1)))
    assert ids(active_scenes(shop, None, christmas))[:2] == ["first", "soon"]


def test_naive_now_is_refused(shop: Engine) -> None:
    with pytest.raises(ValueError, match="timezone"):
        active_scenes(shop, None, datetime(2026, 11, 22, 12, 0))


def test_get_scene_joins_products_and_hides_missing_ones(shop: Engine) -> None:
    view = get_scene(shop, "partly")
    assert view is not None
    assert (view.title, view.subtitle, view.hero_image) == (
        "Partly gone", "Partly gone subtitle", "https://img.example/partly.jpg")
    assert [i.product_id for i in view.items] == ["P-6", "P-2"]
    assert view.items[0].product.name == "Product 6" and view.items[0].product.price_text == "€10.00"
    assert view.hidden_product_ids == ("P-GONE-1",)
    assert 0 <= view.items[0].x <= 1 and view.items[0].y == 0.5
    assert [p.product_id for p in view.products] == ["P-6", "P-2"]
    assert get_scene(shop, "no-such-scene") is None
    # A scene with nothing the store sells is not offered to customers at all.
    ghost = next(s for s in all_scenes(shop) if s.id == "ghost")
    assert ghost.item_count == 0
    assert "ghost" not in ids(active_scenes(shop, None, NOW))


def test_a_product_removed_by_sync_disappears_from_the_scene_and_returns_with_it(shop: Engine, tmp_path: Path) -> None:
    with shop.begin() as conn:
        delete_products(conn, ["P-2"])
    assert [i.product_id for i in get_scene(shop, "always").items] == ["P-1"]
    load(shop, tmp_path, [product("P-2", "Product 2 is back")])
    assert [i.product.name for i in get_scene(shop, "always").items] == ["Product 1", "Product 2 is back"]


def test_save_scene_creates_updates_and_bumps_the_version(shop: Engine) -> None:
    draft = SceneDraft("new", "New look", "A subtitle", "asset:demo/scenes/x.jpg", None, None, None, 9,
                       (SceneItemDraft("P-1", 0.2, 0.3, "The anchor"), SceneItemDraft("P-2", 0.7, 0.6)))
    assert save_scene(shop, draft, expected_version=None) == 1
    view = get_scene(shop, "new")
    assert view.version == 1 and [(i.product_id, i.x, i.y, i.note) for i in view.items] == [
        ("P-1", 0.2, 0.3, "The anchor"), ("P-2", 0.7, 0.6, "")]
    edited = replace(SceneDraft.from_view(view), title="Renamed", items=(SceneItemDraft("P-2", 0.5, 0.5),))
    assert save_scene(shop, edited, expected_version=1) == 2
    view = get_scene(shop, "new")
    assert (view.title, view.version, [i.product_id for i in view.items]) == ("Renamed", 2, ["P-2"])
    assert "new" in ids(active_scenes(shop, None, NOW))


def test_saving_on_a_stale_version_is_refused_and_changes_nothing(shop: Engine) -> None:
    base = get_scene(shop, "always")
    mine = replace(SceneDraft.from_view(base), title="Mine")
    theirs = replace(SceneDraft.from_view(base), title="Theirs", items=())
    assert save_scene(shop, theirs, expected_version=base.version) == base.version + 1
    with pytest.raises(VersionConflict) as err:
        save_scene(shop, mine, expected_version=base.version)
    assert (err.value.expected, err.value.actual) == (base.version, base.version + 1)
    assert "reload" in str(err.value)
    after = get_scene(shop, "always")
    assert (after.title, after.items) == ("Theirs", ())
    with pytest.raises(VersionConflict) as err:
        save_scene(shop, replace(mine, id="always"), expected_version=None)
    assert err.value.actual == base.version + 1 and "already exists" in str(err.value)


def test_two_staff_saving_at_once_one_wins(shop: Engine) -> None:
    base = get_scene(shop, "always")
    results: list[object] = []
    barrier = threading.Barrier(2)

    def edit(title: str) -> None:
        barrier.wait()
        try:
            results.append(save_scene(shop, replace(SceneDraft.from_view(base), title=title), base.version))
        except VersionConflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=edit, args=(t,)) for t in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(type(r).__name__ for r in results) == ["VersionConflict", "int"]
    assert get_scene(shop, "always").version == base.version + 1


def test_invalid_scenes_are_refused_with_a_reason(shop: Engine) -> None:
    good = SceneDraft.from_view(get_scene(shop, "always"))
    version = get_scene(shop, "always").version
    cases = [
        (replace(good, title="  "), "title"),
        (replace(good, items=(SceneItemDraft("P-1", 1.2, 0.5),)), "outside the picture"),
        (replace(good, items=(SceneItemDraft("P-1", float("nan"), 0.5),)), "outside the picture"),
        (replace(good, active_from=NOW, active_to=NOW), "end after it starts"),
        (replace(good, active_from=datetime(2026, 1, 1)), "timezone"),
    ]
    for draft, why in cases:
        with pytest.raises(SceneError, match=why):
            save_scene(shop, draft, version)
    assert get_scene(shop, "always").version == version


def test_delete_scene_checks_the_version(shop: Engine) -> None:
    v = get_scene(shop, "first").version
    with pytest.raises(VersionConflict):
        delete_scene(shop, "first", v + 5)
    delete_scene(shop, "first", v)
    assert get_scene(shop, "first") is None
    with shop.connect() as conn:
        assert conn.execute(select(SceneItem).where(SceneItem.scene_id == "first")).first() is None
    with pytest.raises(VersionConflict, match="deleted"):
        delete_scene(shop, "first", v)


def test_demo_scenes_include_cjk_titles(demo_engine: Engine) -> None:
    titles = [s.title for s in active_scenes(demo_engine, "demo-store", NOW)]
    assert "Cozy living room" in titles and any("茶" in t for t in titles)
    view = get_scene(demo_engine, "cozy-living-room")
    assert view.items[0].note, "the anchor piece (with its note) comes first in the list"
    assert not view.hidden_product_ids
