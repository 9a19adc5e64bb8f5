"""tokenize_many (an index build's names and descriptions, tokenised together) gives exactly tokenize's words."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.search.normalize import MAX_TOKEN_CHARS, tokenize, tokenize_many

# ASCII text (the batched path) with NULs (its separator), long words and
# now and then a non-ASCII text (taken one by one beside the batch).
TEXTS = st.lists(
    st.text(alphabet=st.characters(max_codepoint=127), max_size=60)
    | st.text(alphabet=string.ascii_letters + string.digits + " _-.,'\t\n\x00", max_size=120)
    | st.text(max_size=30),
    max_size=12,
)


@settings(max_examples=2000, deadline=None)
@given(TEXTS)
def test_texts_tokenised_together_give_each_text_s_own_words(texts: list[str]) -> None:
    assert tokenize_many(texts) == [tokenize(t) for t in texts]


def test_the_usual_catalog_text_and_the_unusual_ones() -> None:
    texts = ["Oak_table 3-seat sofa (GREY)", "", "Crème BRÛLÉE dish", "a\x00b", "x" * 50 + " y", "  ", "沙发 Sofa"]
    assert tokenize_many(texts) == [
        ["oak", "table", "3", "seat", "sofa", "grey"], [], ["creme", "brulee", "dish"], ["a", "b"],
        ["x" * MAX_TOKEN_CHARS, "y"], [], ["沙", "发", "沙发", "sofa"]]
    assert tokenize_many([]) == []
    assert tokenize_many(["plain", "ascii"]) == [["plain"], ["ascii"]]
