"""Scenes: staff-curated looks (a hero image with products placed on it).

The customer side reads the scenes that are active now in this store
(:func:`active_scenes`) and one scene with its products (:func:`get_scene`).
The staff side saves scenes with optimistic concurrency
(:func:`save_scene`): every write names the version it was based on, and a
write based on an outdated version is refused with :class:`VersionConflict`
instead of silently overwriting a colleague's (or the central service's)
change. Results are frozen dataclasses, never ORM objects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, insert, or_, select, update

from kiosk.catalog import ProductSummary, summary_map
from kiosk.models import Product, Scene, SceneItem, utcnow

_s = Scene.__table__
_si = SceneItem.__table__
_p = Product.__table__

MAX_TITLE = 200
MAX_SUBTITLE = 500
MAX_NOTE = 300
MAX_ITEMS = 100


class SceneError(ValueError):
    """A scene that cannot be saved as given (the message says why)."""


class VersionConflict(Exception):
    """The scene changed since the caller read it; reload and try again.

    Attributes:
        scene_id: The scene.
        expected: The version the caller based the change on (``None``: it
            meant to create a new scene).
        actual: The version in the database now (``None``: the scene is gone).
    """

    def __init__(self, scene_id: str, expected: int | None, actual: int | None) -> None:
        if actual is None:
            msg = f"scene {scene_id!r} was deleted since version {expected} was read"
        elif expected is None:
            msg = f"scene {scene_id!r} already exists (version {actual}); load it and edit that"
        else:
            msg = (f"scene {scene_id!r} was changed by someone else (now version {actual}, "
                   f"your edit is based on version {expected}); reload it and apply your change again")
        super().__init__(msg)
        self.scene_id = scene_id
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True, slots=True)
class SceneSummary:
    """A scene as tiles and the attract loop show it."""

    id: str
    title: str
    subtitle: str
    hero_image: str
    store_id: str | None
    active_from: datetime | None
    active_to: datetime | None
    position: int
    version: int
    item_count: int


@dataclass(frozen=True, slots=True)
class SceneItemView:
    """A product on a scene: where its hotspot is and the product card data."""

    position: int
    product_id: str
    x: float
    y: float
    note: str
    product: ProductSummary


@dataclass(frozen=True, slots=True)
class SceneView:
    """A scene with its visible items (products the cache holds), in order."""

    id: str
    title: str
    subtitle: str
    hero_image: str
    store_id: str | None
    active_from: datetime | None
    active_to: datetime | None
    position: int
    version: int
    items: tuple[SceneItemView, ...]
    hidden_product_ids: tuple[str, ...] = ()

    @property
    def products(self) -> list[ProductSummary]:
        """The products of the scene, each once, in hotspot order ("Add the whole look")."""
        seen: dict[str, ProductSummary] = {}
        for it in self.items:
            seen.setdefault(it.product_id, it.product)
        return list(seen.values())

    def is_active(self, now: datetime | None = None) -> bool:
        """Whether the scene's date window contains ``now`` (default: the current time)."""
        return _in_window(self.active_from, self.active_to, now or utcnow())


@dataclass(frozen=True, slots=True)
class SceneItemDraft:
    """One hotspot of a scene being saved."""

    product_id: str
    x: float
    y: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class SceneDraft:
    """A scene as staff edit it, to pass to :func:`save_scene`."""

    id: str
    title: str
    subtitle: str = ""
    hero_image: str = ""
    store_id: str | None = None
    active_from: datetime | None = None
    active_to: datetime | None = None
    position: int = 0
    items: tuple[SceneItemDraft, ...] = field(default_factory=tuple)

    @classmethod
    def from_view(cls, view: SceneView) -> SceneDraft:
        """A draft of an existing scene (only its visible items are kept)."""
        return cls(view.id, view.title, view.subtitle, view.hero_image, view.store_id, view.active_from,
                   view.active_to, view.position,
                   tuple(SceneItemDraft(i.product_id, i.x, i.y, i.note) for i in view.items))


def _in_window(start: datetime | None, end: datetime | None, now: datetime) -> bool:
    # A window is [active_from, active_to): a scene that ends at midnight is
    # gone at midnight, and the next one that starts then is shown.
    return (start is None or start <= now) and (end is None or now < end)


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return now.astimezone(timezone.utc)


