"""Workarounds for Kivy 2.3.1 bugs that matter to a kiosk that runs for months.

(:data:`NOTHING` is the other one: see there.)

``ScrollView.update_from_scroll`` binds ``bar_color`` to
``_change_bar_color`` on every call, and the trigger that runs 0.5 s later
unbinds it only once. Every burst of scroll updates (a scroll, a layout
change, a screen reset to the top) therefore leaves bindings behind that
live as long as the scroll view: bench/bench_memory.py found about seven
per customer session (``kivy._event.BoundCallback`` and bound-method
objects growing without end). The fix removes the binding just before Kivy
adds it again, so there is exactly one at a time; everything else is
Kivy's own code. ``RecycleView`` (search results) inherits it.

The same method also starts, 0.5 s after every such update, a 0.5 s
animation fading the scroll bar to ``bar_inactive_color``. Each step of it
is a frame of the whole window: on software OpenGL about 30 frames of
15-20 ms each, both cores busy for half a second after every keystroke
(the results grid is scrolled back to the top), and a key tapped meanwhile
waited for the frame being drawn (docs/benchmarks-ui-screens.md, session 6). Here
the bar turns inactive in one step instead: one frame.
"""

from __future__ import annotations

from typing import Any

from kivy.uix.scrollview import ScrollView

_FIXED = "_kiosk_single_bar_binding"

#: The size to give a ``RoundedRectangle`` that must draw nothing. Kivy's
#: ``RoundedRectangle`` skips rebuilding its vertices when a side is 0 and
#: keeps drawing its previous shape (kivy/kivy#6056, open): an image's
#: placeholder "hidden" that way stayed drawn under every loaded picture,
#: the attract loop's full-screen heroes included. A sub-pixel shape covers
#: no pixel at all.
NOTHING = (1e-3, 1e-3)


def apply() -> None:
    """Install the workarounds (idempotent; before the first ScrollView is created)."""
    original = ScrollView.update_from_scroll
    if getattr(original, _FIXED, False):
        return

    def update_from_scroll(self: ScrollView, *largs: Any) -> Any:
        self.funbind("bar_color", self._change_bar_color)  # no-op when not bound
        return original(self, *largs)

    def bind_inactive_bar_color(self: ScrollView, *_largs: Any) -> None:
        # Kivy's, without the Animation: the bar dims in one frame.
        self.funbind("bar_color", self._change_bar_color)
        self.fbind("bar_inactive_color", self._change_bar_color)
        self._bar_color = self.bar_inactive_color

    setattr(update_from_scroll, _FIXED, True)
    update_from_scroll.__doc__ = original.__doc__
    ScrollView.update_from_scroll = update_from_scroll  # type: ignore[method-assign]
    # Kivy's clock calls its trigger through a weak method looked up by name.
    bind_inactive_bar_color.__name__ = "_bind_inactive_bar_color"
    ScrollView._bind_inactive_bar_color = bind_inactive_bar_color  # type: ignore[method-assign]
