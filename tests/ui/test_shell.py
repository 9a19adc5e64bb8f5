"""The kiosk shell on a real window: session, help, scanner, idle reset, errors, sync."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select, update

from kiosk import analytics
from kiosk.models import Event, Variant
from tests.ui.catalog import LITERAL_NAME, SOFA_GREEN, SOFA_GREEN_EAN, UNKNOWN_EAN
from screens.base import KioskScreen
from screens.registry import SCREENS
from tests.ui.conftest import settle, tap, type_keys, wait_for, wait_frames

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]


def events(app: Any, kind: str) -> list[dict[str, Any]]:
    with app.db.connect() as conn:
        return [row.payload for row in conn.execute(select(Event).where(Event.kind == kind))]


def topbar(app: Any) -> Any:
    return app.root.sm.current_screen.ids.topbar


async def start_session(app: Any) -> None:
    assert app.current_screen == "attract"
    await tap(app.root.sm.current_screen)
    await wait_for(lambda: app.current_screen == "home", what="home after touching attract")


def use_screens(app: Any, registry: Any) -> None:
    """Give the app ``registry`` (probe screens) in place of its own.

    The app builds its customer screens ahead while attract idles
    (``KioskApp._prebuild_screens``); any it built already are dropped, so
    that the probes stand in for them from now on.
    """
    app._registry = registry
    for name in registry.names:
        screen = app.get_screen(name)
        if screen is not None and type(screen) is not registry.screen_class(name):
            app.root.sm.remove_widget(screen)


async def test_full_collections_run_between_customers(kiosk_app: Any) -> None:
    import gc

    app = kiosk_app
    # Python's automatic full collection (~130 ms with a large catalog) must
    # not land on a customer's keystroke: the app runs one itself once warm
    # and after each customer, which resets the count that triggers it.
    await wait_for(lambda: app.get_screen("home") is not None, what="warm-up")
    await start_session(app)
    before = gc.get_stats()[2]["collections"]
    app.end_session()
    await wait_for(lambda: gc.get_stats()[2]["collections"] > before, timeout=5, what="a full collection")
    assert gc.get_freeze_count() == 0, "nothing is frozen (frozen objects dropped in cycles are never freed)"


async def test_every_customer_screen_is_built_while_attract_idles(kiosk_app: Any) -> None:
    from screens.app import PREBUILT_SCREENS

    app = kiosk_app
    # Built on first use, a screen holds up the first customer after a start
    # at the tap that first reaches it (search ~90 ms, cart ~80 ms here).
    await wait_for(lambda: app.warmed_up, timeout=10, what="the start-up work")
    assert all(app.get_screen(name) is not None for name in PREBUILT_SCREENS), "built ahead"
    assert app.current_screen == "attract", "built behind attract, nothing shown"
    assert set(PREBUILT_SCREENS) == {e.name for e in SCREENS} - {"attract"}, "every customer screen"
    await start_session(app)
    await tap(topbar(app).ids.cart_button)
    await wait_for(lambda: app.current_screen == "cart", what="the cart, already built")


async def test_touching_attract_starts_a_session_on_home(kiosk_app: Any) -> None:
    app = kiosk_app
    attract = app.root.sm.current_screen
    assert attract.name == "attract"
    assert attract.ids.touch_to_start.text == "Touch to start"
    assert attract.slide is not None  # the catalog's scenes are cycling
    await start_session(app)
    assert app.root.sm.current == "home"
    home = app.root.sm.current_screen
    assert len(home.ids.tiles.children) == 2  # one tile per active scene
    assert {b.text for b in home.ids.categories.children} == {"Furniture", "Kitchen"}
    await settle(app)
    assert events(app, analytics.SESSION_START)


async def test_need_help_records_request_and_reassures(kiosk_app: Any) -> None:
    app = kiosk_app
    await start_session(app)
    await tap(topbar(app).ids.help_button)
    await wait_for(lambda: [o for o in app.overlays if o.name == "help"], what="help notice")
    notice = app.overlays[-1]
    assert notice.title == "A colleague is on the way"
    await settle(app)
    assert events(app, analytics.HELP_REQUEST) == [{"screen": "home"}]
    await tap(notice.ids.ok_button)
    assert app.overlays == []


async def test_unknown_barcode_is_recorded_and_explained(kiosk_app: Any) -> None:
    app = kiosk_app
    await start_session(app)
    await type_keys(UNKNOWN_EAN)
    await wait_for(lambda: app.overlays, what="unknown-code notice")
    notice = app.overlays[-1]
    assert notice.title == "We couldn't find that item"
    assert UNKNOWN_EAN in notice.message
    await settle(app)
    assert events(app, analytics.UNKNOWN_BARCODE) == [{"query": UNKNOWN_EAN, "screen": "home"}]
    assert analytics.top_unmet_searches(app.db) == [(UNKNOWN_EAN, 1)]


class ProbeProductScreen(KioskScreen):
    """Stands in for the product screen (tested on its own) so this test checks the scanner's routing."""

    def prepare(self, **params: Any) -> None:
        self.prepared = params


