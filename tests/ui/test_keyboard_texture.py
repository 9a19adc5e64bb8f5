"""The on-screen keyboard is drawn once into a texture: it must still show every change.

screens/widgets/keyboard.py draws the keys into an Fbo that Kivy redraws
only when something in it changed. A key held down, the accent layer and
the high-contrast theme must all reach the picture; a stale texture would
show a keyboard that does not react to the finger.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import wait_frames
from tests.ui.shopping import open_search

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]


def _rgb(color: Any) -> tuple[int, ...]:
    return tuple(round(c * 255) for c in color[:3])


async def _key_picture(app: Any, key: Any, tmp_path: Any, name: str) -> Any:
    """The key's rectangle in a picture of the app drawn now (screens.frame.export_png, as screenshots are)."""
    from kivy.core.window import Window
    from PIL import Image as PILImage

    from screens.frame import export_png

    await wait_frames(2)
    export_png(app.root, tmp_path / f"{name}.png", Window.clearcolor)
    picture = PILImage.open(tmp_path / f"{name}.png").convert("RGB")
    x, y = key.to_window(key.x, key.y)
    top = app.root.height - y - key.height
    return picture.crop((int(x) + 4, int(top) + 4, int(x + key.width) - 4, int(top + key.height) - 4))


def _share(crop: Any, color: tuple[int, ...]) -> float:
    pixels = list(crop.getdata())
    return sum(1 for p in pixels if all(abs(a - b) <= 12 for a, b in zip(p, color))) / len(pixels)


async def test_keyboard_picture_follows_the_finger_the_layer_and_the_theme(kiosk_app: Any, tmp_path: Any) -> None:
    from kivy.clock import Clock
    from kivy.tests.common import UnitTestTouch

    app = kiosk_app
    screen = await open_search(app)
    keyboard = screen.ids.keyboard
    key = keyboard.key_for("q")

    up = await _key_picture(app, key, tmp_path, "up")
    assert _share(up, _rgb(app.theme.surface)) > 0.6, "a resting key is the surface colour"

    # Finger down on the key: it shows pressed (the border colour) while held,
    # drawn over the keyboard's texture: the whole keyboard is not redrawn
    # for a finger on a key (that frame also shows the typed letter's results).
    from kivy.graphics import Callback

    redraws: list[int] = []
    counter = Callback(lambda _instr: redraws.append(1))
    keyboard._fbo.before.insert(0, counter)
    await wait_frames(2)  # the insertion itself redraws it once
    redraws.clear()
    x, y = key.to_window(*key.center)
    touch = UnitTestTouch(x, y)
    Clock.schedule_once(lambda _dt: touch.touch_down(), 0)
    await wait_frames(3)
    try:
        down = await _key_picture(app, key, tmp_path, "down")
        assert _share(down, _rgb(app.theme.border)) > 0.6, "a held key is drawn pressed"
    finally:
        Clock.schedule_once(lambda _dt: touch.touch_up(), 0)
        await wait_frames(3)
    assert keyboard.text.endswith("q"), "the tap typed its letter"
    assert not redraws, f"the keyboard's texture was redrawn {len(redraws)} times for one tap"
    keyboard._fbo.before.remove(counter)

    # The accent layer relabels the same key: its picture changes.
    keyboard.layer = "accents"
    accents = await _key_picture(app, key, tmp_path, "accents")
    keyboard.layer = "letters"
    letters = await _key_picture(app, key, tmp_path, "letters")
    assert list(accents.getdata()) != list(letters.getdata()), "the accent layer's label is drawn"

    # High contrast: the keyboard is redrawn in the accessible palette.
    app.theme.set_accessible(True)
    try:
        contrast = await _key_picture(app, key, tmp_path, "contrast")
        assert _share(contrast, _rgb(app.theme.surface)) > 0.6, "the key is drawn in the high-contrast palette"
    finally:
        app.theme.set_accessible(False)
