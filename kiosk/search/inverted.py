"""The in-memory inverted index: tokens to products, per field.

Products are numbered by *ordinal* in the order a full build sorts them
(in stock, featured, short names first), so that among equally relevant
products a lower ordinal is the better one. A product is known everywhere by
its *doc key*: the ordinal with an out-of-stock bit above it, so that
in-stock products sort first even after patches, and a stock filter is one
bit test. Each token maps to one ascending list of doc keys per field. A
patched product gets a new ordinal at the end and its old key is marked
dead; dead keys are filtered out at query time until the next full build.

A query *term* expands to the tokens it matches (itself, the tokens it is a
prefix of, tokens within its typo budget) and becomes a *term map*:
``{doc key: (code << CODE_SHIFT) + doc key}`` where ``code`` is the term's
best match in that product, smaller being better::

    code = typos * TYPO_WEIGHT + field * FIELD_WEIGHT + (0 exact | 1 prefix/typo)

Adding the values of a query's terms gives ``(sum of codes << CODE_SHIFT) +
k * doc key`` for ``k`` terms: one integer per product that sorts by total
typos, then fields (name before brand before category/tags...), then
exactness, then the static order, so ranking is a C-level ``nsmallest``.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import Iterable
from typing import NamedTuple
from itertools import chain, repeat
from operator import add as _add
from operator import attrgetter

from kiosk.search.fuzzy import DeleteIndex, prefix_edits
from kiosk.search.loader import CategoryRow, ProductRow
from kiosk.search.normalize import Term, normalize, tokenize, tokenize_many, typo_budget

FIELD_NAME, FIELD_BRAND, FIELD_CATEGORY, FIELD_VARIANT, FIELD_DESCRIPTION = range(5)
N_FIELDS = 5
# Fields (counted from the name) where a typo match, or a word begun by a 1-2
# letter prefix, counts: typos in descriptions are mostly noise.
TYPO_FIELDS = FIELD_VARIANT + 1
SHORT_PREFIX_FIELDS = FIELD_CATEGORY + 1
FIELD_WEIGHT = 64
TYPO_WEIGHT = 4096
# A query term a product does not contain at all (only when no product
# contains them all): ranks below any number of typos.
MISSING_WEIGHT = 1 << 17
# Doc key layout: ordinal in the low 28 bits, the out-of-stock bit above.
OUT_OF_STOCK = 1 << 28
ORDINAL_MASK = OUT_OF_STOCK - 1
# Codes sit above k * doc key for up to 15 summed terms.
CODE_SHIFT = 33
LOW_MASK = (1 << CODE_SHIFT) - 1
# Term maps kept for reuse: as-you-type queries repeat their words on every
# keystroke. Bounded by count and by total entries (~100 bytes each).
_TERM_CACHE = 4096
_TERM_CACHE_ENTRIES = 1_000_000
# Sorted value lists of big terms, for the threshold top-k of big intersections.
_SORTED_CACHE = 128
SORTED_DEPTH = 512
# Highest code point, to bound a prefix range in the sorted vocabulary.
_MAX_CHAR = "\U0010ffff"


class Doc(NamedTuple):
    """The stored fields of an indexed product (what a hit shows).

    A tuple of atomic values: the cyclic garbage collector stops tracking
    it, so 20,000 of them cost nothing in a full collection.
    """

    id: str
    name: str
    brand: str
    sku: str
    currency: str
    prices: tuple[int, ...]
    in_stock: bool
    featured: bool
    image_url: str
    category_id: str | None
    category_path: str


# A category as the plain tuple a saved index holds (CategoryRow(*fields) makes it again).
_category_fields = attrgetter("id", "name", "parent_id", "path")


def _static_order(row: ProductRow) -> tuple[bool, bool, int, str]:
    return (not row.in_stock, not row.featured, len(row.name), row.name.lower())


class InvertedIndex:
    """Postings, vocabulary and typo dictionary over one catalog snapshot."""

    def __init__(self, categories: Iterable[CategoryRow], generation: int) -> None:
        self.generation = generation
        self.docs: list[Doc] = []  # by ordinal
        self.dead: set[int] = set()  # doc keys
        self.by_id: dict[str, int] = {}  # product id -> doc key
        # token -> per field: doc keys ascending. Stored as tuples between
        # writes: tuples of ints drop out of the cyclic GC, whose full
        # collections would otherwise walk millions of entries mid-keystroke.
        self.postings: dict[str, tuple[tuple[int, ...] | None, ...]] = {}
        self.vocab: list[str] = []
        self.deletes = DeleteIndex()
        self.alphabet = ""
        self.categories: dict[str, CategoryRow] = {}
        self.children: dict[str, list[str]] = {}
        self.set_categories(categories)
        self._terms: OrderedDict[Term, dict[int, int]] = OrderedDict()
        self._cached_entries = 0
        self._sorted: OrderedDict[Term, list[int]] = OrderedDict()
        self._cat_docs: dict[str, frozenset[int]] = {}
        self._empty_order: list[int] | None = None

    # Query caches are not part of a saved index (kiosk/search/snapshot.py):
    # they are rebuilt on use, and a fresh process starts with them empty.
    _CACHES = ("_terms", "_cached_entries", "_sorted", "_cat_docs", "_empty_order")
    # Nor is the generation: the saved copy's row holds it (an index can
    # then be pickled before the catalog write that it describes is logged,
    # as the import's index builder does).
    _NOT_SAVED = (*_CACHES, "generation")

    def __getstate__(self) -> dict[str, object]:
        state = {k: v for k, v in self.__dict__.items() if k not in self._NOT_SAVED}
        # Docs and categories as plain tuples: pickle reduces a named tuple
        # or a dataclass through Python code, one at a time (for 20,000 docs
        # 4x slower to dump, 2x to load).
        state["docs"] = list(map(tuple, self.docs))
        state["categories"] = list(map(_category_fields, self.categories.values()))
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.generation = -1  # unknown until the loader sets the saved row's
        self.__dict__.update(state)
        docs: list[tuple[object, ...]] = self.__dict__["docs"]
        if set(map(len, docs)) - {len(Doc._fields)}:
            raise ValueError("saved documents of another layout")
        # tuple.__new__ in C (Doc._make is Python code, once per document).
        self.docs = list(map(tuple.__new__, repeat(Doc), docs))
        self.categories = {c[0]: CategoryRow(*c) for c in self.__dict__["categories"]}
        self._terms = OrderedDict()
        self._cached_entries = 0
        self._sorted = OrderedDict()
        self._cat_docs = {}
        self._empty_order = None

    # -- building -------------------------------------------------------

    def set_categories(self, categories: Iterable[CategoryRow]) -> None:
        """Replace the category tree (names are indexed through each product)."""
        self.categories = {c.id: c for c in categories}
        self.children = {}
        for c in self.categories.values():
            if c.parent_id:
                self.children.setdefault(c.parent_id, []).append(c.id)
        self._cat_docs = {}

    def _category_text(self, category_id: str | None) -> str:
        names: list[str] = []
        seen: set[str] = set()
        while category_id and category_id in self.categories and category_id not in seen:
            seen.add(category_id)
            cat = self.categories[category_id]
            names.append(cat.name)
            category_id = cat.parent_id
        return " ; ".join(names)

    def add_products(self, rows: Iterable[ProductRow], *, sort: bool = True) -> tuple[list[str], list[str]]:
        """Index products (new ordinals at the end).

        Args:
            rows: Products to index.
            sort: Give them ordinals in the static tie-break order (a full build).

        Returns:
            Tokens new to the vocabulary, and tokens new to the fields where
            typos count (both for :meth:`finish`).
        """
        rows = sorted(rows, key=_static_order) if sort else list(rows)
        # Per field: token -> doc keys added now (ascending: keys only grow).
        added: list[defaultdict[str, list[int]]] = [defaultdict(list) for _ in range(N_FIELDS)]
        # Brands, category paths + tags and variant option lists repeat
        # across products: each distinct text is tokenised once, and its
        # products' keys are spread over its tokens at the end (C-level
        # list.extend instead of one Python step per token and product).
        shared: list[dict[str, list[int]]] = [{} for _ in range(N_FIELDS)]
        cat_memo: dict[str | None, str] = {}
        # Equal brands, currencies and price lists as one object each: a
        # saved index then holds each once, and loading it makes 2,500
        # price tuples instead of 20,000 (fewer objects for the collector).
        same = {}.setdefault
        docs, by_id = self.docs, self.by_id
        name_lists, desc_lists = added[FIELD_NAME], added[FIELD_DESCRIPTION]
        row_keys: list[int] = []  # each row's doc key, in row order
        brand_docs, cat_docs, variant_docs = shared[FIELD_BRAND], shared[FIELD_CATEGORY], shared[FIELD_VARIANT]
        for row in rows:
            key = len(docs) | (0 if row.in_stock else OUT_OF_STOCK)
            cat = self.categories.get(row.category_id or "")
            docs.append(Doc(
                row.id, row.name, same(row.brand, row.brand), row.sku, same(row.currency, row.currency),
                same(row.prices, row.prices), row.in_stock, row.featured, row.image_url, row.category_id,
                cat.path if cat else "",
            ))
            by_id[row.id] = key
            cat_text = cat_memo.get(row.category_id)
            if cat_text is None:
                cat_text = cat_memo[row.category_id] = self._category_text(row.category_id)
            for docs_by_text, text in (
                (brand_docs, row.brand),
                (cat_docs, f"{cat_text} ; {row.tags}" if row.tags else cat_text),
                (variant_docs, row.variant_text),
            ):
                if text:
                    keys = docs_by_text.get(text)
                    if keys is None:
                        docs_by_text[text] = [key]
                    else:
                        keys.append(key)
            row_keys.append(key)
        # Names and descriptions are tokenised together (tokenize_many: one
        # bytes.translate over the ASCII ones instead of a str.translate
        # each), and each (token, key) pair is appended in C, row after row:
        # each token's list gets its keys in the order the loop above gave.
        name_sets = list(map(set, tokenize_many([row.name for row in rows])))
        # Words already in the name need no weaker duplicate.
        desc_sets = list(map(set.difference, map(set, tokenize_many([row.description for row in rows])), name_sets))
        for lists, token_sets in ((name_lists, name_sets), (desc_lists, desc_sets)):
            deque(map(list.append, map(lists.__getitem__, chain.from_iterable(token_sets)),
                      chain.from_iterable(map(repeat, row_keys, map(len, token_sets)))), maxlen=0)
        for field in (FIELD_BRAND, FIELD_CATEGORY, FIELD_VARIANT):
            lists = added[field]
            for text, keys in shared[field].items():
                for token in set(tokenize(text)):
                    lists[token].extend(keys)
            for lst in lists.values():
                lst.sort()  # merges the ascending runs of each text
        # A token may sit in several fields of one product; the term map
        # keeps the best field, so weaker duplicates are harmless.
        postings = self.postings
        new_tokens: list[str] = []
        typo_words: list[str] = []
        touched = set().union(*added)
        for token in touched:
            old = postings.get(token)
            if old is None:
                new_tokens.append(token)
                old = (None, None, None, None, None)
                had_typo_field = False
            else:
                had_typo_field = any(old[:TYPO_FIELDS])
            if not had_typo_field and any(token in added[f] for f in range(TYPO_FIELDS)):
                typo_words.append(token)
            slots = []
            for field in range(N_FIELDS):
                lst = added[field].get(token)
                prev = old[field]
                if lst is None:
                    slots.append(prev)
                else:
                    slots.append(prev + tuple(lst) if prev else tuple(lst))
            postings[token] = tuple(slots)
        return new_tokens, typo_words

    def finish(self, new_tokens: list[str], typo_words: list[str], *, full: bool) -> None:
        """Update vocabulary, typo dictionary and alphabet after adding products.

        Args:
            new_tokens: Tokens new to the vocabulary (from :meth:`add_products`).
            typo_words: Tokens now in a field where typos count (words only
                ever seen in descriptions stay out of the typo dictionary).
            full: This completes a full build.
        """
        if full:
            self.vocab = sorted(self.postings)
        else:
            for token in new_tokens:
                insort(self.vocab, token)
        self.deletes.add_words(typo_words)
        letters: Counter[str] = Counter()
        for token in typo_words:
            if token.isalpha():
                letters.update(token)
        if not full:
            letters.update({ch: 1 for ch in self.alphabet})
        # The 48 most used letters cover every Latin, Greek or Cyrillic
        # catalog; rarer ones only make prefix typo search slower.
        self.alphabet = "".join(ch for ch, _ in letters.most_common(48))
        self.clear_caches()

    def remove(self, product_id: str) -> None:
        """Forget a product (its doc key stays dead until the next full build)."""
        key = self.by_id.pop(product_id, None)
        if key is not None:
            self.dead.add(key)

    def clear_caches(self) -> None:
        """Drop derived data after a change."""
        self._terms.clear()
        self._cached_entries = 0
        self._sorted.clear()
        self._cat_docs = {}
        self._empty_order = None

    @property
    def live_count(self) -> int:
        """Number of products searchable now."""
        return len(self.docs) - len(self.dead)

    def doc(self, key: int) -> Doc:
        """The stored product of a doc key."""
        return self.docs[key & ORDINAL_MASK]

    # -- terms ----------------------------------------------------------

    def term_map(self, term: Term) -> dict[int, int]:
        """``{doc key: (best code << CODE_SHIFT) + doc key}`` of products matching ``term`` (cached)."""
        cached = self._terms.get(term)
        if cached is not None:
            self._terms.move_to_end(term)
            return cached
        result = self._build_term_map(term)
        self._terms[term] = result
        self._cached_entries += len(result)
        while len(self._terms) > 1 and (
            len(self._terms) > _TERM_CACHE or self._cached_entries > _TERM_CACHE_ENTRIES
        ):
            _, evicted = self._terms.popitem(last=False)
            self._cached_entries -= len(evicted)
        return result

    def term_sorted(self, term: Term) -> list[int]:
        """The best values of ``term``'s map, ascending (at most SORTED_DEPTH of them; cached)."""
        cached = self._sorted.get(term)
        if cached is not None:
            self._sorted.move_to_end(term)
            return cached
        values = self.term_map(term).values()
        result = heapq.nsmallest(SORTED_DEPTH, values) if len(values) > SORTED_DEPTH else sorted(values)
        self._sorted[term] = result
        if len(self._sorted) > _SORTED_CACHE:
            self._sorted.popitem(last=False)
        return result

    def _build_term_map(self, term: Term) -> dict[int, int]:
        groups: dict[int, list[list[int]]] = {}
        postings = self.postings

        def add(token: str, typos: int, exact: bool, fields: int = N_FIELDS) -> None:
            slots = postings.get(token)
            if slots is None:
                return
            base = typos * TYPO_WEIGHT + (0 if exact else 1)
            for field in range(fields):
                lst = slots[field]
                if lst:
                    groups.setdefault(base + field * FIELD_WEIGHT, []).append(lst)

        text = term.text
        if term.cjk:
            add(text, 0, True)
        else:
            budget = typo_budget(text)
            # One or two letters say little: they never match in
            # descriptions ("in", "by"), and words they merely begin count
            # only in names, brands, categories and tags (else "b" would
            # find every product that comes in black).
            exact_fields = N_FIELDS if len(text) >= 3 else FIELD_DESCRIPTION
            add(text, 0, True, exact_fields)
            seen = {text}
            if term.prefix:
                begun_fields = N_FIELDS if len(text) >= 3 else SHORT_PREFIX_FIELDS
                found = self.prefix_range(text)
                for token in found:
                    if token != text:
                        add(token, 0, False, begun_fields)
                seen.update(found)
                if budget:
                    for edit in set(prefix_edits(text, self.alphabet)):
                        for token in self.prefix_range(edit):
                            if token not in seen:
                                seen.add(token)
                                add(token, 1, False, TYPO_FIELDS)
            if budget:
                for word, typos in self.deletes.lookup(text, budget).items():
                    if word not in seen:
                        add(word, typos, False, TYPO_FIELDS)
        result: dict[int, int] = {}
        # Worst codes first so that each product ends with its best one; all
        # of it runs in C (zip/map over the posting lists).
        for code in sorted(groups, reverse=True):
            shifted = repeat(code << CODE_SHIFT)
            for lst in groups[code]:
                result.update(zip(lst, map(_add, lst, shifted)))
        return result

    def prefix_range(self, prefix: str) -> list[str]:
        """Vocabulary tokens starting with ``prefix`` (sorted)."""
        vocab = self.vocab
        lo = bisect_left(vocab, prefix)
        if lo == len(vocab) or not vocab[lo].startswith(prefix):
            return []
        hi = bisect_left(vocab, prefix + _MAX_CHAR, lo)
        return vocab[lo:hi]

    def doc_frequency(self, token: str) -> int:
        """How many products contain ``token`` (in any field)."""
        slots = self.postings.get(token)
        return sum(len(lst) for lst in slots if lst) if slots else 0

    # -- filters --------------------------------------------------------

    def resolve_category(self, category: str) -> list[str]:
        """Category ids matching ``category`` (an id, a path or a name, any case)."""
        if category in self.categories:
            return [category]
        folded = normalize(category.strip())
        by_path = [c.id for c in self.categories.values() if normalize(c.path) == folded]
        if by_path:
            return by_path
        return [c.id for c in self.categories.values() if normalize(c.name) == folded]

    def category_docs(self, category: str) -> frozenset[int]:
        """Doc keys of live products in ``category`` or any category below it."""
        cached = self._cat_docs.get(category)
        if cached is not None:
            return cached
        wanted: set[str] = set()
        stack = self.resolve_category(category)
        while stack:
            cid = stack.pop()
            if cid not in wanted:
                wanted.add(cid)
                stack.extend(self.children.get(cid, ()))
        docs = frozenset(
            key for key in self.by_id.values() if self.docs[key & ORDINAL_MASK].category_id in wanted
        )
        self._cat_docs[category] = docs
        return docs

    def empty_query_order(self) -> list[int]:
        """Live doc keys for an empty query: featured first, then the usual tie-break."""
        if self._empty_order is None:
            docs = self.docs
            self._empty_order = sorted(
                self.by_id.values(), key=lambda k: (not docs[k & ORDINAL_MASK].featured, k)
            )
        return self._empty_order
