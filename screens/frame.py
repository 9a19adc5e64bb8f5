"""What a frame of the app costs to draw: the screens' clip and the page background.

With software OpenGL (Mesa llvmpipe, what kiosks without a GPU run) a
frame costs what its pixels cost, so the parts every frame repeats over the
whole screen matter most (docs/benchmarks-ui-screens.md):

* ``KioskScreenManager`` clips the screens with a GL scissor instead of
  Kivy's ``ScreenManager`` stencil (two full-screen fills into the stencil
  buffer and a stencil test on every pixel of every frame).
* ``follow_theme_background`` makes the window's clear colour the page
  background, so no full-screen rectangle is drawn under the screens.
* ``export_png`` saves a picture of a widget the way the window draws it.
  Kivy's ``Widget.export_to_png`` renders flipped and on a transparent
  clear colour: a window-space scissor then clips the mirrored region and
  the background is missing (that broke the portrait accessibility
  screenshots once).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.core.window import Window
from kivy.graphics import ClearBuffers, ClearColor, Fbo, ScissorPop, ScissorPush, Translate
from kivy.graphics.instructions import InstructionGroup
from kivy.uix.screenmanager import ScreenManager, ShaderTransition
from kivy.uix.widget import Widget


class KioskScreenManager(ScreenManager):
    """The screens, clipped to the frame with a scissor instead of Kivy's stencil.

    app.kv drops Kivy's own ``ScreenManager`` rule (its stencil). The
    scissor is in window pixels, which is also what an Fbo sized and placed
    like the window sees (``export_png``). A shader transition (fade) draws
    the screens into Fbos of the screens' own size, where window pixels
    mean something else; the scissor is lifted while one runs, and the
    transition's composite is the screens' size anyway. The screens draw
    no background (the window's clear colour is the page), so the
    transition's Fbos are cleared with that colour.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._scissor = ScissorPush()
        self._push = InstructionGroup()
        self._push.add(self._scissor)
        self._pop = InstructionGroup()
        self._pop.add(ScissorPop())
        self._clipping = False
        self._watched: Any = None
        super().__init__(**kwargs)
        self.bind(pos=self._place_scissor, size=self._place_scissor, parent=self._place_scissor)
        self.fbind("transition", self._watch_transition)
        self._watch_transition()
        self._set_clipping(True)
        self._place_scissor()

    def _place_scissor(self, *_args: Any) -> None:
        x, y = self.to_window(*self.pos)
        self._scissor.pos = (int(round(x)), int(round(y)))
        self._scissor.size = (int(round(self.width)), int(round(self.height)))

    def _watch_transition(self, *_args: Any) -> None:
        if self._watched is not None:
            self._watched.unbind(is_active=self._on_transition_active)
        self._watched = self.transition
        if self._watched is not None:
            self._watched.bind(is_active=self._on_transition_active)

    def on_current(self, instance: Any, value: str) -> None:
        # Screens draw no background of their own (base.kv): a fade's Fbos
        # must be cleared with the page colour (as it is now: high contrast
        # or not), not ShaderTransition's black. Set before the switch
        # starts the transition, which makes the Fbos.
        if isinstance(self.transition, ShaderTransition):
            self.transition.clearcolor = Window.clearcolor
        super().on_current(instance, value)

    def _on_transition_active(self, _transition: Any, active: bool) -> None:
        self._set_clipping(not active)

    def _set_clipping(self, on: bool) -> None:
        if on == self._clipping:
            return
        self._clipping = on
        if on:
            self.canvas.before.add(self._push)
            self.canvas.after.add(self._pop)
        else:
            self.canvas.before.remove(self._push)
            self.canvas.after.remove(self._pop)


def follow_theme_background(theme: Any) -> None:
    """Paint the page background with the window's clear colour, now and on every theme change.

    The window clears to this colour before each frame for free; a
    full-screen rectangle in the root would fill every pixel once more.

    Args:
        theme: The app's ``screens.theme.Theme``; its ``bg`` changes with
            high contrast (accessibility mode).
    """
    Window.clearcolor = theme.bg
    theme.fbind("bg", lambda _theme, bg: setattr(Window, "clearcolor", bg))


def export_png(widget: Widget, path: str | Path, background: Any) -> None:
    """Save ``widget`` as a PNG drawn the way the window draws it.

    An Fbo the widget's size, cleared with ``background`` (the window's
    clear colour, which the widget's own canvas does not paint), drawn
    upright so that window-space scissors clip what they clip on screen,
    with a stencil buffer for the StencilViews; the rows are flipped when
    saved (GL's first row is the bottom one).

    Args:
        widget: The widget to draw, with its children (usually the root,
            at the window's origin: scissors are in window pixels).
        path: The PNG file to write.
        background: RGBA (0-1) to clear with.
    """
    from PIL import Image

    width, height = int(widget.width), int(widget.height)
    parent_canvas = widget.parent.canvas if widget.parent is not None else None
    index = parent_canvas.indexof(widget.canvas) if parent_canvas is not None else -1
    if index > -1:
        parent_canvas.remove(widget.canvas)
    fbo = Fbo(size=(width, height), with_stencilbuffer=True)
    with fbo:
        ClearColor(*background)
        ClearBuffers()
        Translate(-widget.x, -widget.y, 0)
    fbo.add(widget.canvas)
    try:
        fbo.draw()
        pixels = fbo.pixels
    finally:
        fbo.remove(widget.canvas)
        if index > -1:
            parent_canvas.insert(index, widget.canvas)
    image = Image.frombytes("RGBA", (width, height), pixels).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    image.save(str(path))
