"""Keeping the search index in step with catalog writes.

CONTRACT: every writer of products (import, sync apply, demo load) calls
``update_index(conn, product_ids)`` inside its own transaction, after
writing, so that the index commits (or rolls back) with the data.

How it works: the search index itself lives in memory in each
:class:`~kiosk.search.SearchEngine` (it is rebuilt from SQLite in about a
second for 20,000 products). What must be shared and transactional is the
knowledge of *what changed*; that is the ``search_changes`` table, a change
log with an ever-increasing ``seq``:

* ``update_index(conn, ids)`` appends one row per changed product id in the
  writer's transaction; a row with a NULL id means "everything changed"
  (a full import, or too many ids to list).
* An engine remembers the ``seq`` its index was built at. Before each search
  it reads ``max(seq)`` (one indexed lookup); when that moved, it reads the
  new rows *and* the changed products in one read transaction, i.e. one
  consistent snapshot, and patches or rebuilds. A rolled-back writer leaves
  no rows, and a half-written catalog is never visible (WAL snapshots).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

# SQLAlchemy and the ORM models are imported by the writers only: the search
# engine imports FULL_REBUILD_IDS from here and must load without the ORM at
# the kiosk's start-up (kiosk/startup.py).

# Above this many ids a change is logged as "rebuild everything": patching
# thousands of products costs more than a rebuild, and the log stays short.
FULL_REBUILD_IDS = 2000
# The log is collapsed into one full-rebuild row when it grows past this.
MAX_LOG_ROWS = 20000


def update_index(conn: Connection, product_ids: Iterable[str] | None = None) -> None:
    """Bring the index up to date for ``product_ids`` (``None``: everything).

    Ids of products that no longer exist are removed from the index. Runs
    in the caller's transaction: nothing is logged if it rolls back.

    Args:
        conn: The writer's connection, inside its transaction.
        product_ids: Products inserted, updated or deleted; ``None`` when
            the whole catalog may have changed.
    """
    from sqlalchemy import func, insert, select

    from kiosk.models import SearchChange

    if product_ids is None:
        ids = None
    else:
        ids = list(dict.fromkeys(str(pid) for pid in product_ids))
        if not ids:
            return
    if ids is None or len(ids) > FULL_REBUILD_IDS:
        _log_full_rebuild(conn)
        return
    conn.execute(insert(SearchChange), [{"product_id": pid} for pid in ids])
    lo, hi = conn.execute(select(func.min(SearchChange.seq), func.max(SearchChange.seq))).one()
    if lo is not None and hi - lo > MAX_LOG_ROWS:
        _log_full_rebuild(conn)


def _log_full_rebuild(conn: Connection) -> None:
    from sqlalchemy import delete, insert

    from kiosk.models import SearchChange

    # Earlier rows are moot once a full rebuild is due; AUTOINCREMENT keeps
    # the new row's seq above every deleted one, so engines still notice.
    conn.execute(delete(SearchChange))
    conn.execute(insert(SearchChange).values(product_id=None))
