"""Product search: as-you-type, typo-tolerant, ranked; the API the screens call.

CONTRACT (signatures are shared with the UI, the CLI and the sync worker):

    engine = SearchEngine(db_engine)
    result = engine.search("sofa gr", limit=24, category="furniture",
                           min_price=0, max_price=50000, in_stock=True)
    result.hits -> list[SearchHit]; result.total; result.took_ms;
    result.suggestions (for a friendly "nothing found")
    engine.refresh()  # rebuild now; changes committed by any connection
                      # (logged by update_index) are picked up by themselves

An empty query returns featured products, then the rest. See docs/search.md
for ranking, typo tolerance and limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.search.engine import SearchEngine
    from kiosk.search.results import SearchHit, SearchResult

__all__ = ["SearchEngine", "SearchHit", "SearchResult"]


def __getattr__(name: str) -> Any:
    # Imported on first use: a bulk import's worker processes need only
    # kiosk.search.loader, and the engine's imports (the tokeniser's
    # patterns, the index layout hash) cost each of them ~45 ms of start-up.
    if name == "SearchEngine":
        from kiosk.search.engine import SearchEngine

        return SearchEngine
    if name in ("SearchHit", "SearchResult"):
        from kiosk.search import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
