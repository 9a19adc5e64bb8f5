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

from collections.abc import Iterable, Iterator

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


class DeleteIndex:
    """Symmetric-delete dictionary over a vocabulary of alphabetic words."""

    __slots__ = ("_map",)

    def __init__(self) -> None:
        # deletion string -> one word, or a tuple of words (most keys have
        # one; tuples of strings drop out of the cyclic GC).
        self._map: dict[str, str | tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._map)

    def add_words(self, words: Iterable[str]) -> None:
        """Add vocabulary words (those too short or with digits are skipped)."""
        m = self._map
        grown: dict[str, list[str]] = {}
        for word in words:
            n = len(word)
            if n < MIN_FUZZY_WORD or not word.isalpha():
                continue
            keys = deletions(word, 2 if n >= MIN_TWO_TYPO_WORD else 1)
            for key in keys:
                cur = m.get(key)
                if cur is None:
                    m[key] = word
                    continue
                more = grown.get(key)
                if more is None:
                    more = grown[key] = [cur] if type(cur) is str else list(cur)
                if word not in more:
                    more.append(word)
        for key, more in grown.items():
            m[key] = more[0] if len(more) == 1 else tuple(more)

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
        m = self._map
        candidates: set[str] = set()
        for key in deletions(word, max_typos):
            hit = m.get(key)
            if hit is None:
                continue
            if type(hit) is tuple:
                candidates.update(hit)
            else:
                candidates.add(hit)
        candidates.discard(word)
        out: dict[str, int] = {}
        for cand in candidates:
            d = osa_distance(word, cand, max_typos)
            if d <= max_typos:
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
