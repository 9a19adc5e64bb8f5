"""Scene: a styled room with tappable hotspots on its products, and "Add the whole look".

The scene is read on a worker (``kiosk.scenes.get_scene``); hotspots sit on
the hero image where staff placed them (fractions of the image, origin
top-left), mapped onto the picture as actually drawn: the image keeps its
aspect ratio, so on a screen of another shape it is letter-boxed and the
hotspots move with it (:func:`screens.widgets.hotspot.drawn_rect`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

import screens.widgets.async_image  # noqa: F401  (CatalogImage)
import screens.widgets.hotspot  # noqa: F401
from screens.base import KioskScreen
from screens.widgets.hotspot import Hotspot, drawn_rect, hotspot_center
from screens.workers import LatestWins, run_in_background

log = logging.getLogger(__name__)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

#: How long the "added" confirmation stays on the button.
ADDED_FEEDBACK_S = 3.0


@dataclass(frozen=True, slots=True)
class LookLine:
    """One product of a look and the variant "Add the whole look" adds (None: cannot be bought)."""

    product_id: str
    name: str
    variant_id: str | None


def look_variants(engine: Any, product_ids: list[str]) -> list[LookLine]:
    """The variant to add for each product of a look (runs on a worker).

    The first variant on the shelf here wins, else the first sold online;
    a product that can be had neither way is reported with ``variant_id``
    None so the customer can be told.
    """
    from kiosk.catalog import get_product

    out: list[LookLine] = []
    for pid in product_ids:
        detail = get_product(engine, pid)
        if detail is None or not detail.variants:
            continue
        v = detail.default_variant
        buyable = v.stock_store > 0 or v.online_available
        out.append(LookLine(pid, detail.name, v.id if buyable else None))
    return out


class SceneProductRow(ButtonBehavior, BoxLayout):
    """A product of the scene in the list beside the picture; opens the product."""

    number = StringProperty("")
    """Matches the hotspot's number on the picture."""

    product_id = StringProperty("")
    """The product."""

    name = StringProperty("")
    """Product name (catalog text)."""

    detail = StringProperty("")
    """Brand or the stylist's note (catalog text)."""

    price_text = StringProperty("")
    """Formatted price."""

    stock_text = StringProperty("")
    """"In stock here", "Available online"..."""

    in_stock = BooleanProperty(False)
    """On the shelf here."""

    image_ref = StringProperty("")
    """Thumbnail."""

    def on_release(self) -> None:
        App.get_running_app().show_product(self.product_id)


