"""As-you-type prefixes, typo tolerance, diacritics and CJK."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kiosk.search import SearchEngine
from tests.search.catalog import P, load
from tests.search.conftest import ids


@pytest.mark.parametrize("typed", ["s", "so", "sof", "sofa"])
def test_last_word_is_a_prefix_from_one_letter(search: SearchEngine, typed: str) -> None:
    result = search.search(typed)
    assert {"P-1", "P-2"} <= set(ids(result))
    assert "P-7" not in ids(search.search(typed + "x"))


def test_one_and_two_letter_prefixes_narrow_as_you_type(search: SearchEngine) -> None:
    o = set(ids(search.search("o", limit=50)))
    oa = set(ids(search.search("oa", limit=50)))
    assert {"P-1", "P-8"} <= o  # Oslo, Oak
    assert oa == {"P-8"}  # only the oak bookshelf has a word starting "oa"
    assert "P-1" not in oa


def test_earlier_words_are_whole_words(search: SearchEngine) -> None:
    # "sof" followed by another word is a finished word, and nothing is
    # called "sof": it is dropped, not matched as a prefix of "sofa".
    assert ids(search.search("wardrobe mirr")) == ["P-4"]
    assert ids(search.search("mirror wardrobe")) == ["P-4"]


def test_four_letter_words_get_no_typo(engine: Engine) -> None:
    load(engine, [P("1", "Sofa"), P("2", "Vase")])
    se = SearchEngine(engine)
    for typo in ("sifa", "osfa", "vasr"):
        assert se.search(typo).total == 0, typo
        assert se.search(typo + " ").total == 0, typo


@pytest.mark.parametrize("typed", ["chiar", "chaor", "chai r", "cair"])
def test_five_letter_words_allow_one_typo_but_not_two(engine: Engine, typed: str) -> None:
    load(engine, [P("chair", "Garden chair")])
    se = SearchEngine(engine)
    found = "chair" in ids(se.search(typed))
    # "chiar": transposition (one typo); "chaor": substitution;
    # "chai r" and "cair" (4 letters, a deletion) are not the word.
    assert found is (typed in ("chiar", "chaor"))
    assert se.search("cahri").total == 0  # two typos in a 5-letter word


def test_nine_letter_words_allow_two_typos(engine: Engine) -> None:
    load(engine, [P("lamp", "Lampshade linen"), P("book", "Oak bookshelf")])
    se = SearchEngine(engine)
    assert ids(se.search("lmapshdae")) == ["lamp"]  # two transpositions
    assert ids(se.search("bookshlef ")) == ["book"]  # one transposition, finished word
    assert ids(se.search("bokshellf")) == ["book"]  # deletion + insertion
    assert se.search("lmapshdea").total == 0  # three typos
    # Typos rank below exact matches of the same word.
    assert se.search("lmapshdae").hits[0].score < se.search("lampshade").hits[0].score


def test_typo_in_a_word_still_being_typed(search: SearchEngine) -> None:
    # "wardorb" is one transposition from "wardrob", a prefix of "wardrobe".
    assert ids(search.search("wardorb")) == ["P-4"]
    assert ids(search.search("nordhme")) != []


def test_case_and_diacritics_never_matter(search: SearchEngine) -> None:
    for typed in ("creme brulee", "CRÈME BRÛLÉE", "Crème", "brûlée tor", "cafe", "CAFÉ TABLE", "ＣＡＦＥ"):
        result = search.search(typed)
        assert result.hits, typed
        assert result.hits[0].product_id in ("P-3", "P-9"), typed


def test_letters_with_a_stroke_are_folded_too(engine: Engine) -> None:
    load(engine, [P("s", "Sørlandet sofa"), P("l", "Łódź lamp"), P("a", "Æble bowl"), P("g", "Große Vase")])
    se = SearchEngine(engine)
    for typed, expected in (("sorla", "s"), ("SØRLANDET", "s"), ("lodz", "l"), ("aeble", "a"),
                            ("grosse", "g"), ("große", "g")):
        assert ids(se.search(typed)) == [expected], typed


@pytest.mark.parametrize("typed", ["沙", "发", "床", "北京", "沙发", "发床", "京沙发", "北京沙发床"])
def test_cjk_names_are_found_by_any_one_or_two_character_substring(search: SearchEngine, typed: str) -> None:
    assert ids(search.search(typed)) == ["P-5"]


def test_cjk_does_not_match_characters_out_of_order(search: SearchEngine) -> None:
    assert search.search("床沙").total == 0
    assert ids(search.search("华家")) == ["P-5"]  # the brand


def test_zero_hits_suggest_a_correction_and_popular_categories(search: SearchEngine) -> None:
    result = search.search("sofx")  # 4 letters: no typo tolerance, nothing found
    assert result.total == 0 and result.hits == []
    assert result.suggestions[0] == "sofa"
    assert "Sofas" in result.suggestions or "Storage" in result.suggestions
    # The corrections come first and are counted, so the screen can tell
    # "did you mean" from "look around in these categories".
    corrections, categories = result.suggestions[:result.corrections], result.suggestions[result.corrections:]
    assert "sofa" in corrections and categories and not set(categories) & set(corrections)
    assert "Sofas" in categories or "Storage" in categories
    nothing_close = search.search("xqzvwj")
    assert nothing_close.corrections == 0 and nothing_close.suggestions  # categories only
    assert search.search("sofa").suggestions == []


def test_one_or_two_letters_match_names_not_every_colour_option(engine: Engine) -> None:
    load(engine, [
        P("lamp", "Desk lamp", description="Bright and bold.", variants=[("Black", 2900, 3), ("XL", 3900, 1)]),
        P("bench", "Garden bench"),
    ])
    se = SearchEngine(engine)
    # "b" and "bl" begin "black" (a colour option) and "bright" (description):
    # too little typed to mean them; the bench's name begins with "b".
    assert ids(se.search("b")) == ["bench"]
    assert ids(se.search("bl")) == []
    assert ids(se.search("bla")) == ["lamp"]  # three letters: options count
    assert ids(se.search("xl")) == ["lamp"]  # a whole short option value still counts
    assert ids(se.search("bright")) == ["lamp"]  # descriptions count for real words


def test_typos_do_not_match_descriptions(engine: Engine) -> None:
    load(engine, [P("a", "Cabinet", description="Fits in any wardrobe."), P("b", "Wardrobe")])
    se = SearchEngine(engine)
    assert set(ids(se.search("wardrobe"))) == {"a", "b"}
    assert ids(se.search("wardrboe")) == ["b"]
