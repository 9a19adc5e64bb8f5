"""The typo dictionary as hashes in one sorted array: the same answers as a dict of its deletion strings.

The dictionary is built in the import's builder process and searched in
the kiosk's, so it is kept as stable hashes of the deletion strings (not
the strings: 167,000 of them for a 200,000-variant catalog, to make,
pickle and unpickle). These tests hold it to the plain definition: a word
is a candidate when it shares a deletion string with the query, and is
returned when its OSA distance is within the budget — whatever the hashes
collide on, after a pickle round trip, and with words added by patches.
"""

from __future__ import annotations

import pickle
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.search import fuzzy
from kiosk.search.fuzzy import MIN_FUZZY_WORD, MIN_TWO_TYPO_WORD, DeleteIndex, deletions, osa_distance


def by_definition(vocabulary: list[str], word: str, max_typos: int) -> dict[str, int]:
    """A dict of every deletion string -> its words (the structure the array replaces), looked up."""
    table: dict[str, set[str]] = {}
    for w in vocabulary:
        if len(w) >= MIN_FUZZY_WORD and w.isalpha():
            for key in deletions(w, 2 if len(w) >= MIN_TWO_TYPO_WORD else 1):
                table.setdefault(key, set()).add(w)
    if max_typos <= 0:
        return {}
    found = set().union(*(table.get(k, set()) for k in deletions(word, max_typos))) - {word}
    return {w: d for w in found if (d := osa_distance(word, w, max_typos)) <= max_typos}


def built(vocabulary: list[str]) -> DeleteIndex:
    index = DeleteIndex()
    index.add_words(vocabulary)
    return index


WORDS = st.text(alphabet="abcdeé", min_size=1, max_size=10)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=30), st.lists(WORDS, min_size=1, max_size=8), st.integers(0, 2))
def test_lookups_match_a_dict_of_the_deletion_strings(vocabulary: list[str], queries: list[str], k: int) -> None:
    index = built(vocabulary)
    for query in queries:
        assert index.lookup(query, k) == by_definition(vocabulary, query, k)


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, max_size=30), st.lists(WORDS, min_size=1, max_size=8), st.integers(1, 2))
def test_hash_collisions_only_add_candidates_that_are_then_ruled_out(
        vocabulary: list[str], queries: list[str], k: int) -> None:
    # Three bits of hash: nearly every deletion string collides with others.
    real = fuzzy.crc32
    fuzzy.crc32 = lambda data: zlib.crc32(data) & 7  # type: ignore[assignment]
    try:
        index = built(vocabulary)
        answers = [index.lookup(q, k) for q in queries]
    finally:
        fuzzy.crc32 = real
    assert answers == [by_definition(vocabulary, q, k) for q in queries]


def test_two_typos_reach_short_words_only_through_their_one_deletion_neighbourhood(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # "sofas" (5 letters) holds its one-deletion strings only: "crate" is 2
    # edits from it but shares no string; with every hash equal it is a
    # candidate all the same, and must not be returned (a dict would not).
    monkeypatch.setattr(fuzzy, "crc32", lambda data: 0)
    index = built(["sofas", "sofa", "wardrobe"])
    assert index.lookup("sfoas", 2) == {"sofas": 1, "sofa": 2}
    assert index.lookup("sotaz", 2) == by_definition(["sofas", "sofa", "wardrobe"], "sotaz", 2)
    assert index.lookup("wradrobs", 2) == {"wardrobe": 2}


def test_a_pickled_dictionary_holds_no_deletion_strings_and_answers_the_same() -> None:
    vocabulary = ["wardrobe", "mirror", "cushion", "lampshade", "bookshelf", "grill", "sofa"]
    index = built(vocabulary)
    data = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    assert b"wrdrobe" not in data and b"lampshde" not in data  # strings one deletion away
    assert b"wardrobe" in data
    again = pickle.loads(data)
    for query in ("wardorbe", "mirorr", "cushon", "lampshad", "bokshelf", "gril", "sofa", "x"):
        for k in (1, 2):
            assert again.lookup(query, k) == index.lookup(query, k) == by_definition(vocabulary, query, k)


def test_words_added_after_a_build_are_found_once_as_in_a_build_of_them_all() -> None:
    first = ["wardrobe", "mirror", "cushion"]
    later = ["cushion", "lampshade", "mirrors", "lampshade", "oak", "4x4x"]
    index = built(first)
    index.add_words(later)
    again = pickle.loads(pickle.dumps(index))
    again.add_words(["bookshelf"])
    everything = first + later + ["bookshelf"]
    assert sorted(again.words) == sorted({w for w in everything if len(w) >= MIN_FUZZY_WORD and w.isalpha()})
    for query in ("wardorbe", "mirors", "lampshdae", "cushoin", "bokshelf", "mirror"):
        assert again.lookup(query, 2) == by_definition(everything, query, 2)
    assert {w for _, w in again.entries()} == set(again.words)


def test_any_query_text_is_looked_up_without_error() -> None:
    index = built(["sofas", "wardrobe"])
    assert index.lookup("sofa\ud800", 1) == {"sofas": 1}  # a lone surrogate: hashed, not encoded strictly
    assert index.lookup("", 2) == {}
    assert index.lookup("沙发床", 1) == {}
