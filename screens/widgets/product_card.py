"""A product tile for result grids and recommendation rows.

Used as a RecycleView ``viewclass``: every property below is a key of the
data dicts built by :func:`card_data`, so recycling a tile for another
product only swaps property values. Catalog text goes into plain labels
(``markup`` stays off), so a product called ``[b]x[/b]`` shows literally.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

import screens.widgets.async_image  # noqa: F401  (TileImage, the card's picture)
from kiosk.money import format_price

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


def card_data(hit: Any, note: str = "") -> dict[str, Any]:
    """The RecycleView data dict of one search hit (or anything hit-shaped).

    Args:
        hit: A ``kiosk.search.SearchHit`` or an object with the same fields.
        note: An extra line under the price, e.g. the reason of a recommendation.
    """
    in_stock = bool(getattr(hit, "in_stock", False))
    return {
        "product_id": hit.product_id,
        "name": hit.name,
        "brand": getattr(hit, "brand", "") or "",
        "price_text": format_price(hit.price_minor, hit.currency),
        "image_ref": getattr(hit, "image_url", "") or "",
        "in_stock": in_stock,
        "stock_text": "In stock here" if in_stock else "Available online",
        "note": note,
    }


class ProductCard(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    """A tappable tile: image, name, brand, price and a stock badge.

    Events:
        on_release: Inherited from ButtonBehavior; the grid opens the product.
    """

    product_id = StringProperty("")
    """The product this tile shows."""

    name = StringProperty("")
    """Product name (untrusted catalog text, shown as-is)."""

    brand = StringProperty("")
    """Brand line (untrusted catalog text)."""

    price_text = StringProperty("")
    """Formatted price, e.g. ``€899.00``."""

    image_ref = StringProperty("")
    """Image reference (``asset:`` or URL) loaded off the UI thread."""

    in_stock = BooleanProperty(False)
    """Whether this store has it on the shelf."""

    stock_text = StringProperty("")
    """Badge text under the price."""

    note = StringProperty("")
    """Optional extra line (recommendation reason)."""

    def refresh_view_attrs(self, rv: Any, index: int, data: dict[str, Any]) -> None:
        """Recycle this tile for ``data`` (RecycleView protocol)."""
        self.note = ""
        super().refresh_view_attrs(rv, index, data)
