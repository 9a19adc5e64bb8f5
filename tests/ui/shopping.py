"""Helpers for the shopping-screen UI tests: the demo catalog and touch-driven steps.

The shopping tests run on the real demo catalog (``kiosk.demo.load_demo``)
plus one product with a hostile name, built once per test run and copied
per test by the shell's ``catalog_db`` fixture. Each test module selects it
by defining ``catalog_template`` with :func:`demo_template`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kiosk.catalog_store import upsert_products
from kiosk.db import open_db
from kiosk.demo import load_demo
from kiosk.models import Event
from kiosk.records import parse_product
from tests.ui.conftest import settle, tap, wait_for, wait_frames

#: A product name that must show literally (Kivy markup, str.format and %-format in one).
LITERAL_NAME = "[b]x[/b] {0} %s"
LITERAL_ID = "P-LITERAL"
#: A brand nobody else has, so typing it finds exactly the literal product.
LITERAL_BRAND = "Zyxwv"
#: The demo's Sørlandet sofa: Colour x Seats, 2-seat €469.00, 3-seat €589.00.
SOFA_ID = "P-1001"

_built: dict[str, Path] = {}


def demo_template(tmp_path_factory: Any) -> Path:
    """A migrated database with the demo catalog and the literal product (built once per run)."""
    if "path" in _built and _built["path"].exists():
        return _built["path"]
    path = tmp_path_factory.mktemp("demo-catalog") / "demo.sqlite3"
    engine = open_db(path)
    load_demo(engine)
    literal = parse_product({
        "id": LITERAL_ID, "name": LITERAL_NAME, "brand": LITERAL_BRAND,
        "description": "[color=ff0000]not red[/color] {name} %(x)s", "category": ["Decor"],
        "variants": [{"id": "V-LITERAL", "sku": "LIT-1", "title": "{0}", "options": {}, "price": "12.50",
                      "currency": "EUR", "stock": 5, "online_available": True, "aisle": "3", "bay": "A"}],
    })
    with engine.begin() as conn:
        upsert_products(conn, [literal])
    engine.dispose()
    # WAL side files are checkpointed by dispose(); copy only the main file.
    _built["path"] = path
    return path


def copy_template(src: Path, dst: Path) -> None:
    """Copy a template database file."""
    shutil.copyfile(src, dst)


def events(app: Any, kind: str) -> list[dict[str, Any]]:
    """Payloads of the recorded analytics events of ``kind``."""
    with app.db.connect() as conn:
        return [row.payload for row in conn.execute(select(Event).where(Event.kind == kind))]


LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)


async def set_window(app: Any, size: tuple[int, int]) -> None:
    """Resize the real window (the kiosk's screen) and wait until the app has laid out for it."""
    from kivy.core.window import Window

    Window.size = size
    await wait_for(lambda: tuple(Window.size) == size and tuple(app.root.size) == size, what=f"window {size}")
    await wait_frames(2)


async def start_session(app: Any, size: tuple[int, int] = LANDSCAPE) -> None:
    """On a window of ``size``, touch the attract screen to start a session on home."""
    await set_window(app, size)
    await tap(app.root.sm.current_screen)
    await wait_for(lambda: app.current_screen == "home", what="home")


async def open_search(app: Any) -> Any:
    """Start a session and show the search screen; returns it once its first results are drawn."""
    await start_session(app)
    app.show_search()
    screen = app.root.sm.get_screen("search")
    await wait_for(lambda: app.current_screen == "search" and not screen.searching, what="search screen")
    await wait_frames(2)
    return screen


async def tap_steady(widget: Any) -> None:
    """Tap ``widget`` once it has stopped moving (layout settled over two frames), like a customer would."""
    import time

    deadline = time.monotonic() + 5
    last = None
    while True:
        pos = tuple(widget.to_window(*widget.center))
        if pos == last or time.monotonic() > deadline:
            break
        last = pos
        await wait_frames(1)
    await tap(widget)


async def press(widget: Any) -> None:
    """A real touch down and up on a widget outside any ScrollView, then one frame."""
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(*widget.to_window(*widget.center))
    touch.touch_down()
    touch.touch_up()
    await wait_frames(1)


async def type_on_keyboard(screen: Any, text: str) -> None:
    """Type ``text`` by tapping the on-screen keys (switching to the accent layer when needed)."""
    kb = screen.ids.keyboard
    for ch in text:
        key = kb.key_for(ch)
        if key is None:
            await press(kb.key_for("\x0e"))  # the "àé" layer key
            key = kb.key_for(ch)
        assert key is not None, f"no key types {ch!r}"
        await press(key)


async def wait_results(app: Any, screen: Any, query: str) -> None:
    """Wait until the results of ``query`` are on screen (and laid out)."""
    await wait_for(lambda: screen.shown_query == query and not screen.searching, what=f"results for {query!r}")
    await wait_frames(2)


def visible_cards(screen: Any) -> list[Any]:
    """The product cards whose centre is in view in the results grid, top to bottom."""
    from screens.widgets.product_card import ProductCard

    grid = screen.ids.grid
    gx, gy = grid.to_window(*grid.pos)
    cards = []
    for w in grid.layout_manager.children:
        if isinstance(w, ProductCard) and w.product_id:
            cx, cy = w.to_window(*w.center)
            if gx <= cx <= gx + grid.width and gy <= cy <= gy + grid.height:
                cards.append(w)
    return sorted(cards, key=lambda c: (-c.to_window(*c.pos)[1], c.x))
