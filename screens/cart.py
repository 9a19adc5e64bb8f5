"""Cart: the customer's lines, quantities, total, and "Continue on my phone".

The cart lives in memory on the app (``app.cart``); this screen only shows
it and changes it through the app (``set_cart_qty``/``remove_from_cart``),
which keeps the top bar's badge in step. Line widgets are kept per variant
and updated in place when ``app.cart_version`` moves, so a tap on + does
not rebuild the list under the customer's finger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

import screens.widgets.async_image  # noqa: F401  (CatalogImage)
import screens.widgets.stepper  # noqa: F401
from kiosk.cart import MAX_QTY
from kiosk.money import format_price
from screens.base import KioskScreen, show_instead

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class CartLineView(BoxLayout):
    """One line: picture, name, variant, unit price, quantity, line total, remove."""

    variant_id = StringProperty("")
    """The variant of this line."""

    product_id = StringProperty("")
    """Its product (tap the name to open it)."""

    name = StringProperty("")
    """Product name (catalog text)."""

    variant_title = StringProperty("")
    """Variant title, e.g. ``Grey / 3-seat`` (catalog text)."""

    unit_text = StringProperty("")
    """Unit price, formatted."""

    total_text = StringProperty("")
    """Line total, formatted."""

    image_ref = StringProperty("")
    """Picture of the variant or product."""

    qty = NumericProperty(1)
    """Quantity (mirrors the cart)."""

    max_qty = NumericProperty(MAX_QTY)
    """The cart's per-line limit."""

    def update(self, line: Any) -> None:
        """Show ``line`` (a ``kiosk.cart.CartLine``)."""
        self.variant_id = line.variant_id
        self.product_id = line.product_id
        self.name = line.name
        self.variant_title = line.variant_title or ""
        self.unit_text = format_price(line.unit_minor, line.currency) + " each"
        self.total_text = format_price(line.total_minor, line.currency)
        self.image_ref = line.image_url or ""
        self.qty = line.qty

    def step(self, value: int) -> None:
        """The stepper changed the quantity."""
        App.get_running_app().set_cart_qty(self.variant_id, int(value))

    def remove(self) -> None:
        """Take this line out of the cart."""
        App.get_running_app().remove_from_cart(self.variant_id)


class CartScreen(KioskScreen):
    """What the customer is taking with them, and the way to their phone."""

    empty = BooleanProperty(True)
    """No lines: the friendly empty state shows."""

    portrait = BooleanProperty(False)
    """Taller than wide: the summary goes under the lines."""

    total_text = StringProperty("")
    """The cart total in the store currency."""

    count_text = StringProperty("")
    """"3 items"."""

    def __init__(self, **kwargs: Any) -> None:
        self._views: dict[str, CartLineView] = {}
        super().__init__(**kwargs)
        self.title = "Your cart"
        app = App.get_running_app()
        app.fbind("cart_version", self._sync)
        self.bind(size=self._update_portrait)
        # ids are weak references; widgets this screen takes out of the tree
        # and puts back (orientation, empty/nothing-found states) need a strong one.
        self._widgets = {name: proxy.__self__ for name, proxy in self.ids.items()}
        self._update_portrait()
        self._sync()
        self.on_empty(self, self.empty)

    def on_empty(self, _inst: Any, value: bool) -> None:
        """Show the empty-cart message instead of the lines (or back)."""
        body, empty = self.ids.body, self.ids.empty_state
        show_instead(self.ids.holder, *((empty, body) if value else (body, empty)))

    def _update_portrait(self, *_args: Any) -> None:
        self.portrait = self.height > self.width

    def prepare(self, **_params: Any) -> None:
        """Show the cart as it is now."""
        self._sync()
        self.ids.scroll.scroll_y = 1

    def reset(self) -> None:
        """The session ended: the app has emptied the cart; drop every line widget."""
        self.ids.lines.clear_widgets()
        self._views.clear()
        self._sync()

    def refresh(self) -> None:
        """Prices may have changed (the app repriced the cart): redraw."""
        self._sync()

    def line_view(self, variant_id: str) -> CartLineView | None:
        """The widget of one line (tests use it)."""
        return self._views.get(variant_id)

    def _sync(self, *_args: Any) -> None:
        app = App.get_running_app()
        cart = app.cart
        box = self.ids.lines
        lines = cart.lines
        wanted = [line.variant_id for line in lines]
        for vid in list(self._views):
            if vid not in wanted:
                box.remove_widget(self._views.pop(vid))
        for line in lines:
            view = self._views.get(line.variant_id)
            if view is None:
                view = CartLineView()
                self._views[line.variant_id] = view
                box.add_widget(view, index=0)  # BoxLayout draws children last-first: append at the bottom
            view.update(line)
        count = cart.item_count
        self.empty = count == 0
        self.count_text = f"{count} item" + ("" if count == 1 else "s")
        self.total_text = format_price(cart.total_minor, cart.currency)
