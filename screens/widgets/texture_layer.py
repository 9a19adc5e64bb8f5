"""Widgets drawn once into a texture: each frame shows one textured rectangle.

With software OpenGL (Mesa llvmpipe, what kiosks without a GPU run) every
instruction of every frame is rasterised on the CPU. Parts of a screen that
rarely change (the on-screen keyboard, the filter chips, the top bar) cost
as much per frame as when they were first drawn: shapes, borders and labels,
each filled pixel by pixel. :class:`DrawnIntoTexture` moves everything a
widget and its children draw into an Fbo, which Kivy redraws only when an
instruction inside it changes (a key held down, a chip selected, the cart
badge, the theme); every other frame shows the Fbo's texture
(docs/benchmarks-ui-screens.md).

Touches are untouched: the widgets are still where they were, only their
pixels go through the texture.
"""

from __future__ import annotations

from typing import Any

from kivy.core.window import Window
from kivy.graphics import (BindTexture, Callback, ClearBuffers, ClearColor, Color, Fbo, PopMatrix, PushMatrix,
                           Rectangle, Translate)
from kivy.graphics.opengl import GL_SCISSOR_TEST, glDisable, glEnable
from kivy.graphics.scissor_instructions import scissor_stack


def _scissor_off(_instr: Any) -> None:
    glDisable(GL_SCISSOR_TEST)


def _scissor_back(_instr: Any) -> None:
    if not scissor_stack.empty:
        glEnable(GL_SCISSOR_TEST)


class DrawnIntoTexture:
    """Mixin for a widget class: it and its children draw into an Fbo shown as one rectangle.

    Mix in before the widget class (``class Keys(DrawnIntoTexture,
    BoxLayout)``). The move happens once the class's kv rules have run
    (for a widget declared in kv that is after ``__init__``), so the rule's
    own canvas goes into the texture too; children added later are drawn
    into it as well.

    The Fbo is cleared opaque with the window's clear colour (the page
    background), so text edges blend as they would on the page; a widget
    on another background must paint it itself (the top bar does).
    """

    _fbo: Fbo | None = None

    def apply_class_lang_rules(self, *args: Any, **kwargs: Any) -> None:
        super().apply_class_lang_rules(*args, **kwargs)  # type: ignore[misc]
        if self._fbo is None:
            self._draw_into_texture()

    def _draw_into_texture(self) -> None:
        widget: Any = self
        fbo = Fbo(size=(1, 1))
        with fbo.before:
            # The frame's scissors (screens/frame.py) are in window pixels and
            # would clip this Fbo's own pixels: off while the Fbo is drawn.
            Callback(_scissor_off)
            self._clear = ClearColor(*Window.clearcolor)
            ClearBuffers()
            PushMatrix()
            self._translate = Translate(0, 0, 0)
        # The kv rule's canvas.before, the children, then canvas.after.
        for source, target in ((widget.canvas.before, fbo.before), (widget.canvas, fbo),
                               (widget.canvas.after, fbo.after)):
            for instr in list(source.children):
                if not isinstance(instr, BindTexture):  # a Rectangle takes its BindTexture along
                    source.remove(instr)
                    target.add(instr)
        with fbo.after:
            PopMatrix()
            Callback(_scissor_back)
        self._fbo = fbo
        widget.canvas.add(fbo)
        widget.canvas.add(Color(1, 1, 1, 1))
        self._shown = Rectangle()
        widget.canvas.add(self._shown)
        widget.bind(pos=self._place_texture, size=self._place_texture)
        Window.bind(clearcolor=self._on_clearcolor)  # a weak reference: the window does not keep us
        self._place_texture()

    def _place_texture(self, *_args: Any) -> None:
        widget: Any = self
        # Whole pixels, so that the texture's texels land 1:1 on the window's.
        x, y = round(widget.x), round(widget.y)
        size = (max(1, round(widget.width)), max(1, round(widget.height)))
        if tuple(self._fbo.size) != size:
            self._fbo.size = size
        self._translate.xy = (-x, -y)
        texture = self._fbo.texture
        # Drawn 1:1: no filtering needed (one texel fetch per pixel).
        texture.min_filter = texture.mag_filter = "nearest"
        self._shown.texture = texture
        self._shown.pos = (x, y)
        self._shown.size = size

    def _on_clearcolor(self, _window: Any, color: Any) -> None:
        self._clear.rgba = color

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        if self._fbo is None:
            return super().add_widget(widget, *args, **kwargs)  # type: ignore[misc]
        me: Any = self
        canvas, me.canvas = me.canvas, self._fbo  # the child draws into the Fbo
        try:
            return super().add_widget(widget, *args, **kwargs)  # type: ignore[misc]
        finally:
            me.canvas = canvas

    def remove_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        if self._fbo is None:
            return super().remove_widget(widget, *args, **kwargs)  # type: ignore[misc]
        me: Any = self
        canvas, me.canvas = me.canvas, self._fbo
        try:
            return super().remove_widget(widget, *args, **kwargs)  # type: ignore[misc]
        finally:
            me.canvas = canvas
