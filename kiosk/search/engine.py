"""The search engine: keeps an in-memory index current and answers queries.

Ranking, in order of precedence (Meilisearch's bucket sort, simplified):

1. products containing every query term before those missing some (only
   when no product contains them all);
2. fewer typos;
3. better fields: name, then brand, then category/tags, then variant options,
   then description (summed over the terms);
4. exact words before prefixes;
5. in stock before out of stock, then featured, then shorter names.

An exact SKU typed as the query puts that product first.
"""

from __future__ import annotations

import heapq
import logging
import sqlite3
import threading
import time
from bisect import bisect_left
from collections import Counter, OrderedDict
from typing import TYPE_CHECKING, Any

from kiosk.db import database_path
from kiosk.search.index import FULL_REBUILD_IDS
from kiosk.search.inverted import (
    CODE_SHIFT,
    FIELD_WEIGHT,
    LOW_MASK,
    MISSING_WEIGHT,
    OUT_OF_STOCK,
    TYPO_WEIGHT,
    InvertedIndex,
)
from kiosk.search.loader import find_sku, load_categories, load_products
from kiosk.search.normalize import MAX_QUERY_CHARS, Term, query_terms
from kiosk.search.results import SearchHit, SearchResult
from kiosk.search.snapshot import current_generation, dump_snapshot, load_snapshot, save_snapshot

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger(__name__)

MAX_LIMIT = 500
MAX_OFFSET = 10_000
_RESULT_CACHE = 1024
_MAX_SUGGESTIONS = 5
_MAX_CORRECTIONS = 3
# Terms matching at least this many products each take the threshold path.
_THRESHOLD_MIN = 2000


