"""Pulling the store's scenes from the central service.

``GET /v1/stores/{store}/scenes`` returns the store's whole scene collection
(with an ETag: unchanged collections cost a 304). The kiosk upserts every
valid scene and deletes only the scenes it received from central before and
that central no longer lists; a scene made on the kiosk itself and not known
centrally is never deleted by a sync. The collection's ETag and the ids
received are kept in the ``settings`` table under ``sync.scenes.<store>``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kiosk.models import Scene, Setting
from kiosk.sync.client import CentralClient, ResponseError

log = logging.getLogger(__name__)


@dataclass
class ScenesResult:
    """What a scenes pull did."""

    not_modified: bool = False
    upserted: int = 0
    deleted: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (scene id, reason)
    image_urls: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        """Whether the local scenes changed."""
        return bool(self.upserted or self.deleted)


def _key(store_id: str) -> str:
    return f"sync.scenes.{store_id}"


def pull_scenes(engine: Engine, client: CentralClient) -> ScenesResult:
    """Bring the local scenes in step with the store's central collection.

    Raises:
        SyncError: The request failed or the answer is not a scene list
            (nothing changed).
    """
    from kiosk.catalog_store import upsert_scenes
    from kiosk.records import RecordError, parse_scene

    key = _key(client.store_id)
    with engine.connect() as conn:
        saved = conn.execute(select(Setting.value).where(Setting.key == key)).scalar() or {}
    etag = saved.get("etag", "") if isinstance(saved, dict) else ""
    known = set(saved.get("ids", [])) if isinstance(saved, dict) else set()
    resp = client.get_scenes(etag=etag)
    result = ScenesResult()
    if resp.status == 304:
        result.not_modified = True
        return result
    data: Any = resp.data
    if not isinstance(data, dict) or not isinstance(data.get("scenes"), list):
        raise ResponseError("scenes: expected an object with a 'scenes' list")
    records = []
    for obj in data["scenes"]:
        sid = obj.get("id", "?") if isinstance(obj, dict) else "?"
        try:
            rec = parse_scene(obj)
        except RecordError as exc:
            result.rejected.append((str(sid), f"{exc.field}: {exc.message}"))
            log.warning("sync: rejected scene %s: %s: %s", sid, exc.field, exc.message)
            continue
        records.append(rec)
        if rec.hero_image.startswith(("http://", "https://")):
            result.image_urls.add(rec.hero_image)
    ids = {r.id for r in records} | {sid for sid, _ in result.rejected}
    gone = sorted(known - ids)
    with engine.begin() as conn:
        if records:
            result.upserted = upsert_scenes(conn, records)
        if gone:
            conn.execute(delete(Scene).where(Scene.id.in_(gone)))
            result.deleted = len(gone)
        value = {"etag": resp.etag, "ids": sorted(ids)}
        stmt = sqlite_insert(Setting).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=[Setting.key], set_={"value": value}))
    return result
