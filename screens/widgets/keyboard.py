"""An on-screen keyboard for the search field (a kiosk has no physical one).

Keys are at least the theme's touch-target minimum (15 mm at the configured
DPI by default). The keyboard owns the text being typed: the search screen
binds to :attr:`OnScreenKeyboard.text`. Accented letters live on a second
layer behind the "àé" key, so a customer can type "crème" or "Müller"
without long-press gestures nobody discovers.

The keyboard is drawn once into a texture (``DrawnIntoTexture``, an Fbo)
and that texture is what each frame shows: Kivy redraws an Fbo's content
only when something in it changed (a key going down or up, the accent
layer, the theme). With software OpenGL, 40 keys of shapes, borders and
labels over a panel were a quarter of a search-screen frame; one textured
rectangle is a fraction of that (docs/benchmarks-ui-screens.md).
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button

from screens.widgets.texture_layer import DrawnIntoTexture

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

# Special keys carry a name instead of a character.
BACKSPACE = "\b"
CLEAR = "\x1b"
SPACE = " "
LAYER = "\x0e"  # switch letters <-> accented letters

DIGITS = "1234567890"
LETTER_ROWS = ("qwertyuiop", "asdfghjkl'", "zxcvbnm-.&")
ACCENT_ROWS = ("àáâäãåæçèé", "êëìíîïñòóô", "öõøœßùúûüý")


class KeyboardKey(Button):
    """One key; ``value`` is the character it types or a special key code."""

    value = StringProperty("")
    """The character typed, or one of BACKSPACE / CLEAR / SPACE / LAYER."""

    special = BooleanProperty(False)
    """Drawn in the secondary style (backspace, clear, layer switch)."""


class OnScreenKeyboard(DrawnIntoTexture, BoxLayout):
    """Rows of finger-sized keys editing :attr:`text`.

    Events:
        on_key: ``(value)`` after every key press, once :attr:`text` is updated.
    """

    text = StringProperty("")
    """What has been typed so far."""

    max_length = NumericProperty(60)
    """Typing stops here: search queries need no more, and it bounds what we log."""

    key_size = NumericProperty(dp(72))
    """Minimum key edge in pixels; set from the theme's touch-target minimum."""

    layer = OptionProperty("letters", options=["letters", "accents"])
    """Which letter layer is showing."""

    __events__ = ("on_key",)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._letter_keys: list[list[KeyboardKey]] = []
        self._build()
        self.bind(layer=self._relabel)

    def _build(self) -> None:
        rows = self
        rows.clear_widgets()
        rows.add_widget(self._row([KeyboardKey(text=c, value=c) for c in DIGITS]))
        self._letter_keys = []
        for chars in LETTER_ROWS:
            keys = [KeyboardKey(text=c, value=c) for c in chars]
            self._letter_keys.append(keys)
            rows.add_widget(self._row(keys))
        bottom = [
            KeyboardKey(text="àé", value=LAYER, special=True, size_hint_x=1.5),
            KeyboardKey(text="space", value=SPACE, size_hint_x=5),
            KeyboardKey(text="⌫", value=BACKSPACE, special=True, size_hint_x=1.5,
                        font_name="data/fonts/DejaVuSans.ttf"),
            KeyboardKey(text="Clear", value=CLEAR, special=True, size_hint_x=2),
        ]
        rows.add_widget(self._row(bottom))

    def _row(self, keys: list[KeyboardKey]) -> BoxLayout:
        row = BoxLayout(spacing=self.spacing)
        for key in keys:
            key.bind(on_release=self._on_key_release)
            row.add_widget(key)
        return row

    def _relabel(self, *_args) -> None:
        source = LETTER_ROWS if self.layer == "letters" else ACCENT_ROWS
        for keys, chars in zip(self._letter_keys, source):
            for key, char in zip(keys, chars):
                key.text = key.value = char

    def _on_key_release(self, key: KeyboardKey) -> None:
        self.press(key.value)

    def press(self, value: str) -> None:
        """Apply one key, exactly as a tap on it would."""
        if value == BACKSPACE:
            self.text = self.text[:-1]
        elif value == CLEAR:
            self.text = ""
        elif value == LAYER:
            self.layer = "accents" if self.layer == "letters" else "letters"
            return
        elif len(self.text) < self.max_length:
            if value == SPACE and (not self.text or self.text.endswith(" ")):
                return  # leading or double spaces never change a search
            self.text += value
        self.dispatch("on_key", value)

    def key_for(self, value: str) -> KeyboardKey | None:
        """The key widget that types ``value`` (tests and accessibility use it)."""
        for row in self.children:
            for key in row.children:
                if key.value == value:
                    return key
        return None

    def reset(self) -> None:
        """Back to an empty field on the letter layer (idle reset)."""
        self.text = ""
        self.layer = "letters"

    def on_key(self, value: str) -> None:
        """Default handler of the ``on_key`` event."""
