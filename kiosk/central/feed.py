"""The per-store changes feed: keyset pages over the compacted log.

A page is read in one snapshot (``read_tx``): the store's head, the log rows
after the cursor and the products they name. Each upsert carries the
product's current record with the store's overrides merged in; a deletion
carries ``null``. Because the log keeps only the newest entry per product, a
client that pages to ``more == false`` holds exactly the catalog of the last
page's snapshot, even if publishes happened while it paged.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from kiosk.central.catalog import dumps
from kiosk.central.errors import ApiError
from kiosk.central.images import absolute_image_urls
from kiosk.central.models import CHAIN_LEVEL, Change, Override, Product
from kiosk.central.stores import StoreInfo

_CH, _P = Change.__table__.c, Product.__table__.c
_IN_FEED = and_(_CH.chain_id == bindparam("chain"), _CH.store_id.in_([CHAIN_LEVEL, bindparam("store")]),
                _CH.seq > bindparam("since"))
# Built once (statement construction costs more than a small query).
_PAGE_QUERY = (select(_CH.seq, _CH.op, _CH.product_id, _P.record)
               .select_from(Change.__table__.outerjoin(
                   Product.__table__, and_(_P.chain_id == _CH.chain_id, _P.product_id == _CH.product_id)))
               .where(_IN_FEED).order_by(_CH.seq).limit(bindparam("n")))
_BEYOND_QUERY = select(_CH.seq).where(_IN_FEED).order_by(_CH.seq).offset(bindparam("off")).limit(1)

_O = Override.__table__.c
_OVERRIDES_QUERY = select(Override.__table__).where(_O.store_id == bindparam("store"),
                                                    _O.product_id.in_(bindparam("ids", expanding=True)))

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000


def head_etag(info: StoreInfo) -> str:
    """The ETag of a last page (``more`` false): the feed's state, ``"<epoch>.<head>"``.

    A client that sends it back with ``since=<next>`` of that page is caught
    up; while the head does not move, the answer is 304.
    """
    return f'"{info.epoch}.{info.head}"'


def page_etag(info: StoreInfo, since: int, limit: int) -> str:
    """The ETag of a page with more after it: also names the cursor and limit."""
    return f'"{info.epoch}.{info.head}.{since}.{limit}"'


def _is_last_page(conn: Connection, info: StoreInfo, since: int, limit: int) -> bool:
    beyond = conn.execute(_BEYOND_QUERY, {"chain": info.chain_id, "store": info.store_id, "since": since,
                                          "off": limit}).first()
    return beyond is None


def not_modified_etag(conn: Connection, info: StoreInfo, since: int, limit: int,
                      if_none_match: str | None) -> str | None:
    """The ETag to answer 304 with, or ``None`` when the page must be sent.

    Args:
        conn: The request's read transaction.
        info: The store and its head (read in the request's snapshot).
        since: The requested cursor.
        limit: The requested page size.
        if_none_match: The request's ``If-None-Match`` header.
    """
    if not if_none_match:
        return None
    if etag_matches(if_none_match, head_etag(info)) and since <= info.head:
        # The caught-up poll (since == head) needs no query. A repeated
        # request for an older cursor is unchanged if it still is a last page.
        if since == info.head or _is_last_page(conn, info, since, limit):
            return head_etag(info)
    page = page_etag(info, since, limit)
    if etag_matches(if_none_match, page):
        return page
    return None


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header matches ``etag`` (weak comparison)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        c = candidate.strip()
        if c == "*":
            return True
        if c.startswith("W/"):
            c = c[2:]
        if c == etag:
            return True
    return False


def apply_overrides(record: dict[str, Any], overrides: list[Any]) -> dict[str, Any]:
    """Merge a store's variant overrides into a product record (in place)."""
    by_variant = {o.variant_id: o for o in overrides}
    for variant in record.get("variants") or []:
        o = by_variant.get(variant.get("id"))
        if o is None:
            continue
        if o.price is not None:
            variant["price"] = o.price
        if o.compare_at_price is not None:
            variant["compare_at_price"] = o.compare_at_price
        if o.stock is not None:
            variant["stock"] = o.stock
        if o.aisle is not None:
            variant["aisle"] = o.aisle
        if o.bay is not None:
            variant["bay"] = o.bay
    return record


class PageCache:
    """Recently built pages of this process, keyed by everything that determines them.

    A page's content is fixed by (epoch, store, head, since, limit, base URL):
    a new change moves the head, so a cached page is never stale. When a
    chain-wide change lands, every kiosk of a store asks for the same page;
    the first builds it, the others get it from here.
    """

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[Any, ...], tuple[str, bool]] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[tuple[Any, ...], threading.Event] = {}

    def get(self, key: tuple[Any, ...]) -> tuple[str, bool] | None:
        """The cached page of a key, or ``None``."""
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[Any, ...], page: tuple[str, bool]) -> None:
        """Remember a page, forgetting the least recently used beyond ``size``."""
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def get_or_build(self, key: tuple[Any, ...], build: Callable[[], tuple[str, bool]]) -> tuple[str, bool]:
        """The cached page, or ``build()`` it - once, however many threads ask at the same time.

        After a chain-wide change all kiosks of a store ask within a second;
        without this, every request that arrives before the first build
        finishes would build the same page again.
        """
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                return page
            waiter = self._building.get(key)
            if waiter is None:
                waiter = self._building[key] = threading.Event()
                builder = True
            else:
                builder = False
        if not builder:
            waiter.wait(timeout=30)
            page = self.get(key)
            if page is not None:
                return page
            return build()  # the builder failed: build our own
        try:
            page = build()
            self.put(key, page)
            return page
        finally:
            with self._lock:
                self._building.pop(key, None)
            waiter.set()


