"""Scenes per store with optimistic concurrency.

Each scene has a version (its ETag, ``"<n>"``); the store's scene collection
has one too, bumped by every scene write. A write names the version it was
based on in ``If-Match``; a different current version means someone else
wrote in between, and the write is refused with 412 instead of silently
overwriting their work. Updating or deleting an existing scene without
``If-Match`` is refused with 428.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from kiosk.central.catalog import dumps
from kiosk.central.errors import ApiError
from kiosk.central.models import SceneRow, Store
from kiosk.models import utcnow


@dataclass(frozen=True)
class SceneVersion:
    """A stored scene and its version."""

    scene_id: str
    version: int
    body: dict[str, Any]


def etag(version: int) -> str:
    """The ETag header value of a version."""
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None | str:
    """The version an ``If-Match`` header names: an int, ``"*"``, or ``None``.

    Raises:
        ApiError: 412 for a value that cannot be one of our ETags.
    """
    if value is None:
        return None
    v = value.strip()
    if v == "*":
        return "*"
    if v.startswith("W/"):
        v = v[2:]
    v = v.strip('"')
    try:
        return int(v)
    except ValueError:
        raise ApiError(412, "precondition_failed", f"If-Match {value!r} does not match any version") from None


def _bump_collection(conn: Connection, store_id: str) -> int:
    row = conn.execute(update(Store).where(Store.id == store_id).values(scenes_version=Store.scenes_version + 1)
                       .returning(Store.scenes_version)).one()
    return int(row.scenes_version)


def list_scenes(conn: Connection, store_id: str) -> tuple[int, list[dict[str, Any]]]:
    """The store's collection version and its scenes in position order."""
    version = conn.execute(select(Store.scenes_version).where(Store.id == store_id)).scalar_one()
    rows = conn.execute(select(SceneRow.body, SceneRow.version).where(SceneRow.store_id == store_id)
                        .order_by(SceneRow.position, SceneRow.scene_id)).all()
    scenes = []
    for row in rows:
        body = json.loads(row.body)
        body["version"] = row.version
        scenes.append(body)
    return int(version), scenes


def get_scene(conn: Connection, store_id: str, scene_id: str) -> SceneVersion | None:
    """One scene, or ``None``."""
    row = conn.execute(select(SceneRow.body, SceneRow.version)
                       .where(SceneRow.store_id == store_id, SceneRow.scene_id == scene_id)).first()
    if row is None:
        return None
    return SceneVersion(scene_id, int(row.version), json.loads(row.body))


def put_scene(conn: Connection, store_id: str, scene: dict[str, Any], if_match: int | str | None,
              if_none_match: str | None = None) -> tuple[int, bool]:
    """Create or replace one scene under optimistic concurrency.

    Args:
        conn: A write transaction.
        store_id: The store.
        scene: The canonical scene dict (its ``id`` names the scene).
        if_match: The version the client based its edit on (``If-Match``).
        if_none_match: ``"*"`` to only create.

    Returns:
        ``(new version, created)``.

    Raises:
        ApiError: 412 on a version conflict, 428 when updating without If-Match.
    """
    scene_id = str(scene["id"])
    current = conn.execute(select(SceneRow.version).where(SceneRow.store_id == store_id,
                                                          SceneRow.scene_id == scene_id)).scalar()
    if current is None:
        if if_match not in (None,) and if_match != "*":
            raise ApiError(412, "precondition_failed", f"scene {scene_id!r} does not exist (If-Match)",
                           {"ETag": etag(0)})
        if if_match == "*":
            raise ApiError(412, "precondition_failed", f"scene {scene_id!r} does not exist (If-Match: *)")
    else:
        if if_none_match is not None and if_none_match.strip() == "*":
            raise ApiError(412, "precondition_failed", f"scene {scene_id!r} already exists",
                           {"ETag": etag(current)})
        if if_match is None:
            raise ApiError(428, "precondition_required",
                           f"scene {scene_id!r} exists: send If-Match with the version you edited",
                           {"ETag": etag(current)})
        if if_match != "*" and if_match != current:
            raise ApiError(412, "precondition_failed",
                           f"scene {scene_id!r} is at version {current}, not {if_match}", {"ETag": etag(current)})
    body = dict(scene)
    body.pop("version", None)
    body["store_id"] = store_id
    now = utcnow()
    position = int(body.get("position") or 0)
    if current is None:
        conn.execute(insert(SceneRow).values(store_id=store_id, scene_id=scene_id, body=dumps(body), version=1,
                                             position=position, updated_at=now))
        version = 1
    else:
        version = int(current) + 1
        conn.execute(update(SceneRow).where(SceneRow.store_id == store_id, SceneRow.scene_id == scene_id)
                     .values(body=dumps(body), version=version, position=position, updated_at=now))
    _bump_collection(conn, store_id)
    return version, current is None


