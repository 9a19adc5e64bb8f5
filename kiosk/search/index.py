"""Keeping the search index in step with catalog writes.

CONTRACT: every writer of products (import, sync apply, demo load) calls
``update_index(conn, product_ids)`` inside its own transaction, after
writing, so that the index commits (or rolls back) with the data.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection


def update_index(conn: Connection, product_ids: Iterable[str] | None = None) -> None:
    """Bring the index up to date for ``product_ids`` (``None``: everything).

    Ids of products that no longer exist are removed from the index.
    """
    return None
