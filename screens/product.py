"""Product: images to swipe, price, variant picker, where to find it, add to cart.

The product is read on a worker (``kiosk.catalog.get_product``) together
with its "Complete the look" recommendations; until they arrive the screen
shows a skeleton, so the tap that opened it is answered at once. Option
axes (Colour, Size, ...) are rows of large toggle chips; a tap selects a
variant through :class:`~screens.widgets.variant_choice.VariantChooser` and
updates price, stock, location, SKU/barcode and the picture.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

import screens.widgets.async_image  # noqa: F401  (CatalogImage)
import screens.widgets.chips  # noqa: F401
import screens.widgets.product_card  # noqa: F401
import screens.widgets.stepper  # noqa: F401
from kiosk.money import format_price
from screens.base import KioskScreen
from screens.widgets.async_image import CatalogImage
from screens.widgets.chips import Chip
from screens.widgets.product_card import ProductCard
from screens.widgets.variant_choice import VariantChooser
from screens.workers import LatestWins

log = logging.getLogger(__name__)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

#: How long "Added to your cart" stays on the button.
ADDED_FEEDBACK_S = 2.5
#: Recommendations shown under "Complete the look".
LOOK_LIMIT = 6


@dataclass
class ProductView:
    """What the screen needs of a product, read on a worker."""

    detail: Any
    looks: list[Any] = field(default_factory=list)


def load_product_view(engine: Any, product_id: str, store_id: str | None = None) -> ProductView | None:
    """The product and its recommendations, or None if it is gone (runs on a worker)."""
    from kiosk.catalog import get_product

    detail = get_product(engine, product_id)
    if detail is None:
        return None
    looks: list[Any] = []
    try:
        from kiosk.recommendations import complete_the_look

        looks = list(complete_the_look(engine, product_id, limit=LOOK_LIMIT, store_id=store_id))
    except Exception:  # noqa: BLE001 - recommendations are a bonus; the product still shows
        log.exception("complete the look failed for %r", product_id)
    return ProductView(detail, looks)


def stock_line(variant: Any) -> tuple[str, str]:
    """``(text, tone)`` of a variant's availability; tone is success, muted or danger.

    The words come from ``kiosk.catalog.availability`` ("In stock here: aisle
    12, bay B", "Only online", ...), so the kiosk says the same everywhere.
    """
    from kiosk.catalog import StockStatus, availability

    avail = getattr(variant, "availability", None)
    if avail is None:
        avail = availability(int(getattr(variant, "stock_store", 0) or 0), bool(getattr(variant, "online_available", False)),
                             getattr(variant, "aisle", "") or "", getattr(variant, "bay", "") or "")
    tone = {StockStatus.IN_STORE: "success", StockStatus.OUT_OF_STOCK: "danger"}.get(avail.status, "muted")
    return avail.text, tone


def look_card_data(rec: Any) -> dict[str, Any]:
    """The ProductCard data of one "Complete the look" recommendation."""
    product = getattr(rec, "product", rec)
    price_minor = getattr(product, "price_minor", None)
    currency = getattr(product, "currency", "") or App.get_running_app().currency
    price_text = getattr(product, "price_text", "") or (
        format_price(price_minor, currency) if price_minor is not None else "")
    reason = getattr(rec, "reason", "") or ""
    scene_title = getattr(rec, "scene_title", "") or getattr(getattr(rec, "scene", None), "title", "") or ""
    if not reason and scene_title:
        reason = "From \u201c" + scene_title + "\u201d"
    in_stock = bool(getattr(product, "in_stock", False))
    stock_text = getattr(product, "stock_text", "") or ("In stock here" if in_stock else "Available online")
    return {
        "product_id": str(getattr(product, "product_id", "") or getattr(product, "id", "")),
        "name": getattr(product, "name", ""),
        "brand": getattr(product, "brand", "") or "",
        "price_text": price_text,
        "image_ref": getattr(product, "image_url", "") or getattr(product, "image", "") or "",
        "in_stock": in_stock,
        "stock_text": stock_text,
        "note": reason,
    }


class OptionRow(BoxLayout):
    """One option axis: its name and a chip per value."""

    axis = StringProperty("")
    """The option's name, e.g. ``Colour`` (catalog text)."""


class ProductScreen(KioskScreen):
    """One product, ready to be added to the cart."""

    product_id = StringProperty("")
    """The product shown (or loading)."""

    loaded = BooleanProperty(False)
    """True once the product's data is on screen (False: skeleton)."""

    portrait = BooleanProperty(False)
    """Taller than wide: gallery above the details."""

    product_name = StringProperty("")
    """Product name (catalog text); ``name`` is the Screen's own."""

    brand = StringProperty("")
    """Brand (catalog text)."""

    description = StringProperty("")
    """Description (catalog text)."""

    price_text = StringProperty("")
    """The selected variant's price."""

    compare_text = StringProperty("")
    """The selected variant's compare-at price, struck through; empty if none."""

    stock_text = StringProperty("")
    """"In stock here: aisle 12, bay B", "Available online" or "Out of stock"."""

    stock_tone = StringProperty("muted")
    """success | muted | danger: the colour of :attr:`stock_text`."""

    code_text = StringProperty("")
    """SKU and barcode of the selected variant (small print, for staff)."""

    variant_id = StringProperty("")
    """The selected variant."""

    can_add = BooleanProperty(False)
    """Whether the selected variant can be added (in stock here or online)."""

    qty = NumericProperty(1)
    """Quantity to add."""

    added = BooleanProperty(False)
    """True for a moment after "Add to cart" worked (button feedback)."""

    adding = BooleanProperty(False)
    """An add is on its way."""

    images = ListProperty([])
    """The product's image references."""

    has_looks = BooleanProperty(False)
    """Whether "Complete the look" has anything to show."""

    chooser = ObjectProperty(None, allownone=True)
    """The :class:`VariantChooser` of the product shown."""

    def __init__(self, **kwargs: Any) -> None:
        self._lane = LatestWins("product")
        self._wanted_variant: str | None = None
        self._added_reset = Clock.create_trigger(self._clear_added, ADDED_FEEDBACK_S)
        super().__init__(**kwargs)
        self.title = ""
        self.bind(size=self._update_portrait)
        self._update_portrait()

    def _update_portrait(self, *_args: Any) -> None:
        self.portrait = self.height > self.width

    # ----------------------------------------------------------- lifecycle

    def prepare(self, product_id: str = "", variant_id: str | None = None, **_params: Any) -> None:
        """Show ``product_id`` (``variant_id`` preselected, e.g. from a scanned barcode)."""
        self._clear()
        self.product_id = product_id
        self._wanted_variant = variant_id
        self._load()

    def _load(self) -> None:
        app = App.get_running_app()
        if app.db is None or not self.product_id:
            return
        pid = self.product_id
        self._lane.submit(load_product_view, app.db, pid, app.config_obj.store.store_id,
                          on_result=lambda view: self._show(pid, view), on_error=self._failed)

    def reset(self) -> None:
        """Forget the product, selection and quantity (session over)."""
        self._lane.cancel()
        self._clear()
        self.product_id = ""

    def refresh(self) -> None:
        """The catalog changed: reload, keeping the selected variant and quantity."""
        if self.product_id and self.loaded:
            self._wanted_variant = self.variant_id or self._wanted_variant
            qty = self.qty
            self._load()
            self.qty = qty

    def screenshot_ready(self) -> bool:
        return self.loaded

    def on_pre_leave(self, *_args: Any) -> None:
        self.ids.scroll.scroll_y = 1

    def _clear(self) -> None:
        self._added_reset.cancel()
        self.loaded = False
        self.added = False
        self.adding = False
        self.product_name = self.brand = self.description = ""
        self.price_text = self.compare_text = self.stock_text = self.code_text = ""
        self.variant_id = ""
        self.can_add = False
        self.qty = 1
        self.images = []
        self.chooser = None
        self.has_looks = False
        ids = self.ids
        ids.options.clear_widgets()
        ids.looks.clear_widgets()
        ids.carousel.clear_widgets()
        ids.scroll.scroll_y = 1

    def _failed(self, exc: BaseException) -> None:
        log.error("product %r could not be loaded", self.product_id, exc_info=(type(exc), exc, exc.__traceback__))
        app = App.get_running_app()
        app.show_notice("Sorry, we can\u2019t show that product right now", "Please ask a colleague for help.")

    def _show(self, product_id: str, view: ProductView | None) -> None:
        if product_id != self.product_id:
            return
        app = App.get_running_app()
        if view is None:
            app.show_notice("That product is no longer in our catalog", "A colleague can help you find something similar.")
            return
        d = view.detail
        self.product_name = d.name
        self.brand = d.brand or ""
        self.description = d.description or ""
        variants = list(d.variants)
        self.images = list(getattr(d, "images", []) or [])
        carousel = self.ids.carousel
        carousel.clear_widgets()
        for ref in self.images or [""]:
            carousel.add_widget(CatalogImage(ref=ref, max_px=1200))
        if variants:
            axes = getattr(d, "option_axes", None) or getattr(d, "axes", None)
            axes = [a if isinstance(a, str) else getattr(a, "name", str(a)) for a in axes] if axes else None
            self.chooser = VariantChooser(variants, axes)
            if self._wanted_variant:
                self.chooser.select_id(self._wanted_variant)
            self._build_options()
            self._apply_variant()
        looks = self.ids.looks
        looks.clear_widgets()
        for rec in view.looks:
            data = look_card_data(rec)
            if data["product_id"] and data["product_id"] != product_id:
                card = ProductCard(**data, size_hint_x=None, width=dp(300) * app.theme.scale)
                looks.add_widget(card)
        self.has_looks = bool(looks.children)
        self.loaded = True

    # ------------------------------------------------------------ variants

    def _build_options(self) -> None:
        box = self.ids.options
        box.clear_widgets()
        chooser = self.chooser
        for axis in chooser.axes:
            values = chooser.values(axis)
            if len(values) < 2 and len(chooser.variants) < 2:
                continue  # nothing to choose: no row
            row = OptionRow(axis=axis)
            for value in values:
                chip = Chip(text=value, value=value, group=f"opt-{id(self)}-{axis}", allow_no_selection=False)
                chip.bind(on_release=lambda c, axis=axis: self.choose(axis, c.value))
                row.ids.value_box.add_widget(chip)
            box.add_widget(row)

    def choose(self, axis: str, value: str) -> None:
        """Select ``value`` on option ``axis`` (what a tap on its chip does)."""
        if self.chooser is None:
            return
        self.chooser.choose(axis, value)
        self.qty = 1
        self._apply_variant()

    def option_chip(self, axis: str, value: str) -> Chip | None:
        """The chip of one option value (tests and accessibility use it)."""
        for row in self.ids.options.children:
            if row.axis == axis:
                for chip in row.ids.value_box.children:
                    if chip.value == value:
                        return chip
        return None

    def _apply_variant(self) -> None:
        chooser = self.chooser
        v = chooser.selected
        self.variant_id = v.id
        self.price_text = format_price(v.price_minor, v.currency)
        cmp_minor = getattr(v, "compare_at_minor", None)
        self.compare_text = format_price(cmp_minor, v.currency) if cmp_minor and cmp_minor > v.price_minor else ""
        self.stock_text, self.stock_tone = stock_line(v)
        self.can_add = self.stock_tone != "danger"
        codes = list(getattr(v, "barcodes", []) or [])
        code = codes[0] if codes else ""
        code = getattr(code, "code", code)
        self.code_text = "SKU " + (v.sku or "") + (("  \u00b7  Barcode " + str(code)) if code else "")
        for row in self.ids.options.children:
            for chip in row.ids.value_box.children:
                chosen = chooser.value(row.axis) == chip.value
                chip.state = "down" if chosen else "normal"
                chip.dimmed = not chosen and not chooser.is_available(row.axis, chip.value)
        image = getattr(v, "image_url", "") or getattr(v, "image", "")
        if image and image in self.images:
            carousel = self.ids.carousel
            index = self.images.index(image)
            if index < len(carousel.slides) and carousel.index != index:
                carousel.index = index
        self.added = False

    # ---------------------------------------------------------------- cart

    def add_to_cart(self) -> None:
        """Add the selected variant in the chosen quantity."""
        if not self.variant_id or not self.can_add or self.adding:
            return
        self.adding = True
        App.get_running_app().add_to_cart(self.variant_id, int(self.qty), on_done=self._added)

    def _added(self, line: Any) -> None:
        self.adding = False
        if line is None:
            return
        self.added = True
        self._added_reset()

    def _clear_added(self, *_args: Any) -> None:
        self.added = False
