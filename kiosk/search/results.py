"""What a search returns: hits and the result envelope (shared with the UI and CLI)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One product found."""

    product_id: str
    sku: str  # SKU of the product's first variant (the typed SKU on an exact SKU match)
    name: str
    brand: str
    price_minor: int  # lowest variant price (lowest within the price filter, if any)
    currency: str
    score: float  # relevance in (0, 1], 1 for an exact match in the name; higher is better
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
    corrections: int = 0  # how many suggestions, from the first, are spelling corrections (then categories)
