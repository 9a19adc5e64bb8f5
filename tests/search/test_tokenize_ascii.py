"""The ASCII fast path of tokenize finds exactly the words the general (regex) path finds."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.search.normalize import MAX_TOKEN_CHARS, _WORD_RE, normalize, tokenize


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=120)
       | st.text(alphabet=string.ascii_letters + string.digits + " _-.,'\t\n", max_size=200))
def test_ascii_text_gives_the_regex_words(text: str) -> None:
    assert tokenize(text) == [w[:MAX_TOKEN_CHARS] for w in _WORD_RE.findall(normalize(text))]


def test_words_split_at_every_non_alphanumeric_ascii_character() -> None:
    assert tokenize("Oak_table 3-seat\x00sofa (GREY), 2x4\u007f!") == ["oak", "table", "3", "seat", "sofa", "grey",
                                                                     "2x4"]
    assert tokenize("a" * 50 + " b") == ["a" * MAX_TOKEN_CHARS, "b"]
