"""kiosk.recommendations: "Complete the look" rows and the reasons they give."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kiosk.catalog import get_product
from kiosk.models import Product
from kiosk.recommendations import POPULAR_REASON, complete_the_look
from kiosk.scenes import get_scene
from tests.read.helpers import load, product, scene

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
LIVING = ["living room"]


@pytest.fixture
def shop(engine: Engine, tmp_path: Path) -> Engine:
    products = [
        product("SOFA", "Oslo sofa", category=["Furniture", "Sofas"], tags=LIVING),
        product("SOFA2", "Bergen sofa", category=["Furniture", "Sofas"], tags=LIVING),
        product("CUSHION", "Linen cushion", category=["Textiles", "Cushions"], tags=LIVING),
        product("LAMP", "Floor lamp", category=["Decor", "Lighting"], tags=LIVING),
        product("THROW", "Wool throw", category=["Textiles", "Throws"], tags=LIVING, stock=0),
        product("RUG", "Wool rug", category=["Textiles", "Rugs"], tags=LIVING),
        product("OLDIE", "Last year's lantern", category=["Garden", "Lighting"], tags=["outdoor"]),
        product("LOCAL", "Store A vase", category=["Decor", "Vases"], tags=["decor"]),
        product("PAN", "Frying pan", category=["Kitchen", "Cookware"], tags=["cooking"]),
        product("POT", "Saucepan", category=["Kitchen", "Cookware"], tags=["cooking"]),
        product("KNIFE", "Chef's knife", category=["Kitchen", "Tools"], tags=["cooking"]),
        product("LONER", "Odd thing", category=["Misc"], tags=[]),
        product("STAR", "Bestselling candle", category=["Decor", "Candles"], tags=["scent"], featured=True),
    ]
    scenes = [
        scene("living", "Cozy living room", ["SOFA", "THROW", "CUSHION", "LAMP"], position=0),
        scene("reading", "Reading corner", ["LAMP", "SOFA", "SOFA"], position=1),
        scene("expired", "Summer 2025", ["SOFA", "OLDIE"], position=2, active_to="2025-09-01T00:00:00Z"),
        scene("store-a", "Store A only", ["SOFA", "LOCAL"], position=3, store_id="store-a"),
        scene("missing", "Has a gone product", ["SOFA", "P-GONE"], position=4),
    ]
    load(engine, tmp_path, products, scenes)
    return engine


def test_scene_neighbours_come_first_ranked_by_shared_scenes_then_stock(shop: Engine) -> None:
    recs = complete_the_look(shop, "SOFA", limit=3, now=NOW)
    assert [r.product.product_id for r in recs] == ["LAMP", "CUSHION", "THROW"]
    lamp, cushion, throw = recs
    # The lamp shares two scenes; the reason names the first one shown.
    assert (lamp.shared_scenes, lamp.scene_id, lamp.reason) == (2, "living", "Seen together in \u201cCozy living room\u201d")
    assert cushion.scene_title == "Cozy living room"
    # Same single shared scene: the cushion (in stock) before the throw (sold out here).
    assert not throw.product.in_stock and cushion.product.in_stock


def test_the_product_itself_is_never_recommended(shop: Engine) -> None:
    for pid in ("SOFA", "LAMP", "PAN", "LONER"):
        assert pid not in [r.product.product_id for r in complete_the_look(shop, pid, limit=20, now=NOW)]


def test_expired_and_other_store_scenes_do_not_count(shop: Engine) -> None:
    recs = {r.product.product_id: r for r in complete_the_look(shop, "SOFA", limit=20, now=NOW)}
    assert recs.get("OLDIE") is None or recs["OLDIE"].scene_id is None
    assert recs.get("LOCAL") is None or recs["LOCAL"].scene_id is None
    in_store_a = {r.product.product_id: r for r in complete_the_look(shop, "SOFA", limit=20, store_id="store-a",
                                                                      now=NOW)}
    assert in_store_a["LOCAL"].reason == "Seen together in \u201cStore A only\u201d"
    # Back in the summer of 2025 the lantern was part of the look.
    summer = datetime(2025, 7, 1, tzinfo=timezone.utc)
    old = {r.product.product_id: r for r in complete_the_look(shop, "SOFA", limit=20, now=summer)}
    assert old["OLDIE"].scene_id == "expired"


def test_fallback_fills_the_row_with_complements_before_alternatives(shop: Engine) -> None:
    recs = complete_the_look(shop, "SOFA", limit=6, now=NOW)
    ids = [r.product.product_id for r in recs]
    assert ids[:3] == ["LAMP", "CUSHION", "THROW"]
    # The rug shares the "living room" tag: it goes with the sofa. Another
    # sofa is an alternative, so it comes after every complement.
    assert ids[3] == "RUG" and recs[3].reason == "Goes with \u201cOslo sofa\u201d" and recs[3].scene_id is None
    assert ids.index("SOFA2") > ids.index("RUG")


def test_a_product_in_no_scene_still_gets_a_sensible_row(shop: Engine) -> None:
    recs = complete_the_look(shop, "PAN", limit=4, now=NOW)
    # Tag neighbours first (the knife complements the pan; the saucepan is
    # the same kind of thing, so it comes after), then the store's favourites.
    assert [(r.product.product_id, r.reason) for r in recs] == [
        ("KNIFE", "Goes with \u201cFrying pan\u201d"), ("POT", "Goes with \u201cFrying pan\u201d"),
        ("STAR", POPULAR_REASON)]
    # Nothing shares a tag or department with the odd one out: the store's
    # featured products keep its row from being empty.
    loner = complete_the_look(shop, "LONER", now=NOW)
    assert [(r.product.product_id, r.reason) for r in loner] == [("STAR", POPULAR_REASON)]


def test_limits_and_unknown_products(shop: Engine) -> None:
    assert len(complete_the_look(shop, "SOFA", limit=2, now=NOW)) == 2
    assert complete_the_look(shop, "SOFA", limit=0, now=NOW) == []
    assert complete_the_look(shop, "NOPE", now=NOW) == []


def test_every_demo_product_gets_a_full_row(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        ids = list(conn.execute(select(Product.id).order_by(Product.id)).scalars())
    scene_backed = 0
    for pid in ids[::7]:
        recs = complete_the_look(demo_engine, pid, limit=8, store_id="demo-store", now=NOW)
        assert len(recs) == 8, pid
        assert pid not in {r.product.product_id for r in recs}
        assert len({r.product.product_id for r in recs}) == 8
        scene_backed += any(r.scene_id for r in recs)
        # Scene neighbours always come before tag/category fallbacks.
        kinds = [r.scene_id is not None for r in recs]
        assert kinds == sorted(kinds, reverse=True)
    assert scene_backed >= 3
    sofa = get_product(demo_engine, get_scene(demo_engine, "cozy-living-room").items[0].product_id)
    assert sofa is not None and "sofa" in sofa.name
    looks = complete_the_look(demo_engine, sofa.id, limit=8, store_id="demo-store", now=NOW)
    assert all(r.reason == "Seen together in \u201cCozy living room\u201d" for r in looks)
