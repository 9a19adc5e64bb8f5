"""A product tile for result grids and recommendation rows.

Used as a RecycleView ``viewclass``: every property below is a key of the
data dicts built by :func:`card_data`, so recycling a tile for another
product only swaps property values.

The tile is flat: one widget that draws its own background and text, plus
the picture (``TileImage``). No box layouts and no ``Label`` widgets: a
keystroke re-fills a dozen tiles, and laying out nested boxes and
re-rendering four labels per tile was most of the Python time between the
key and the frame. Text comes from :mod:`screens.widgets.text_textures`,
rendered once per text and reused, by Kivy's core label, which never
interprets markup: a product called ``[b]x[/b]`` shows literally.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any, NamedTuple

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, InstructionGroup, Line, Rectangle, RoundedRectangle
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.widget import Widget

import screens.widgets.async_image  # noqa: F401  (TileImage, the card's picture)
from kiosk.money import format_price
from screens.theme import DEFAULT_FONT, font_for
from screens.widgets.text_textures import line_height, text_texture

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

#: Theme properties a tile's drawing depends on.
THEME_PROPERTIES = (
    "high_contrast", "scale", "gap", "radius", "corner_segments", "font_s", "font_m", "font_l",
    "surface", "surface_alt", "text", "text_muted", "success", "accent", "border",
)
#: Lines a product name may take before it is shortened.
NAME_LINES = 2
#: Lines a note (the reason of a recommendation) may take.
NOTE_LINES = 2
#: A tile at least this many times as wide as it is tall shows its picture beside the text.
WIDE_TILE = 1.6


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


# Every tile alive, so that a theme change (accessibility mode) redraws
# them all. Weak: a module-level binding to the theme must not keep tiles
# of closed screens alive.
_live_cards: weakref.WeakSet[ProductCard] = weakref.WeakSet()


def _theme_changed(*_args: Any) -> None:
    for card in list(_live_cards):
        card.redraw()


def _watch_theme(theme: Any) -> None:
    """Redraw the tiles when ``theme`` changes (bound once per theme)."""
    if getattr(theme, "_product_cards_bound", False):
        return
    theme._product_cards_bound = True
    for prop in THEME_PROPERTIES:
        theme.fbind(prop, _theme_changed)


class _TileTexts(NamedTuple):
    """The textures of a tile's lines, each ``(texture or None, text as drawn)``."""

    note: tuple[Texture | None, str]
    price: tuple[Texture | None, str]
    stock: tuple[Texture | None, str]
    name: tuple[Texture | None, str]
    brand: tuple[Texture | None, str]


def _pad(theme: Any) -> float:
    """A tile's inner margin."""
    return theme.gap * 1.2


def _side_picture(theme: Any, w: float, h: float) -> float:
    """The picture's edge in a wide tile (picture beside the text)."""
    return max(0.0, min(h - 2 * _pad(theme), w * 0.42))


def _text_width(theme: Any, w: float, h: float) -> float:
    """The width of the text column of a ``w`` x ``h`` tile."""
    pad = _pad(theme)
    if w >= h * WIDE_TILE:
        return max(1.0, w - 3 * pad - _side_picture(theme, w, h))
    return max(1.0, w - 2 * pad)


def _tile_texts(theme: Any, width: float, name: str, brand: str, price_text: str, in_stock: bool,
                stock_text: str, note: str) -> _TileTexts:
    """The textures of a tile's text in a column ``width`` pixels wide (from the shared text cache)."""
    font_m, font_s, font_l = theme.font_m, theme.font_s, theme.font_l
    note_tex = text_texture(note, font_for(note), font_s, width=width, lines=NOTE_LINES) if note else (None, "")
    price = text_texture(price_text, DEFAULT_FONT, font_l, bold=True)
    # The stock line takes the room the price leaves on its row.
    room = width - (price[0].width if price[0] is not None else 0) - theme.gap / 2
    stock = text_texture(stock_text, DEFAULT_FONT, font_s, bold=in_stock, width=room) \
        if room > font_s else (None, "")
    return _TileTexts(
        note=note_tex,
        price=price,
        stock=stock,
        name=text_texture(name, font_for(name), font_m, bold=True, width=width, lines=NAME_LINES),
        brand=text_texture(brand, font_for(brand), font_s, width=width),
    )


