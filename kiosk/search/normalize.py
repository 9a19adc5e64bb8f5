"""Text normalisation and tokenisation shared by indexing and querying.

Both sides of a match go through the same functions, so case, diacritics,
full-width forms and ligatures never decide whether something is found:
``"Crème BRÛLÉE"`` and ``"creme brulee"`` produce the same tokens.

CJK text has no spaces between words, so runs of CJK characters are indexed
as every single character plus every pair of neighbours (unigrams and
bigrams): a shopper typing any one or two characters of a name finds it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import chain

# A query longer than this is cut: nobody types it, and a 10,000-character
# paste must not cost more than an ordinary search.
MAX_QUERY_CHARS = 256
# At most this many distinct terms are used from one query.
MAX_TERMS = 10
# Longer tokens are cut (part numbers, pasted URLs).
MAX_TOKEN_CHARS = 40

# Letters and digits of any script; underscore is a "word" char to ``re`` but
# not to a shopper.
_WORD_RE = re.compile(r"[^\W_]+")
# Every ASCII character that is not a letter or digit, to a space.
_ASCII_NOT_WORD = str.maketrans({chr(i): " " for i in range(128) if not chr(i).isalnum()})
_CJK_RANGES = (
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u312f"  # Bopomofo
    "\u3130-\u318f"  # Hangul compatibility jamo
    "\u31a0-\u31ff"  # Bopomofo ext, Katakana ext
    "\u3400-\u4dbf"  # CJK ext A
    "\u4e00-\u9fff"  # CJK unified
    "\ua960-\ua97f"  # Hangul jamo ext A
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # CJK ext B..G
)
_CJK_RUN_RE = re.compile(f"[{_CJK_RANGES}]+")
_CJK_CHAR_RE = re.compile(f"[{_CJK_RANGES}]")


# Latin letters that carry their "accent" in the letter itself (no combining
# mark to strip): folded like Meilisearch and transliteration tables do, so
# "sorlandet" finds "Sørlandet" and "lodz" finds "Łódź".
_STROKE_LETTERS = str.maketrans({
    "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ħ": "h", "ı": "i",
    "ŀ": "l", "ŧ": "t", "ƀ": "b", "ɨ": "i", "ʉ": "u", "ĸ": "k", "ŋ": "ng", "ƒ": "f", "ǥ": "g",
    "ɍ": "r", "ȼ": "c", "ɇ": "e", "ɉ": "j", "ɏ": "y", "ƶ": "z",
})


def normalize(text: str) -> str:
    """Fold ``text`` for matching: compatibility forms, no marks, casefolded.

    NFKD splits accented letters into base + combining mark and maps
    full-width and ligature forms to plain ones; the marks are dropped and the
    rest recomposed (NFC) so that Hangul syllables stay whole. Letters with
    a stroke or ligatures of their own (ø, æ, ł, đ...) are transliterated.

    Args:
        text: Any string.

    Returns:
        The folded string (ASCII input only gets lower-cased, the fast path).
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).casefold().translate(_STROKE_LETTERS)


def _cjk_grams(run: str) -> list[str]:
    grams = list(run)
    grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def tokenize(text: str) -> list[str]:
    """Index tokens of ``text`` in order of appearance (duplicates kept).

    Args:
        text: Raw field text (name, brand, tag...).

    Returns:
        Normalised words; CJK runs become their unigrams and bigrams.
    """
    if text.isascii():  # the common case: no marks to fold, no CJK to split
        # What _WORD_RE finds in ASCII (runs of letters and digits), with
        # two C-level passes instead of a regex scan: half the index build's
        # tokenising of 20,000 names and descriptions.
        words = text.lower().translate(_ASCII_NOT_WORD).split()
        if len(text) > MAX_TOKEN_CHARS and max(map(len, words), default=0) > MAX_TOKEN_CHARS:
            return [w[:MAX_TOKEN_CHARS] for w in words]
        return words
    norm = normalize(text)
    words = _WORD_RE.findall(norm)
    out: list[str] = []
    for word in words:
        if len(word) > MAX_TOKEN_CHARS:
            word = word[:MAX_TOKEN_CHARS]
        if word.isascii() or not _CJK_CHAR_RE.search(word):
            out.append(word)
            continue
        pos = 0
        for m in _CJK_RUN_RE.finditer(word):
            if m.start() > pos:
                out.append(word[pos : m.start()])
            out.extend(_cjk_grams(m.group()))
            pos = m.end()
        if pos < len(word):
            out.append(word[pos:])
    return out


