"""Fixtures for the search tests: a small home-goods catalog in a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from kiosk.db import open_db
from kiosk.search import SearchEngine
from tests.search.catalog import P, load

# A catalog small enough to reason about, with the cases the tests need:
# shared words across fields, accents, CJK, stock, featured, nested categories.
CATALOG = [
    P("P-1", "Oslo 3-seat sofa", "Nordhem", ("Furniture", "Sofas"), ("living room",),
      "A deep sofa in wool.", variants=[("Grey", 89900, 4), ("Blue", 79900, 0)]),
    P("P-2", "Sofa cushion", "Softy", ("Textiles", "Cushions"), variants=[("Red", 1900, 10)]),
    P("P-3", "Crème brûlée torch", "Chef & Co", ("Kitchen", "Tools"), variants=[("", 2450, 3)]),
    P("P-4", "Wardrobe with mirror", "Nordhem", ("Furniture", "Storage"), variants=[("White", 34900, 2)]),
    P("P-5", "北京沙发床", "华家", ("Furniture", "Sofas"), variants=[("Grey", 129900, 1)]),
    P("P-6", "Garden chair", "Verde", ("Garden",), featured=True, variants=[("Green", 4900, 8)]),
    P("P-7", "Lampshade linen", "Lumo", ("Decor", "Lighting"), variants=[("Natural", 2900, 5)]),
    P("P-8", "Oak bookshelf", "Nordhem", ("Furniture", "Storage"), ("oak",), variants=[("Oak", 19900, 0)]),
    P("P-9", "Café table", "Bistro", ("Furniture", "Tables"), featured=True, variants=[("Black", 15900, 2)]),
]


@pytest.fixture
def catalog(engine: Engine) -> Engine:
    """The test catalog, loaded and logged for the index."""
    load(engine, CATALOG)
    return engine


@pytest.fixture
def live_search(catalog: Engine) -> Iterator[SearchEngine]:
    """A search engine over a test catalog that the test may change."""
    se = SearchEngine(catalog)
    yield se
    se.close()


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchEngine]:
    """A search engine over the test catalog, shared by a module's read-only tests."""
    eng = open_db(tmp_path_factory.mktemp("search") / "kiosk.sqlite3")
    load(eng, CATALOG)
    se = SearchEngine(eng)
    yield se
    se.close()
    eng.dispose()


def names(result) -> list[str]:  # noqa: ANN001 - SearchResult
    """Hit names in rank order."""
    return [h.name for h in result.hits]


def ids(result) -> list[str]:  # noqa: ANN001 - SearchResult
    """Hit product ids in rank order."""
    return [h.product_id for h in result.hits]
