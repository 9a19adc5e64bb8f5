"""Search: an on-screen keyboard, filters as chips, results as you type.

Every key press starts a search on a worker (``LatestWins``): while one
search runs, newer keystrokes replace each other in the queue, and a result
that is no longer the newest is dropped, so the grid never flickers back to
an older query. Results fill a RecycleView grid one page at a time; the
next page loads when the customer scrolls near the end, so 10,000 results
scroll as smoothly as 10.

When nothing matches, the engine's suggestions become tappable chips and
featured products fill the space. The query is recorded once as
``SEARCH_NO_RESULTS`` (a demand signal for staff) when the customer stops
typing on it or leaves, not for every keystroke on the way.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.recycleview import RecycleView
from kivy.uix.scrollview import ScrollView

import screens.widgets.async_image  # noqa: F401  (CatalogImage used by ProductCard)
import screens.widgets.chips  # noqa: F401
import screens.widgets.keyboard  # noqa: F401
import screens.widgets.product_card  # noqa: F401
import screens.widgets.tile_grid  # noqa: F401  (TileGridLayout, the ResultsGrid layout)
from kiosk import analytics
from kiosk.money import exponent, format_price
from screens.base import KioskScreen, show_instead
from screens.frame import ScissorClipMixin
from screens.widgets.chips import Chip, TapChip
from screens.widgets.product_card import ProductCard, card_data
from screens.workers import LatestWins, run_in_background

log = logging.getLogger(__name__)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

#: Hits fetched per request; the next page loads as the customer scrolls.
PAGE_SIZE = 48
#: Seconds a query must stay unchanged with no results before it is recorded.
NO_RESULT_RECORD_DELAY_S = 1.5
#: Pages are fetched this many screens ahead of the rows in view.
PREFETCH_SCREENS = 1.0
#: The grid stops here ("10,000+ results"); nobody scrolls further, and the
#: grid's layout cost grows with its length.
MAX_GRID = 10_000
#: How long the UI thread may wait, just before drawing a frame, for the
#: first page of the query typed in that frame (seconds). Most searches
#: answer in about a millisecond, so their results are drawn in the same
#: frame as the key press instead of one frame later. A broad one-letter
#: query or a long one with typos takes 5-12 ms on the search thread while
#: the UI thread prepares the frame: waiting for it costs less than drawing
#: a frame without results and another one with them (~15-20 ms each on
#: software OpenGL). A slower search never holds the frame longer than this
#: and is shown when it arrives.
SAME_FRAME_WAIT_S = 0.030
#: Popular categories offered when nothing was found.
MAX_BROWSE = 5
#: The prompt line above the field stays while keys keep this share of their preferred size.
PROMPT_MIN_KEY_SHARE = 0.8
#: A tile whose page has not arrived yet (one shared dict: never mutated).
SKELETON: dict[str, Any] = {
    "product_id": "", "name": "", "brand": "", "price_text": "", "image_ref": "",
    "in_stock": False, "stock_text": "", "note": "",
}


@dataclass(frozen=True, slots=True)
class PriceBand:
    """A price filter chip: ``low`` inclusive, ``high`` exclusive, in major units."""

    low: int | None
    high: int | None

    def label(self, currency: str) -> str:
        """Chip text such as ``Under €50`` or ``€200–€500``."""
        scale = 10 ** exponent(currency)

        def fmt(major: int) -> str:
            # Whole amounts read better on a chip: "€50", not "€50.00".
            text = format_price(major * scale, currency)
            return text[: -(exponent(currency) + 1)] if exponent(currency) else text

        if self.low is None and self.high is not None:
            return f"Under {fmt(self.high)}"
        if self.high is None and self.low is not None:
            return f"{fmt(self.low)} and up"
        return f"{fmt(self.low or 0)}\u2013{fmt(self.high or 0)}"

    def bounds(self, currency: str) -> tuple[int | None, int | None]:
        """``(min_price, max_price)`` in minor units for the engine (max inclusive)."""
        scale = 10 ** exponent(currency)
        low = self.low * scale if self.low is not None else None
        high = self.high * scale - 1 if self.high is not None else None
        return low, high


PRICE_BANDS = (PriceBand(None, 50), PriceBand(50, 200), PriceBand(200, 500), PriceBand(500, None))


@dataclass(frozen=True, slots=True)
class Filters:
    """The filter chips' state."""

    category: str | None = None
    band: PriceBand | None = None
    in_stock: bool = False


