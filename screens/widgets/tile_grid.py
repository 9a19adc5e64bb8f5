"""A RecycleView layout for equal tiles in rows, whose cost does not grow with the data.

Kivy's ``RecycleGridLayout`` supports tiles of any size, so on every change
of ``RecycleView.data`` (a new query, a page of results arriving) it walks
every item: one options dict per item, then row and column sizes over all
of them. With the 10,000 tiles of a broad search that is tens of
milliseconds on the UI thread for each keystroke and each page loaded
while scrolling.

Search results are all the same size, so the position of tile ``i`` is
arithmetic: ``TileGridLayout`` computes it when a tile comes into view and
keeps nothing per item. A data change costs what the visible tiles cost.

Usage in kv (inside a RecycleView)::

    TileGridLayout:
        cols: 3
        tile_height: dp(400)
        spacing: dp(12)
        padding: 0, 0, dp(16), dp(12)
        size_hint_y: None
        height: self.minimum_height
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from kivy.properties import BoundedNumericProperty, NumericProperty, VariableListProperty
from kivy.uix.recyclelayout import RecycleLayout


class _TileOptions(Sequence[dict[str, Any]]):
    """``RecycleLayout.view_opts`` for equal tiles: each item's options, computed on access."""

    def __init__(self, layout: TileGridLayout) -> None:
        self._layout = layout

    def __len__(self) -> int:
        return self._layout._count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        count = self._layout._count
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(index)
        lay = self._layout
        w, h = lay._tile_size
        x, y = lay.tile_pos(index)
        # The keys RecycleLayout reads (see RecycleLayout.compute_sizes_from_data).
        return {
            "size": [w, h], "size_hint": [None, None], "size_hint_min": [None, None],
            "size_hint_max": [None, None], "pos": (x, y), "pos_hint": {},
            "viewclass": lay.viewclass, "width_none": False, "height_none": False,
        }

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self[i] for i in range(len(self)))


class TileGridLayout(RecycleLayout):
    """Equal tiles, ``cols`` per row, filled left to right and top to bottom."""

    cols = BoundedNumericProperty(1, min=1)
    """Tiles per row."""

    tile_height = NumericProperty(100)
    """Height of every tile in pixels (the width follows from ``cols``)."""

    spacing = VariableListProperty([0, 0], length=2)
    """Horizontal and vertical gap between tiles."""

    padding = VariableListProperty([0, 0, 0, 0])
    """Padding left, top, right, bottom."""

    minimum_height = NumericProperty(0)
    """Height that holds every row; bind ``height`` to it."""

    def __init__(self, **kwargs: Any) -> None:
        self._count = 0
        self._tile_size = (0.0, 0.0)
        self._geometry: tuple[Any, ...] = ()
        super().__init__(**kwargs)
        self.view_opts = _TileOptions(self)
        # RecycleLayout turns _trigger_layout into "ask the RecycleView for a
        # new layout pass"; a change of geometry needs one.
        for name in ("cols", "tile_height", "spacing", "padding", "size"):
            self.fbind(name, self._trigger_layout)

    # ------------------------------------------------------------ geometry

    def _row_pitch(self) -> float:
        return self._tile_size[1] + self.spacing[1]

    def tile_pos(self, index: int) -> tuple[float, float]:
        """Bottom-left corner of tile ``index`` in this layout's coordinates."""
        cols = int(self.cols)
        row, col = divmod(index, cols)
        w, h = self._tile_size
        left, top = self.padding[0], self.padding[1]
        x = self.x + left + col * (w + self.spacing[0])
        y = self.top - top - h - row * self._row_pitch()
        return x, y

    def _rows_between(self, y_low: float, y_high: float) -> tuple[int, int]:
        """First and last row that overlap the band ``y_low``..``y_high`` (layout coordinates)."""
        pitch = max(1e-6, self._row_pitch())
        top_edge = self.top - self.padding[1]
        first = int((top_edge - y_high) // pitch)
        last = int((top_edge - y_low) // pitch)
        return max(0, first), last

    # ------------------------------------------- RecycleLayout protocol

    def compute_sizes_from_data(self, data: Any, flags: Any) -> None:
        # Nothing per item to compute. Any data change (a new query, a page
        # filled in) may change what a visible or cached view shows: hand
        # them all back to the adapter, as RecycleLayout does; that costs
        # the visible tiles, never the whole list.
        self._count = len(data)
        self.clear_layout()

    def compute_layout(self, data: Any, flags: Any) -> None:
        self._size_needs_update = False
        self._count = n = len(data)
        cols = int(self.cols)
        left, top, right, bottom = self.padding
        gap_x, gap_y = self.spacing
        width = max(0.0, (self.width - left - right - gap_x * (cols - 1)) / cols)
        size = (width, float(self.tile_height))
        self._tile_size = size
        rows = (n + cols - 1) // cols
        self.minimum_height = top + bottom + rows * size[1] + max(0, rows - 1) * gap_y if rows else top + bottom
        # Tiles are placed from the top edge; when the geometry changed (new
        # width, column count, or a new height after the count changed),
        # every visible view moves. Views stay with their items (no data
        # refresh), only their position and size are set again.
        geometry = (size, cols, self.x, self.top, left, top, gap_x, gap_y)
        if geometry != self._geometry:
            self._geometry = geometry
            self.remove_views()

    def compute_visible_views(self, data: Any, viewport: Any) -> range:
        n = len(data)
        if not n or self._tile_size[1] <= 0:
            return range(0)
        _x, y, _w, h = viewport
        first, last = self._rows_between(y, y + h)
        cols = int(self.cols)
        return range(min(n, first * cols), min(n, (last + 1) * cols))

    def get_view_index_at(self, pos: Any) -> int:
        x, y = pos
        cols = int(self.cols)
        row, _ = self._rows_between(y, y)
        pitch_x = self._tile_size[0] + self.spacing[0]
        col = int((x - self.x - self.padding[0]) // pitch_x) if pitch_x > 0 else 0
        return min(max(0, self._count - 1), row * cols + min(cols - 1, max(0, col)))

    def do_layout(self, *_args: Any) -> None:
        """Views are placed by the RecycleView's refresh passes, not here."""