def delete_scene(conn: Connection, store_id: str, scene_id: str, if_match: int | str | None) -> None:
    """Delete a scene under optimistic concurrency.

    Raises:
        ApiError: 404 unknown scene, 428 without If-Match, 412 on conflict.
    """
    current = conn.execute(select(SceneRow.version).where(SceneRow.store_id == store_id,
                                                          SceneRow.scene_id == scene_id)).scalar()
    if current is None:
        raise ApiError(404, "scene_not_found", f"no scene {scene_id!r} in store {store_id!r}")
    if if_match is None:
        raise ApiError(428, "precondition_required", "send If-Match with the version you want to delete",
                       {"ETag": etag(current)})
    if if_match != "*" and if_match != current:
        raise ApiError(412, "precondition_failed", f"scene {scene_id!r} is at version {current}, not {if_match}",
                       {"ETag": etag(current)})
    conn.execute(delete(SceneRow).where(SceneRow.store_id == store_id, SceneRow.scene_id == scene_id))
    _bump_collection(conn, store_id)


def replace_scenes(conn: Connection, store_id: str, scenes: Sequence[dict[str, Any]],
                   if_match: int | str | None) -> int:
    """Replace the store's whole scene collection (``If-Match`` on the collection version).

    Returns:
        The new collection version.

    Raises:
        ApiError: 428 without If-Match, 412 when the collection changed.
    """
    current = int(conn.execute(select(Store.scenes_version).where(Store.id == store_id)).scalar_one())
    if if_match is None:
        raise ApiError(428, "precondition_required", "send If-Match with the scenes version you edited",
                       {"ETag": etag(current)})
    if if_match != "*" and if_match != current:
        raise ApiError(412, "precondition_failed", f"scenes are at version {current}, not {if_match}",
                       {"ETag": etag(current)})
    keep = {str(s["id"]) for s in scenes}
    old = {r.scene_id: int(r.version) for r in conn.execute(
        select(SceneRow.scene_id, SceneRow.version).where(SceneRow.store_id == store_id))}
    for sid in set(old) - keep:
        conn.execute(delete(SceneRow).where(SceneRow.store_id == store_id, SceneRow.scene_id == sid))
    now = utcnow()
    for s in scenes:
        body = dict(s)
        body.pop("version", None)
        body["store_id"] = store_id
        sid = str(body["id"])
        values = {"body": dumps(body), "position": int(body.get("position") or 0), "updated_at": now}
        if sid in old:
            conn.execute(update(SceneRow).where(SceneRow.store_id == store_id, SceneRow.scene_id == sid)
                         .values(version=old[sid] + 1, **values))
        else:
            conn.execute(insert(SceneRow).values(store_id=store_id, scene_id=sid, version=1, **values))
    return _bump_collection(conn, store_id)


def upsert_scenes_from_publish(conn: Connection, scenes: Sequence[tuple[str, dict[str, Any]]]) -> int:
    """Store scenes from a catalog publish; only changed scenes get a new version.

    A publish is an admin action, so it wins over kiosk edits without If-Match.

    Returns:
        How many scenes were created or changed.
    """
    changed = 0
    now = utcnow()
    bumped: set[str] = set()
    for store_id, scene in scenes:
        sid = str(scene["id"])
        text = dumps(scene)
        row = conn.execute(select(SceneRow.body, SceneRow.version)
                           .where(SceneRow.store_id == store_id, SceneRow.scene_id == sid)).first()
        if row is not None and row.body == text:
            continue
        values = {"body": text, "position": int(scene.get("position") or 0), "updated_at": now}
        if row is None:
            conn.execute(insert(SceneRow).values(store_id=store_id, scene_id=sid, version=1, **values))
        else:
            conn.execute(update(SceneRow).where(SceneRow.store_id == store_id, SceneRow.scene_id == sid)
                         .values(version=int(row.version) + 1, **values))
        changed += 1
        bumped.add(store_id)
    for store_id in bumped:
        _bump_collection(conn, store_id)
    return changed