def _visible_counts(conn: Connection, scene_ids: Sequence[str]) -> dict[str, int]:
    if not scene_ids:
        return {}
    rows = conn.execute(
        select(_si.c.scene_id, func.count(func.distinct(_si.c.product_id)))
        .join(_p, _p.c.id == _si.c.product_id)
        .where(_si.c.scene_id.in_(list(scene_ids)))
        .group_by(_si.c.scene_id)
    )
    return {sid: int(n) for sid, n in rows}


def _summary(r: Row[Any], count: int) -> SceneSummary:
    return SceneSummary(r.id, r.title, r.subtitle or "", r.hero_image or "", r.store_id, r.active_from, r.active_to,
                        int(r.position or 0), int(r.version or 1), count)


def active_scenes(engine: Engine, store_id: str | None = None, now: datetime | None = None) -> list[SceneSummary]:
    """The scenes a customer sees now in this store, in display order.

    A scene shows when ``now`` is inside its ``[active_from, active_to)``
    window (open ends allowed), it is chain-wide (``store_id`` NULL) or made
    for this store, and at least one of its products is in the cache (an
    empty look is not worth a tile).

    Args:
        engine: The catalog cache.
        store_id: This kiosk's store; ``None`` shows chain-wide scenes only.
        now: The moment to judge by (aware); default the current time.

    Returns:
        Summaries ordered by position, then title.
    """
    now = _aware(now)
    scope = _s.c.store_id.is_(None) if store_id is None else or_(_s.c.store_id.is_(None), _s.c.store_id == store_id)
    with engine.connect() as conn:
        # Dates are compared in Python: they are stored as ISO text, and a
        # handful of scenes does not need an index.
        rows = [r for r in conn.execute(select(_s).where(scope).order_by(_s.c.position, _s.c.title, _s.c.id))
                if _in_window(r.active_from, r.active_to, now)]
        counts = _visible_counts(conn, [r.id for r in rows])
    return [_summary(r, counts[r.id]) for r in rows if counts.get(r.id)]


def all_scenes(engine: Engine) -> list[SceneSummary]:
    """Every scene, whatever its dates and store (the staff list), in display order."""
    with engine.connect() as conn:
        rows = conn.execute(select(_s).order_by(_s.c.position, _s.c.title, _s.c.id)).all()
        counts = _visible_counts(conn, [r.id for r in rows])
    return [_summary(r, counts.get(r.id, 0)) for r in rows]


def get_scene(engine: Engine, scene_id: str) -> SceneView | None:
    """One scene with its items joined to product card data.

    Items whose product is not in the cache (not carried yet, or removed by
    a sync) are left out of ``items`` and listed in ``hidden_product_ids``.

    Returns:
        The scene, or ``None`` if there is no such scene.
    """
    with engine.connect() as conn:
        r = conn.execute(select(_s).where(_s.c.id == scene_id)).one_or_none()
        if r is None:
            return None
        items = conn.execute(select(_si).where(_si.c.scene_id == scene_id).order_by(_si.c.position)).all()
        products = summary_map(conn, [i.product_id for i in items])
    visible = tuple(SceneItemView(int(i.position), i.product_id, float(i.x), float(i.y), i.note or "",
                                  products[i.product_id])
                    for i in items if i.product_id in products)
    hidden = tuple(dict.fromkeys(i.product_id for i in items if i.product_id not in products))
    return SceneView(r.id, r.title, r.subtitle or "", r.hero_image or "", r.store_id, r.active_from, r.active_to,
                     int(r.position or 0), int(r.version or 1), visible, hidden)


