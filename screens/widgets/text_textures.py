"""Text rendered once into a texture and shared: the lines of product tiles.

Each keystroke on the search screen shows a new page of tiles, and most of
what they say was on screen a moment before: the same products for "sof"
and "sofa", the same brands, "In stock here". A Kivy ``Label`` renders its
text again whenever it changes (font lookup, a measurement per word,
shortening by trial, a new texture and its upload). With about 30 labels a
page, that was the largest Python cost of a keystroke. Here a text is
rendered once per (text, font, size, width, lines) and the texture is
reused from an LRU bounded in bytes (software OpenGL keeps textures in main
memory).

Text is drawn with Kivy's core label, which has no markup parser: catalog
text such as ``[b]x[/b] {0} %s`` shows literally. The texture is white;
the caller tints it with a ``Color`` instruction. Its edges are the text's
own (no transparent margin: on software OpenGL transparent pixels cost as
much as any), and it is sampled with nearest filtering, which is exact for
text drawn at its own size on whole pixels.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from kivy.core.text import Label as CoreLabel
from kivy.graphics.texture import Texture

from screens.theme import faux_bold_outline

#: Bytes of text textures kept for reuse: about 200 two-line product names
#: plus the short lines (prices, brands) that repeat from page to page.
CACHE_BYTES = 12 * 1024 * 1024

ELLIPSIS = "\u2026"

Extent = Callable[[str], tuple[int, int]]
_Key = tuple[str, str, float, bool, int | None, int]
_cache: OrderedDict[_Key, tuple[Texture | None, str]] = OrderedDict()
_cache_bytes = 0
_line_heights: dict[tuple[str, float, bool], int] = {}


def text_texture(
    text: str,
    font_name: str,
    font_size: float,
    *,
    bold: bool = False,
    width: float | None = None,
    lines: int = 1,
) -> tuple[Texture | None, str]:
    """The texture of ``text`` in white, and the text as drawn.

    Text that does not fit ``width`` wraps at spaces (or between
    characters, for text without spaces) onto at most ``lines`` lines; the
    last line is shortened with an ellipsis.

    Args:
        text: The text, untrusted (never interpreted).
        font_name: A font name Kivy knows or a font file.
        font_size: In pixels.
        bold: Bold face.
        width: The widest the texture may be, in pixels (``None``: no limit).
        lines: The most lines to use (1 or more).

    Returns:
        ``(texture, shown)``: ``texture`` is ``None`` for empty text;
        ``shown`` is the text drawn, lines joined by ``"\\n"``.
    """
    global _cache_bytes
    if not text:
        return None, ""
    limit = None if width is None else max(1, int(width))
    key = (text, font_name, round(float(font_size), 2), bold, limit, max(1, lines))
    hit = _cache.get(key)
    if hit is not None:
        _cache.move_to_end(key)
        return hit
    entry = _render(text, font_name, float(font_size), bold, limit, max(1, lines))
    _cache[key] = entry
    _cache_bytes += _texture_bytes(entry[0])
    while _cache_bytes > CACHE_BYTES and len(_cache) > 1:
        _old_key, (old, _shown) = _cache.popitem(last=False)
        _cache_bytes -= _texture_bytes(old)
    return entry


def line_height(font_name: str, font_size: float, bold: bool = False) -> int:
    """The height in pixels of one line of text in this font."""
    key = (font_name, round(float(font_size), 2), bold)
    height = _line_heights.get(key)
    if height is None:
        label = _label(font_name, float(font_size), bold)
        height = _line_heights[key] = int(label.get_extents("\u00c5g")[1])
    return height


def cache_stats() -> tuple[int, int]:
    """``(textures, bytes)`` held by the cache."""
    return len(_cache), _cache_bytes


def clear_cache() -> None:
    """Forget every cached texture (they are rendered again when next asked for)."""
    global _cache_bytes
    _cache.clear()
    _cache_bytes = 0


def _texture_bytes(texture: Texture | None) -> int:
    return 0 if texture is None else texture.width * texture.height * 4


def _label(font_name: str, font_size: float, bold: bool, text: str = "") -> CoreLabel:
    outline = faux_bold_outline(font_name, bold, font_size)
    label = CoreLabel(text=text, font_name=font_name, font_size=font_size, bold=bold,
                      halign="left", valign="top", padding=(0, 0, 0, 0), color=(1, 1, 1, 1),
                      **({"outline_width": outline, "outline_color": (1, 1, 1)} if outline else {}))
    label.resolve_font_name()
    return label


def _render(text: str, font_name: str, font_size: float, bold: bool,
            width: int | None, lines: int) -> tuple[Texture | None, str]:
    label = _label(font_name, font_size, bold)
    # Line breaks and tabs in catalog text are not layout: one flowing line.
    text = " ".join(text.split())
    if not text:
        return None, ""
    shown = _fit(label, text, width, lines)
    label.text = shown
    label.refresh()
    texture = label.texture
    if texture is None or texture.width <= 1:
        return None, shown
    texture.min_filter = "nearest"
    texture.mag_filter = "nearest"
    return texture, shown


def _fit(label: CoreLabel, text: str, width: int | None, lines: int) -> str:
    """``text`` broken into at most ``lines`` lines of at most ``width`` pixels."""
    extent = label.get_extents
    if width is None or extent(text)[0] <= width:
        return text
    out: list[str] = []
    rest = text
    while len(out) < lines - 1 and rest and extent(rest)[0] > width:
        cut = _break_at(rest, width, extent)
        if cut <= 0:
            break
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out.append(rest if extent(rest)[0] <= width else _shorten(rest, width, extent))
    return "\n".join(out)


def _break_at(text: str, width: int, extent: Extent) -> int:
    """Where the longest first line that fits ``width`` ends (0: not even one character)."""
    fits = _longest_prefix(text, width, extent)
    space = text.rfind(" ", 0, fits + 1)
    # Break at the last space that fits; a single word longer than the
    # line (or text without spaces, e.g. Chinese) breaks between characters.
    return space if space > 0 else fits


def _shorten(text: str, width: int, extent: Extent) -> str:
    """``text`` cut to fit ``width`` with an ellipsis, at a word end when one is near."""
    fits = _longest_prefix(text, width - extent(ELLIPSIS)[0], extent)
    head = text[:fits]
    space = head.rfind(" ")
    if space > len(head) * 2 // 3:
        head = head[:space]
    return head.rstrip(" ,;:-") + ELLIPSIS


def _longest_prefix(text: str, width: float, extent: Extent) -> int:
    """The most leading characters of ``text`` whose width is at most ``width`` (binary search)."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if extent(text[:mid])[0] <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo
