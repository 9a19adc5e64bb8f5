"""No input can break the search: hostile strings and arbitrary unicode."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.search import SearchEngine, SearchResult

HOSTILE = [
    '"', '""', "'", '"sofa', "sofa AND chair", "sofa OR", "NOT sofa", "*", "sofa*", "so*fa", ":", "name:sofa",
    "^", "^sofa", "-", "-sofa", "sofa -grey", "(", ")", "((sofa", "sofa)", "[", "]}", "{", "NEAR(sofa chair)",
    "%", "_", "%sofa%", "\\", "\\\\", "' OR 1=1 --", "'; DROP TABLE products; --", "\x00", "sofa\x00grey",
    "\x1b[31m", "\u202e", "\ufeff", "\ud7ff", "🛋️", "🛋 sofa", "👨‍👩‍👧", "ﷺ", "𝔰𝔬𝔣𝔞", "ＳＯＦＡ",
    "a" * 10_000, "sofa " * 2_000, "沙" * 10_000, "\n" * 500, " " * 10_000, "é" * 300, "ß", "İ",
]


def _well_formed(result: SearchResult, limit: int) -> None:
    assert isinstance(result, SearchResult)
    assert len(result.hits) <= limit
    assert result.total >= len(result.hits)
    assert len({h.product_id for h in result.hits}) == len(result.hits)
    assert result.took_ms >= 0
    for hit in result.hits:
        assert 0 < hit.score <= 1
        assert hit.product_id and hit.currency and hit.price_minor >= 0
    assert all(isinstance(s, str) and s for s in result.suggestions)


@pytest.mark.parametrize("query", HOSTILE, ids=[repr(q[:12]) + f"/{len(q)}" for q in HOSTILE])
def test_hostile_queries_return_well_formed_results(search: SearchEngine, query: str) -> None:
    for limit in (0, 5):
        result = search.search(query, limit=limit)
        _well_formed(result, limit)
        assert result.query == query  # echoed as given, for the UI's "results for ..."
    for options in ({"category": query}, {"in_stock": True, "max_price": 10**12}, {"offset": 3}):
        _well_formed(search.search(query, limit=5, **options), 5)


def test_operators_are_plain_text_not_syntax(search: SearchEngine) -> None:
    # "-grey" does not exclude grey, "*" is no wildcard: the words are searched.
    assert search.search("sofa -grey").hits[0].product_id == "P-1"
    assert search.search("sofa*").total == search.search("sofa").total


def test_very_long_input_costs_no_more_than_a_normal_query(search: SearchEngine) -> None:
    # Cut at a fixed length: a 10,000-character paste searches its start.
    assert search.search("wardrobe" + " x" * 5000).hits[0].product_id == "P-4"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=80), limit=st.integers(min_value=-5, max_value=30),
       in_stock=st.booleans(), offset=st.integers(min_value=-3, max_value=12))
def test_any_unicode_never_raises(search: SearchEngine, query: str, limit: int, in_stock: bool, offset: int) -> None:
    result = search.search(query, limit=limit, offset=offset, in_stock=in_stock)
    _well_formed(result, max(limit, 0))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(["sofa", "oak ", "café", "沙发", "wardrobe m", ""]), noise=st.text(max_size=20))
def test_appending_noise_to_a_real_query_never_raises(search: SearchEngine, prefix: str, noise: str) -> None:
    _well_formed(search.search(prefix + noise, limit=10), 10)
