"""Small portable SQL helpers for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")

#: Bound parameters per statement: well below SQLite's 32766 limit.
CHUNK = 500


def chunks(items: Sequence[T] | Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """Split ``items`` into lists of at most ``size``."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> int:
    """Insert rows, skipping those whose primary/unique key already exists.

    Returns:
        How many rows were inserted.
    """
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    key = list(table.primary_key.columns)[0]
    total = 0
    for batch in chunks(rows):
        # RETURNING rather than rowcount: drivers disagree on rowcount after
        # executemany (psycopg 3 reports only the last statement's).
        stmt = dialect.insert(table).on_conflict_do_nothing().returning(key)
        total += len(conn.execute(stmt, batch).all())
    return total
