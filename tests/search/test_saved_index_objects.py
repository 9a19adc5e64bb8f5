"""A saved index is made of few objects: loading it is the first search after an import, on its critical path."""

from __future__ import annotations

import io
import pickle

import pytest

from kiosk.search.inverted import Doc, InvertedIndex
from kiosk.search.loader import CategoryRow, ProductRow
from kiosk.search.snapshot import _IndexUnpickler

CATEGORIES = [CategoryRow("c1", "Sofas", None, "Sofas"), CategoryRow("c2", "Beds", None, "Beds")]


def row(i: int, brand: str, prices: tuple[int, ...]) -> ProductRow:
    # Each field its own object, as rows read from SQLite or from a worker's file are.
    return ProductRow(f"P-{i}", f"Sofa model {i}", "".join(brand), "", "c1" if i % 2 else "c2", False,
                      sku=f"SKU-{i}", currency="".join("EUR"), prices=tuple(list(prices)), in_stock=True)


@pytest.fixture
def loaded() -> tuple[InvertedIndex, InvertedIndex]:
    index = InvertedIndex(CATEGORIES, 1)
    rows = [row(i, "Nordhem" if i % 2 else "Verde", (1900, 2900) if i % 3 else (4900,)) for i in range(60)]
    new, typo_words = index.add_products(rows)
    index.finish(new, typo_words, full=True)
    data = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    return index, _IndexUnpickler(io.BytesIO(data)).load()


def test_equal_brands_currencies_and_price_lists_are_one_object_each(loaded: tuple[InvertedIndex, InvertedIndex]) -> None:
    for index in loaded:
        assert len({id(d.prices) for d in index.docs}) == 2
        assert len({id(d.brand) for d in index.docs}) == 2
        assert len({id(d.currency) for d in index.docs}) == 1


def test_a_loaded_index_has_the_same_documents_and_categories(loaded: tuple[InvertedIndex, InvertedIndex]) -> None:
    built, again = loaded
    assert again.docs == built.docs and all(type(d) is Doc for d in again.docs)
    assert again.categories == built.categories
    assert again.doc(again.by_id["P-7"]).category_path == "Sofas"


def test_saved_documents_of_another_layout_are_refused(loaded: tuple[InvertedIndex, InvertedIndex]) -> None:
    built, _ = loaded
    state = built.__getstate__()
    state["docs"] = [d[:-1] for d in state["docs"]]  # as an index with one field fewer saved them
    with pytest.raises(ValueError):
        InvertedIndex.__new__(InvertedIndex).__setstate__(state)
