"""Product and scene images loaded off the UI thread, with a placeholder first.

``CatalogImage`` takes a catalog image reference (``asset:demo/...`` or an
http(s) URL already in the image cache, see ``kiosk.images.resolve``). The
file is found, decoded and shrunk on a worker thread (Pillow); only the
upload of the finished pixels to a texture happens on the main thread.
Until then, and for images that are not available offline, a quiet
placeholder is drawn. Nothing the customer touches waits on disk.

Decodes start once the frame that shows the placeholders has been drawn,
on low-priority threads (``screens.workers``): with software OpenGL the
frame is drawn on the same two cores, and the customer is waiting for that
frame (their search results), not for the pictures a moment later. A tile
refilled before its decode started (the next keystroke) skips it.
Pictures decoded close together are shown together (:data:`BATCH_S`):
one frame for a page of tiles rather than one per picture; and not while
a finger is on a key of the on-screen keyboard (after the frame with that
letter's results instead).

Decoded textures are kept in a small LRU cache, so the attract loop and
going back and forth between screens do not decode the same files again,
and memory stays bounded over thousands of sessions.

Usage in kv::

    CatalogImage:
        ref: root.image_ref
        max_px: 800        # longest edge to decode at (memory)
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.image import Image

from kiosk.images import resolve
from screens.workers import (add_pending, after_this_frame, run_in_background, run_pending_jobs,
                             unless_a_key_is_held)

log = logging.getLogger(__name__)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

# Decoded textures kept for reuse, bounded by pixel bytes (software GL keeps
# textures in main memory): enough for the attract loop's heroes and a few
# screens of product images.
CACHE_BYTES = 48 * 1024 * 1024
_cache: OrderedDict[tuple[str, int], Texture] = OrderedDict()
_cache_bytes = 0
_cache_lock = threading.Lock()


def _decode(ref: str, cache_dir: Path | None, max_px: int) -> tuple[str, int, int, bytes, str] | None:
    """Find and decode an image on a worker thread: (path, w, h, pixels, colorfmt) or None."""
    from PIL import Image as PILImage

    path = resolve(ref, cache_dir)
    if path is None:
        return None
    with PILImage.open(path) as im:
        im.draft("RGB", (max_px, max_px))  # JPEG: decode at reduced size directly
        has_alpha = im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info)
        im = im.convert("RGBA" if has_alpha else "RGB")
        im.thumbnail((max_px, max_px))
        # Kivy textures start at the bottom row.
        im = im.transpose(PILImage.Transpose.FLIP_TOP_BOTTOM)
        fmt = "rgba" if has_alpha else "rgb"
        return str(path), im.width, im.height, im.tobytes(), fmt


#: Decoded pictures wait at most this long for the others decoding with them (s).
#: Each one shown is a frame of the whole window (15-25 ms on software
#: OpenGL): one per picture kept both cores drawing while a page decoded,
#: and a key tapped meanwhile waited for the frame in progress.
BATCH_S = 0.12
_in_flight = 0
_arrived: list[Any] = []
_batch_deadline: float | None = None  # when the waiting pictures are shown at the latest


def _show_arrived(_dt: float = 0.0) -> None:
    """Show every decoded picture that has arrived (main thread)."""
    global _batch_deadline
    _batch_deadline = None
    if _arrived:
        batch = _arrived[:]
        _arrived.clear()
        # Not while a finger is on a key (screens.workers.key_held): the letter's results come first.
        unless_a_key_is_held(lambda: run_pending_jobs(batch, "showing a decoded image"))


def _decode_started() -> None:
    global _in_flight
    _in_flight += 1
    add_pending(1)  # until shown (pending_count: screenshots wait for the pictures)


def _decode_arrived(show: Any) -> None:
    """Queue ``show()``: at once when no other decode is in flight, else within BATCH_S."""
    global _in_flight, _batch_deadline
    _in_flight = max(0, _in_flight - 1)
    _arrived.append(show)
    now = time.monotonic()
    if _in_flight == 0 or (_batch_deadline is not None and now >= _batch_deadline):
        # The last of the burst, or the wait is over (also if the clock event
        # was lost, e.g. to an app restart in the same process).
        _show_arrived()
    elif _batch_deadline is None:
        _batch_deadline = now + BATCH_S
        deadline = _batch_deadline

        def due(_dt: float) -> None:
            if _batch_deadline == deadline:  # not shown meanwhile
                _show_arrived()

        Clock.schedule_once(due, BATCH_S)


def _tex_bytes(tex: Texture) -> int:
    return tex.width * tex.height * (4 if tex.colorfmt == "rgba" else 3)


def clear_cache() -> None:
    """Forget every cached texture (after a sync replaced images)."""
    global _cache_bytes
    with _cache_lock:
        _cache.clear()
        _cache_bytes = 0


def cache_stats() -> tuple[int, int]:
    """(textures, bytes) held by the image cache."""
    with _cache_lock:
        return len(_cache), _cache_bytes


class CatalogImage(Image):
    """An image from the catalog, loaded in the background."""

    ref = StringProperty("")
    """Catalog image reference (``asset:...`` or an http(s) URL)."""

    max_px = NumericProperty(1024)
    """Longest edge to decode at; keep it near the displayed size."""

    loaded = BooleanProperty(False)
    """True once the real image is shown (False while the placeholder shows)."""

    missing = BooleanProperty(False)
    """True when the image is not available offline (the placeholder stays)."""

    def __init__(self, **kwargs: Any) -> None:
        self._seq = 0
        super().__init__(**kwargs)
        self.fbind("ref", self._load)
        self.fbind("max_px", self._load)
        self._load()

    def _load(self, *_args: Any) -> None:
        self._seq += 1
        seq = self._seq
        ref = self.ref
        max_px = int(self.max_px)
        self.loaded = False
        self.missing = False
        self.texture = None
        if not ref:
            self.missing = True
            return
        with _cache_lock:
            tex = _cache.get((ref, max_px))
            if tex is not None:
                _cache.move_to_end((ref, max_px))
        if tex is not None:
            self._show(tex)
            return
        app = App.get_running_app()
        cache_dir = app.config_obj.image_cache_dir if app is not None and hasattr(app, "config_obj") else None

        def start() -> None:
            if seq != self._seq:
                return  # refilled before the decode started: nothing to show it in
            _decode_started()
            run_in_background(
                _decode, ref, cache_dir, max_px,
                on_result=lambda res: _decode_arrived(lambda: self._decoded(seq, ref, max_px, res)),
                on_error=lambda exc: _decode_arrived(lambda: self._failed(seq, ref, exc)),
                low_priority=True,
            )

        # After this frame, and not while a finger is on a key: a decode
        # started then would take CPU from the frame of that key's results.
        after_this_frame(lambda: unless_a_key_is_held(start))

    def _decoded(self, seq: int, ref: str, max_px: int, res: tuple[str, int, int, bytes, str] | None) -> None:
        if seq != self._seq:
            return  # the widget shows another image by now
        if res is None:
            self.missing = True
            return
        _path, w, h, pixels, fmt = res
        tex = Texture.create(size=(w, h), colorfmt=fmt)
        tex.mag_filter = "linear"
        tex.blit_buffer(pixels, colorfmt=fmt, bufferfmt="ubyte")
        global _cache_bytes
        with _cache_lock:
            old = _cache.pop((ref, max_px), None)
            if old is not None:
                _cache_bytes -= _tex_bytes(old)
            _cache[(ref, max_px)] = tex
            _cache_bytes += _tex_bytes(tex)
            while _cache_bytes > CACHE_BYTES and len(_cache) > 1:
                _key, dropped = _cache.popitem(last=False)
                _cache_bytes -= _tex_bytes(dropped)
        self._show(tex)

    def _failed(self, seq: int, ref: str, exc: BaseException) -> None:
        if seq == self._seq:
            log.warning("image %r could not be loaded: %s", ref, exc)
            self.missing = True

    def _show(self, tex: Texture) -> None:
        self.texture = tex
        self.loaded = True


#: Tile pictures are decoded at their box's size rounded up to this (pixels).
TILE_PX_STEP = 32


class TileImage(CatalogImage):
    """A ``CatalogImage`` for result tiles: the whole image, and every pixel of its box drawn once.

    Kivy's ``Image`` draws through a stencil (two extra full-size passes, so
    that ``fit_mode: 'cover'`` can crop). A tile shows the whole image
    (``contain``): nothing to crop, so it draws one rectangle, the
    placeholder until the pixels arrive and the texture after. On software
    OpenGL every pass over the image's pixels is paid on each frame, for
    every tile on screen.

    The tile does not paint its background under the picture's box; the
    picture fills it, with bars in :attr:`backdrop` beside a picture of
    another shape (the tile's colour, so they do not show as bars).

    The picture is decoded at the size of its box (:attr:`max_px` follows
    it, in steps of :data:`TILE_PX_STEP`), not larger: at 1920x1080 a tile
    decodes, uploads and samples 320x320 pixels where it did 480x480, and a
    JPEG decodes at half or quarter scale directly.
    """

    backdrop = ColorProperty([0, 0, 0, 0])
    """Colour of the box around a picture narrower or flatter than it (transparent: not drawn)."""

    def __init__(self, **kwargs: Any) -> None:
        self._bar_color = Color(0, 0, 0, 0)
        self._bars = (Rectangle(size=(0, 0)), Rectangle(size=(0, 0)))
        super().__init__(**kwargs)
        self.canvas.before.add(self._bar_color)
        for bar in self._bars:
            self.canvas.before.add(bar)
        for prop in ("pos", "size", "norm_image_size", "loaded", "backdrop"):
            self.fbind(prop, self._place_bars)
        self.fbind("size", self._fit_max_px)
        self._fit_max_px()
        self._place_bars()

    def _fit_max_px(self, *_args: Any) -> None:
        # Rounded up to a step, so a box a pixel wider reuses the decoded texture.
        edge = max(self.width, self.height, 1)
        self.max_px = max(TILE_PX_STEP * 2, math.ceil(edge / TILE_PX_STEP) * TILE_PX_STEP)

    def _place_bars(self, *_args: Any) -> None:
        """The two bars between the box's edges and a picture of another shape (none without a picture)."""
        first, second = self._bars
        self._bar_color.rgba = self.backdrop
        if not self.loaded or self.backdrop[3] == 0:
            first.size = second.size = (0, 0)
            return
        (x, y), (w, h) = self.pos, self.size
        pw, ph = self.norm_image_size
        if w - pw >= h - ph:  # bars left and right
            side = max(0.0, (w - pw) / 2)
            first.pos, first.size = (x, y), (side, h)
            second.pos, second.size = (x + w - side, y), (side, h)
        else:  # bars below and above
            side = max(0.0, (h - ph) / 2)
            first.pos, first.size = (x, y), (w, side)
            second.pos, second.size = (x, y + h - side), (w, side)

