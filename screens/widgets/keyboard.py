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
from typing import Any

from kivy.app import App
from kivy.graphics import Color, InstructionGroup, Rectangle, RoundedRectangle
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from screens.widgets.texture_layer import DrawnIntoTexture
from screens.workers import key_held

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

# Special keys carry a name instead of a character.
BACKSPACE = "\b"
CLEAR = "\x1b"
SPACE = " "
LAYER = "\x0e"  # switch letters <-> accented letters

DIGITS = "1234567890"
LETTER_ROWS = ("qwertyuiop", "asdfghjkl'", "zxcvbnm-.&")
ACCENT_ROWS = ("àáâäãåæçèé", "êëìíîïñòóô", "öõøœßùúûüý")


def typed(text: str, value: str, max_length: int) -> str:
    """The text after a tap on the key ``value`` (unchanged for the layer key, a full field, a needless space).

    Args:
        text: The text so far.
        value: A character or one of BACKSPACE / CLEAR / SPACE / LAYER.
        max_length: Typing stops at this length.
    """
    if value == BACKSPACE:
        return text[:-1]
    if value == CLEAR:
        return ""
    if value == LAYER or len(text) >= max_length:
        return text
    if value == SPACE and (not text or text.endswith(" ")):
        return text  # leading or double spaces never change a search
    return text + value


class KeyboardKey(ButtonBehavior, Label):
    """One key; ``value`` is the character it types or a special key code.

    A Label with button behaviour, not a ``Button``: Kivy's Button style
    re-assigns its background image whenever ``state`` changes, which
    marked the keyboard's texture for redrawing on every touch.
    """

    value = StringProperty("")
    """The character typed, or one of BACKSPACE / CLEAR / SPACE / LAYER."""

    special = BooleanProperty(False)
    """Drawn in the secondary style (backspace, clear, layer switch)."""


class OnScreenKeyboard(DrawnIntoTexture, BoxLayout):
    """Rows of finger-sized keys editing :attr:`text`.

    Events:
        on_key: ``(value)`` after every key press, once :attr:`text` is updated.
        on_text_ahead: ``(text)`` when a finger lands on a key: the text its
            lift will type (only when that differs from :attr:`text`). The
            search screen starts that search while the finger is still down.
    """

    text = StringProperty("")
    """What has been typed so far."""

    max_length = NumericProperty(60)
    """Typing stops here: search queries need no more, and it bounds what we log."""

    key_size = NumericProperty(dp(72))
    """Minimum key edge in pixels; set from the theme's touch-target minimum."""

    layer = OptionProperty("letters", options=["letters", "accents"])
    """Which letter layer is showing."""

    __events__ = ("on_key", "on_text_ahead")

    def __init__(self, **kwargs) -> None:
        self._down: KeyboardKey | None = None
        super().__init__(**kwargs)
        self._letter_keys: list[list[KeyboardKey]] = []
        self._build()
        self.bind(layer=self._relabel)

    def _draw_into_texture(self) -> None:
        super()._draw_into_texture()
        # The pressed key, over the keyboard's texture: a finger on a key
        # must not redraw the whole keyboard (on software OpenGL that is
        # milliseconds, in the very frame that shows the results of the
        # letter typed as the finger lifts).
        # In the canvas only while a key is held (a zero-sized
        # RoundedRectangle keeps drawing its last shape).
        self._pressed = InstructionGroup()
        self._pressed_color = Color(0, 0, 0, 0)
        self._pressed_key = RoundedRectangle(size=(0, 0))
        self._pressed_label_color = Color(1, 1, 1, 1)
        self._pressed_label = Rectangle(size=(0, 0))
        for instruction in (self._pressed_color, self._pressed_key, self._pressed_label_color, self._pressed_label):
            self._pressed.add(instruction)
        self._pressed_shown = False

    def _on_key_state(self, key: KeyboardKey, state: str) -> None:
        if state == "down":
            self._down = key
            ahead = typed(self.text, key.value, self.max_length)
            if ahead != self.text:
                self.dispatch("on_text_ahead", ahead)
        elif self._down is key:
            self._down = None
        key_held(self._down is not None)
        self._show_pressed()

    def _show_pressed(self, *_args: Any) -> None:
        """Draw the key held down (if any) over the texture: the border colour and its label."""
        if getattr(self, "_pressed_key", None) is None:
            return
        key = self._down
        if (key is not None) != self._pressed_shown:
            self._pressed_shown = key is not None
            (self.canvas.add if self._pressed_shown else self.canvas.remove)(self._pressed)
        if key is None:
            return
        app = App.get_running_app()
        theme = app.theme
        self._pressed_color.rgba = theme.border
        shape = self._pressed_key
        shape.segments = int(theme.corner_segments)
        shape.radius = [theme.radius * 0.7]
        # Keys sit in plain box layouts: their positions are this canvas's.
        x, y = key.pos
        shape.pos, shape.size = (x, y), key.size
        texture = key.texture  # the label, in its colour (Kivy draws it under white)
        self._pressed_label.texture = texture
        if texture is None:
            self._pressed_label.size = (0, 0)
            return
        tw, th = texture.size
        self._pressed_label.size = (tw, th)
        self._pressed_label.pos = (round(x + (key.width - tw) / 2), round(y + (key.height - th) / 2))

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
            key.bind(on_release=self._on_key_release, state=self._on_key_state)
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
        if value == LAYER:
            self.layer = "accents" if self.layer == "letters" else "letters"
            return
        text = typed(self.text, value, self.max_length)
        if value == SPACE and text == self.text:
            return  # a leading or double space never changes a search: not even a key event
        self.text = text
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

    def on_text_ahead(self, text: str) -> None:
        """Default handler of the ``on_text_ahead`` event."""