async def test_known_barcode_opens_the_product_with_variant_selected(kiosk_app: Any) -> None:
    from screens.registry import SCREENS, ScreenEntry, ScreenRegistry

    pytest.importorskip("kiosk.lookup")
    app = kiosk_app
    entries = tuple(e for e in SCREENS if e.name != "product")
    use_screens(app, ScreenRegistry(entries + (ScreenEntry("product", __name__, "ProbeProductScreen"),)))
    await start_session(app)
    await type_keys(SOFA_GREEN_EAN)
    await wait_for(lambda: app.current_screen == "product", what="product screen after a scan")
    screen = app.root.sm.current_screen
    assert screen.prepared == {"product_id": "P-SOFA", "variant_id": SOFA_GREEN}
    assert events(app, analytics.UNKNOWN_BARCODE) == []


@pytest.mark.kiosk(**{"session.idle_timeout_s": 45.0, "session.idle_warning_s": 20.0})
async def test_idle_warning_extends_then_resets_everything(kiosk_app: Any) -> None:
    app = kiosk_app
    await start_session(app)
    app.add_to_cart(SOFA_GREEN, 2)
    await settle(app)
    assert app.cart_count == 2
    app.set_accessible(True)

    app.idle_clock.advance(15)  # 15 s idle: no warning yet
    await wait_frames(3)
    assert app._idle_warning is None
    app.idle_clock.advance(11)  # 26 s: within the last 20 s
    warning = await wait_for(lambda: app._idle_warning, what="the idle warning")
    await wait_for(lambda: 0 < warning.seconds_left <= 20, what="the countdown")
    await tap(warning.ids.still_here)
    assert app._idle_warning is None and warning.parent is None
    assert app.current_screen == "home" and app.cart_count == 2 and app.accessible

    app.idle_clock.advance(26)
    await wait_for(lambda: app._idle_warning, what="the idle warning, again")
    app.idle_clock.advance(20)
    await wait_for(lambda: app.current_screen == "attract", what="reset to attract")
    assert len(app.cart) == 0 and app.cart_count == 0
    assert app.root.sm.current == "attract"
    assert not app.accessible and not app.theme.high_contrast
    assert app.overlays == [] and not app.can_go_back

    # The next customer starts clean.
    await start_session(app)
    assert app.cart_count == 0 and len(app._history) == 1


def visible_buttons(root: Any) -> list[Any]:
    from kivy.uix.behaviors import ButtonBehavior

    found = []

    def walk(w: Any) -> None:
        if w.opacity == 0 or w.disabled:
            return
        if isinstance(w, ButtonBehavior) and w.width > 0 and w.height > 0:
            found.append(w)
        for child in w.children:
            walk(child)

    walk(root)
    return found


