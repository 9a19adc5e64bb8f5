"""The bundled demo store: complete, valid, pictured, and loaded the way the app loads it."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image
from sqlalchemy import Engine, func, select

from kiosk.barcodes import is_valid_barcode
from kiosk.db import open_db
from kiosk.demo import DEMO_CATALOG, DEMO_STORE_ID, DemoError, is_catalog_empty, load_demo
from kiosk.images import ASSETS_DIR, resolve
from kiosk.models import Barcode, Category, Product, ProductImage, Scene, SceneItem, Variant
from kiosk.scenes import active_scenes, get_scene

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def catalog() -> dict:
    return json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    """scripts/make_demo_catalog.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("make_demo_catalog", ROOT / "scripts" / "make_demo_catalog.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _ean13_ok(code: str) -> bool:
    # An independent check-digit computation, not the one under test.
    digits = [int(c) for c in code]
    return len(digits) == 13 and (sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12])) + digits[12]) % 10 == 0


def test_demo_store_is_a_full_home_goods_store(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        products = conn.execute(select(func.count()).select_from(Product)).scalar_one()
        variants = conn.execute(select(func.count()).select_from(Variant)).scalar_one()
        roots = set(conn.execute(select(Category.name).where(Category.parent_id.is_(None))).scalars())
        multi = conn.execute(select(func.count()).select_from(
            select(Variant.product_id).group_by(Variant.product_id).having(func.count() > 1).subquery())).scalar_one()
        featured = conn.execute(select(func.count()).select_from(Product).where(Product.featured.is_(True))).scalar_one()
    assert products >= 300
    assert multi >= 200, "most products should come in several variants (colour, size)"
    assert variants > products * 2
    assert {"Furniture", "Decor", "Kitchen", "Textiles", "Garden"} <= roots
    assert featured >= 8


def test_at_least_six_scenes_are_active_in_the_demo_store(demo_engine: Engine) -> None:
    scenes = active_scenes(demo_engine, DEMO_STORE_ID, NOW)
    assert len(scenes) >= 6
    assert [s.position for s in scenes] == sorted(s.position for s in scenes)
    for s in scenes:
        view = get_scene(demo_engine, s.id)
        assert view is not None and len(view.items) >= 3, f"{s.id} should show several products"
        assert s.subtitle
    with demo_engine.connect() as conn:
        # One scene is over (date filtering has something to filter) and one
        # belongs to another store (store scoping has something to hide).
        all_ids = set(conn.execute(select(Scene.id)).scalars())
    shown = {s.id for s in scenes}
    assert "summer-terrace-2025" in all_ids - shown
    assert "harbour-loft" in all_ids - shown
    assert "harbour-loft" in {s.id for s in active_scenes(demo_engine, "harbour-store", NOW)}


def test_every_barcode_is_a_valid_in_store_ean13(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        codes = list(conn.execute(select(Barcode.code)).scalars())
        variants = conn.execute(select(func.count()).select_from(Variant)).scalar_one()
        without = conn.execute(select(func.count()).select_from(Variant).where(
            ~Variant.id.in_(select(Barcode.variant_id)))).scalar_one()
    assert len(codes) >= variants and without == 0, "every variant must be scannable"
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert _ean13_ok(code) and is_valid_barcode(code), code
        # GS1 prefixes 20-29: restricted-circulation codes for in-store use,
        # so the demo never collides with a real product's barcode.
        assert code[:2] in {f"2{d}" for d in range(10)}, code


def test_every_image_reference_resolves_to_a_bundled_picture(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        refs = set(conn.execute(select(ProductImage.url)).scalars())
        refs |= set(conn.execute(select(Variant.image_url).where(Variant.image_url != "")).scalars())
        heroes = set(conn.execute(select(Scene.hero_image)).scalars())
        no_image = conn.execute(select(func.count()).select_from(Product).where(
            ~Product.id.in_(select(ProductImage.product_id)))).scalar_one()
    assert no_image == 0
    for ref in sorted(refs):
        assert ref.startswith("asset:demo/images/"), ref
        path = resolve(ref)
        assert path is not None, f"{ref} does not resolve"
        with Image.open(path) as img:
            assert 256 <= img.width <= 320 and img.width == img.height
    for ref in sorted(heroes):
        path = resolve(ref)
        assert path is not None, f"{ref} does not resolve"
        with Image.open(path) as img:
            assert img.size == (1600, 900)


def test_demo_assets_stay_small() -> None:
    total = sum(f.stat().st_size for f in (ASSETS_DIR / "demo").rglob("*") if f.is_file())
    assert total < 8_000_000, f"assets/demo is {total / 1e6:.1f} MB"


def test_hotspots_are_inside_the_picture_and_name_real_products(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        items = conn.execute(select(SceneItem.scene_id, SceneItem.product_id, SceneItem.x, SceneItem.y)).all()
        products = set(conn.execute(select(Product.id)).scalars())
    assert items
    for sid, pid, x, y in items:
        assert 0 <= x <= 1 and 0 <= y <= 1, (sid, pid, x, y)
        assert pid in products, f"{sid} places {pid}, which the demo does not sell"


def test_hotspots_sit_on_the_drawn_product(catalog: dict, generator: ModuleType) -> None:
    """At each hotspot the hero image differs from the empty room: a product is drawn there."""
    specs = {s.id: s for s in generator.SCENES}
    for scene in catalog["scenes"]:
        path = resolve(scene["hero_image"])
        assert path is not None
        hero = Image.open(path).convert("RGB")
        w, h = hero.size
        room = generator.backdrop(specs[scene["id"]].backdrop, (w * 2, h * 2)).resize((w, h), Image.Resampling.LANCZOS)
        for item in scene["items"]:
            px, py = int(item["x"] * (w - 1)), int(item["y"] * (h - 1))
            box = (max(0, px - 2), max(0, py - 2), min(w, px + 3), min(h, py + 3))
            a = hero.crop(box).getdata()
            b = room.crop(box).getdata()
            diff = sum(abs(c1 - c2) for p1, p2 in zip(a, b) for c1, c2 in zip(p1, p2)) / (len(a) * 3)
            assert diff > 4, f"{scene['id']}: hotspot of {item['product_id']} at {px},{py} is on bare background"


def test_scene_products_belong_together(catalog: dict) -> None:
    products = {p["id"]: p for p in catalog["products"]}
    for scene in catalog["scenes"]:
        ids = [it["product_id"] for it in scene["items"]]
        assert len(ids) == len(set(ids)), f"{scene['id']} places a product twice"
        depts = {products[i]["category"][0] for i in ids}
        # A look mixes departments (a sofa with a cushion and a lamp), but
        # stays in one room: at most three departments per scene.
        assert 1 <= len(depts) <= 4, (scene["id"], depts)


def test_store_data_is_realistic(catalog: dict) -> None:
    variants = [v for p in catalog["products"] for v in p["variants"]]
    assert any(v["stock"] == 0 and v["aisle"] for v in variants), "some sold out on the shelf"
    assert any(v["stock"] == 0 and not v["aisle"] and v["online_available"] for v in variants), "some online only"
    assert any(v["compare_at_price"] for v in variants), "some on sale"
    with_pid = sum(1 for v in variants if v["platform_variant_id"])
    assert with_pid / len(variants) > 0.8
    assert all(v["platform_variant_id"].isdigit() for v in variants if v["platform_variant_id"])
    assert all(p["online_url"].startswith("https://") for p in catalog["products"])
    assert all(v["currency"] == "EUR" for v in variants)
    # Shelf locations follow the store map: one aisle per subcategory, and
    # each department's aisles in a block of their own.
    aisle_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in catalog["products"]:
        for v in p["variants"]:
            if v["aisle"]:
                aisle_of[tuple(p["category"])].add(v["aisle"])
    assert all(len(a) == 1 for a in aisle_of.values()), aisle_of
    ranges: dict[str, list[int]] = defaultdict(list)
    for (dept, _sub), aisles in aisle_of.items():
        ranges[dept] += [int(a) for a in aisles]
    spans = sorted((min(v), max(v)) for v in ranges.values())
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:])), spans


def test_names_show_off_diacritics_and_chinese(catalog: dict) -> None:
    names = [p["name"] for p in catalog["products"]]
    assert any("Crème" in n for n in names)
    assert any("Smörgås" in n for n in names)
    assert sum(1 for n in names if any("\u4e00" <= ch <= "\u9fff" for ch in n)) >= 3
    assert "青花瓷 Blue-and-white vase" in names


def test_load_demo_twice_changes_nothing(db_path: Path) -> None:
    engine = open_db(db_path)
    try:
        assert is_catalog_empty(engine)
        first = load_demo(engine)
        assert not is_catalog_empty(engine)
        with engine.connect() as conn:
            versions = dict(conn.execute(select(Scene.id, Scene.version)).all())
        second = load_demo(engine)
        assert (second.products, second.variants, second.scenes) == (first.products, first.variants, first.scenes)
        assert first.products >= 300 and first.scenes >= 7
        assert second.scenes_written == 0
        with engine.connect() as conn:
            assert dict(conn.execute(select(Scene.id, Scene.version)).all()) == versions
    finally:
        engine.dispose()


def test_missing_or_broken_demo_file_is_a_clear_error(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(DemoError, match="not found"):
        load_demo(engine, tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "kiosk-catalog", "version": 1, "products": [{"id": "P-1", "name": "x", '
                      '"variants": [{"sku": "S", "price": "-1", "currency": "EUR"}]}], "scenes": []}')
    with pytest.raises(DemoError, match="refused"):
        load_demo(engine, broken)
    assert is_catalog_empty(engine)


def test_committed_catalog_is_what_the_script_makes(catalog: dict, generator: ModuleType) -> None:
    """Regenerating would change nothing: the committed JSON matches the script and seed."""
    gen = generator.build_catalog(random.Random(generator.SEED))
    assert gen.products == catalog["products"]
    assert [s.id for s in generator.SCENES] == [s["id"] for s in catalog["scenes"]]
