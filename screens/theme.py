"""The kiosk's look: colours, sizes and fonts, with normal and accessible variants.

One ``Theme`` object lives on the app (``app.theme``); kv rules bind to its
properties (``color: app.theme.text``), so switching accessibility mode
restyles every screen at once without rebuilding anything.

Sizes are computed, not hard-coded pixels:

* ``target`` is the minimum touch-target edge: the larger of 48 dp and
  ``display.min_target_mm`` (15 mm) at the configured ``display.dpi``, so a
  button is at least 15 mm wide on the real glass.
* Font sizes are in ``sp`` and scale with ``scale`` (1.0 normal, 1.35 in
  accessibility mode).

Catalog text is untrusted and may be Chinese: use ``CatalogLabel``
(screens/widgets/labels.py) for it, never ``markup: True``.
"""

from __future__ import annotations

from pathlib import Path

from kivy.event import EventDispatcher
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty

from kiosk.reach import target_px

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
#: The font for catalog text Kivy's bundled Roboto cannot draw (Chinese,
#: Japanese, Korean): WenQuanYi Micro Hei (Apache-2.0, Debian's
#: fonts-wqy-microhei). It has Latin glyphs too, so a name that mixes scripts
#: ("青花瓷 Blue-and-white vase") is drawn whole. Kivy draws a text in one font;
#: Droid Sans Fallback, used before, has no Latin glyphs at all, and the Latin
#: part of such names came out as boxes.
CJK_FONT = str(ASSETS_DIR / "fonts" / "wqy-microhei.ttc")
DEFAULT_FONT = "Roboto"

ACCESSIBLE_SCALE = 1.35

# (normal, high contrast) pairs. Normal: warm neutral retail palette with a
# deep green accent (contrast >= 4.5:1 for text); high contrast: black,
# white and yellow (>= 7:1).
_PALETTE: dict[str, tuple[str, str]] = {
    "bg": ("#f6f3ee", "#000000"),
    "surface": ("#ffffff", "#000000"),
    "surface_alt": ("#ece6dc", "#1a1a1a"),
    "text": ("#1f2a24", "#ffffff"),
    "text_muted": ("#5b6660", "#ffffff"),
    "primary": ("#1f5c45", "#ffd400"),
    "primary_fg": ("#ffffff", "#000000"),
    "secondary": ("#e3ddd2", "#000000"),
    "secondary_fg": ("#1f2a24", "#ffffff"),
    "accent": ("#c8553d", "#ffd400"),
    "accent_fg": ("#ffffff", "#000000"),
    "border": ("#d6cfc3", "#ffffff"),
    "topbar": ("#1f2a24", "#000000"),
    "topbar_fg": ("#ffffff", "#ffffff"),
    "badge": ("#c8553d", "#ffd400"),
    "badge_fg": ("#ffffff", "#000000"),
    "overlay": ("#1f2a24e6", "#000000f2"),
    "success": ("#2e7d4f", "#00ff66"),
    "danger": ("#b3261e", "#ff6b6b"),
}


def needs_cjk_font(text: str) -> bool:
    """Whether ``text`` has characters Roboto cannot draw (CJK, Thai, Arabic, ...).

    Roboto covers Latin, Greek and Cyrillic; general punctuation and currency
    symbols (U+2000-U+2BFF) are left to it as well.
    """
    for ch in text:
        o = ord(ch)
        if o >= 0x0530 and not 0x2000 <= o <= 0x2BFF:
            return True
    return False


def font_for(text: str) -> str:
    """The font to draw catalog ``text`` with."""
    return CJK_FONT if needs_cjk_font(text) else DEFAULT_FONT


def faux_bold_outline(font_name: str, bold: bool, font_size: float) -> int | None:
    """The outline that makes ``font_name`` look bold, or None when it needs none.

    Kivy draws bold text with a font's bold file, and the CJK font has none:
    its bold text came out regular beside Roboto Bold. An outline in the
    text's own colour thickens each stroke by about what a bold face adds
    (1 px a side at 40 px).

    Args:
        font_name: The font the text is drawn in (:func:`font_for`).
        bold: Whether the text is meant to be bold.
        font_size: In pixels.
    """
    if not bold or font_name == DEFAULT_FONT:
        return None
    return max(1, round(font_size / 40))


