"""Typo tolerance: a symmetric-delete (SymSpell) dictionary plus a Damerau check.

Words within ``k`` edits share a string reachable by at most ``k`` deletions
from each side, so the vocabulary's deletion neighbourhood is built once and
a query word only generates its own few deletions. Candidates found that way
are confirmed with the optimal-string-alignment distance (Damerau-Levenshtein
where an adjacent transposition counts as one edit, as Meilisearch counts it).

The last word of a query is still being typed; :func:`prefix_edits` yields
the strings one edit away from it so that vocabulary words *starting* with
one of them (looked up with bisect in the sorted vocabulary) are found too:
``"wardorb"`` reaches ``"wardrobe"`` before the word is finished.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import chain, repeat
from operator import add, mul
from zlib import crc32

# Vocabulary words shorter than this never take part in typo matching: a
# 5-letter query with one typo can reach a 4-letter word, nothing shorter.
MIN_FUZZY_WORD = 4
# Words of this length and more get the two-deletion neighbourhood (a
# 9-letter query with two typos reaches 7-letter words).
MIN_TWO_TYPO_WORD = 7


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, or ``limit + 1`` when above ``limit``.

    Args:
        a: First word.
        b: Second word.
        limit: Largest distance of interest; computation stops early past it.

    Returns:
        The number of insertions, deletions, substitutions and adjacent
        transpositions turning ``a`` into ``b`` (capped at ``limit + 1``).
    """
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        ai = a[i - 1]
        row_min = i
        for j in range(1, lb + 1):
            bj = b[j - 1]
            cost = 0 if ai == bj else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == bj:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < row_min:
                row_min = v
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb] if prev[lb] <= limit else limit + 1


def deletions(word: str, depth: int) -> set[str]:
    """Every string made by deleting up to ``depth`` characters of ``word`` (itself included)."""
    n = len(word)
    if depth <= 0:
        return {word}
    first = [word[:i] + word[i + 1 :] for i in range(n)]
    if depth == 1:
        out = set(first)
        out.add(word)
        return out
    # Each pair of positions once: in the string without position i, the
    # second deletion at j >= i (position j + 1 of the word), not also the
    # other way round (half the slicing of an index build's typo dictionary).
    out = {w[:j] + w[j + 1 :] for i, w in enumerate(first) for j in range(i, n - 1)}
    out.update(first)
    out.add(word)
    if depth > 2:
        for _ in range(depth - 2):
            out |= {w[:i] + w[i + 1 :] for w in out for i in range(len(w))}
    return out


def _neighbourhood(word: str, depth: int) -> list[bytes]:
    """:func:`deletions` of a vocabulary word (depth 1 or 2), UTF-8 encoded, as a list with repeats.

    A dictionary build only hashes these (:func:`_key_hashes` of the same
    strings gives the same numbers). A repeat costs one more array entry,
    while a set would hash every string, and an ASCII word is sliced as
    bytes, so nothing is encoded string by string.
    """
    text: str | bytes = word.encode("utf-8")
    if len(text) != len(word):
        text = word  # a multi-byte character: slice characters, encode after
    n = len(word)
    first = [text[:i] + text[i + 1 :] for i in range(n)]
    out = [w[:j] + w[j + 1 :] for i, w in enumerate(first) for j in range(i, n - 1)] if depth > 1 else []
    out += first
    out.append(text)
    return out if text is not word else [k.encode("utf-8") for k in out]  # type: ignore[union-attr]


def _key_hashes(keys: Iterable[str]) -> Iterator[int]:
    """Stable 32-bit hashes of deletion strings (``str.__hash__`` differs from process to process).

    The dictionary is built in the import's builder process and searched in
    the kiosk's: CRC-32 of the UTF-8 bytes (lone surrogates of a query
    passed through) is the same in both, and runs in C.
    """
    return map(crc32, map(str.encode, keys, repeat("utf-8"), repeat("surrogatepass")))


# A packed entry: key hash above, word id in the low _WORD_BITS (32 + 21 =
# 53 bits, so every entry is exact as a float; see DeleteIndex).
_WORD_BITS = 21
_WORD_MASK = (1 << _WORD_BITS) - 1
_HASH_STEP = float(1 << _WORD_BITS)


