"""Product and scene images loaded off the UI thread, with a placeholder first.

``CatalogImage`` takes a catalog image reference (``asset:demo/...`` or an
http(s) URL already in the image cache, see ``kiosk.images.resolve``). The
file is found, decoded and shrunk on a worker thread (Pillow); only the
upload of the finished pixels to a texture happens on the main thread.
Until then, and for images that are not available offline, a quiet
placeholder is drawn. Nothing the customer touches waits on disk.

Decodes start once the frame that shows the placeholders has been drawn,
in helper processes at the lowest CPU priority (``kiosk.picture_decoder``):
with software OpenGL the frame is drawn on the same two cores, and the
customer is waiting for that frame (their search results), not for the
pictures a moment later. A process shares no GIL with the app, so a decode
starved of CPU never holds up the UI or the search thread. A tile refilled
before its decode started (the next keystroke) skips it.
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
from kivy.properties import BooleanProperty, ColorProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.image import Image

from kiosk.picture_decoder import Decoded, DecoderPool
from screens.workers import (add_pending, after_this_frame, main_thread_done, run_in_background,
                             run_pending_jobs, unless_a_key_is_held)

log = logging.getLogger(__name__)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

# Decoded textures kept for reuse, bounded by pixel bytes (software GL keeps
# textures in main memory): enough for the attract loop's heroes and a few
# screens of product images.
CACHE_BYTES = 48 * 1024 * 1024
_cache: OrderedDict[tuple[str, tuple[int, int]], Texture] = OrderedDict()
_cache_bytes = 0
_cache_lock = threading.Lock()
_decoders: DecoderPool | None = None


def decoder_pool() -> DecoderPool:
    """The app's picture decoder processes (started on first use; threads if processes cannot start)."""
    global _decoders
    if _decoders is None:
        _decoders = DecoderPool(fallback=lambda job: run_in_background(job, low_priority=True))
    return _decoders


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

    decode_box = ListProperty([1024, 1024])
    """``(width, height)`` in pixels the picture is decoded to fit (``max_px`` square here)."""

    loaded = BooleanProperty(False)
    """True once the real image is shown (False while the placeholder shows)."""

    missing = BooleanProperty(False)
    """True when the image is not available offline (the placeholder stays)."""

    def __init__(self, **kwargs: Any) -> None:
        self._seq = 0
        super().__init__(**kwargs)
        self.fbind("ref", self._load)
        self.fbind("max_px", self._fit_decode_box)
        self.fbind("decode_box", self._load)
        self._fit_decode_box()
        self._load()

    def _fit_decode_box(self, *_args: Any) -> None:
        side = max(1, int(self.max_px))
        self.decode_box = [side, side]

    def _load(self, *_args: Any) -> None:
        self._seq += 1
        seq = self._seq
        ref = self.ref
        box = (int(self.decode_box[0]), int(self.decode_box[1]))
        tex = None
        if ref:
            with _cache_lock:
                tex = _cache.get((ref, box))
                if tex is not None:
                    _cache.move_to_end((ref, box))
        if tex is not None:
            # Straight from one picture to the next: a recycled result tile
            # does not go through the placeholder (each step is a round of
            # property events and placing, for a dozen tiles per keystroke).
            self.missing = False
            self._show(tex)
            return
        self.loaded = False
        self.missing = False
        self.texture = None
        if not ref:
            self.missing = True
            return
        app = App.get_running_app()
        cache_dir = app.config_obj.image_cache_dir if app is not None and hasattr(app, "config_obj") else None

        def start() -> None:
            if seq != self._seq:
                return  # refilled before the decode started: nothing to show it in
            _decode_started()
            done = main_thread_done(
                on_result=lambda res: _decode_arrived(lambda: self._decoded(seq, ref, box, res)),
                on_error=lambda exc: _decode_arrived(lambda: self._failed(seq, ref, exc)))
            # Skipped if the tile shows another picture by the time a decoder is free.
            decoder_pool().submit(ref, str(cache_dir) if cache_dir else None, box, done,
                                  wanted=lambda: seq == self._seq)

        # After this frame, and not while a finger is on a key: a decode
        # started then would take CPU from the frame of that key's results.
        after_this_frame(lambda: unless_a_key_is_held(start))

    def _decoded(self, seq: int, ref: str, box: tuple[int, int], res: Decoded | None) -> None:
        if seq != self._seq:
            return  # the widget shows another image by now
        if res is None:
            self.missing = True
            return
        _path, w, h, pixels, fmt = res
        tex = Texture.create(size=(w, h), colorfmt=fmt)
        tex.min_filter = tex.mag_filter = "nearest" if self._drawn_as_decoded(box, w, h) else "linear"
        tex.blit_buffer(pixels, colorfmt=fmt, bufferfmt="ubyte")
        global _cache_bytes
        with _cache_lock:
            old = _cache.pop((ref, box), None)
            if old is not None:
                _cache_bytes -= _tex_bytes(old)
            _cache[(ref, box)] = tex
            _cache_bytes += _tex_bytes(tex)
            while _cache_bytes > CACHE_BYTES and len(_cache) > 1:
                _key, dropped = _cache.popitem(last=False)
                _cache_bytes -= _tex_bytes(dropped)
        self._show(tex)

    def _drawn_as_decoded(self, box: tuple[int, int], width: int, height: int) -> bool:
        """Whether a picture decoded to ``width`` x ``height`` for ``box`` is drawn texel for pixel."""
        return False  # scaled to the widget (fit_mode)

    def _failed(self, seq: int, ref: str, exc: BaseException) -> None:
        if seq == self._seq:
            log.warning("image %r could not be loaded: %s", ref, exc)
            self.missing = True

    def _show(self, tex: Texture) -> None:
        self.texture = tex
        self.loaded = True


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

    The picture is decoded to fit its box in whole pixels
    (:attr:`decode_box` follows the size) and drawn texel for pixel with
    nearest filtering: no scaling on each frame, the fewest texels to
    upload and sample (at 1920x1080 a square picture is 243x243 where it
    was decoded at 320x320 and shrunk by the GPU, i.e. by the CPU here),
    and the shrinking done once, by Pillow, with a better filter. A picture
    smaller than its box (a small source file) is scaled up as before.
    """

    backdrop = ColorProperty([0, 0, 0, 0])
    """Colour of the box around a picture narrower or flatter than it (transparent: not drawn)."""

    picture_pos = ListProperty([0, 0])
    """Where the picture is drawn (whole pixels within the tile)."""

    picture_size = ListProperty([0, 0])
    """The picture's size as drawn: the texture's own when decoded for this box."""

    def __init__(self, **kwargs: Any) -> None:
        self._bar_color = Color(0, 0, 0, 0)
        self._bars = (Rectangle(size=(0, 0)), Rectangle(size=(0, 0)))
        super().__init__(**kwargs)
        self.canvas.before.add(self._bar_color)
        for bar in self._bars:
            self.canvas.before.add(bar)
        # Placing the picture places the bars beside it; only their colour changes on its own.
        for prop in ("pos", "size", "texture", "loaded"):
            self.fbind(prop, self._place_picture)
        self.fbind("backdrop", self._place_bars)
        self.fbind("size", self._fit_decode_box)
        self._fit_decode_box()
        self._place_picture()

    def _fit_decode_box(self, *_args: Any) -> None:
        # Whole pixels, rounded down: the picture never spills over its box.
        box = [max(1, int(self.width)), max(1, int(self.height))]
        if list(self.decode_box) != box:
            self.decode_box = box

    def _drawn_as_decoded(self, box: tuple[int, int], width: int, height: int) -> bool:
        # Decoded to fit the box: it touches two of its sides (a picture
        # smaller than the box, from a small file, is scaled up instead).
        return width <= box[0] and height <= box[1] and (width >= box[0] - 1 or height >= box[1] - 1)

    def _place_picture(self, *_args: Any) -> None:
        tex = self.texture
        (x, y), (w, h) = self.pos, self.size
        if tex is None or not self.loaded:
            pos, size = [x, y], [w, h]
        else:
            tw, th = tex.size
            if self._drawn_as_decoded((int(w), int(h)), tw, th):
                pw, ph = float(tw), float(th)
            else:
                pw, ph = self.norm_image_size
            pos, size = [round(x + (w - pw) / 2), round(y + (h - ph) / 2)], [pw, ph]
        self.picture_pos, self.picture_size = pos, size
        self._place_bars()  # once, with both in place

    def _place_bars(self, *_args: Any) -> None:
        """The two bars between the box's edges and a picture of another shape (none without a picture)."""
        first, second = self._bars
        self._bar_color.rgba = self.backdrop
        if not self.loaded or self.backdrop[3] == 0:
            first.size = second.size = (0, 0)
            return
        (x, y), (w, h) = self.pos, self.size
        (px, py), (pw, ph) = self.picture_pos, self.picture_size
        if w - pw >= h - ph:  # bars left and right
            first.pos, first.size = (x, y), (max(0.0, px - x), h)
            second.pos, second.size = (px + pw, y), (max(0.0, x + w - px - pw), h)
        else:  # bars below and above
            first.pos, first.size = (x, y), (w, max(0.0, py - y))
            second.pos, second.size = (x, py + ph), (w, max(0.0, y + h - py - ph))
