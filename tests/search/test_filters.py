"""Filters: category with its descendants, price range over variants, in stock."""

from __future__ import annotations

from kiosk.search import SearchEngine
from tests.search.conftest import ids


def test_category_includes_descendants_by_id_path_or_name(search: SearchEngine) -> None:
    furniture = {"P-1", "P-4", "P-5", "P-8", "P-9"}
    for category in ("furniture", "Furniture", "FURNITURE"):
        assert set(ids(search.search("", category=category, limit=50))) == furniture
    sofas = {"P-1", "P-5"}
    assert set(ids(search.search("", category="furniture/sofas"))) == sofas
    assert set(ids(search.search("", category="Furniture > Sofas"))) == sofas
    assert set(ids(search.search("", category="sofas"))) == sofas
    # Combined with a query: the sofa cushion is in Textiles.
    assert ids(search.search("sofa", category="furniture")) == ["P-1", "P-5"]
    assert search.search("sofa", category="no such category").total == 0


def test_price_range_matches_any_variant_and_shows_the_price_in_range(search: SearchEngine) -> None:
    # The Oslo sofa has variants at 899.00 and 799.00.
    result = search.search("oslo", min_price=80000, max_price=90000)
    assert ids(result) == ["P-1"]
    assert result.hits[0].price_minor == 89900
    assert search.search("oslo").hits[0].price_minor == 79900  # lowest variant
    assert search.search("oslo", max_price=70000).total == 0
    assert search.search("oslo", min_price=90000).total == 0
    cheap = search.search("", max_price=3000, limit=50)
    assert set(ids(cheap)) == {"P-2", "P-3", "P-7"}
    assert all(h.price_minor <= 3000 for h in cheap.hits)


def test_in_stock_only(search: SearchEngine) -> None:
    everything = set(ids(search.search("", limit=50)))
    stocked = set(ids(search.search("", in_stock=True, limit=50)))
    assert everything - stocked == {"P-8"}  # the oak bookshelf has no stock
    assert search.search("bookshelf", in_stock=True).total == 0
    assert all(h.in_stock for h in search.search("", in_stock=True, limit=50).hits)


def test_filters_combine(search: SearchEngine) -> None:
    result = search.search("", category="furniture", max_price=20000, in_stock=True, limit=50)
    assert ids(result) == ["P-9"]  # the café table; the bookshelf is out of stock
    assert result.total == 1