def _search_page(engine: Any, query: str, filters: Filters, currency: str, offset: int, limit: int) -> Any:
    """One page of results (runs on a worker)."""
    low, high = filters.band.bounds(currency) if filters.band else (None, None)
    return engine.search(
        query, limit=limit, offset=offset, category=filters.category,
        min_price=low, max_price=high, in_stock=filters.in_stock,
    )


class _FirstPage:
    """The first page of one query, also handed straight to the frame being prepared.

    The worker sets it as soon as the search returns; the UI thread may
    wait for it (bounded by ``SAME_FRAME_WAIT_S``) right before the frame.

    A page asked for while a finger is on a key (``SearchScreen._search_ahead``)
    is *adopted* by the search its lift starts, if that is the same query
    with the same filters and catalog; until then it is only a guess.
    """

    def __init__(self, query: str = "", context: tuple[Any, ...] = ()) -> None:
        self._done = threading.Event()
        self.result: Any = None
        self.query = query
        #: What else the result depends on: (engine, filters, currency).
        self.context = context
        #: The search generation that took this page over (None: not yet).
        self.adopted: int | None = None
        #: Its lane's callback has run (result or error).
        self.delivered = False

    def fetch(self, engine: Any, query: str, filters: Filters, currency: str) -> Any:
        """Search (on the worker) and publish the result."""
        try:
            self.result = _search_page(engine, query, filters, currency, 0, PAGE_SIZE)
        finally:
            self._done.set()
        return self.result

    def wait(self, timeout: float) -> Any:
        """The result if it is there within ``timeout`` seconds, else None."""
        return self.result if self._done.wait(timeout) else None


class ResultsGrid(ScissorClipMixin, RecycleView):
    """The result tiles: a recycled grid, so thousands of hits cost what one screen costs.

    Clipped with a scissor, not a stencil (``screens.frame.ScissorClipMixin``).
    """

    cols = NumericProperty(3)
    """Tiles per row, from the width available."""

    tile_height = NumericProperty(0)
    """Height of one tile in pixels."""

    def update_from_scroll(self, *largs: Any) -> None:
        """Kivy's, but the scroll bar lights up only when a finger moves the grid.

        Every keystroke's results put the grid back at the top, and Kivy
        lights the bar on every scroll update, to dim it in a frame of its
        own half a second later: on software OpenGL a whole frame (15-25 ms),
        which a key lifted meanwhile waits for (3 of a run's 8 slowest
        keystrokes, docs/benchmarks-ui-screens.md, session 8). Moved by the
        app, the bar keeps its resting colour, in the frame being prepared.
        """
        super().update_from_scroll(*largs)
        effect = self.effect_y
        if self._touch or (effect is not None and abs(effect.velocity) > 0):
            return  # a finger scrolls (or a fling still runs): Kivy's lit bar, dimmed later
        pending = self._bind_inactive_bar_color_ev
        if pending is not None:
            pending.cancel()
        self._bind_inactive_bar_color()


class ChipRow(ScissorClipMixin, ScrollView):
    """The filter chips: rows in the landscape typing column, one row scrolling sideways in portrait."""


class NothingFound(ScissorClipMixin, ScrollView):
    """The friendly panel when nothing matched: corrections, categories to look around in, popular products.

    It scrolls when the results area is short (a portrait reach band).
    """

    title = StringProperty("")
    """"We couldn't find “…”" (the query is catalog-like text: shown literally)."""

    has_suggestions = BooleanProperty(False)
    """Spelling corrections are offered ("Did you mean")."""

    has_browse = BooleanProperty(False)
    """Popular categories are offered."""