class SearchEngine:
    """Search over the local catalog cache.

    One engine may serve several threads; each thread reads SQLite through
    its own connection, and searches run one at a time under a lock (they are
    CPU-bound Python, so the GIL would serialise them anyway).

    Args:
        engine: The kiosk database (a file; see :func:`kiosk.db.open_db`), or
            a :class:`kiosk.db.DeferredEngine`: a file is read with plain
            ``sqlite3``, so the search engine never makes the engine itself.
    """

    def __init__(self, engine: Engine | Any) -> None:
        self._engine = engine
        self._path = database_path(engine)
        self._local = threading.local()
        self._lock = threading.RLock()
        self._index: InvertedIndex | None = None
        self._unsaved: InvertedIndex | None = None  # built here, not saved yet
        # query -> (sort values of the best hits, number of summed terms, total)
        self._results: OrderedDict[tuple, tuple[list[int], int, int]] = OrderedDict()
        self._popular: list[str] | None = None

    # -- public API -----------------------------------------------------

    def search(
        self,
        query: str,
        *,
        limit: int = 24,
        offset: int = 0,
        category: str | None = None,
        min_price: int | None = None,
        max_price: int | None = None,
        in_stock: bool = False,
    ) -> SearchResult:
        """Search products as the shopper types.

        Args:
            query: Raw text; the last word is a prefix. Anything is accepted;
                only the first 256 characters are used. Blank: featured
                products first, then the rest.
            limit: Hits to return (0..500).
            offset: Hits to skip (paging).
            category: A category id, path ("Furniture > Sofas") or name;
                products in it or any category below it.
            min_price: Minor units; a product matches when any variant's
                price is within [min_price, max_price].
            max_price: Minor units (see ``min_price``).
            in_stock: Only products with a variant in stock in this store.

        Returns:
            The ranked hits, the total number of matches, the time taken and,
            when nothing matched, suggestions to offer instead.
        """
        started = time.perf_counter()
        if not isinstance(query, str):
            query = "" if query is None else str(query)
        limit = max(0, min(int(limit), MAX_LIMIT))
        offset = max(0, min(int(offset), MAX_OFFSET))
        lo = None if min_price is None else int(min_price)
        hi = None if max_price is None else int(max_price)
        category = category.strip() if isinstance(category, str) and category.strip() else None
        with self._lock:
            idx = self._current()
            terms = query_terms(query)
            sku, sku_pid = self._typed_sku(query, terms)
            blank = not terms and not query.strip()
            key = (tuple(terms), blank, sku_pid, category, lo, hi, bool(in_stock), offset + limit)
            cached = self._results.get(key)
            if cached is None:
                cached = self._rank(idx, terms, query, sku_pid, offset + limit, category, lo, hi, in_stock)
                self._results[key] = cached
                if len(self._results) > _RESULT_CACHE:
                    self._results.popitem(last=False)
            else:
                self._results.move_to_end(key)
            top, k, total = cached
            hits = [self._hit(idx, v, k, lo, hi, sku, sku_pid) for v in top[offset:]]
            suggestions, corrections = self._suggest(idx, terms) if total == 0 else ([], 0)
        took = (time.perf_counter() - started) * 1000.0
        return SearchResult(query=query, hits=hits, total=total, took_ms=round(took, 3), suggestions=suggestions,
                            corrections=corrections)

    def refresh(self) -> None:
        """Rebuild the index from the database now (changes are also picked up by themselves)."""
        with self._lock:
            self._index = self._build(self._conn())

    def warm(self) -> None:
        """Build the index, the one-letter prefixes and the featured order ahead of the first keystroke."""
        with self._lock:
            idx = self._current()
            for ch in "abcdefghijklmnopqrstuvwxyz0123456789":
                idx.term_map(Term(ch, prefix=True))
            idx.empty_query_order()  # the first screen: featured products

    @property
    def product_count(self) -> int:
        """Products in the current index (builds it if needed)."""
        with self._lock:
            return self._current().live_count

    def close(self) -> None:
        """Close this thread's database connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            raw = getattr(self._local, "raw", None)
            (raw if raw is not None else conn).close()
            self._local.conn = self._local.raw = None

    # -- keeping the index current --------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._path is None:
                raw = self._engine.raw_connection()
                self._local.raw = raw  # keeps the pooled connection checked out
                conn = raw.driver_connection
            else:
                conn = sqlite3.connect(self._path, timeout=5.0, isolation_level=None)
                conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
        return conn

    @staticmethod
    def _generation(conn: sqlite3.Connection) -> int:
        try:
            return int(current_generation(conn))
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            return -1  # a database from before the change log: refresh() only

    def _current(self) -> InvertedIndex:
        conn = self._conn()
        idx = self._index
        if idx is None:
            idx = self._index = self._build(conn)
            return idx
        try:
            generation = self._generation(conn)
        except sqlite3.Error as exc:
            # A busy or briefly unreadable database must not stop the shopper:
            # answer from the index we have and look again next keystroke.
            log.warning("search: cannot check for catalog changes: %s", exc)
            return idx
        if generation != idx.generation:
            try:
                idx = self._index = self._sync(conn, idx)
            except sqlite3.Error as exc:
                # Raised while reading, before the index is touched.
                log.warning("search: cannot read catalog changes: %s", exc)
            except Exception:
                self._index = None  # never search a half-patched index
                raise
        return idx

    def _build(self, conn: sqlite3.Connection) -> InvertedIndex:
        started = time.perf_counter()
        conn.execute("BEGIN")
        try:
            generation = self._generation(conn)
            saved = load_snapshot(conn, generation) if self._path is not None else None
            if saved is None:
                idx = InvertedIndex(load_categories(conn), generation)
                new, typo_words = idx.add_products(load_products(conn).values())
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
        self._results.clear()
        self._popular = None
        if saved is not None:
            self._unsaved = None
            return saved
        idx.finish(new, typo_words, full=True)
        self._unsaved = idx
        log.info("search index built: %d products, %d tokens in %.0f ms",
                 idx.live_count, len(idx.vocab), (time.perf_counter() - started) * 1000)
        return idx

    def save_snapshot(self) -> bool:
        """Save the index in the database if it was built here and the catalog has not changed since.

        The next start then loads it instead of building it (see
        ``kiosk.search.snapshot``). The app calls this on a worker after its
        first interactive frame; a no-op when there is nothing new to save.

        Returns:
            True if a copy was written.
        """
        with self._lock:
            idx = self._index
            if idx is None or idx is not self._unsaved or self._path is None:
                return False
            # Pickled under the lock (a keystroke's search must not patch it
            # meanwhile); written outside it: the write may wait on a sync's
            # transaction, and keystrokes must not wait with it.
            generation, data = dump_snapshot(idx)
        saved = save_snapshot(self._path, generation, data)
        if saved:
            with self._lock:
                if self._unsaved is idx and idx.generation == generation:
                    self._unsaved = None
        return saved

    def _sync(self, conn: sqlite3.Connection, idx: InvertedIndex) -> InvertedIndex:
        """Patch ``idx`` with the logged changes, or rebuild when that is cheaper."""
        conn.execute("BEGIN")
        try:
            generation = self._generation(conn)
            rows = conn.execute(
                "SELECT seq, product_id FROM search_changes WHERE seq > ?", (idx.generation,)
            ).fetchall()
            ids = list(dict.fromkeys(pid for _, pid in rows))
            full = (
                not rows
                or generation < idx.generation
                or None in ids
                or len(ids) > FULL_REBUILD_IDS
                or len(idx.dead) + len(ids) > max(1000, len(idx.docs) // 4)
            )
            if not full:
                products = load_products(conn, ids)
                idx.set_categories(load_categories(conn))
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
        if full:
            return self._build(conn)
        for pid in ids:
            idx.remove(pid)
        new, typo_words = idx.add_products(products.values(), sort=False)
        idx.finish(new, typo_words, full=False)
        idx.generation = generation
        self._unsaved = idx  # patched: worth saving again
        self._results.clear()
        self._popular = None
        return idx

    # -- answering ------------------------------------------------------

    def _typed_sku(self, query: str, terms: list[Term]) -> tuple[str | None, str | None]:
        """``(sku, product id)`` when the whole query is a variant's SKU."""
        text = query[:MAX_QUERY_CHARS].strip()
        # SKUs are one word with a digit or separator; plain words never
        # cost the extra lookup.
        if not terms or len(text) < 3 or any(ch.isspace() for ch in text) or text.isalpha():
            return None, None
        found = find_sku(self._conn(), text)
        return found if found else (None, None)

    def _rank(
        self,
        idx: InvertedIndex,
        terms: list[Term],
        query: str,
        sku_pid: str | None,
        n: int,
        category: str | None,
        lo: int | None,
        hi: int | None,
        in_stock: bool,
    ) -> tuple[list[int], int, int]:
        """Sort values of the best ``n`` matches, terms summed in them, number of matches."""
        if not terms:
            if query.strip():
                return [], 1, 0  # only punctuation, emoji or control characters
            return self._featured(idx, n, category, lo, hi, in_stock)
        if sku_pid is None and category is None and lo is None and hi is None and not in_stock and n > 0:
            fast = self._top_of_big_intersection(idx, terms, n)
            if fast is not None:
                return fast
        acc, k = self._match(idx, terms)
        if sku_pid is not None and sku_pid in idx.by_id:
            key = idx.by_id[sku_pid]
            acc = dict(acc)
            acc[key] = (-TYPO_WEIGHT << CODE_SHIFT) + k * key  # above any text match
        acc = self._filter(idx, acc, category, lo, hi, in_stock)
        if n <= 0 or not acc:
            return [], k, len(acc)
        return heapq.nsmallest(n, acc.values()), k, len(acc)

    @staticmethod
    def _top_of_big_intersection(idx: InvertedIndex, terms: list[Term], n: int) -> tuple[list[int], int, int] | None:
        """Top ``n`` of several terms that each match many products (Fagin's threshold algorithm).

        Summing two 20,000-entry maps just to keep the best ten costs
        milliseconds. Instead the terms' values are walked best-first in
        parallel (cached sorted lists), each product seen is summed by
        lookups, and the walk stops once the n-th best sum is below the sum
        of the current positions' values, a lower bound for every product
        not seen yet. The count of matches is a C-level key intersection.

        Returns:
            Like ``_rank``, or None when this path does not apply.
        """
        if len(terms) < 2:
            return None
        maps = [idx.term_map(t) for t in terms]
        if min(len(m) for m in maps) < _THRESHOLD_MIN:
            return None
        by_size = sorted(maps, key=len)
        common = by_size[0].keys() & by_size[1].keys()
        for m in by_size[2:]:
            common &= m.keys()
        if idx.dead:
            common -= idx.dead
        if not common:
            return None  # the general path ranks partial matches
        lists = [idx.term_sorted(t) for t in terms]
        heap: list[int] = []  # negated sums: a max-heap of the best n
        seen: set[int] = set()
        for depth in range(min(len(lst) for lst in lists)):
            bound = 0
            for lst in lists:
                value = lst[depth]
                bound += value
                d = value & LOW_MASK
                if d in seen:
                    continue
                seen.add(d)
                if d not in common:
                    continue
                total = sum(m[d] for m in maps)
                if len(heap) < n:
                    heapq.heappush(heap, -total)
                elif total < -heap[0]:
                    heapq.heapreplace(heap, -total)
            if len(heap) >= n and -heap[0] < bound:
                break
        else:
            if any(len(lst) < len(m) for lst, m in zip(lists, maps)):
                return None  # the best SORTED_DEPTH were not enough: sum everything
        return sorted(-v for v in heap), len(terms), len(common)

    @staticmethod
    def _match(idx: InvertedIndex, terms: list[Term]) -> tuple[dict[int, int], int]:
        """``{doc key: sort value}`` of products matching the terms, and the terms summed.

        See kiosk/search/inverted.py for the value layout.
        """
        maps = [idx.term_map(t) for t in terms]
        found = sorted((m for m in maps if m), key=len)
        if not found:
            return {}, 1
        missing = (len(maps) - len(found)) * MISSING_WEIGHT << CODE_SHIFT
        acc = found[0]
        for other in found[1:]:
            # The key-set intersection runs in C; only the common keys are summed.
            acc = {d: acc[d] + other[d] for d in acc.keys() & other.keys()}
            if not acc:
                break
        if acc:
            return ({d: v + missing for d, v in acc.items()} if missing else acc), len(found)
        # No product has every term that exists in the catalog: rank by how
        # many they have, so a stray or mistyped short word loses nothing.
        # Every product is counted as having all len(maps) terms, missing
        # ones at MISSING_WEIGHT, to keep one multiplier of the doc key.
        n_terms = len(maps)
        absent = (MISSING_WEIGHT << CODE_SHIFT)
        union: dict[int, int] = {}
        for m in found:
            for d, v in m.items():
                base = union.get(d)
                if base is None:
                    base = n_terms * (absent + d)
                union[d] = base - absent - d + v
        return union, n_terms

    @staticmethod
    def _filter(
        idx: InvertedIndex,
        acc: dict[int, int],
        category: str | None,
        lo: int | None,
        hi: int | None,
        in_stock: bool,
    ) -> dict[int, int]:
        dead = idx.dead
        priced = lo is not None or hi is not None
        if category is None and not priced and not in_stock and not dead:
            return acc
        if category is not None:
            allowed = idx.category_docs(category)
            if len(allowed) < len(acc):
                acc = {d: acc[d] for d in allowed if d in acc}
            else:
                acc = {d: v for d, v in acc.items() if d in allowed}
        if dead:
            acc = {d: v for d, v in acc.items() if d not in dead}
        if in_stock:
            acc = {d: v for d, v in acc.items() if not d & OUT_OF_STOCK}
        if priced:
            acc = {d: v for d, v in acc.items() if _price_in_range(idx.doc(d).prices, lo, hi) is not None}
        return acc

    def _featured(
        self, idx: InvertedIndex, n: int, category: str | None, lo: int | None, hi: int | None, in_stock: bool
    ) -> tuple[list[int], int, int]:
        order = idx.empty_query_order()
        if category is not None or lo is not None or hi is not None or in_stock:
            kept = self._filter(idx, dict.fromkeys(order, 0), category, lo, hi, in_stock)
            order = [d for d in order if d in kept]
        # Featured products score as exact name matches, the rest a notch lower.
        top = [((0 if idx.doc(d).featured else 1) << CODE_SHIFT) + d for d in order[:n]]
        return top, 1, len(order)

    @staticmethod
    def _hit(
        idx: InvertedIndex, value: int, k: int, lo: int | None, hi: int | None,
        typed_sku: str | None, sku_pid: str | None,
    ) -> SearchHit:
        code = value >> CODE_SHIFT
        doc = idx.doc((value & LOW_MASK) // k)
        price = _price_in_range(doc.prices, lo, hi) if (lo is not None or hi is not None) else None
        if price is None:
            price = doc.prices[0] if doc.prices else 0
        sku = typed_sku if typed_sku and doc.id == sku_pid else doc.sku
        return SearchHit(
            product_id=doc.id, sku=sku, name=doc.name, brand=doc.brand, price_minor=price,
            currency=doc.currency, score=_score(code), in_stock=doc.in_stock, image_url=doc.image_url,
            category_path=doc.category_path,
        )

    def _suggest(self, idx: InvertedIndex, terms: list[Term]) -> tuple[list[str], int]:
        """Spelling corrections of the query (up to three), then popular category names.

        Returns:
            The suggestions, and how many of them (from the first) are corrections.
        """
        out: list[str] = []
        options: list[list[str]] = []
        for term in terms:
            alternatives: list[str] = []
            if not term.cjk and len(term.text) >= 3 and not idx.term_map(term):
                cands = idx.deletes.lookup(term.text, 2 if len(term.text) >= 5 else 1)
                if term.prefix and len(term.text) > 3:
                    # A word still being typed: complete it from the vocabulary.
                    for tok in idx.prefix_range(term.text[:-1])[:50]:
                        cands.setdefault(tok, 1)
                ranked = sorted(cands, key=lambda w: (cands[w], -idx.doc_frequency(w), w))
                alternatives = ranked[:_MAX_CORRECTIONS]
            options.append(alternatives or [term.text])
        if any(opts != [t.text] for opts, t in zip(options, terms)):
            primary = [opts[0] for opts in options]
            out.append(" ".join(primary))
            for i, opts in enumerate(options):
                for alt in opts[1:]:
                    out.append(" ".join(primary[:i] + [alt] + primary[i + 1 :]))
            # Offer only corrections that find something.
            out = [q for q in dict.fromkeys(out) if self._match(idx, query_terms(q))[0]][:_MAX_CORRECTIONS]
        corrections = len(out)
        if self._popular is None:
            counts = Counter(idx.doc(key).category_id for key in idx.by_id.values())
            self._popular = [idx.categories[c].name for c, _ in counts.most_common(_MAX_SUGGESTIONS)
                             if c in idx.categories]
        for name in self._popular:
            if len(out) >= _MAX_SUGGESTIONS:
                break
            if name not in out:
                out.append(name)
        return out, corrections


def _score(code: int) -> float:
    """A relevance in (0, 1] from a summed match code (1: exact name match)."""
    if code <= 0:
        return 1.0
    missing, rest = divmod(code, MISSING_WEIGHT)
    typos, rest = divmod(rest, TYPO_WEIGHT)
    fields, inexact = divmod(rest, FIELD_WEIGHT)
    return round(1.0 / (1.0 + missing + 0.5 * typos + 0.1 * fields + 0.02 * inexact), 4)


def _price_in_range(prices: tuple[int, ...], lo: int | None, hi: int | None) -> int | None:
    """The lowest of ``prices`` (ascending) within [lo, hi], or None."""
    i = bisect_left(prices, lo) if lo is not None else 0
    if i < len(prices) and (hi is None or prices[i] <= hi):
        return prices[i]
    return None