def page_key(info: StoreInfo, since: int, limit: int, base_url: str) -> tuple[Any, ...]:
    """The cache key of a page."""
    return (info.epoch, info.store_id, info.head, since, limit, base_url)


def empty_page(info: StoreInfo) -> str:
    """The JSON body of the page after the head: no changes, caught up."""
    return f'{{"changes":[],"next":{info.head},"more":false,"checkpoint":{info.head}}}'


def read_page(conn: Connection, info: StoreInfo, since: int, limit: int, base_url: str) -> tuple[str, bool]:
    """The JSON body of one feed page.

    Args:
        conn: A read transaction (the same snapshot as ``info``).
        info: The store and its head.
        since: The client's cursor (0 for everything).
        limit: Most entries to return.
        base_url: Prefix for central image paths.

    Returns:
        ``{"changes": [...], "next": cursor, "more": bool, "checkpoint": head}``
        as JSON text, and ``more``.

    Raises:
        ApiError: 410 ``cursor_invalid`` for a cursor beyond the feed's head
            (a cursor from another server or a rebuilt database).
    """
    if since > info.head:
        raise ApiError(410, "cursor_invalid",
                       f"cursor {since} is beyond this feed's head {info.head}; resynchronise from 0")
    rows = conn.execute(_PAGE_QUERY, {"chain": info.chain_id, "store": info.store_id, "since": since,
                                      "n": limit + 1}).all()
    more = len(rows) > limit
    rows = rows[:limit]
    upserted = [r.product_id for r in rows if r.op == "upsert" and r.record is not None]
    overrides: dict[str, list[Any]] = {}
    if upserted:
        for o in conn.execute(_OVERRIDES_QUERY, {"store": info.store_id, "ids": sorted(set(upserted))}):
            overrides.setdefault(o.product_id, []).append(o)
    # A product can appear twice in one page (its chain entry and a newer
    # store entry); both would carry the same current record, so keep the last.
    last_index = {r.product_id: i for i, r in enumerate(rows)}
    parts = []
    for i, r in enumerate(rows):
        if last_index[r.product_id] != i:
            continue
        pid = json.dumps(r.product_id, ensure_ascii=False)
        if r.op == "upsert" and r.record is not None:
            text = r.record
            if r.product_id in overrides:
                text = dumps(apply_overrides(json.loads(text), overrides[r.product_id]))
            text = absolute_image_urls(text, base_url)
            parts.append(f'{{"seq":{r.seq},"op":"upsert","product_id":{pid},"product":{text}}}')
        else:
            parts.append(f'{{"seq":{r.seq},"op":"delete","product_id":{pid},"product":null}}')
    nxt = rows[-1].seq if more else info.head
    return (f'{{"changes":[{",".join(parts)}],"next":{nxt},"more":{"true" if more else "false"},'
            f'"checkpoint":{info.head}}}'), more


def product_for_store(conn: Connection, info: StoreInfo, product_id: str, base_url: str) -> str | None:
    """One product as the store receives it (overrides merged), or ``None``."""
    text = conn.execute(select(Product.record).where(Product.chain_id == info.chain_id,
                                                     Product.product_id == product_id)).scalar()
    if text is None:
        return None
    ovs = conn.execute(select(Override).where(Override.store_id == info.store_id,
                                              Override.product_id == product_id)).all()
    if ovs:
        text = dumps(apply_overrides(json.loads(text), list(ovs)))
    return absolute_image_urls(text, base_url)