def _check(scene: SceneDraft) -> None:
    if not scene.id or not scene.id.strip():
        raise SceneError("a scene needs an id")
    if not scene.title or not scene.title.strip():
        raise SceneError("a scene needs a title")
    if len(scene.title) > MAX_TITLE:
        raise SceneError(f"the title is {len(scene.title)} characters long; at most {MAX_TITLE}")
    if len(scene.subtitle) > MAX_SUBTITLE:
        raise SceneError(f"the subtitle is {len(scene.subtitle)} characters long; at most {MAX_SUBTITLE}")
    for name in ("active_from", "active_to"):
        when = getattr(scene, name)
        if when is not None and when.tzinfo is None:
            raise SceneError(f"{name} must be timezone-aware (UTC)")
    if scene.active_from and scene.active_to and scene.active_to <= scene.active_from:
        raise SceneError("the scene must end after it starts (active_to after active_from)")
    if len(scene.items) > MAX_ITEMS:
        raise SceneError(f"a scene holds at most {MAX_ITEMS} products, this one has {len(scene.items)}")
    for n, it in enumerate(scene.items, 1):
        if not it.product_id:
            raise SceneError(f"hotspot {n} names no product")
        for axis, value in (("x", it.x), ("y", it.y)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
                    or not 0 <= value <= 1:
                raise SceneError(f"hotspot {n} ({it.product_id}): {axis}={value!r} is outside the picture "
                                 "(fractions from 0 to 1)")
        if len(it.note) > MAX_NOTE:
            raise SceneError(f"hotspot {n} ({it.product_id}): the note is longer than {MAX_NOTE} characters")


def save_scene(engine: Engine, scene: SceneDraft, expected_version: int | None) -> int:
    """Create or update a scene, refusing to overwrite a newer version.

    Args:
        engine: The kiosk database.
        scene: The whole scene as it should be (its items replace the old ones).
        expected_version: The version the edit is based on (from
            :func:`get_scene`); ``None`` to create a new scene.

    Returns:
        The scene's new version (1 for a new scene).

    Raises:
        SceneError: The scene is invalid (nothing is written).
        VersionConflict: The scene changed (or was deleted, or already
            exists) since ``expected_version`` was read; nothing is written.
    """
    _check(scene)
    row = {"title": scene.title.strip(), "subtitle": scene.subtitle.strip(), "hero_image": scene.hero_image,
           "store_id": scene.store_id, "active_from": scene.active_from, "active_to": scene.active_to,
           "position": int(scene.position), "updated_at": utcnow()}
    with engine.begin() as conn:
        if expected_version is None:
            actual = conn.execute(select(_s.c.version).where(_s.c.id == scene.id)).scalar_one_or_none()
            if actual is not None:
                raise VersionConflict(scene.id, None, int(actual))
            conn.execute(insert(_s).values(id=scene.id, version=1, **row))
            new_version = 1
        else:
            # Compare-and-set in one statement: two kiosks (or a kiosk and the
            # sync worker) saving at once cannot both win.
            res = conn.execute(update(_s).where(_s.c.id == scene.id, _s.c.version == expected_version)
                               .values(version=_s.c.version + 1, **row))
            if res.rowcount != 1:
                actual = conn.execute(select(_s.c.version).where(_s.c.id == scene.id)).scalar_one_or_none()
                raise VersionConflict(scene.id, expected_version, None if actual is None else int(actual))
            new_version = expected_version + 1
        conn.execute(delete(_si).where(_si.c.scene_id == scene.id))
        if scene.items:
            conn.execute(insert(_si), [
                {"scene_id": scene.id, "position": pos, "product_id": it.product_id, "x": float(it.x),
                 "y": float(it.y), "note": it.note}
                for pos, it in enumerate(scene.items)
            ])
    return new_version


def delete_scene(engine: Engine, scene_id: str, expected_version: int) -> None:
    """Delete a scene (and its hotspots) if it is still at ``expected_version``.

    Raises:
        VersionConflict: It changed or is already gone.
    """
    with engine.begin() as conn:
        res = conn.execute(delete(_s).where(_s.c.id == scene_id, _s.c.version == expected_version))
        if res.rowcount != 1:
            actual = conn.execute(select(_s.c.version).where(_s.c.id == scene_id)).scalar_one_or_none()
            raise VersionConflict(scene_id, expected_version, None if actual is None else int(actual))


__all__ = [
    "SceneDraft",
    "SceneError",
    "SceneItemDraft",
    "SceneItemView",
    "SceneSummary",
    "SceneView",
    "VersionConflict",
    "active_scenes",
    "all_scenes",
    "delete_scene",
    "get_scene",
    "save_scene",
]