class SceneScreen(KioskScreen):
    """One scene: picture with hotspots, its products, "Add the whole look"."""

    scene_id = StringProperty("")
    """The scene shown (or loading)."""

    scene = ObjectProperty(None, allownone=True)
    """The ``kiosk.scenes.SceneView`` once loaded."""

    loaded = BooleanProperty(False)
    """True once the scene's data is on screen."""

    portrait = BooleanProperty(False)
    """Taller than wide: picture above the list."""

    scene_title = StringProperty("")
    """Scene title (staff text, shown literally)."""

    subtitle = StringProperty("")
    """Scene subtitle."""

    product_count = NumericProperty(0)
    """Products in the look."""

    adding = BooleanProperty(False)
    """"Add the whole look" is on its way."""

    added_text = StringProperty("")
    """Confirmation after adding the look ("" when none)."""

    def __init__(self, **kwargs: Any) -> None:
        self._lane = LatestWins("scene")
        self._hotspots: list[Hotspot] = []
        self._added_reset = Clock.create_trigger(self._clear_added, ADDED_FEEDBACK_S)
        super().__init__(**kwargs)
        hero = self.ids.hero
        self._place_trigger = self._schedule_place
        hero.bind(pos=self._place_trigger, size=self._place_trigger, texture_size=self._place_trigger,
                  loaded=self._place_trigger, missing=self._place_trigger)
        self.bind(size=self._update_portrait)
        self._update_portrait()

    def _update_portrait(self, *_args: Any) -> None:
        self.portrait = self.height > self.width

    # ----------------------------------------------------------- lifecycle

    def prepare(self, scene_id: str = "", **_params: Any) -> None:
        """Show scene ``scene_id``; a skeleton until it is read."""
        self._clear()
        self.scene_id = scene_id
        self._load()

    def _load(self) -> None:
        app = App.get_running_app()
        if app.db is None or not self.scene_id:
            return
        from kiosk.scenes import get_scene

        sid = self.scene_id
        self._lane.submit(get_scene, app.db, sid, on_result=lambda view: self._show(sid, view),
                          on_error=self._failed)

    def reset(self) -> None:
        """Session over: forget the scene and any confirmation."""
        self._lane.cancel()
        self._clear()
        self.scene_id = ""

    def refresh(self) -> None:
        """The catalog changed: read the scene again (products may have come or gone)."""
        if self.scene_id and self.loaded:
            self._load()

    def screenshot_ready(self) -> bool:
        return self.loaded and (self.ids.hero.loaded or self.ids.hero.missing)

    def _clear(self) -> None:
        self._added_reset.cancel()
        self.scene = None
        self.loaded = False
        self.scene_title = self.subtitle = self.added_text = ""
        self.product_count = 0
        self.adding = False
        self.ids.hero.ref = ""
        self.ids.products.clear_widgets()
        for spot in self._hotspots:
            self.ids.hero_box.remove_widget(spot)
        self._hotspots = []

    def _failed(self, exc: BaseException) -> None:
        log.error("scene %r could not be loaded", self.scene_id, exc_info=(type(exc), exc, exc.__traceback__))
        App.get_running_app().show_notice("Sorry, we can\u2019t show that room right now", "Please ask a colleague.")

    def _show(self, scene_id: str, view: Any) -> None:
        if scene_id != self.scene_id:
            return
        if view is None:
            App.get_running_app().show_notice("That room idea is no longer on show", "Have a look at the others.")
            return
        self._clear()
        self.scene_id = scene_id
        self.scene = view
        self.scene_title = view.title
        self.subtitle = view.subtitle or ""
        self.ids.hero.ref = view.hero_image or ""
        numbers: dict[str, str] = {}
        for item in view.items:
            numbers.setdefault(item.product_id, str(len(numbers) + 1))
            spot = Hotspot(number=numbers[item.product_id], product_id=item.product_id, fx=item.x, fy=item.y)
            spot.bind(on_release=self._hotspot_tapped)
            self._hotspots.append(spot)
            self.ids.hero_box.add_widget(spot)
        box = self.ids.products
        notes = {}
        for item in view.items:
            if item.note and item.product_id not in notes:
                notes[item.product_id] = item.note
        for product in view.products:
            box.add_widget(SceneProductRow(
                number=numbers[product.product_id], product_id=product.product_id, name=product.name,
                detail=notes.get(product.product_id) or product.brand or "",
                price_text=product.price_text, stock_text=product.stock_text, in_stock=product.in_stock,
                image_ref=product.image_url or "",
            ))
        self.product_count = len(view.products)
        self.loaded = True
        self._place_trigger()

    # ------------------------------------------------------------ hotspots

    def _schedule_place(self, *_args: Any) -> None:
        self._place_hotspots()

    def _place_hotspots(self, *_args: Any) -> None:
        hero = self.ids.hero
        ready = hero.loaded or hero.missing
        tex = hero.texture_size if hero.loaded else (0, 0)
        rect = drawn_rect(tuple(hero.pos), tuple(hero.size), tuple(tex))
        for spot in self._hotspots:
            cx, cy = hotspot_center(spot.fx, spot.fy, rect)
            spot.center = (cx, cy)
            spot.opacity = 1 if ready else 0
            spot.disabled = not ready

    def hotspot(self, product_id: str) -> Hotspot | None:
        """The first hotspot of a product (tests use it)."""
        return next((s for s in self._hotspots if s.product_id == product_id), None)

    @property
    def hotspots(self) -> list[Hotspot]:
        """Every hotspot on the picture, in the scene's order."""
        return list(self._hotspots)

    def _hotspot_tapped(self, spot: Hotspot) -> None:
        App.get_running_app().show_product(spot.product_id)

    # -------------------------------------------------------------- the look

    def add_whole_look(self) -> None:
        """Add the first available variant of every product in the scene."""
        app = App.get_running_app()
        if self.scene is None or self.adding or app.db is None:
            return
        self.adding = True
        self.added_text = ""
        ids = [p.product_id for p in self.scene.products]
        sid = self.scene_id
        run_in_background(look_variants, app.db, ids, on_result=lambda lines: self._add_lines(sid, lines),
                          on_error=self._look_failed)

    def _look_failed(self, exc: BaseException) -> None:
        log.error("add the whole look failed", exc_info=(type(exc), exc, exc.__traceback__))
        self.adding = False
        App.get_running_app().show_notice("That did not work", "Please add the products one by one.")

    def _add_lines(self, scene_id: str, lines: list[LookLine]) -> None:
        if scene_id != self.scene_id:
            self.adding = False
            return
        app = App.get_running_app()
        buyable = [ln for ln in lines if ln.variant_id]
        missing = [ln for ln in lines if not ln.variant_id]
        if not buyable:
            self.adding = False
            app.show_notice("None of these can be bought right now", "A colleague can suggest alternatives.")
            return
        results: list[Any] = []

        def one_done(line: Any) -> None:
            results.append(line)
            if len(results) < len(buyable):
                return
            added = sum(1 for r in results if r is not None)
            self.adding = False
            self.added_text = f"Added {added} item{'s' if added != 1 else ''} to your cart"
            self._added_reset()
            if missing:
                app.show_notice("Some items are sold out",
                                "Not added: " + ", ".join(ln.name for ln in missing))

        for line in buyable:
            app.add_to_cart(line.variant_id, 1, on_done=one_done)

    def _clear_added(self, *_args: Any) -> None:
        self.added_text = ""
