"""Ranking a shopper finds sensible: fields, exactness, typos, stock, featured."""

from __future__ import annotations

from sqlalchemy import Engine

from kiosk.search import SearchEngine
from tests.search.catalog import P, load
from tests.search.conftest import ids


def test_name_beats_brand_beats_category_and_tags_beats_description(engine: Engine) -> None:
    # Same word in a different field of each product; insertion order and
    # name lengths work against the expected order.
    load(engine, [
        P("desc", "Side table", description="Solid oak legs and top."),
        P("tag", "Tall shelf", tags=("oak",)),
        P("cat", "Low bench", category=("Oak furniture",)),
        P("brand", "Dining chair", brand="Oak & Son"),
        P("name", "Round oak coffee table with drawer"),
    ])
    result = SearchEngine(engine).search("oak")
    assert ids(result)[:2] == ["name", "brand"]
    assert set(ids(result)[2:4]) == {"cat", "tag"}
    assert ids(result)[4] == "desc"
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_exact_word_beats_prefix_beats_typo(engine: Engine) -> None:
    load(engine, [
        P("typo", "Bike chain"),  # "chair" is one substitution from "chain"
        P("prefix", "Chairman desk"),  # prefix of the typed word
        P("exact", "Large upholstered dining chair"),
    ])
    result = SearchEngine(engine).search("chair")
    assert ids(result) == ["exact", "prefix", "typo"]


def test_in_stock_first_on_ties_but_out_of_stock_still_found(engine: Engine) -> None:
    load(engine, [
        P("gone", "Blue mug", variants=[("", 900, 0)]),
        P("here", "Blue mug", variants=[("", 900, 0), ("Large", 1200, 3)]),
    ])
    result = SearchEngine(engine).search("blue mug")
    assert ids(result) == ["here", "gone"]
    assert [h.in_stock for h in result.hits] == [True, False]


def test_every_term_must_match_when_some_product_has_them_all(search: SearchEngine) -> None:
    result = search.search("sofa grey")
    # The cushion is a sofa but red, the grey sofa bed is only in the
    # "Sofas" category (a finished word is not a prefix): one product.
    assert ids(result) == ["P-1"]
    # A word that matches nothing at all is dropped instead of emptying the
    # page ("sofa" is then a finished word, as in "sofa ").
    assert ids(search.search("sofa qwxz")) == ids(search.search("sofa "))
    assert search.search("sofa qwxz").hits[0].score < search.search("sofa ").hits[0].score


def test_empty_query_returns_featured_first_then_the_rest(search: SearchEngine) -> None:
    for blank in ("", "   ", "\n\t"):
        result = search.search(blank, limit=50)
        assert set(ids(result)[:2]) == {"P-6", "P-9"}
        assert result.total == 9
        assert len(ids(result)) == 9
    assert len(search.search("", limit=3).hits) == 3


def test_exact_sku_puts_its_product_first(search: SearchEngine) -> None:
    result = search.search("sku-p-4-0")  # any case
    assert result.hits[0].product_id == "P-4"
    assert result.hits[0].sku == "SKU-P-4-0"


def test_limit_and_offset_page_through_one_ranking(search: SearchEngine) -> None:
    full = ids(search.search("", limit=100))
    paged = ids(search.search("", limit=4)) + ids(search.search("", limit=4, offset=4)) \
        + ids(search.search("", limit=4, offset=8))
    assert paged == full
    assert search.search("", limit=0).hits == []
    assert search.search("", limit=0).total == 9
