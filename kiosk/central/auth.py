"""Bearer tokens: creation, hashing at rest, and request authentication.

Tokens are 256-bit random strings, so a fast hash (sha256) is enough at rest:
there is nothing to brute-force as there would be with a password, and the
lookup stays one indexed query per request. Only the hash is stored; the
token is shown once when created.

Scopes: a store token reads and writes only its own store; an admin token can
do everything, including admin-only operations (publishing, price changes,
image uploads, creating tokens).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from kiosk.central.errors import ApiError
from kiosk.central.models import Chain, Store, Token
from kiosk.models import utcnow

_T = Token.__table__.c
# Built once: constructing a statement costs more than running it (every
# request authenticates).
_TOKEN_QUERY = select(_T.id, _T.store_id, _T.is_admin, _T.revoked_at).where(_T.token_hash == bindparam("h"))
_S, _C = Store.__table__.c, Chain.__table__.c
# The token and the store's head in one statement: one round trip per poll.
_TOKEN_STORE_QUERY = (
    select(_T.id.label("token_id"), _T.store_id.label("token_store"), _T.is_admin, _T.revoked_at,
           _S.id, _S.chain_id, _S.name, _S.last_seq, _S.scenes_version, _C.epoch, _C.head_seq)
    .select_from(Token.__table__
                 .outerjoin(Store.__table__, _S.id == bindparam("s"))
                 .outerjoin(Chain.__table__, _C.id == _S.chain_id))
    .where(_T.token_hash == bindparam("h"))
)

STORE_PREFIX = "kst_"
ADMIN_PREFIX = "kad_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: an admin or one store's kiosks."""

    token_id: int
    store_id: str | None
    is_admin: bool

    def require_store(self, store_id: str) -> None:
        """Refuse (403) unless this principal may act for ``store_id``."""
        if not self.is_admin and self.store_id != store_id:
            raise ApiError(403, "forbidden", f"this token cannot access store {store_id!r}")

    def require_admin(self) -> None:
        """Refuse (403) unless this is an admin token."""
        if not self.is_admin:
            raise ApiError(403, "admin_required", "this operation needs an admin token")


def hash_token(token: str) -> str:
    """The stored form of a token (hex sha256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(conn: Connection, *, store_id: str | None = None, admin: bool = False,
                 label: str = "") -> str:
    """Create a token and return it (the only time it exists in clear).

    Args:
        conn: A connection inside a write transaction.
        store_id: The store the token is for (store tokens).
        admin: Create an admin token instead.
        label: Free text to recognise the token later (kiosk name).

    Raises:
        ValueError: Neither or both of ``store_id`` and ``admin`` given.
    """
    if admin == (store_id is not None):
        raise ValueError("a token is either for one store or an admin token")
    token = (ADMIN_PREFIX if admin else STORE_PREFIX) + secrets.token_urlsafe(32)
    conn.execute(insert(Token).values(token_hash=hash_token(token), store_id=store_id, is_admin=admin,
                                      label=label, created_at=utcnow()))
    return token


def revoke_token(conn: Connection, token: str) -> bool:
    """Revoke a token given in clear; returns whether it existed."""
    res = conn.execute(update(Token).where(Token.token_hash == hash_token(token), Token.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    return res.rowcount > 0


def _bearer_hash(authorization: str | None) -> str:
    challenge = {"WWW-Authenticate": 'Bearer realm="kiosk-central"'}
    if not authorization:
        raise ApiError(401, "unauthorized", "missing bearer token", challenge)
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "expected 'Authorization: Bearer <token>'", challenge)
    return hash_token(token)


def _invalid_token() -> ApiError:
    return ApiError(401, "invalid_token", "unknown or revoked token",
                    {"WWW-Authenticate": 'Bearer realm="kiosk-central", error="invalid_token"'})


def authenticate_for_store(conn: Connection, authorization: str | None, store_id: str) -> tuple[Principal, Any]:
    """Authenticate and read the store's feed head in one round trip (the poll path).

    Returns:
        The principal and the store's ``StoreInfo``.

    Raises:
        ApiError: 401 (token), 403 (another store's token), 404 (no such store).
    """
    from kiosk.central.stores import info_from_row

    row = conn.execute(_TOKEN_STORE_QUERY, {"h": _bearer_hash(authorization), "s": store_id}).first()
    if row is None or row.revoked_at is not None:
        raise _invalid_token()
    principal = Principal(token_id=row.token_id, store_id=row.token_store, is_admin=bool(row.is_admin))
    principal.require_store(store_id)
    if row.id is None:
        raise ApiError(404, "store_not_found", f"no store {store_id!r}")
    return principal, info_from_row(row)


def authenticate(conn: Connection, authorization: str | None) -> Principal:
    """The principal of an ``Authorization: Bearer <token>`` header.

    Raises:
        ApiError: 401 when the header is missing, malformed, or the token is
            unknown or revoked.
    """
    row = conn.execute(_TOKEN_QUERY, {"h": _bearer_hash(authorization)}).first()
    if row is None or row.revoked_at is not None:
        raise _invalid_token()
    return Principal(token_id=row.id, store_id=row.store_id, is_admin=bool(row.is_admin))
