"""The threshold top-k used for queries whose words each match many products.

At 200,000 SKUs "color p" intersects two 20,000-product term maps; the
engine then walks both best-first instead of summing everything. It must
return exactly what the general path returns.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine

import kiosk.search.engine as engine_module
from kiosk.search import SearchEngine
from tests.search.catalog import P, load

WORDS = ["black", "blue", "cotton", "shirt", "slim", "printed", "women", "men", "kurta", "silk", "steel",
         "bottle", "cover", "case", "phone", "cushion", "colour", "casual", "solid", "set"]


@pytest.fixture
def medium(engine: Engine) -> SearchEngine:
    rng = random.Random(7)
    products = []
    for i in range(400):
        name = " ".join(rng.sample(WORDS, rng.randint(2, 6))).title()
        variants = [(rng.choice(["Black", "Blue", "Grey"]), rng.randint(100, 9000), rng.choice([0, 0, 3]))
                    for _ in range(rng.randint(1, 3))]
        products.append(P(f"M-{i}", name, rng.choice(["Acme", "Blue Moon", "Casual Co"]),
                          (rng.choice(["Clothing", "Home"]), rng.choice(["Shirts", "Covers"])),
                          description=f"{name} in colour {rng.choice(WORDS)}.", variants=variants))
    load(engine, products)
    return SearchEngine(engine)


QUERIES = ["b s", "c s", "colour b", "blue c", "s c b", "cotton shirt s", "color p", "casual s", "black blue c"]


def test_threshold_path_ranks_exactly_like_the_general_path(medium: SearchEngine,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    taken = []
    original = SearchEngine._top_of_big_intersection  # noqa: SLF001

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        result = original(*args, **kwargs)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(SearchEngine, "_top_of_big_intersection", staticmethod(spy))
    for query in QUERIES:
        answers = {}
        for label, minimum in (("general", 10**9), ("threshold", 1)):
            monkeypatch.setattr(engine_module, "_THRESHOLD_MIN", minimum)
            medium._results.clear()  # noqa: SLF001 - compare fresh computations
            answers[label] = [
                (r.total, [(h.product_id, h.score) for h in r.hits])
                for r in (medium.search(query, limit=n) for n in (1, 5, 24, 200))
            ]
        assert answers["threshold"] == answers["general"], query
        assert answers["general"][-1][0] > 0, query
    assert sum(taken) >= len(QUERIES) * 2  # the threshold path really answered most of them