# tokenize_many's ASCII pass over bytes: letters lower-cased, digits kept,
# every other ASCII character a space, except NUL (its separator).
_ASCII_FOLD = bytes(
    0 if i == 0 else (ord(chr(i).lower()) if chr(i).isalnum() else 32) if i < 128 else i for i in range(256)
)


def tokenize_many(texts: list[str]) -> list[list[str]]:
    """``[tokenize(t) for t in texts]``, with the ASCII texts done together in a few C-level passes.

    An index build tokenises every product's name and description:
    ``str.translate`` with a mapping table looks each character up in a
    dict, so the ASCII texts are joined (NUL between them), folded with
    one ``bytes.translate`` and split back (1/15 of the time per text).

    Args:
        texts: Raw field texts.

    Returns:
        Each text's tokens, exactly as :func:`tokenize` gives them.
    """
    if not texts:
        return []
    joined = "\x00".join(texts)
    if not joined.isascii() or joined.count("\x00") != len(texts) - 1:
        # Some non-ASCII text (or a NUL inside one, which would split it):
        # the ASCII ones still go together, the rest one by one.
        plain = [t for t in texts if t.isascii() and "\x00" not in t]
        if len(plain) == len(texts) or not plain:
            return [tokenize(t) for t in texts]
        done = iter(tokenize_many(plain))
        return [next(done) if t.isascii() and "\x00" not in t else tokenize(t) for t in texts]
    folded = joined.encode("ascii").translate(_ASCII_FOLD).decode("ascii")
    out = list(map(str.split, folded.split("\x00")))
    # The words just split, measured (splitting the whole text again to
    # measure them was a third of this function's time).
    if len(joined) > MAX_TOKEN_CHARS and max(map(len, chain.from_iterable(out)), default=0) > MAX_TOKEN_CHARS:
        out = [[w[:MAX_TOKEN_CHARS] for w in words] if max(map(len, words), default=0) > MAX_TOKEN_CHARS
               else words for words in out]
    return out


@dataclass(frozen=True, slots=True)
class Term:
    """One word of a query.

    Attributes:
        text: The normalised word.
        prefix: Match it as a prefix (the word being typed, the last one).
        cjk: A CJK unigram or bigram: exact lookup only, no typos.
    """

    text: str
    prefix: bool
    cjk: bool = False


def query_terms(query: str) -> list[Term]:
    """Split a raw query into terms; never raises.

    The query is cut to :data:`MAX_QUERY_CHARS`, normalised and split like
    indexed text. Only the last word is a prefix, and only when the query
    does not end with whitespace (``"sofa "`` means the word is finished).
    A CJK run of three or more characters becomes its overlapping bigrams,
    which every name containing the run also contains.

    Args:
        query: What the shopper typed (any string).

    Returns:
        Up to :data:`MAX_TERMS` distinct terms, in typing order.
    """
    if not isinstance(query, str):
        return []
    raw = query[:MAX_QUERY_CHARS]
    norm = normalize(raw)
    words = _WORD_RE.findall(norm)
    if not words:
        return []
    # Only a space finishes the last word; trailing punctuation ("sofa*",
    # "3-") does not.
    ends_open = not norm[-1].isspace()
    terms: list[Term] = []
    for i, word in enumerate(words):
        last = i == len(words) - 1
        word = word[:MAX_TOKEN_CHARS]
        if word.isascii() or not _CJK_CHAR_RE.search(word):
            terms.append(Term(word, prefix=last and ends_open))
            continue
        pos = 0
        for m in _CJK_RUN_RE.finditer(word):
            if m.start() > pos:
                terms.append(Term(word[pos : m.start()], prefix=False))
            run = m.group()
            if len(run) <= 2:
                terms.append(Term(run, prefix=False, cjk=True))
            else:
                terms.extend(Term(run[j : j + 2], prefix=False, cjk=True) for j in range(len(run) - 1))
            pos = m.end()
        if pos < len(word):
            terms.append(Term(word[pos:], prefix=last and ends_open))
    seen: set[tuple[str, bool]] = set()
    unique: list[Term] = []
    for term in terms:
        key = (term.text, term.prefix)
        if key not in seen:
            seen.add(key)
            unique.append(term)
    if len(unique) > MAX_TERMS:
        # Keep the word being typed: it is what the shopper is looking at.
        unique = unique[: MAX_TERMS - 1] + unique[-1:]
    return unique


def typo_budget(word: str) -> int:
    """Typos allowed in a query word, as Meilisearch's defaults.

    0 below 5 characters, 1 from 5, 2 from 9. Words with digits (sizes, model
    numbers) and CJK get none: "32gb" must not find "12gb".
    """
    n = len(word)
    if n < 5 or not word.isalpha() or _CJK_CHAR_RE.search(word):
        return 0
    return 1 if n < 9 else 2