def window_span(w: Any) -> tuple[float, float] | None:
    """The part of ``w`` the customer can see, as window y from-to; None if scrolled out of view."""
    from kivy.uix.stencilview import StencilView

    _x0, y0 = w.to_window(w.x, w.y)
    _x1, y1 = w.to_window(w.right, w.top)
    parent = w.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, StencilView):  # ScrollView clips its content
            _px, py0 = parent.to_window(parent.x, parent.y)
            _px, py1 = parent.to_window(parent.right, parent.top)
            y0, y1 = max(y0, py0), min(y1, py1)
        parent = parent.parent
    return (y0, y1) if y1 - y0 > 1 else None


# Screen 800-1500 mm above the floor: only its lower 420 of 700 mm are in reach.
@pytest.mark.kiosk(**{"display.mount_bottom_mm": 800.0, "display.screen_height_mm": 700.0})
async def test_accessibility_mode_moves_every_control_into_the_reach_band(kiosk_app: Any) -> None:
    app = kiosk_app
    await start_session(app)
    band = app.reach()
    assert band.bottom_px == 0 and band.top_px == pytest.approx(app.root.height * 420 / 700)
    spans = [s for s in (window_span(b) for b in visible_buttons(app.root)) if s]
    assert any(top > band.top_px for _bottom, top in spans), "the top bar starts out of reach"
    font_before, target_before = app.theme.font_m, app.theme.target

    await tap(topbar(app).ids.access_button)
    assert app.accessible and app.theme.high_contrast
    assert app.theme.font_m > font_before and app.theme.target > target_before
    await wait_frames(3)
    for screen_state in ("home", "help"):
        if screen_state == "help":
            app.request_help()
            await wait_frames(3)
        buttons = [(b, window_span(b)) for b in visible_buttons(app.root)]
        buttons = [(b, span) for b, span in buttons if span]
        assert len(buttons) >= 5
        for b, (bottom, top) in buttons:
            assert band.contains(bottom, top), f"{b!r} ({getattr(b, 'text', '')}) at {bottom:.0f}-{top:.0f} px"
    app.dismiss_overlays()
    await tap(topbar(app).ids.access_button)
    assert not app.accessible and app.theme.font_m == font_before


async def test_touch_targets_are_at_least_15_mm(kiosk_app: Any) -> None:
    app = kiosk_app
    await start_session(app)
    app.request_help()
    await wait_frames(3)
    min_px = app.config_obj.display.min_target_mm / 25.4 * app.config_obj.display.dpi
    buttons = visible_buttons(app.root)
    assert len(buttons) >= 6
    for b in buttons:
        assert b.width >= min_px - 0.5 and b.height >= min_px - 0.5, f"{getattr(b, 'text', b)}: {b.size}"


async def test_catalog_text_is_shown_literally(kiosk_app: Any) -> None:
    from kivy.core.text import Label as CoreLabel

    app = kiosk_app
    attract = app.root.sm.current_screen
    await wait_for(lambda: attract.slide and attract.slide.title == LITERAL_NAME or attract.next_slide(),
                   what="the scene with the literal title")
    await wait_frames(2)
    label = attract.ids.scene_title
    assert label.text == LITERAL_NAME and not label.markup
    assert attract.ids.scene_subtitle.text == "%(x)s {name}"
    # Drawn as typed: as wide as the literal text, brackets and all (markup would draw "x {0} %s").
    core = CoreLabel(font_size=label.font_size, bold=True, font_name=label.font_name)
    drawn = max(line.w for line in label._label._cached_lines)
    assert drawn == pytest.approx(core.get_extents(LITERAL_NAME)[0], abs=2)
    assert drawn > core.get_extents("x {0} %s")[0] + 20

    await start_session(app)
    titles = [t.ids.title for t in app.root.sm.current_screen.ids.tiles.children]
    assert LITERAL_NAME in [t.text for t in titles]
    assert not any(t.markup for t in titles)


