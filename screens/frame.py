"""What a frame of the app costs to draw: the screens' clip and the page background.

With software OpenGL (Mesa llvmpipe, what kiosks without a GPU run) a
frame costs what its pixels cost, so the parts every frame repeats over the
whole screen matter most (docs/benchmarks-ui-screens.md):

* ``KioskScreenManager`` clips the screens with a GL scissor instead of
  Kivy's ``ScreenManager`` stencil (two full-screen fills into the stencil
  buffer and a stencil test on every pixel of every frame).
* ``ScissorClipMixin`` clips a ``StencilView`` (the search grid, a
  ``RecycleView``) with a scissor set at draw time instead of its stencil:
  two passes over the whole view into the stencil buffer and a stencil
  test on every pixel inside it, ~14 % of a search-screen frame.
* ``follow_theme_background`` makes the window's clear colour the page
  background, so no full-screen rectangle is drawn under the screens.
* ``sample_flat_fills_nearest`` makes every flat fill (a ``Rectangle``,
  ``RoundedRectangle`` ... without a picture) sample Kivy's white default
  texture without bilinear filtering: the same colour, ~13 % less of a
  search-screen frame.
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
from kivy.graphics import (BindTexture, Callback, ClearBuffers, ClearColor, Fbo, Rectangle, ScissorPop, ScissorPush,
                           Translate)
from kivy.graphics.instructions import InstructionGroup
from kivy.graphics.opengl import (GL_SCISSOR_BOX, GL_SCISSOR_TEST, glDisable, glEnable, glGetIntegerv, glIsEnabled,
                                  glScissor)
from kivy.graphics.scissor_instructions import Rect, scissor_stack
from kivy.graphics.stencil_instructions import StencilPop, StencilPush, StencilUnUse, StencilUse
from kivy.uix.screenmanager import Screen, ScreenManager, ShaderTransition
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


class ScissorClipMixin:
    """Clip a ``StencilView`` subclass with a GL scissor instead of Kivy's stencil.

    Kivy's ``StencilView`` rule fills the view's rectangle into the stencil
    buffer before its children and again after them, and every pixel drawn
    in between goes through the stencil test; with software OpenGL each of
    those is CPU time per pixel. A rectangle aligned with the window needs
    none of that: a scissor clips for free. The rule's stencil instructions
    are taken out and two ``Callback`` instructions set and restore the
    scissor while the frame is drawn, so the rectangle is always where the
    view is now (the frame moves into the reach band in accessibility
    mode without the view's own ``pos`` changing).

    Where the view is drawn:

    * in the window, or in ``export_png``'s window-sized Fbo: window pixels,
      intersected with the scissor already set (the screens' frame);
    * in a fade's Fbo (``ShaderTransition.make_screen_fbo``: screen-sized,
      the screen at its origin): pixels relative to the screen.
    """

    _outer_box: tuple[int, int, int, int] | None = None
    _clip_instructions: tuple[Any, Any] | None = None

    def apply_class_lang_rules(self, *args: Any, **kwargs: Any) -> None:
        # Kivy applies the kv rules here (for a widget declared in kv, after
        # __init__): the StencilView rule's instructions exist only now.
        super().apply_class_lang_rules(*args, **kwargs)  # type: ignore[misc]
        widget: Any = self
        self._drop_stencil(widget.canvas.before, StencilPush, StencilUse)
        self._drop_stencil(widget.canvas.after, StencilUnUse, StencilPop)
        if self._clip_instructions is None:
            self._clip_instructions = (Callback(self._clip_begin), Callback(self._clip_end))
            widget.canvas.before.insert(0, self._clip_instructions[0])
            # First in canvas.after: the scroll bars ScrollView draws after the
            # StencilView rule stay outside the clip, as they were.
            widget.canvas.after.insert(0, self._clip_instructions[1])

    @staticmethod
    def _drop_stencil(group: Any, first: type, last: type) -> None:
        items = list(group.children)
        starts = [i for i, instr in enumerate(items) if isinstance(instr, first)]
        if not starts:
            return
        start = starts[0]
        end = next(i for i in range(start, len(items)) if isinstance(items[i], last))
        for instr in items[start:end + 1]:
            if not isinstance(instr, BindTexture):  # a Rectangle takes its BindTexture along
                group.remove(instr)

    def _clip_rect(self) -> tuple[int, int, int, int]:
        widget: Any = self
        x, y = widget.to_window(widget.x, widget.y)
        screen = widget.parent
        while screen is not None and not isinstance(screen, Screen):
            screen = screen.parent
        if screen is not None and screen.manager is not None:
            transition = screen.manager.transition
            if isinstance(transition, ShaderTransition) and transition.is_active:
                sx, sy = screen.to_window(0, 0)
                x, y = x - sx, y - sy
        return int(round(x)), int(round(y)), int(round(widget.width)), int(round(widget.height))

    def _clip_begin(self, _instr: Any) -> None:
        x, y, w, h = self._clip_rect()
        if glIsEnabled(GL_SCISSOR_TEST):
            bx, by, bw, bh = (int(v) for v in glGetIntegerv(GL_SCISSOR_BOX)[:4])
            self._outer_box = (bx, by, bw, bh)
            x0, y0 = max(x, bx), max(y, by)
            x1, y1 = min(x + w, bx + bw), min(y + h, by + bh)
            x, y, w, h = x0, y0, max(0, x1 - x0), max(0, y1 - y0)
        else:
            self._outer_box = None
        scissor_stack.push(Rect(x, y, w, h))  # a ScissorPush inside intersects with it
        glEnable(GL_SCISSOR_TEST)
        glScissor(x, y, w, h)

    def _clip_end(self, _instr: Any) -> None:
        scissor_stack.pop()
        if self._outer_box is not None:
            glScissor(*self._outer_box)
        else:
            glDisable(GL_SCISSOR_TEST)


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


def sample_flat_fills_nearest() -> None:
    """Sample Kivy's default texture with ``nearest`` filtering.

    Kivy's shader multiplies every colour by a texture; a shape without a
    picture uses a 64x64 white default texture, bilinearly filtered. Every
    texel is white, so nearest sampling gives the same pixels, and with
    software OpenGL (llvmpipe shades on the CPU) it is a fetch per pixel
    instead of four and a blend: in-process A/B on a static search-screen
    frame, 0.87x the frame time. Harmless with a GPU.
    """
    # A vertex instruction without a texture reports the default one.
    texture = Rectangle().texture
    if texture is not None:
        texture.min_filter = "nearest"
        texture.mag_filter = "nearest"


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