class DeleteIndex:
    """Symmetric-delete dictionary over a vocabulary of alphabetic words.

    Stored compactly: the typo words in one list, and each (deletion
    string, word) pair as one number ``crc32(string) << 21 | word id`` in
    one sorted ``array('d')``, looked up with bisect. A 200,000-variant
    catalog's 12,400 words make 167,000 deletion strings: as dict keys they
    cost 0.1 s to insert, 0.06 s to pickle and 0.06 s to unpickle (every
    string made again); as an array they pickle and load as one copy of
    bytes. The numbers are floats because CPython sorts a list of floats
    with a fast comparison (0.03 s against 0.08 s for the same values as
    ints above 2**30), and 53 bits hold them exactly.

    A hash shared by two deletion strings only adds a candidate: every
    candidate is checked with :func:`osa_distance`, and one that the
    deletion strings would not have reached is left out (see
    :meth:`lookup`), so the answers are those of a dict of the strings.

    Words added to a dictionary that already holds some (the search
    engine's patches between full builds) go to a small dict by key hash
    instead of re-sorting the array.
    """

    __slots__ = ("_words", "_keys", "_more", "_ids")

    def __init__(self) -> None:
        self._words: list[str] = []  # word id -> word
        self._keys = array("d")  # sorted packed entries (see above)
        self._more: dict[int, list[int]] = {}  # key hash -> word ids added by patches
        self._ids: dict[str, int] | None = None  # word -> id, made on a patch's first use

    def __len__(self) -> int:
        """Number of (deletion string, word) entries (a string reached twice from one word may count twice)."""
        return len(self._keys) + sum(map(len, self._more.values()))

    def __getstate__(self) -> tuple[str, array, dict[int, list[int]]]:
        # The words as one string (alphabetic: no spaces), so that pickling
        # does not look each one up in its memo.
        return " ".join(self._words), self._keys, self._more

    def __setstate__(self, state: tuple[str, array, dict[int, list[int]]]) -> None:
        words, self._keys, self._more = state
        self._words = words.split(" ") if words else []
        self._ids = None

    @property
    def words(self) -> list[str]:
        """The dictionary's words, by id."""
        return self._words

    def entries(self) -> Iterator[tuple[int, str]]:
        """Every (deletion string's hash, word) pair held, for inspection (in no particular order)."""
        words = self._words
        for v in self._keys:
            packed = int(v)
            yield packed >> _WORD_BITS, words[packed & _WORD_MASK]
        for h, ids in self._more.items():
            for wid in ids:
                yield h, words[wid]

    def add_words(self, words: Iterable[str]) -> None:
        """Add vocabulary words (those too short or with digits are skipped, as are words already in)."""
        fresh = [w for w in dict.fromkeys(words) if len(w) >= MIN_FUZZY_WORD and w.isalpha()]
        if self._words or self._more:
            self._add_more(fresh)
            return
        packed, rest = fresh[: _WORD_MASK + 1], fresh[_WORD_MASK + 1 :]
        keys = [_neighbourhood(w, 2 if len(w) >= MIN_TWO_TYPO_WORD else 1) for w in packed]
        ids = chain.from_iterable(map(repeat, range(len(packed)), map(len, keys)))
        # All in C: hash each string, pack with its word's id (as a float:
        # hash * 2**21 + id), sort.
        entries = map(add, map(mul, map(crc32, chain.from_iterable(keys)), repeat(_HASH_STEP)), ids)
        self._keys = array("d", sorted(entries))
        self._words = packed
        if rest:  # over two million words: no catalog has them, but they are not lost
            self._add_more(rest)

    def _add_more(self, words: list[str]) -> None:
        ids = self._ids
        if ids is None:
            ids = self._ids = {w: i for i, w in enumerate(self._words)}
        more = self._more
        for word in words:
            if word in ids:
                continue
            wid = ids[word] = len(self._words)
            self._words.append(word)
            for h in set(_key_hashes(deletions(word, 2 if len(word) >= MIN_TWO_TYPO_WORD else 1))):
                more.setdefault(h, []).append(wid)

    def lookup(self, word: str, max_typos: int) -> dict[str, int]:
        """Vocabulary words within ``max_typos`` (OSA) of ``word``, with their distance.

        Args:
            word: A normalised query word.
            max_typos: 1 or 2 (0 returns nothing: exact matches are not this
                index's business).

        Returns:
            ``{vocabulary word: typos}`` for words other than ``word`` itself.
        """
        if max_typos <= 0:
            return {}
        keys = deletions(word, max_typos)
        table, more = self._keys, self._more
        ids: set[int] = set()
        for h in set(_key_hashes(keys)):
            low = h * _HASH_STEP
            i = bisect_left(table, low)
            high = low + _HASH_STEP
            while i < len(table) and table[i] < high:
                ids.add(int(table[i]) & _WORD_MASK)
                i += 1
            extra = more.get(h)
            if extra:
                ids.update(extra)
        words = self._words
        out: dict[str, int] = {}
        for wid in ids:
            cand = words[wid]
            if cand == word:
                continue
            d = osa_distance(word, cand, max_typos)
            if d > max_typos:
                continue
            # Within d edits, a word and the query share a string d deletions
            # from each (an edit is one deletion on one or both sides), so a
            # word whose neighbourhood goes that deep was truly reached. A
            # shallower one (under MIN_TWO_TYPO_WORD letters, 2 typos) may
            # have come by a shared hash only: checked against the strings.
            depth = 2 if len(cand) >= MIN_TWO_TYPO_WORD else 1
            if d > depth and keys.isdisjoint(deletions(cand, depth)):
                continue
            out[cand] = d
        return out


def prefix_edits(word: str, alphabet: str) -> Iterator[str]:
    """Strings one edit (OSA) away from ``word``, for typo-tolerant prefix search.

    Deletions, adjacent transpositions, substitutions and insertions over
    ``alphabet``. Insertions after the last character are left out: they
    only lengthen a prefix that already matches as typed.

    Args:
        word: The word being typed, normalised.
        alphabet: Characters the vocabulary uses (substitutions/insertions).

    Yields:
        Candidate prefixes (with repeats; callers de-duplicate).
    """
    n = len(word)
    for i in range(n):
        yield word[:i] + word[i + 1 :]
    for i in range(n - 1):
        yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    for i in range(n):
        head, tail = word[:i], word[i + 1 :]
        for ch in alphabet:
            if ch != word[i]:
                yield head + ch + tail
    for i in range(n):
        head, tail = word[:i], word[i:]
        for ch in alphabet:
            yield head + ch + tail
