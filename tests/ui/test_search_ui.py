"""Search on a real window: on-screen keys, results as you type, filters, nothing found, latest wins."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from kiosk import analytics
from kiosk.money import format_price
from kiosk.reach import target_px
from tests.ui.conftest import settle, tap, wait_for, wait_frames
from tests.ui.shopping import (
    SOFA_ID,
    demo_template,
    events,
    open_search,
    press,
    type_on_keyboard,
    visible_cards,
    wait_results,
)

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]


@pytest.fixture(scope="session")
def catalog_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """These tests shop in the demo store."""
    return demo_template(tmp_path_factory)


async def test_search_product_variant_add_cart_flow(kiosk_app: Any) -> None:
    """The whole way by touch: type, tap a result, pick a variant, add, adjust in the cart."""
    app = kiosk_app
    search = await open_search(app)
    await type_on_keyboard(search, "sorla")
    await wait_results(app, search, "sorla")
    assert search.ids.keyboard.text == "sorla"
    assert search.total >= 1
    card = next(c for c in visible_cards(search) if c.product_id == SOFA_ID)
    assert card.name == "Sørlandet sofa"
    await tap(card)
    await wait_for(lambda: app.current_screen == "product", what="product screen")
    await wait_frames(3)  # let the layout settle before touching
    product = app.root.sm.get_screen("product")
    await wait_for(lambda: product.loaded, what="product data")
    await wait_frames(3)  # let the layout settle before touching
    await settle(app)
    assert product.ids.name.text == "Sørlandet sofa"
    assert product.price_text == "€469.00"
    await tap(product.option_chip("Seats", "3-seat"))
    await wait_for(lambda: product.price_text == "€589.00", what="the 3-seat price")  # the variant's own price
    assert product.ids.price.text == "€589.00"
    await tap(product.option_chip("Colour", "Charcoal"))
    await wait_for(lambda: product.variant_id == "V-1001-6", what="Charcoal / 3-seat")
    assert "NO-SORLAN-1001-CHA-3SEA" in product.code_text
    await tap(product.ids.stepper.ids.plus)
    await wait_for(lambda: product.qty == 2, what="quantity 2")
    await tap(product.ids.add_button)
    await wait_for(lambda: app.cart_count == 2, what="two sofas in the cart")
    await tap(product.ids.topbar.ids.cart_button)
    cart = app.root.sm.get_screen("cart")
    await wait_for(lambda: app.current_screen == "cart", what="cart screen")
    await wait_frames(3)  # let the layout settle before touching
    line = cart.line_view("V-1001-6")
    assert line.ids.name.text == "Sørlandet sofa"
    assert line.ids.variant.text == "Charcoal / 3-seat"
    assert line.ids.total.text == format_price(2 * 58900, "EUR")
    await tap(line.ids.stepper.ids.plus)
    await wait_for(lambda: app.cart.lines[0].qty == 3, what="quantity 3")
    assert cart.ids.cart_total.text == "€1,767.00"
    assert line.ids.total.text == "€1,767.00"
    await tap(line.ids.stepper.ids.minus)
    await wait_for(lambda: app.cart.lines[0].qty == 2, what="quantity 2")
    await tap(line.ids.stepper.ids.minus)
    await wait_for(lambda: app.cart.lines[0].qty == 1, what="quantity 1")
    assert cart.ids.cart_total.text == "€589.00"


async def test_keyboard_types_and_results_follow_each_key(kiosk_app: Any) -> None:
    app = kiosk_app
    search = await open_search(app)
    assert search.heading == "Popular right now"  # empty field: featured first
    kb = search.ids.keyboard
    minimum = target_px(app.config_obj.display.min_target_mm, app.config_obj.display.dpi)
    keys = [k for row in kb.children for k in row.children]
    assert len(keys) >= 44
    for key in keys:  # 15 mm at the configured DPI, or more
        assert key.width >= minimum - 0.5 and key.height >= minimum - 0.5, (key.text, key.size, minimum)
    seen: list[str] = []
    search.bind(on_results=lambda _s, result: seen.append(result.query))
    await type_on_keyboard(search, "l")
    await wait_results(app, search, "l")
    await type_on_keyboard(search, "amp")
    await wait_results(app, search, "lamp")
    assert seen[0] == "l" and seen[-1] == "lamp"
    assert search.heading.endswith("for \u201clamp\u201d")
    assert 0 < search.total < 362
    assert visible_cards(search)
    await press(kb.key_for("\b"))
    assert kb.text == "lam"
    await press(kb.key_for("\x1b"))
    assert kb.text == ""
    await type_on_keyboard(search, "crè")  # è is on the accent layer
    assert kb.text == "crè" and kb.layer == "accents"
    await press(kb.key_for("\x0e"))
    assert kb.layer == "letters"
    await wait_results(app, search, "crè")
    # The session ends: the next customer sees nothing of this one.
    app.end_session()
    await wait_for(lambda: app.current_screen == "attract", what="attract")
    await wait_frames(3)  # let the layout settle before touching
    assert kb.text == "" and kb.layer == "letters"
    assert search.ids.grid.data == []
    assert search.heading == ""


async def test_filters_narrow_results(kiosk_app: Any) -> None:
    app = kiosk_app
    search = await open_search(app)
    await type_on_keyboard(search, "oak")
    await wait_results(app, search, "oak")
    everything = search.total
    band = next(c for c in search._chips("band") if c.text == "\u20ac50\u2013\u20ac200")
    await tap(band)
    await wait_for(lambda: search.filters.band is not None and not search.searching, what="price filter")
    await settle(app)
    assert 0 < search.total < everything
    for data in search.ids.grid.data[: search.total]:
        if data["product_id"]:
            price = float(data["price_text"].lstrip("from ").lstrip("\u20ac").replace(",", ""))
            assert 50 <= price < 200, data
    stock = next(iter(search._chips("stock")))
    await tap(stock)
    await wait_for(lambda: search.filters.in_stock and not search.searching, what="in-stock filter")
    await settle(app)
    assert all(d["in_stock"] for d in search.ids.grid.data if d["product_id"])
    await tap(band)  # tap again: off
    await tap(stock)
    await wait_for(lambda: search.filters == type(search.filters)() and not search.searching, what="filters off")
    await settle(app)
    assert search.total == everything


async def test_nothing_found_offers_suggestions_and_records_demand(kiosk_app: Any) -> None:
    app = kiosk_app
    search = await open_search(app)
    await type_on_keyboard(search, "sofx")
    await wait_results(app, search, "sofx")
    assert search.nothing_found
    panel = search.ids.nothing
    assert panel.parent is not None and search._widgets["grid"].parent is None
    assert "sofx" in panel.title
    chips = {c.text: c for c in panel.ids.suggestions.children}
    assert "soft" in chips  # the engine's spelling suggestion, tappable
    # Popular categories are offered apart, not as what the customer meant.
    browse = {c.text for c in panel.ids.browse.children}
    assert panel.has_suggestions and browse and not browse & set(chips)
    await wait_for(lambda: len(panel.ids.featured.children) > 0, what="featured products")
    # Staff see what customers looked for and did not find.
    await wait_for(lambda: events(app, analytics.SEARCH_NO_RESULTS), timeout=10, what="no-results event")
    assert events(app, analytics.SEARCH_NO_RESULTS)[0]["query"] == "sofx"
    assert analytics.top_unmet_searches(app.db) == [("sofx", 1)]
    await tap(chips["soft"])
    await wait_for(lambda: search.ids.keyboard.text == "soft", what="the suggestion typed")
    await wait_results(app, search, "soft")
    assert search.ids.keyboard.text == "soft"
    assert not search.nothing_found and search.total > 0
    # Keystrokes on the way to a real word are not recorded as unmet demand.
    assert len(events(app, analytics.SEARCH_NO_RESULTS)) == 1
    # Nothing close to the word: no "did you mean", categories to look around in.
    await type_on_keyboard(search, "\x1bxqzvwj")
    await wait_results(app, search, "xqzvwj")
    assert search.nothing_found and not panel.has_suggestions and not panel.ids.suggestions.children
    assert panel.has_browse and panel.ids.browse.children


class _GatedEngine:
    """The real search engine, except that one query waits until the test lets it finish."""

    def __init__(self, engine: Any, slow_query: str) -> None:
        self._engine = engine
        self.slow_query = slow_query
        self.entered = threading.Event()
        self.release = threading.Event()

    def search(self, query: str, **kwargs: Any) -> Any:
        if query == self.slow_query and kwargs.get("offset", 0) == 0:
            self.entered.set()
            self.release.wait(10)
        return self._engine.search(query, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


class _RecordingEngine:
    """The real search engine, noting each first-page query it is asked."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self.queries: list[str] = []

    def search(self, query: str, **kwargs: Any) -> Any:
        if kwargs.get("offset", 0) == 0 and kwargs.get("limit") != 4:  # not the featured products
            self.queries.append(query)
        return self._engine.search(query, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


async def _finger_down(widget: Any) -> Any:
    """A finger landing on ``widget`` and staying there (the touch, to move or lift later)."""
    from kivy.clock import Clock
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(*widget.to_window(*widget.center))
    Clock.schedule_once(lambda _dt: touch.touch_down(), 0)
    await wait_frames(2)
    return touch


async def _finger_up(touch: Any, at: tuple[float, float] | None = None) -> None:
    """Lift ``touch``, after sliding it to window position ``at`` if given."""
    from kivy.clock import Clock

    if at is not None:
        Clock.schedule_once(lambda _dt: touch.touch_move(*at), 0)
        await wait_frames(2)
    Clock.schedule_once(lambda _dt: touch.touch_up(), 0)
    await wait_frames(3)


async def test_the_letter_under_the_finger_is_searched_before_the_lift(kiosk_app: Any) -> None:
    """The search, and the text of the tiles it fills, are ready while the finger rests on the key."""
    from screens.widgets import text_textures

    app = kiosk_app
    search = await open_search(app)
    engine = _RecordingEngine(app.search_engine)
    app.search_engine = engine
    await type_on_keyboard(search, "be")
    await wait_results(app, search, "be")
    await settle(app)
    before = {card.product_id for card in visible_cards(search)}
    text_textures.clear_cache()  # so that every text the next results draw is rendered anew
    touch = await _finger_down(search.ids.keyboard.key_for("d"))
    await wait_for(lambda: "bed" in engine.queries, what="the search for the letter under the finger")
    await settle(app)  # its answer is back, and the tiles' text rendered
    # Nothing is typed or shown until the finger lifts.
    assert search.ids.keyboard.text == "be" and search.shown_query == "be"
    rendered = {id(texture) for texture, _shown in text_textures._cache.values() if texture is not None}
    await _finger_up(touch)
    await wait_results(app, search, "bed")
    assert engine.queries.count("bed") == 1  # the lift used the search made while the finger was down
    fresh = [card for card in visible_cards(search) if card.product_id not in before]
    assert len(fresh) >= 3  # "bed" brought other products into view than "be"
    # Their names were drawn from textures rendered before the lift.
    assert all(id(card.name_texture) in rendered for card in fresh)


async def test_a_finger_sliding_off_its_key_types_and_records_nothing(kiosk_app: Any) -> None:
    """The search started when the finger landed is dropped: never shown, never counted as unmet demand."""
    app = kiosk_app
    search = await open_search(app)
    engine = _RecordingEngine(app.search_engine)
    app.search_engine = engine
    shown: list[str] = []
    search.bind(on_results=lambda _s, result: shown.append(result.query))
    await type_on_keyboard(search, "xqzvw")  # nothing like it in the store
    await wait_results(app, search, "xqzvw")
    touch = await _finger_down(search.ids.keyboard.key_for("j"))
    await wait_for(lambda: "xqzvwj" in engine.queries, what="the search for the letter under the finger")
    grid = search.ids.results_area
    await _finger_up(touch, at=grid.to_window(*grid.center))  # slid off the keyboard, lifted elsewhere
    # The query on screen stays unmet long enough to be recorded; the other one never was typed.
    await wait_for(lambda: events(app, analytics.SEARCH_NO_RESULTS), timeout=10, what="no-results event")
    await settle(app)
    assert [e["query"] for e in events(app, analytics.SEARCH_NO_RESULTS)] == ["xqzvw"]
    assert search.ids.keyboard.text == "xqzvw" and search.shown_query == "xqzvw"
    assert "xqzvwj" not in shown
    # The next tap of that key types it, and shows its own results.
    await type_on_keyboard(search, "j")
    await wait_results(app, search, "xqzvwj")
    assert shown[-1] == "xqzvwj"


async def test_latest_keystroke_wins_over_a_slow_older_search(kiosk_app: Any) -> None:
    app = kiosk_app
    search = await open_search(app)
    gated = _GatedEngine(app.search_engine, slow_query="s")
    app.search_engine = gated
    shown: list[str] = []
    search.bind(on_results=lambda _s, result: shown.append(result.query))
    try:
        await type_on_keyboard(search, "s")
        await wait_for(gated.entered.is_set, what="the slow search to start")
        await type_on_keyboard(search, "ofa")  # typed while "s" is still searching
        # "s" was searched ahead, as the finger landed, on a lane of its own:
        # the later letters do not wait behind it.
        await wait_results(app, search, "sofa")
        assert "s" not in shown
    finally:
        gated.release.set()
    await settle(app)  # the slow search's answer has come back to the screen
    await wait_frames(5)
    # The slow "s" finished after "sofa" was shown: its result was dropped, never drawn.
    assert "s" not in shown and shown[-1] == "sofa"
    assert search.shown_query == "sofa"
    assert search.total == 10
    assert all("sofa" in c.name.lower() for c in visible_cards(search))


async def test_long_result_lists_load_as_they_scroll(kiosk_app: Any) -> None:
    app = kiosk_app
    search = await open_search(app)
    grid = search.ids.grid
    everything = search.total  # every product, featured first
    assert everything > 300
    assert len(grid.data) == everything  # one tile per result from the start: an honest scroll bar
    assert sum(1 for d in grid.data if d["product_id"]) < everything  # later pages not fetched yet
    grid.scroll_y = 0  # fling to the end
    await wait_for(lambda: all(d["product_id"] for d in grid.data[-20:]), what="the last page")
    await settle(app)
    last = visible_cards(search)
    assert last and last[-1].product_id
    ids = [d["product_id"] for d in grid.data if d["product_id"]]
    assert len(ids) == len(set(ids))  # no product twice


async def test_keys_typed_faster_than_a_frame_show_the_last_query(kiosk_app: Any) -> None:
    """A customer drumming on the keys: several presses land between two frames.

    Each press starts a search; whatever arrives, the grid ends on the last
    text typed, and no result of an earlier prefix is shown after it.
    """
    app = kiosk_app
    search = await open_search(app)
    kb = search.ids.keyboard
    shown: list[str] = []
    search.bind(on_results=lambda _s, result: shown.append(result.query))
    for ch in "oak":  # no frame in between: one Clock tick handles all three
        kb.press(ch)
    await wait_results(app, search, "oak")
    await wait_frames(5)  # any stale delivery still queued would land now
    assert shown and shown[-1] == "oak"
    assert set(shown) <= {"o", "oa", "oak"}
    assert search.shown_query == "oak" and search.heading.endswith("for \u201coak\u201d")
    _assert_grid_shows(app, search, "oak")
    # Backspace twice in one go, then a different word: the grid follows the last text.
    kb.press("\b")
    kb.press("\b")
    for ch in "ampe":
        kb.press(ch)
    assert kb.text == "oampe"
    kb.press("\x1b")
    for ch in "lamp":
        kb.press(ch)
    await wait_results(app, search, "lamp")
    await wait_frames(5)
    assert shown[-1] == "lamp" and search.shown_query == "lamp"
    _assert_grid_shows(app, search, "lamp")


def _assert_grid_shows(app: Any, search: Any, query: str) -> None:
    """The tiles on screen are that query's first results, in order."""
    hits = app.search_engine.search(query, limit=48).hits
    cards = visible_cards(search)
    assert cards, f"no tiles for {query!r}"
    assert [c.product_id for c in cards] == [h.product_id for h in hits[: len(cards)]]
    assert [d["product_id"] for d in search.ids.grid.data[: len(hits)]] == [h.product_id for h in hits]
    # What each tile draws is its own product's name (shortened at most), not a recycled tile's last one.
    for card in cards:
        drawn = card.shown_name.replace("\n", " ").rstrip("\u2026")
        assert drawn and " ".join(card.name.split()).startswith(drawn), (card.name, card.shown_name)


async def test_new_results_leave_the_scroll_bar_at_rest_and_a_finger_lights_it(kiosk_app: Any) -> None:
    """Results put the grid back at the top without lighting the bar: lit, it dimmed half a second
    later in a whole frame of its own, often the frame the next key's results waited for."""
    from kivy.tests.common import UnitTestTouch

    from kivy.clock import Clock

    app = kiosk_app
    search = await open_search(app)
    grid = search.ids.grid
    grid.scroll_y = 0.5  # somewhere down the list, as a customer leaves it
    await wait_frames(2)
    seen: list[tuple[list[float], bool]] = []

    def dim_pending() -> bool:
        ev = grid._bind_inactive_bar_color_ev
        return ev is not None and ev.is_triggered

    def look(_dt: float) -> None:  # the tick after the results' frame
        seen.append((list(grid._bar_color), dim_pending()))

    search.bind(on_results=lambda *_a: Clock.schedule_once(look, 0))
    await type_on_keyboard(search, "so")
    await wait_results(app, search, "so")
    await wait_for(lambda: len(seen) >= 2, what="both keys' results")
    bindings = len(grid.get_property_observers("bar_inactive_color"))
    await type_on_keyboard(search, "fa")
    await wait_results(app, search, "sofa")
    # Each results update rebinds the bar's colour once: nothing piles up over a day of typing.
    assert len(grid.get_property_observers("bar_inactive_color")) == bindings
    assert grid.scroll_y == 1  # back at the top for the new query
    # At rest in the results' own frame, and no frame of its own waiting to dim it.
    assert seen == [(list(grid.bar_inactive_color), False)] * len(seen)

    # A finger dragging the grid lights the bar, as Kivy does (seen while its
    # dimming is pending: on a loaded machine a frame can outlast the half
    # second, so the finger keeps moving until then).
    x, y = grid.to_window(grid.center_x, grid.center_y)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    lit = False
    for step in range(1, 21):
        touch.touch_move(x, y + (step % 8) * 30)
        await wait_frames(1)
        if dim_pending():
            lit = list(grid._bar_color) == list(grid.bar_color)
            break
    touch.touch_up()
    await wait_frames(1)
    assert lit, "a finger dragging the grid did not light its scroll bar"
