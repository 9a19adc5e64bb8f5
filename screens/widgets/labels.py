"""Labels for untrusted catalog text.

Product names, brands and descriptions come from retailers' files and the
central service. They must show literally: ``[b]x[/b] {0} %s`` is a valid
product name. ``CatalogLabel`` never interprets markup (Kivy only parses
markup when ``markup`` is True, and we refuse to turn it on) and switches
to a CJK-capable font when the text needs one.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty
from kivy.uix.label import Label

from screens.theme import faux_bold_outline, font_for


class CatalogLabel(Label):
    """A Label for catalog text: literal, never markup, CJK-capable."""

    markup = BooleanProperty(False)
    """Always False: catalog text is never parsed as Kivy markup."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.pop("markup", None)
        super().__init__(**kwargs)
        for name in ("text", "bold", "font_size", "color"):
            self.fbind(name, self._pick_font)
        self.fbind("markup", self._refuse_markup)
        self._pick_font()

    def _refuse_markup(self, *_args: object) -> None:
        if self.markup:
            self.markup = False

    def _pick_font(self, *_args: object) -> None:
        self.font_name = font = font_for(self.text)
        outline = faux_bold_outline(font, self.bold, self.font_size)
        if outline is not None:
            self.outline_color = self.color[:3]
        self.outline_width = outline

    def texture_update(self, *largs: object) -> None:
        """Render the text into a new texture (Kivy's rewrites the old one when the size is the same).

        On software OpenGL (Mesa llvmpipe) rewriting a texture that an earlier
        frame drew makes the driver rasterise everything queued in the frame
        being drawn first and wait for it: the search heading and the query
        field, rewritten on every keystroke, cut each results frame into three
        rasterisations (5-7 ms more per frame, docs/benchmarks-ui-screens.md,
        session 9). A new texture is never referenced by a queued draw.
        """
        if self._label is not None:
            self._label.texture = None
        super().texture_update(*largs)