class _Text:
    """One line (or two) of a tile's text: a tint and a textured rectangle."""

    def __init__(self, group: InstructionGroup) -> None:
        self.color = Color(1, 1, 1, 1)
        self.rect = Rectangle(size=(0, 0))
        group.add(self.color)
        group.add(self.rect)
        self.shown = ""

    def set(self, texture: Texture | None, shown: str, rgba: Any) -> tuple[int, int]:
        self.shown = shown
        self.color.rgba = rgba
        self.rect.texture = texture
        size = (texture.width, texture.height) if texture is not None else (0, 0)
        self.rect.size = size
        return size

    def place(self, x: float, y: float) -> None:
        # Whole pixels: the texture is sampled 1:1 with nearest filtering.
        self.rect.pos = (round(x), round(y))


class ProductCard(RecycleDataViewBehavior, ButtonBehavior, Widget):
    """A tappable tile: image, name, brand, price and a stock line.

    Events:
        on_release: Inherited from ButtonBehavior; opens the product.
    """

    product_id = StringProperty("")
    """The product this tile shows (empty: its page is still on its way)."""

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
    """Line beside the price."""

    note = StringProperty("")
    """Optional extra lines under the price (the reason of a recommendation)."""

    def __init__(self, **kwargs: Any) -> None:
        self._panel = InstructionGroup()
        self._shadow_color = Color(0, 0, 0, 0.05)
        self._shadow = RoundedRectangle(size=(0, 0))
        self._bg_color = Color(1, 1, 1, 1)
        # The panel in four pieces around the picture's box, which the
        # picture fills itself: its pixels are drawn once, not twice.
        self._bg_top = RoundedRectangle(size=(0, 0))
        self._bg_sides = (Rectangle(size=(0, 0)), Rectangle(size=(0, 0)))
        self._bg_bottom = RoundedRectangle(size=(0, 0))
        for instruction in (self._shadow_color, self._shadow, self._bg_color, self._bg_top, *self._bg_sides,
                            self._bg_bottom):
            self._panel.add(instruction)
        self._outline = InstructionGroup()  # high contrast only
        self._outline_line = Line(width=1.5)
        self._outline_color = Color(1, 1, 1, 1)
        self._outline.add(self._outline_color)
        self._outline.add(self._outline_line)
        self._texts = InstructionGroup()
        self._name, self._brand, self._price, self._stock, self._note = (_Text(self._texts) for _ in range(5))
        self._skeleton = InstructionGroup()  # placeholder bars while the page loads
        self._skeleton_color = Color(1, 1, 1, 1)
        self._skeleton_bars = (RoundedRectangle(size=(0, 0)), RoundedRectangle(size=(0, 0)))
        self._skeleton.add(self._skeleton_color)
        for bar in self._skeleton_bars:
            self._skeleton.add(bar)
        self._outline_on = self._skeleton_on = False
        self._redraw_trigger = Clock.create_trigger(self.redraw, -1)
        self._in_refresh = False
        super().__init__(**kwargs)
        self.canvas.before.add(self._panel)
        self.canvas.after.add(self._texts)  # after the picture (a child)
        for prop in ("pos", "size", "product_id", "name", "brand", "price_text", "in_stock",
                     "stock_text", "note"):
            self.fbind(prop, self._changed)
        self.fbind("state", self._paint_panel)
        _live_cards.add(self)
        app = App.get_running_app()
        if app is not None:
            _watch_theme(app.theme)
        self.redraw()

    @property
    def shown_name(self) -> str:
        """The product name as drawn (lines joined by ``\\n``; shortened with "…" if too long)."""
        return self._name.shown

    @property
    def name_texture(self) -> Texture | None:
        """The texture the name is drawn from."""
        return self._name.rect.texture

    def warm(self, data: dict[str, Any]) -> None:
        """Render now the text a tile of this size would draw for ``data`` (a :func:`card_data` dict).

        The textures land in the shared text cache, uploaded, so that the
        frame that shows ``data`` later only finds them: the search screen
        calls this for the results of a key while the finger is still on it.
        Nothing on screen changes.
        """
        app = App.get_running_app()
        if app is None or not data.get("product_id"):
            return
        theme = app.theme
        texts = _tile_texts(theme, _text_width(theme, self.width, self.height), data.get("name", ""),
                            data.get("brand", ""), data.get("price_text", ""), bool(data.get("in_stock")),
                            data.get("stock_text", ""), data.get("note", ""))
        for texture, _shown in texts:
            if texture is not None:
                # Kivy renders a new text texture's pixels at its first bind,
                # normally inside the frame's draw calls: bind it now instead.
                texture.bind()

    def refresh_view_attrs(self, rv: Any, index: int, data: dict[str, Any]) -> None:
        """Recycle this tile for ``data`` (RecycleView protocol): one redraw for all its fields."""
        self.note = ""
        self._in_refresh = True
        try:
            super().refresh_view_attrs(rv, index, data)
        finally:
            self._in_refresh = False
        # Drawn right before the frame, once, after refresh_view_layout has
        # also placed the tile (a recycled tile gets both, in that order).
        self._redraw_trigger()

    def refresh_view_layout(self, rv: Any, index: int, layout: Any, viewport: Any) -> None:
        """Place this tile (RecycleView protocol); drawn once with its data, before the frame."""
        self._in_refresh = True
        try:
            super().refresh_view_layout(rv, index, layout, viewport)
        finally:
            self._in_refresh = False
        self._redraw_trigger()

    def _changed(self, *_args: Any) -> None:
        if not self._in_refresh:
            self._redraw_trigger()

    def redraw(self, *_args: Any) -> None:
        """Lay out and draw the tile for its current size, data and theme."""
        self._redraw_trigger.cancel()
        app = App.get_running_app()
        if app is None:
            return
        theme = app.theme
        x, y = self.pos
        w, h = self.size
        radius = theme.radius * 1.3
        self._paint_panel()
        # The outline is drawn in high contrast only; elsewhere not at all
        # (even a transparent line costs its pixels on software OpenGL).
        if theme.high_contrast:
            self._outline_color.rgba = theme.border
            self._outline_line.rounded_rectangle = (x, y, w, h, radius)
        if theme.high_contrast != self._outline_on:
            self._outline_on = theme.high_contrast
            (self.canvas.after.add if self._outline_on else self.canvas.after.remove)(self._outline)
        box = self._layout(theme, x, y, w, h)
        self._place_panel(theme, x, y, w, h, radius, box)

    def _place_panel(self, theme: Any, x: float, y: float, w: float, h: float, radius: float,
                     box: tuple[float, float, float, float]) -> None:
        """The shadow and the panel around the picture's box ``(x, y, width, height)``."""
        segments = int(theme.corner_segments)
        square = (0, 0)
        round_ = (radius, radius)
        # The shadow shows only below the card: draw just that strip (the
        # bottom corners plus the offset), not a second card's worth of pixels.
        shadow = self._shadow
        shadow.segments = segments
        shadow.radius = [square, square, round_, round_]
        shadow.pos = (x, y - theme.gap / 4)
        shadow.size = (w, min(h, radius + theme.gap / 4))
        bx, by, bw, bh = box
        # Above the box: at least the corners' height (the picture, drawn
        # after, covers what reaches into its box).
        top_h = max(y + h - (by + bh), radius)
        top = self._bg_top
        top.segments = segments
        top.radius = [round_, round_, square, square]
        top.pos = (x, y + h - top_h)
        top.size = (w, top_h)
        # Beside the box, then everything below it.
        side_h = max(0.0, y + h - top_h - by)
        left, right = self._bg_sides
        left.pos, left.size = (x, by), (max(0.0, bx - x), side_h)
        right.pos, right.size = (bx + bw, by), (max(0.0, x + w - bx - bw), side_h)
        bottom = self._bg_bottom
        bottom.segments = segments
        bottom.radius = [square, square, round_, round_]
        bottom.pos = (x, y)
        bottom.size = (w, max(radius, by - y))

    def _paint_panel(self, *_args: Any) -> None:
        app = App.get_running_app()
        if app is not None:
            rgba = app.theme.surface_alt if self.state == "down" else app.theme.surface
            self._bg_color.rgba = rgba
            image = self.ids.get("image")
            if image is not None:
                image.backdrop = rgba  # the bars beside a picture are the panel's

    def _layout(self, theme: Any, x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        """Place the picture and the text.

        A tile is normally upright: the picture on top, taking the height
        the text leaves. A wide, short tile (the grid in a portrait reach
        band, where the results get little height) puts the picture beside
        the text instead, so both stay readable.

        Returns:
            The picture's box: ``(x, y, width, height)``.
        """
        pad = _pad(theme)
        gap = theme.gap / 2
        width = _text_width(theme, w, h)
        if w >= h * WIDE_TILE:
            side = _side_picture(theme, w, h)
            box = (x + pad, y + pad, side, side)
            left = x + 2 * pad + side
            name_top = self._place_texts(theme, left, y + pad, width, y + h - pad)
        else:
            left = x + pad
            name_top = self._place_texts(theme, left, y + pad, width, None)
            box = (left, name_top + gap, width, max(0.0, y + h - pad - name_top - gap))
        image = self.ids.get("image")
        if image is not None:
            image.pos = box[:2]
            image.size = box[2:]
        self._draw_skeleton(theme, not self.product_id, left, name_top, width, theme.font_m)
        return box

    def _place_texts(self, theme: Any, left: float, bottom: float, width: float, top: float | None) -> float:
        """The text column: note and price row up from ``bottom``, name and brand down from the name's top.

        Args:
            theme: The app's theme.
            left: The column's left edge.
            bottom: The column's bottom edge.
            width: The column's width.
            top: The name's top; ``None``: right above the brand and price
                row, with two name lines kept free (so that pictures above
                line up across a row).

        Returns:
            The top of the name.
        """
        gap = theme.gap / 2
        font_m, font_s, font_l = theme.font_m, theme.font_s, theme.font_l
        name_font, brand_font = font_for(self.name), font_for(self.brand)
        texts = _tile_texts(theme, width, self.name, self.brand, self.price_text, self.in_stock,
                            self.stock_text, self.note)
        if self.note:
            _w, nh = self._note.set(*texts.note, theme.accent)
            note_h = line_height(font_for(self.note), font_s) * NOTE_LINES
            self._note.place(left, bottom + note_h - nh)
            bottom += note_h + gap
        else:
            self._note.set(None, "", theme.accent)
        row_h = font_l * 1.4
        _pw, ph = self._price.set(*texts.price, theme.text)
        self._price.place(left, bottom + (row_h - ph) / 2)
        stock_color = theme.success if self.in_stock else theme.text_muted
        sw, sh = self._stock.set(*texts.stock, stock_color)
        self._stock.place(left + width - sw, bottom + (row_h - sh) / 2)
        bottom += row_h + gap

        if top is None:
            brand_h = max(line_height(brand_font, font_s), font_s * 1.3)
            top = bottom + brand_h + gap + line_height(name_font, font_m, True) * NAME_LINES
        _w, nh = self._name.set(*texts.name, theme.text)
        self._name.place(left, top - nh)
        _w, bh = self._brand.set(*texts.brand, theme.text_muted)
        # The brand follows the name's last line, however many it has.
        self._brand.place(left, top - (nh or line_height(name_font, font_m, True)) - bh)
        return top

    def _draw_skeleton(self, theme: Any, loading: bool, x: float, top: float, inner: float, font_m: float) -> None:
        """Grey bars where the name and brand will be, while the tile's page is on its way."""
        if loading != self._skeleton_on:
            self._skeleton_on = loading
            (self.canvas.after.add if loading else self.canvas.after.remove)(self._skeleton)
        if not loading:
            return
        self._skeleton_color.rgba = theme.surface_alt
        bar_h = font_m * 1.2
        for bar, share, offset in zip(self._skeleton_bars, (0.8, 0.45), (1, 2.6)):
            bar.segments = int(theme.corner_segments)
            bar.radius = [bar_h / 4]
            bar.pos = (x, top - bar_h * offset)
            bar.size = (inner * share, bar_h)
