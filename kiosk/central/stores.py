"""Chains and stores: creation and lookup."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select

from kiosk.central.errors import ApiError
from kiosk.central.models import Chain, Store
from kiosk.models import utcnow

DEFAULT_CHAIN = "default"
_S, _C = Store.__table__.c, Chain.__table__.c
# Built once: every feed request reads the store's head.
_STORE_QUERY = (select(_S.id, _S.chain_id, _S.name, _S.last_seq, _S.scenes_version, _C.epoch, _C.head_seq)
                .join_from(Store.__table__, Chain.__table__, _C.id == _S.chain_id)
                .where(_S.id == bindparam("s")))
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class StoreInfo:
    """A store, its chain, and the feed heads that make up its ETag."""

    store_id: str
    chain_id: str
    name: str
    epoch: str
    head: int  # highest seq this store's feed contains
    scenes_version: int


def check_id(kind: str, value: str) -> str:
    """Validate a store or chain id (letters, digits, ``.``, ``_``, ``-``; at most 64)."""
    if not _ID_RE.match(value or ""):
        raise ValueError(f"invalid {kind} id {value!r}: use letters, digits, '.', '_' or '-' (max 64)")
    return value


def ensure_chain(conn: Connection, chain_id: str) -> None:
    """Create the chain if it does not exist (inside a write transaction)."""
    check_id("chain", chain_id)
    if conn.execute(select(Chain.id).where(Chain.id == chain_id)).first() is None:
        conn.execute(insert(Chain).values(id=chain_id, epoch=secrets.token_hex(4), last_seq=0, head_seq=0,
                                          created_at=utcnow()))


def ensure_store(conn: Connection, store_id: str, chain_id: str | None = None, name: str = "") -> str:
    """Create the store (and its chain) if missing; returns the store's chain id.

    Raises:
        ValueError: The store exists in another chain than ``chain_id``.
    """
    check_id("store", store_id)
    row = conn.execute(select(Store.chain_id).where(Store.id == store_id)).first()
    if row is not None:
        if chain_id is not None and row.chain_id != chain_id:
            raise ValueError(f"store {store_id!r} belongs to chain {row.chain_id!r}, not {chain_id!r}")
        return str(row.chain_id)
    chain_id = chain_id or DEFAULT_CHAIN
    ensure_chain(conn, chain_id)
    conn.execute(insert(Store).values(id=store_id, chain_id=chain_id, name=name or store_id, last_seq=0,
                                      scenes_version=0, created_at=utcnow()))
    return chain_id


def info_from_row(row: Any) -> StoreInfo:
    """A ``StoreInfo`` from a row with the columns of the store query."""
    return StoreInfo(store_id=row.id, chain_id=row.chain_id, name=row.name, epoch=row.epoch,
                     head=max(int(row.last_seq), int(row.head_seq)), scenes_version=int(row.scenes_version))


def store_info(conn: Connection, store_id: str) -> StoreInfo:
    """The store and its feed heads in one query.

    Raises:
        ApiError: 404 ``store_not_found``.
    """
    row = conn.execute(_STORE_QUERY, {"s": store_id}).first()
    if row is None:
        raise ApiError(404, "store_not_found", f"no store {store_id!r}")
    return info_from_row(row)
