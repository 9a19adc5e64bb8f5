"""The typo dictionary's deletion neighbourhoods: every string made by deleting up to k characters, nothing else."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.search.fuzzy import deletions


def by_definition(word: str, depth: int) -> set[str]:
    return {"".join(ch for i, ch in enumerate(word) if i not in cut)
            for k in range(min(depth, len(word)) + 1) for cut in combinations(range(len(word)), k)}


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="abcaé沙", max_size=11) | st.text(max_size=9), st.integers(0, 3))
def test_deletions_are_every_string_up_to_depth_deletions_away(word: str, depth: int) -> None:
    assert deletions(word, depth) == by_definition(word, depth)


def test_repeated_letters_and_short_words() -> None:
    assert deletions("coffee", 2) == by_definition("coffee", 2)
    assert deletions("ab", 2) == {"ab", "a", "b", ""}
    assert deletions("", 1) == {""}
    assert deletions("sofa", 0) == {"sofa"}
