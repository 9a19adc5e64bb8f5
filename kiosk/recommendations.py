"""Complete the look: what goes with a product, and why.

Staff-made scenes are the strongest signal the kiosk has: products a person
placed in the same room belong together. So recommendations come first from
the active scenes the product appears in (ranked by how many scenes they
share), each with the scene it came from ("Seen together in "Cozy living
room""). When scenes say too little, products that share the product's tags
and department fill the row ("Goes with ..."), so the row is never empty for
a product that has neighbours. The product itself is never recommended, and
products on the shelf here come before those that are not.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, bindparam, case, func, or_, select
from sqlalchemy.engine import Connection

from kiosk.catalog import PATH_SEP, ProductSummary, summary_map
from kiosk.models import Category, Product, ProductTag, Scene, SceneItem, Variant, utcnow

_p = Product.__table__
_t = ProductTag.__table__
_c = Category.__table__
_s = Scene.__table__
_si = SceneItem.__table__
_v = Variant.__table__

#: Tags that say nothing about what goes together.
GENERIC_TAGS = frozenset({"sale", "online only", "new", "bestseller", "featured", "clearance"})
#: In the fallback, at most this many products of one category before others get a turn.
PER_CATEGORY = 2
#: Why a featured product fills a row nothing else could fill.
POPULAR_REASON = "Popular in our store"
#: Fallback candidates considered, to bound the work on big catalogs.
CANDIDATES = 200


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One product of the "Complete the look" row.

    Attributes:
        product: Card data of the recommended product.
        reason: Why, for the customer: ``Seen together in "Cozy living room"``
            or ``Goes with "Oslo sofa"``.
        scene_id: The scene it shares with the product (``None`` for a
            fallback); tapping the reason can open it.
        scene_title: That scene's title (``""`` for a fallback).
        shared_scenes: In how many active scenes the two appear together.
    """

    product: ProductSummary
    reason: str
    scene_id: str | None = None
    scene_title: str = ""
    shared_scenes: int = 0


# Built once with expanding binds: statement construction would otherwise
# cost more than the queries themselves.
_TAG_NEIGHBOURS_STMT = (
    select(_t.c.product_id, func.count().label("n"))
    .where(_t.c.tag.in_(bindparam("tags", expanding=True)), _t.c.product_id != bindparam("me"))
    # No ORDER BY: grouping follows the (product_id, tag) primary key, so
    # SQLite streams groups and stops after CANDIDATES of them instead of
    # sorting every product that shares a popular tag; the candidates are
    # ranked by shared-tag count in Python. On a small store that is every
    # neighbour; on a large one, a deterministic slice of them.
    .group_by(_t.c.product_id).limit(CANDIDATES)
)
_FACTS_STMT = (
    select(_p.c.id, _p.c.category_id, func.max(case((_v.c.stock_store > 0, 1), else_=0)))
    .join(_v, _v.c.product_id == _p.c.id)
    .where(_p.c.id.in_(bindparam("ids", expanding=True)))
    .group_by(_p.c.id, _p.c.category_id)
)


def _active_scenes_with(conn: Connection, product_id: str, store_id: str | None,
                        now: datetime) -> list[tuple[str, str]]:
    """``(id, title)`` of the active scenes that show ``product_id``, in display order."""
    # The product's scenes first (indexed by product), so a chain with
    # hundreds of scenes only reads the few that matter.
    scope = _s.c.store_id.is_(None) if store_id is None else or_(_s.c.store_id.is_(None), _s.c.store_id == store_id)
    mine = select(_si.c.scene_id).where(_si.c.product_id == product_id)
    rows = conn.execute(select(_s.c.id, _s.c.title, _s.c.active_from, _s.c.active_to)
                        .where(scope, _s.c.id.in_(mine)).order_by(_s.c.position, _s.c.title, _s.c.id))
    return [(r.id, r.title) for r in rows
            if (r.active_from is None or r.active_from <= now) and (r.active_to is None or now < r.active_to)]


def _stable_jitter(a: str, b: str) -> int:
    # Ties among fallback candidates are broken by a hash of the pair, so
    # different products show different neighbours, the same ones every time.
    return zlib.crc32(f"{a}\x00{b}".encode())


def _from_scenes(conn: Connection, product_id: str, store_id: str | None, now: datetime) -> list[Recommendation]:
    scenes = _active_scenes_with(conn, product_id, store_id, now)
    if not scenes:
        return []
    order = {sid: i for i, (sid, _title) in enumerate(scenes)}
    titles = dict(scenes)
    mine = list(order)
    shared: dict[str, int] = {}
    first: dict[str, tuple[int, int, str]] = {}  # product -> (scene order, item position, scene id)
    rows = conn.execute(select(_si.c.scene_id, _si.c.product_id, _si.c.position)
                        .where(_si.c.scene_id.in_(mine), _si.c.product_id != product_id))
    seen_pairs: set[tuple[str, str]] = set()
    for sid, pid, pos in rows:
        if (sid, pid) in seen_pairs:  # a product twice in one scene counts once
            continue
        seen_pairs.add((sid, pid))
        shared[pid] = shared.get(pid, 0) + 1
        key = (order[sid], int(pos), sid)
        if pid not in first or key < first[pid]:
            first[pid] = key
    products = summary_map(conn, list(shared))
    ranked = sorted(products, key=lambda pid: (-shared[pid], not products[pid].in_stock, first[pid][:2], pid))
    out = []
    for pid in ranked:
        sid = first[pid][2]
        out.append(Recommendation(products[pid], f"Seen together in \u201c{titles[sid]}\u201d", sid, titles[sid],
                                  shared[pid]))
    return out