class Theme(EventDispatcher):
    """Colours and sizes shared by every screen; bind to them in kv."""

    high_contrast = BooleanProperty(False)
    """Black/white/yellow palette (accessibility mode)."""

    scale = NumericProperty(1.0)
    """Multiplier for text and touch targets (1.35 in accessibility mode)."""

    dpi = NumericProperty(96.0)
    """The screen's physical pixel density, from ``display.dpi``."""

    min_target_mm = NumericProperty(15.0)
    """Smallest touch-target edge on the glass, from ``display.min_target_mm``."""

    target = NumericProperty(0)
    """Minimum touch-target edge in pixels (>= min_target_mm at dpi, >= 48 dp), scaled."""

    gap = NumericProperty(0)
    """Standard spacing between controls, in pixels."""

    pad = NumericProperty(0)
    """Standard padding inside panels, in pixels."""

    radius = NumericProperty(0)
    """Corner radius of buttons and cards, in pixels."""

    corner_segments = NumericProperty(6)
    """Segments per rounded corner (Kivy's ``RoundedRectangle`` default is 10).

    Kivy fills a rounded rectangle as a fan of thin triangles from its
    centre; with software OpenGL every one of them is set up and binned
    on the CPU, so fewer is cheaper (in-process A/B on a static search
    frame: ~0.92x). At the radii used here (up to ~50 px for the pill
    shapes) 6 segments stay within half a pixel of the true arc.
    """

    topbar_height = NumericProperty(0)
    """Height of the top bar on every screen."""

    font_s = NumericProperty(0)
    """Small print (captions, hints)."""

    font_m = NumericProperty(0)
    """Body text and buttons."""

    font_l = NumericProperty(0)
    """Section titles and prices."""

    font_xl = NumericProperty(0)
    """Screen titles."""

    font_xxl = NumericProperty(0)
    """Attract-loop headline."""

    font_cjk = StringProperty(CJK_FONT)
    """Path of the CJK-capable font for catalog text."""

    bg = ColorProperty("#f6f3ee")
    """Screen background."""
    surface = ColorProperty("#ffffff")
    """Cards and panels."""
    surface_alt = ColorProperty("#ece6dc")
    """Alternate panels (placeholders, stripes)."""
    text = ColorProperty("#1f2a24")
    """Main text colour."""
    text_muted = ColorProperty("#5b6660")
    """Secondary text colour."""
    primary = ColorProperty("#1f5c45")
    """Main action buttons."""
    primary_fg = ColorProperty("#ffffff")
    """Text on primary."""
    secondary = ColorProperty("#e3ddd2")
    """Secondary buttons."""
    secondary_fg = ColorProperty("#1f2a24")
    """Text on secondary."""
    accent = ColorProperty("#c8553d")
    """Highlights (sale prices, call to action)."""
    accent_fg = ColorProperty("#ffffff")
    """Text on accent."""
    border = ColorProperty("#d6cfc3")
    """Outlines."""
    topbar = ColorProperty("#1f2a24")
    """Top bar background."""
    topbar_fg = ColorProperty("#ffffff")
    """Top bar text."""
    badge = ColorProperty("#c8553d")
    """Cart badge background."""
    badge_fg = ColorProperty("#ffffff")
    """Cart badge text."""
    overlay = ColorProperty("#1f2a24e6")
    """Dimmed background behind popups."""
    success = ColorProperty("#2e7d4f")
    """Good news (in stock, added)."""
    danger = ColorProperty("#b3261e")
    """Bad news (out of stock)."""

    def __init__(self, dpi: float = 96.0, min_target_mm: float = 15.0, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.dpi = dpi
        self.min_target_mm = min_target_mm
        self.bind(high_contrast=self._apply, scale=self._apply, dpi=self._apply, min_target_mm=self._apply)
        self._apply()

    def set_accessible(self, on: bool) -> None:
        """Switch the accessible variant (high contrast and larger text/targets) on or off."""
        self.high_contrast = on
        self.scale = ACCESSIBLE_SCALE if on else 1.0

    @property
    def base_target_px(self) -> float:
        """The unscaled minimum touch-target edge in pixels."""
        return max(dp(48), target_px(self.min_target_mm, self.dpi))

    def _apply(self, *_args: object) -> None:
        idx = 1 if self.high_contrast else 0
        for name, pair in _PALETTE.items():
            setattr(self, name, pair[idx])
        s = self.scale
        self.target = round(self.base_target_px * s)
        self.gap = round(dp(12) * s)
        self.pad = round(dp(20) * s)
        self.radius = dp(14)
        self.topbar_height = round(max(self.target + dp(16), dp(80)))
        self.font_s = sp(16) * s
        self.font_m = sp(21) * s
        self.font_l = sp(28) * s
        self.font_xl = sp(40) * s
        self.font_xxl = sp(64) * s


_KV_LOADED = False


def load_theme_kv() -> None:
    """Register the shared widgets and load theme.kv (once per process)."""
    global _KV_LOADED
    if _KV_LOADED:
        return
    from kivy.lang import Builder

    import screens.widgets.buttons  # noqa: F401  (registers KioskButton, PlainLabel, CartButton)
    import screens.widgets.labels  # noqa: F401  (registers CatalogLabel)

    Builder.load_file(str(Path(__file__).with_suffix(".kv")))
    _KV_LOADED = True
