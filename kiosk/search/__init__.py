"""Product search: as-you-type, typo-tolerant, ranked; the API the screens call.

CONTRACT (implemented by the search work; signatures are shared with the UI,
the CLI and the sync worker):

    engine = SearchEngine(db_engine)
    result = engine.search("sofa gr", limit=24, category="furniture",
                           min_price=0, max_price=50000, in_stock=True)
    result.hits -> list[SearchHit]; result.total; result.took_ms;
    result.suggestions (for a friendly "nothing found")
    engine.refresh()  # pick up catalog changes committed by any connection

An empty query returns featured products.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One product found."""

    product_id: str
    sku: str  # SKU of the product's first (or best-matching) variant
    name: str
    brand: str
    price_minor: int  # lowest variant price
    currency: str
    score: float
    in_stock: bool = False
    image_url: str = ""
    category_path: str = ""


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The answer to one query."""

    query: str
    hits: list[SearchHit]
    total: int
    took_ms: float
    suggestions: list[str] = field(default_factory=list)


class SearchEngine:
    """Search over the local catalog cache (stub until the search work lands)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def search(
        self,
        query: str,
        *,
        limit: int = 24,
        offset: int = 0,
        category: str | None = None,
        min_price: int | None = None,
        max_price: int | None = None,
        in_stock: bool = False,
    ) -> SearchResult:
        """Search products; see the module docstring."""
        raise NotImplementedError

    def refresh(self) -> None:
        """Reload after catalog changes."""