def _fallback(conn: Connection, product_id: str, name: str, category_id: str | None, exclude: set[str],
              want: int) -> list[Recommendation]:
    tags = [t for t in conn.execute(select(_t.c.tag).where(_t.c.product_id == product_id)).scalars()
            if t.casefold() not in GENERIC_TAGS]
    scores: dict[str, int] = {}
    if tags:
        rows = conn.execute(_TAG_NEIGHBOURS_STMT, {"tags": tags, "me": product_id})
        scores = {pid: int(n) * 2 for pid, n in rows if pid not in exclude}
    root = None
    if category_id:
        path = conn.execute(select(_c.c.path).where(_c.c.id == category_id)).scalar_one_or_none()
        root = path.split(PATH_SEP)[0] if path else None
    if len(scores) < want and root is not None:
        # Few tag neighbours: the rest of the department joins the pool.
        dept = select(_c.c.id).where(or_(_c.c.path == root, _c.c.path.startswith(root + PATH_SEP, autoescape=True)))
        for pid in conn.execute(select(_p.c.id).where(_p.c.category_id.in_(dept), _p.c.id != product_id)
                                .limit(CANDIDATES)).scalars():
            if pid not in exclude:
                scores.setdefault(pid, 0)
    if not scores:
        return []
    # Rank on two cheap facts per candidate (category, in stock here) and
    # build card data only for the few picked: a popular tag can match
    # thousands of products.
    facts: dict[str, tuple[str | None, bool]] = {}
    cand = list(scores)
    for i in range(0, len(cand), 900):
        for pid, cat, stocked in conn.execute(_FACTS_STMT, {"ids": cand[i:i + 900]}):
            facts[pid] = (cat, bool(stocked))

    def key(pid: str) -> tuple[int, int, bool, int]:
        cat, stocked = facts[pid]
        # Another sofa is an alternative, not something that goes with a
        # sofa: products of the same category come after every complement.
        same = int(cat == category_id and category_id is not None)
        return (same, -scores[pid], not stocked, _stable_jitter(product_id, pid))

    ranked = sorted(facts, key=key)
    # Spread the row over categories: at most PER_CATEGORY of one kind first.
    picked: list[str] = []
    per_cat: dict[str | None, int] = {}
    for pid in ranked:
        cat = facts[pid][0]
        if per_cat.get(cat, 0) < PER_CATEGORY:
            picked.append(pid)
            per_cat[cat] = per_cat.get(cat, 0) + 1
        if len(picked) >= want:
            break
    if len(picked) < want:
        picked += [pid for pid in ranked if pid not in picked][: want - len(picked)]
    products = summary_map(conn, picked)
    picked = [pid for pid in picked if pid in products]
    return [Recommendation(products[pid], f"Goes with \u201c{name}\u201d") for pid in picked]


def complete_the_look(engine: Engine, product_id: str, limit: int = 8, *, store_id: str | None = None,
                      now: datetime | None = None) -> list[Recommendation]:
    """Products that go with ``product_id``, best first, each with its reason.

    Args:
        engine: The catalog cache.
        product_id: The product on screen.
        limit: At most this many recommendations.
        store_id: This kiosk's store: its own scenes count besides chain-wide
            ones (``None``: chain-wide scenes only, as in
            :func:`kiosk.scenes.active_scenes`).
        now: The moment scene date windows are judged by (aware); default now.

    Returns:
        First the products sharing an active scene with this one (most
        shared scenes first, then those in stock here, then scene and
        hotspot order), then products sharing its tags and department, then
        (for a product with no neighbours at all) featured products. Never
        the product itself; empty for an unknown product.
    """
    if limit <= 0:
        return []
    when = now or utcnow()
    with engine.connect() as conn:
        me = conn.execute(select(_p.c.name, _p.c.category_id).where(_p.c.id == product_id)).one_or_none()
        if me is None:
            return []
        recs = _from_scenes(conn, product_id, store_id, when)[:limit]
        if len(recs) < limit:
            taken = {r.product.product_id for r in recs} | {product_id}
            recs += _fallback(conn, product_id, me.name, me.category_id, taken, limit - len(recs))
        if len(recs) < limit:
            taken = {r.product.product_id for r in recs} | {product_id}
            recs += _popular(conn, taken, limit - len(recs))
    return recs[:limit]


def _popular(conn: Connection, exclude: set[str], want: int) -> list[Recommendation]:
    """Last resort for a product with no neighbours at all: the store's featured products."""
    ids = [pid for pid in conn.execute(select(_p.c.id).where(_p.c.featured.is_(True)).order_by(_p.c.id)
                                       .limit(want + len(exclude))).scalars() if pid not in exclude]
    products = summary_map(conn, ids)
    ranked = sorted(products.values(), key=lambda s: (not s.in_stock, s.product_id))[:want]
    return [Recommendation(s, POPULAR_REASON) for s in ranked]


__all__ = ["POPULAR_REASON", "Recommendation", "complete_the_look"]
