"""Every character of the demo catalog has a glyph in the font the app draws its text with.

Kivy draws a label's text in one font and shows a box for each character that
font lacks, without a warning. The app picks Roboto, or the bundled CJK font
for text Roboto cannot draw (``screens.theme.font_for``); a name that mixes
scripts ("青花瓷 Blue-and-white vase", a scene called "茶 Tea time, East and
West") needs every one of its characters in that one font.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import ImageFont

pytestmark = [pytest.mark.ui]

REPO = Path(__file__).resolve().parents[2]


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def _font_file(font_name: str) -> Path:
    import kivy

    from screens.theme import DEFAULT_FONT

    if font_name == DEFAULT_FONT:
        return Path(kivy.__file__).parent / "data" / "fonts" / "Roboto-Regular.ttf"
    return Path(font_name)


def _missing(font: ImageFont.FreeTypeFont, chars: set[str]) -> list[str]:
    # A character the font has no glyph for is drawn as glyph 0, as U+FFFF
    # (a noncharacter no font maps) is.
    notdef = bytes(font.getmask("\uffff"))
    return sorted(ch for ch in chars if not ch.isspace() and bytes(font.getmask(ch)) == notdef)


def test_every_character_of_the_demo_catalog_has_a_glyph_in_the_font_that_draws_it() -> None:
    from screens.theme import CJK_FONT, font_for

    catalog = json.loads((REPO / "assets" / "demo" / "catalog.json").read_text(encoding="utf-8"))
    by_font: dict[str, set[str]] = {}
    example: dict[tuple[str, str], str] = {}
    for text in _texts(catalog):
        font_name = font_for(text)
        chars = by_font.setdefault(font_name, set())
        for ch in text:
            chars.add(ch)
            example.setdefault((font_name, ch), text)
    assert CJK_FONT in by_font, "the demo catalog has text in Chinese"
    assert any(ch.isascii() and ch.isalpha() for ch in by_font[CJK_FONT]), "and some of it mixes in Latin"
    for font_name, chars in by_font.items():
        font = ImageFont.truetype(str(_font_file(font_name)), 32)
        missing = _missing(font, chars)
        assert not missing, f"{font_name} has no glyph for {[(ch, example[font_name, ch]) for ch in missing[:5]]}"


def test_the_cjk_font_draws_latin_kana_and_hangul_as_well() -> None:
    from screens.theme import CJK_FONT

    font = ImageFont.truetype(CJK_FONT, 32)
    # Names customers type at a kiosk: Chinese with an English word, Japanese, Korean, prices.
    wanted = set("北欧风格沙发 Blue-and-white vase, 3-seat € £ ¥ 1234567890 ÀÉÖÜßçñ " "ティーセット 찻잔 세트")
    assert _missing(font, wanted) == []