async def test_unexpected_exception_lands_on_home_calmly(kiosk_app: Any) -> None:
    from kivy.clock import Clock

    app = kiosk_app
    await start_session(app)
    app.add_to_cart(SOFA_GREEN, 1)
    await settle(app)

    def boom(_dt: float) -> None:
        raise RuntimeError("a bug in some screen")

    Clock.schedule_once(boom, 0)
    await wait_for(lambda: app.errors_handled == 1, what="the exception handler")
    await wait_for(lambda: app.overlays, what="the calm notice")
    assert app.current_screen == "home"
    assert "something went wrong" in app.overlays[-1].message
    assert "Traceback" not in app.overlays[-1].message
    assert app.cart_count == 1  # the customer's cart survives

    # An error raised by a touch handler is caught the same way.
    button = topbar(app).ids.access_button
    button.bind(on_release=lambda *_: 1 / 0)
    app.dismiss_overlays()
    await tap(button)
    await wait_for(lambda: app.errors_handled == 2, what="the second error")
    await wait_frames(2)
    assert app.current_screen == "home" and app.overlays
    await wait_frames(3)  # the app still draws frames


async def test_sync_reprices_cart_without_moving_the_customer(kiosk_app: Any) -> None:
    app = kiosk_app
    await start_session(app)
    app.add_to_cart(SOFA_GREEN, 2)
    await settle(app)
    assert app.cart.lines[0].unit_minor == 89900
    with app.db.begin() as conn:
        conn.execute(update(Variant).where(Variant.id == SOFA_GREEN).values(price_minor=79900))
    version = app.cart_version
    t = threading.Thread(target=app.catalog_changed, args=(object(),))  # as the sync worker does
    t.start()
    t.join()
    await wait_for(lambda: app.catalog_version == 1, what="the catalog refresh")
    await settle(app)
    assert app.cart.lines[0].unit_minor == 79900 and app.cart.lines[0].qty == 2
    assert app.cart_version > version
    assert app.current_screen == "home"


async def test_a_missing_screen_module_sends_the_customer_home(kiosk_app: Any) -> None:
    from screens.registry import SCREENS, ScreenEntry, ScreenRegistry

    app = kiosk_app
    await start_session(app)
    use_screens(app, ScreenRegistry(SCREENS + (ScreenEntry("ghost", "screens.no_such_module", "Ghost"),)))
    app._navigate("ghost", {})
    await wait_frames(2)
    assert app.current_screen == "home"
    assert app.overlays and app.overlays[-1].title == "That is not available right now"


async def test_chinese_catalog_text_gets_a_font_that_has_the_glyphs(kiosk_app: Any) -> None:
    from kivy.core.text import Label as CoreLabel

    from screens.theme import CJK_FONT, DEFAULT_FONT
    from screens.widgets.labels import CatalogLabel
    from tests.ui.catalog import CJK_NAME

    label = CatalogLabel(text=CJK_NAME)
    assert label.font_name == CJK_FONT
    label.texture_update()
    # Roboto draws every missing glyph as the same empty box; the CJK font draws
    # distinct characters, so the same text renders differently.
    cjk = CoreLabel(text=CJK_NAME, font_name=CJK_FONT, font_size=40)
    cjk.refresh()
    boxes = CoreLabel(text=CJK_NAME, font_name=DEFAULT_FONT, font_size=40)
    boxes.refresh()
    assert cjk.texture.pixels != boxes.texture.pixels or cjk.texture.size != boxes.texture.size
    assert label.texture is not None and label.texture.width > 0
    # A name that mixes scripts is drawn in that one font: its Latin letters
    # must be letters, not the boxes a font without them draws.
    mixed = CatalogLabel(text="茶 Tea")
    assert mixed.font_name == CJK_FONT
    mixed.texture_update()
    unknown = CatalogLabel(text="茶 \uffff\uffff\uffff")
    unknown.texture_update()
    assert mixed.texture.pixels != unknown.texture.pixels
    label.text = "Oslo sofa"
    assert label.font_name == DEFAULT_FONT