class SearchScreen(KioskScreen):
    """Type, filter, tap a result.

    Events:
        on_results: ``(result)`` after a result (first page) was put on screen;
            benchmarks and tests use it.
    """

    query = StringProperty("")
    """The text typed (mirrors the keyboard)."""

    portrait = BooleanProperty(False)
    """True when the screen is taller than wide: the keyboard goes under the results."""

    total = NumericProperty(0)
    """How many products match the current query and filters."""

    shown_query = StringProperty("")
    """The query whose results are on screen."""

    searching = BooleanProperty(False)
    """A search for the current text is under way."""

    nothing_found = BooleanProperty(False)
    """The current query found nothing: the friendly panel shows."""

    heading = StringProperty("")
    """Line above the grid: "12 results for “sofa”" or "Popular right now"."""

    filters = ObjectProperty(Filters())
    """The current filters."""

    results_drawn = NumericProperty(0)
    """Bumped every time a new first page is put on screen."""

    key_size = NumericProperty(dp(72))
    """Keyboard key size: the theme's, smaller (never below a touch target) when the typing column is short."""

    column_width = NumericProperty(0)
    """Width of the landscape typing column: the keyboard's at the theme's key size."""

    show_prompt = BooleanProperty(True)
    """Whether the "What are you looking for?" line fits above the field."""

    chip_row_width = NumericProperty(0)
    """Width of the filter chips in one row (portrait: the row scrolls sideways)."""

    __events__ = ("on_results",)

    def __init__(self, **kwargs: Any) -> None:
        self._lane = LatestWins("search")
        # Searches for the text a key will type, started when the finger lands on it.
        self._ahead_lane = LatestWins("search-ahead")
        self._ahead: _FirstPage | None = None
        self._generation = 0
        self._pages_done: set[int] = set()
        self._pages_pending: set[int] = set()
        self._scroll_trigger = Clock.create_trigger(self._maybe_load_more, 0)
        self._featured: list[dict[str, Any]] = []
        self._recorded: set[str] = set()
        self._pending_no_result: str | None = None
        self._record_trigger = Clock.create_trigger(self._record_no_result, NO_RESULT_RECORD_DELAY_S)
        self._arranged = False
        self._awaiting: tuple[int, str, _FirstPage] | None = None
        self._shown_generation = -1
        # -1: runs after the key press was handled, right before the frame.
        self._same_frame_trigger = Clock.create_trigger(self._show_if_ready, -1)
        super().__init__(**kwargs)
        self.title = "Search"
        self.ids.keyboard.bind(text=self._on_text, on_text_ahead=self._search_ahead)
        self.ids.grid.bind(scroll_y=self._scroll_trigger, height=self._scroll_trigger)
        self.bind(size=self._update_portrait)
        # ids are weak references; widgets this screen takes out of the tree
        # and puts back (orientation, empty/nothing-found states) need a strong one.
        self._widgets = {name: proxy.__self__ for name, proxy in self.ids.items()}
        self._update_portrait()
        self.on_nothing_found(self, False)
        app = App.get_running_app()
        self._fit_trigger = Clock.create_trigger(self._fit_column, -1)
        ids = self.ids
        ids.side.bind(height=self._fit_trigger)
        ids.field.bind(height=self._fit_trigger)
        ids.chips.bind(height=self._fit_trigger)
        ids.body.bind(height=self._fit_trigger)
        ids.heading.bind(height=self._fit_trigger)
        self._chip_row_trigger = Clock.create_trigger(self._measure_chip_row, -1)
        ids.prompt.bind(texture_size=self._fit_trigger)
        self.bind(portrait=self._fit_trigger)
        app.theme.bind(target=self._fit_trigger, scale=self._fit_trigger)
        self._fit_column()
        app.fbind("categories", self._build_chips)
        app.fbind("ready", self._on_ready)
        self._build_chips()

    # ----------------------------------------------------------- lifecycle

    def prepare(self, query: str = "", category: str | None = None, **_params: Any) -> None:
        """Open with ``query`` typed and ``category`` selected (home's category buttons)."""
        self._select_category_chip(category)
        self.filters = Filters(category=category, band=None, in_stock=False)
        for chip in self._chips("band") + self._chips("stock"):
            chip.state = "normal"
        kb = self.ids.keyboard
        if kb.text != query:
            kb.text = query  # triggers the search
        else:
            self.search()

    def on_pre_leave(self, *_args: Any) -> None:
        # Leaving on a query that found nothing still counts as unmet demand.
        if self._pending_no_result is not None:
            self._record_trigger.cancel()
            self._record_no_result()

    def reset(self) -> None:
        """Forget the customer's query, filters and scroll position."""
        # Clearing the keyboard and chips starts searches: do it first, then
        # drop every request made so far.
        self.ids.keyboard.reset()
        self.filters = Filters()
        for chip in self._chips("band") + self._chips("stock") + self._chips("category"):
            chip.state = "normal"
        self._lane.cancel()
        self._forget_ahead()
        self._record_trigger.cancel()
        self._pending_no_result = None
        self._recorded.clear()
        self._generation += 1
        self.searching = False
        self.nothing_found = False
        self.ids.grid.data = []
        self.ids.grid.scroll_y = 1
        self.total = 0
        self.shown_query = ""
        self.nothing_found = False
        self.heading = ""

    def refresh(self) -> None:
        """The catalog changed: search again, keeping the query and filters."""
        self._forget_ahead()  # asked of the catalog before the change
        self.search()

    def screenshot_ready(self) -> bool:
        return not self.searching

    def _on_ready(self, *_args: Any) -> None:
        if App.get_running_app().ready and self.manager is not None and self.manager.current == self.name:
            self.search()

    def on_nothing_found(self, _inst: Any, value: bool) -> None:
        """Show the friendly panel instead of the grid (or back)."""
        grid, panel = self.ids.grid, self.ids.nothing
        show_instead(self.ids.results_area, *((panel, grid) if value else (grid, panel)))

    def _update_portrait(self, *_args: Any) -> None:
        portrait = self.height > self.width
        if portrait == self.portrait and self._arranged:
            return
        self.portrait = portrait
        self._arranged = True
        ids = self.ids
        # Landscape: results fill the left, the typing column (prompt, field,
        # filters, keyboard) stands on the right. Portrait: field and filters
        # on top, results in the middle, keyboard at the bottom in reach.
        for w in (ids.prompt, ids.field, ids.chip_row, ids.spacer, ids.keyboard, ids.heading, ids.results_area):
            if w.parent is not None:
                w.parent.remove_widget(w)
        if portrait:
            for w in (ids.field, ids.chip_row, ids.heading, ids.results_area):
                ids.main.add_widget(w)
            ids.side.add_widget(ids.keyboard)
        else:
            for w in (ids.heading, ids.results_area):
                ids.main.add_widget(w)
            for w in (ids.prompt, ids.field, ids.chip_row, ids.spacer, ids.keyboard):
                ids.side.add_widget(w)

    def _fit_column(self, *_args: Any) -> None:
        """Size the keyboard to the room the landscape typing column has.

        In accessibility mode the screen shrinks to the reach band; the
        column (prompt, field, filter chips, keyboard) must still fit below
        the top bar, or it would cover the top bar's buttons. The prompt
        line goes first, then the keys shrink, never below a touch target.
        """
        ids = self.ids
        theme = App.get_running_app().theme
        kb = ids.keyboard
        preferred = max(theme.target, dp(72) * theme.scale)
        self.column_width = preferred * 10 + kb.spacing * 9 + kb.padding[0] + kb.padding[2]
        if self.portrait:
            # In a portrait reach band the column of field, chips, heading,
            # results and keyboard is short: keys shrink (never below a
            # touch target) before the results lose their last whole row of
            # the shortest tiles (picture beside the text).
            body, main = ids.body, ids.main
            above = ids.field.height + ids.chip_row.height + ids.heading.height + main.spacing * 3
            row = dp(150) * theme.scale + theme.gap
            keys = kb.spacing * 4 + kb.padding[1] + kb.padding[3]
            room = (body.height - body.padding[1] - body.padding[3] - body.spacing - above - row - keys) / 5
            self.show_prompt = True
            self.key_size = max(theme.target, min(preferred, room))
            return
        side = ids.side
        # Five children, four gaps; the spacer takes what is left over.
        fixed = ids.field.height + ids.chip_row.height + side.spacing * 4 + kb.spacing * 4 + kb.padding[1] + kb.padding[3]
        with_prompt = (side.height - fixed - ids.prompt.texture_size[1]) / 5
        # Keys a little smaller are worth the prompt; much smaller are not.
        self.show_prompt = with_prompt >= max(theme.target, preferred * PROMPT_MIN_KEY_SHARE)
        room = with_prompt if self.show_prompt else (side.height - fixed) / 5
        self.key_size = max(theme.target, min(preferred, room))

    # --------------------------------------------------------------- chips

    def _chips(self, group: str) -> list[Chip]:
        return [c for c in self.ids.chips.children if isinstance(c, Chip) and c.group == f"search-{group}"]

    def _build_chips(self, *_args: Any) -> None:
        app = App.get_running_app()
        box = self.ids.chips
        box.clear_widgets()
        stock = Chip(text="In stock here", group="search-stock", value=True)
        stock.bind(state=self._on_chip)
        box.add_widget(stock)
        for band in PRICE_BANDS:
            chip = Chip(text=band.label(app.currency), group="search-band", value=band)
            chip.bind(state=self._on_chip)
            box.add_widget(chip)
        for cat in app.categories:
            chip = Chip(text=cat.name, group="search-category", value=cat.category_id)
            chip.bind(state=self._on_chip)
            box.add_widget(chip)
        for chip in box.children:
            chip.bind(width=self._chip_row_trigger)
        self._chip_row_trigger()
        self._select_category_chip(self.filters.category)

    def _measure_chip_row(self, *_args: Any) -> None:
        box = self.ids.chips
        widths = [c.width for c in box.children]
        self.chip_row_width = sum(widths) + box.spacing[0] * max(0, len(widths) - 1) + box.padding[0] + box.padding[2]

    def _select_category_chip(self, category: str | None) -> None:
        for chip in self._chips("category"):
            want = "down" if category is not None and chip.value == category else "normal"
            if chip.state != want:
                chip.state = want

    def _on_chip(self, *_args: Any) -> None:
        def selected(group: str) -> Any:
            return next((c.value for c in self._chips(group) if c.state == "down"), None)

        new = Filters(category=selected("category"), band=selected("band"), in_stock=bool(selected("stock")))
        if new != self.filters:
            self.filters = new
            self.search()

    # -------------------------------------------------------------- search

    def _on_text(self, _kb: Any, text: str) -> None:
        self.query = text
        self.search()

    def search(self) -> None:
        """Search for the current text and filters, off the UI thread (latest wins)."""
        app = App.get_running_app()
        engine = app.search_engine
        self._generation += 1
        self._pages_done.clear()
        self._pages_pending.clear()
        if self._pending_no_result is not None and self._pending_no_result != self.query.strip():
            self._pending_no_result = None
            self._record_trigger.cancel()
        if engine is None:
            self.searching = True  # shown as "One moment"; _on_ready searches again
            return
        self.searching = True
        gen = self._generation
        query = self.query.strip()
        context = (engine, self.filters, app.currency)
        first_page = self._take_ahead(query, context)
        if first_page is None:
            first_page = _FirstPage(query, context)
            self._lane.submit(
                first_page.fetch, engine, query, self.filters, app.currency,
                on_result=lambda result: self._show_results(gen, query, result),
                on_error=self._search_failed,
            )
        first_page.adopted = gen
        self._awaiting = (gen, query, first_page)
        self._same_frame_trigger()
        if not self._featured:
            self._load_featured(engine)

    # ------------------------------------------------------ search ahead
    #
    # A tap on a key lasts 60-120 ms, and the letter it types is known the
    # moment the finger lands. The search for the text the lift will type
    # starts then, on a lane of its own, and the text of the tiles it will
    # show is rendered while the finger is still down; the lift's frame then
    # only applies a ready page (docs/benchmarks-ui-screens.md, session 9).
    # A finger that slides off its key types nothing (or another letter),
    # and the page asked for is simply not used. Nothing of a page that was
    # not adopted reaches the screen or the no-results record.

    def _search_ahead(self, _kb: Any, text: str) -> None:
        """A finger landed on a key: search for the text its lift will type."""
        app = App.get_running_app()
        engine = app.search_engine
        query = text.strip()
        if engine is None or query == self.query.strip():
            return  # nothing to search, or the lift will search what is shown
        pending = self._ahead
        if pending is not None and pending.adopted is not None and not pending.delivered:
            return  # a lifted key's page is still on this lane: a newer request would drop it
        page = _FirstPage(query, (engine, self.filters, app.currency))
        self._ahead = page
        self._ahead_lane.submit(
            page.fetch, engine, query, self.filters, app.currency,
            on_result=lambda result: self._ahead_arrived(page, result),
            on_error=lambda exc: self._ahead_failed(page, exc),
        )

    def _take_ahead(self, query: str, context: tuple[Any, ...]) -> _FirstPage | None:
        """The page searched ahead for exactly this query, filters and catalog, if any."""
        page = self._ahead
        if page is None or page.adopted is not None or page.query != query or page.context != context:
            return None
        return page

    def _forget_ahead(self) -> None:
        self._ahead_lane.cancel()
        self._ahead = None

    def _ahead_arrived(self, page: _FirstPage, result: Any) -> None:
        page.delivered = True
        if page.adopted is not None:
            self._show_results(page.adopted, page.query, result)
        elif page is self._ahead:
            self._warm_tiles(result)

    def _ahead_failed(self, page: _FirstPage, exc: BaseException) -> None:
        page.delivered = True
        if page.adopted is not None and page.adopted == self._generation:
            self._search_failed(exc)
        else:
            log.debug("search ahead for %r failed", page.query, exc_info=(type(exc), exc, exc.__traceback__))

    def _warm_tiles(self, result: Any) -> None:
        """Render the text of the tiles ``result`` will fill, before it is shown."""
        views = self.ids.grid.view_adapter.views
        tile = next((view for view in views.values() if isinstance(view, ProductCard)), None)
        if tile is None:
            return
        # The tiles in view now are the ones the results will refill (the
        # grid goes back to the top); all of them are the same size.
        for hit in result.hits[: len(views)]:
            tile.warm(card_data(hit))

    def _search_failed(self, exc: BaseException) -> None:
        log.error("search failed", exc_info=(type(exc), exc, exc.__traceback__))
        self.searching = False
        self.heading = "Search is not available right now. Please ask a colleague."

    def _show_if_ready(self, *_args: Any) -> None:
        """Right before the frame: show the newest query's results if they are (nearly) there."""
        awaiting, self._awaiting = self._awaiting, None
        if awaiting is None:
            return
        gen, query, first_page = awaiting
        if gen != self._generation:
            return
        result = first_page.wait(SAME_FRAME_WAIT_S)
        if result is not None:
            self._show_results(gen, query, result)

    def _show_results(self, gen: int, query: str, result: Any) -> None:
        if gen != self._generation:
            return  # filters changed after this request left; a newer one is coming
        if gen == self._shown_generation:
            return  # already drawn in the key press's frame (_show_if_ready)
        self._shown_generation = gen
        self.searching = False
        grid = self.ids.grid
        cards = [card_data(hit) for hit in result.hits]
        size = max(len(cards), min(result.total, MAX_GRID))
        # List repetition of one shared dict: 10,000 skeletons cost ~0.1 ms.
        grid.data = cards + [SKELETON] * (size - len(cards))
        grid.scroll_y = 1
        self._pages_done = set(range((len(cards) + PAGE_SIZE - 1) // PAGE_SIZE)) if cards else set()
        self._pages_pending = set()
        self.total = result.total
        self.shown_query = query
        found = bool(result.hits)
        self.nothing_found = not found and bool(query or self._has_filters())
        if found and query:
            noun = "result" if result.total == 1 else "results"
            more = "+" if result.total > MAX_GRID else ""
            self.heading = f"{min(result.total, MAX_GRID):,}{more} {noun} for \u201c{query}\u201d"
        elif found and self._has_filters():
            self.heading = f"{result.total:,} products"
        elif found:
            self.heading = "Popular right now"
        else:
            self.heading = ""
        self._show_nothing_found(query, list(getattr(result, "suggestions", []) or []),
                                 int(getattr(result, "corrections", 0) or 0))
        if not found and query and query not in self._recorded:
            self._pending_no_result = query
            self._record_trigger()
        self.results_drawn += 1
        self.dispatch("on_results", result)
        self._scroll_trigger()

    def _has_filters(self) -> bool:
        f = self.filters
        return bool(f.category or f.band or f.in_stock)

    def on_results(self, result: Any) -> None:
        """Default handler of ``on_results``."""

    # --------------------------------------------------------- nothing found

    def _show_nothing_found(self, query: str, suggestions: list[str], corrections: int) -> None:
        panel = self.ids.nothing
        boxes = (panel.ids.suggestions, panel.ids.browse)
        for box in boxes:
            box.clear_widgets()
        if not self.nothing_found:
            return
        if query:
            panel.title = f"We couldn\u2019t find \u201c{query}\u201d"
        else:
            panel.title = "Nothing matches these filters"
        # Corrections first ("Did you mean"), then categories to look around in.
        groups = (suggestions[:corrections], suggestions[corrections:][:MAX_BROWSE])
        panel.has_suggestions = bool(groups[0])
        panel.has_browse = bool(groups[1])
        for box, texts in zip(boxes, groups):
            for text in texts:
                chip = TapChip(text=text, value=text)
                chip.bind(on_release=self._use_suggestion)
                box.add_widget(chip)
        self._fill_featured()

    def _use_suggestion(self, chip: TapChip) -> None:
        self.ids.keyboard.text = chip.value

    def clear_filters(self) -> None:
        """Unselect every filter chip (the "nothing found" panel offers it)."""
        for chip in self._chips("band") + self._chips("stock") + self._chips("category"):
            chip.state = "normal"

    def _load_featured(self, engine: Any) -> None:
        app = App.get_running_app()
        run_in_background(_search_page, engine, "", Filters(), app.currency, 0, 4,
                          on_result=self._featured_loaded)

    def _featured_loaded(self, result: Any) -> None:
        self._featured = [card_data(hit) for hit in result.hits]
        if self.nothing_found:
            self._fill_featured()

    def _fill_featured(self) -> None:
        row = self.ids.nothing.ids.featured
        row.clear_widgets()
        for data in self._featured:
            card = ProductCard(**data)
            row.add_widget(card)

    def _record_no_result(self, *_args: Any) -> None:
        query = self._pending_no_result
        self._pending_no_result = None
        if not query or query in self._recorded:
            return
        self._recorded.add(query)
        f = self.filters
        App.get_running_app().record_event(
            analytics.SEARCH_NO_RESULTS,
            {"query": query, "category": f.category or "", "in_stock": f.in_stock,
             "price": f.band.label(App.get_running_app().currency) if f.band else ""},
        )

    # -------------------------------------------------------------- paging
    #
    # The grid holds one entry per result from the start (skeleton tiles for
    # pages not fetched yet), so the scroll bar is honest and the content
    # never jumps when a page arrives. Pages are fetched for the rows in
    # view and one screen either side, each on a worker.

    def _visible_range(self) -> tuple[int, int]:
        grid = self.ids.grid
        lm = grid.layout_manager
        cols = max(1, int(grid.cols))
        row_h = max(1.0, grid.tile_height + (lm.spacing[1] if lm is not None else 0))
        content = lm.height if lm is not None else 0
        viewport = max(1.0, grid.height)
        top = (1.0 - grid.scroll_y) * max(0.0, content - viewport)
        first_row = int(top // row_h)
        rows = int(viewport // row_h) + 2
        ahead = int(rows * PREFETCH_SCREENS)
        # A screen's worth either way: the customer may scroll back up, too.
        return max(0, (first_row - ahead) * cols), (first_row + rows + ahead) * cols

    def _maybe_load_more(self, *_args: Any) -> None:
        grid = self.ids.grid
        count = len(grid.data)
        if count == 0 or self.searching:
            return
        app = App.get_running_app()
        engine = app.search_engine
        if engine is None:
            return
        first, last = self._visible_range()
        last = min(last, count - 1)
        gen = self._generation
        for page in range(first // PAGE_SIZE, last // PAGE_SIZE + 1):
            if page in self._pages_done or page in self._pages_pending:
                continue
            self._pages_pending.add(page)
            run_in_background(
                _search_page, engine, self.shown_query, self.filters, app.currency, page * PAGE_SIZE, PAGE_SIZE,
                on_result=lambda result, page=page: self._page_loaded(gen, page, result),
                on_error=lambda exc, page=page: self._page_failed(gen, page, exc),
            )

    def _page_failed(self, gen: int, page: int, exc: BaseException) -> None:
        log.error("loading results page %d failed", page, exc_info=(type(exc), exc, exc.__traceback__))
        if gen == self._generation:
            self._pages_pending.discard(page)

    def _page_loaded(self, gen: int, page: int, result: Any) -> None:
        if gen != self._generation:
            return  # the customer typed on; this page belongs to an older query
        self._pages_pending.discard(page)
        self._pages_done.add(page)
        grid = self.ids.grid
        start = page * PAGE_SIZE
        cards = [card_data(hit) for hit in result.hits][: max(0, len(grid.data) - start)]
        if cards:
            grid.data[start:start + len(cards)] = cards
        if len(cards) < PAGE_SIZE and start + len(cards) < len(grid.data):
            # The catalog shrank under us (a sync): drop the skeletons past the end.
            del grid.data[start + len(cards):]
            self.total = len(grid.data)