async def test_bold_chinese_catalog_text_is_drawn_bold(kiosk_app: Any) -> None:
    from screens.theme import CJK_FONT
    from screens.widgets.labels import CatalogLabel
    from screens.widgets.text_textures import text_texture

    def ink(texture: Any) -> int:
        return sum(texture.pixels[3::4])  # the alpha of every pixel: how much is drawn

    # The CJK font has no bold face: a scene title or tile name in it must
    # still stand out as bold beside the Roboto Bold ones.
    title = "茶 Tea time, East and West"
    regular, bold = CatalogLabel(text=title, font_size=40), CatalogLabel(text=title, font_size=40, bold=True)
    for label in (regular, bold):
        label.texture_update()
    assert ink(bold.texture) > 1.2 * ink(regular.texture)
    bold.text = "Oslo sofa"  # Roboto has its bold face: no outline
    assert bold.outline_width is None
    plain, _ = text_texture(title, CJK_FONT, 28)
    heavy, _ = text_texture(title, CJK_FONT, 28, bold=True)
    assert ink(heavy) > 1.2 * ink(plain)


async def test_new_catalog_text_is_drawn_from_a_new_texture_not_by_rewriting_the_last_one(kiosk_app: Any) -> None:
    """The search heading and query field change on every key: rewriting the texture the last
    frame drew makes software OpenGL finish the frame in progress first."""
    from screens.widgets.labels import CatalogLabel

    label = CatalogLabel(text="12 results for \u201csofa\u201d", size=(600, 40), text_size=(600, 40))
    label.texture_update()
    first = label.texture
    first_pixels = first.pixels
    label.text = "13 results for \u201csofas\u201d"  # same size: Kivy's Label would reuse the texture
    label.texture_update()
    assert label.texture is not first and label.texture.size == first.size
    assert first.pixels == first_pixels  # the texture drawn before was left as it was
    assert label.texture.pixels != first_pixels


class ProbeSearchScreen(KioskScreen):
    """Stands in for the search screen: counts how often it is prepared."""

    prepared_count = 0

    def prepare(self, **params: Any) -> None:
        self.prepared_count += 1
        self.prepared = params


async def test_back_returns_to_each_screen_as_the_customer_left_it(kiosk_app: Any) -> None:
    from screens.registry import SCREENS, ScreenEntry, ScreenRegistry

    app = kiosk_app
    entries = tuple(e for e in SCREENS if e.name not in ("product", "search"))
    use_screens(app, ScreenRegistry(entries + (ScreenEntry("product", __name__, "ProbeProductScreen"),
                                               ScreenEntry("search", __name__, "ProbeSearchScreen"))))
    await start_session(app)
    assert not topbar(app).ids.back_button.opacity  # nothing to go back to on home
    app.show_search(query="sofa")
    app.show_product("P-SOFA")
    app.show_product("P-LIT", "V-LIT")
    await wait_frames(2)
    assert app.root.sm.current_screen.prepared == {"product_id": "P-LIT", "variant_id": "V-LIT"}

    await tap(topbar(app).ids.back_button)
    assert app.current_screen == "product"
    assert app.root.sm.current_screen.prepared == {"product_id": "P-SOFA", "variant_id": None}
    await tap(topbar(app).ids.back_button)
    search = app.root.sm.current_screen
    assert app.current_screen == "search" and search.prepared_count == 1  # not re-run: results kept
    await tap(topbar(app).ids.back_button)
    assert app.current_screen == "home" and not app.can_go_back

    app.show_search(query="lamp")
    await tap(topbar(app).ids.home_button)
    assert app.current_screen == "home" and len(app._history) == 1
