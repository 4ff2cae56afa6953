"""BERT's uncased WordPiece tokenizer, as all-MiniLM-L6-v2 splits text, in plain Python.

Written here rather than taken from the `tokenizers` library: that library requires the
Hugging Face hub client (about 30 MB of packages, with a network client the tracker must never
use) in the default install, for a greedy longest-match over a vocabulary. This module follows
the same steps as the model's own tokenizer (BERT normaliser: control characters dropped,
CJK ideographs split, accents stripped, lower case; pre-tokeniser: white space and punctuation;
then WordPiece with `##` continuations, a word that cannot be split becoming `[UNK]`), and a
test checks it against the library on real text. Each white-space separated chunk is split
once and cached, which news prose (a few thousand distinct chunks a day) makes cheap.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

__all__ = ["WordPiece"]

MAX_WORD_CHARS = 100  # longer words become [UNK], as in BERT
CACHE_LIMIT = 200_000  # chunks remembered before the cache starts over
# BERT counts every ASCII non-alphanumeric printable character as punctuation ("$", "+", "^").
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Control characters Python's str.split() takes for white space: BERT drops them, joining
# their neighbours.
_NOT_BERT_SPACE = re.compile("[\x0b\x0c\x1c-\x1f\x85]")
_CONTROL_SPACE = str.maketrans(dict.fromkeys("\x0b\x0c\x1c\x1d\x1e\x1f\x85"))
# BERT's white space: space, tab, new line, carriage return and the Zs category.
_BERT_SPACE = re.compile("[ \t\n\r\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


# Control, format and private-use characters: BERT's normaliser drops them.
_DROPPED = frozenset(("Cc", "Cf", "Co"))


def _is_punctuation(char: str) -> bool:
    """Punctuation as BERT splits on it: ASCII symbols and every Unicode P* category."""
    return char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    """A CJK ideograph (BERT puts spaces around each)."""
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def _normalise(chunk: str) -> str:
    """BERT's normaliser on one chunk: clean, space out CJK, strip accents, lower case."""
    kept: list[str] = []
    for char in chunk:
        code = ord(char)
        if code in (0, 0xFFFD):
            continue
        category = unicodedata.category(char)
        if char in "\t\n\r" or category == "Zs":
            kept.append(" ")
        elif category in _DROPPED:
            continue
        elif _is_cjk(code):
            kept.append(f" {char} ")
        else:
            kept.append(char)
    decomposed = unicodedata.normalize("NFD", "".join(kept))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def _words(normalised: str) -> Iterable[str]:
    """Split on white space and make every punctuation character a word of its own."""
    for piece in normalised.split():
        start = 0
        for index, char in enumerate(piece):
            if _is_punctuation(char):
                if start < index:
                    yield piece[start:index]
                yield char
                start = index + 1
        if start < len(piece):
            yield piece[start:]


class WordPiece:
    """Splits text into vocabulary ids; unknown words give `unknown_id`."""

    def __init__(self, vocabulary: Sequence[str], unknown: str = "[UNK]") -> None:
        """Use `vocabulary` (token i has id i); words with no split become `unknown`."""
        self._ids = {token: index for index, token in enumerate(vocabulary)}
        if unknown not in self._ids:
            raise ValueError(f"the vocabulary has no {unknown!r} token")
        self.unknown_id = self._ids[unknown]
        self.size = len(vocabulary)
        self._longest = max(map(len, vocabulary))
        self._cache: dict[str, tuple[int, ...]] = {}

    def ids(self, text: str) -> list[int]:
        """The token ids of `text`, without the [CLS]/[SEP] markers."""
        found: list[int] = []
        cache = self._cache
        if _NOT_BERT_SPACE.search(text) is None:
            chunks = text.split()
        else:
            chunks = [c for c in _BERT_SPACE.split(text.translate(_CONTROL_SPACE)) if c]
        for chunk in chunks:
            ids = cache.get(chunk)
            if ids is None:
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                ids = cache[chunk] = self._chunk_ids(chunk)
            found.extend(ids)
        return found

    def _chunk_ids(self, chunk: str) -> tuple[int, ...]:
        """The ids of one white-space free chunk."""
        normalised = chunk.lower() if chunk.isascii() and chunk.isprintable() else None
        if normalised is None:
            normalised = _normalise(chunk)
        ids: list[int] = []
        for word in _words(normalised):
            ids.extend(self._word_ids(word))
        return tuple(ids)

    def _word_ids(self, word: str) -> list[int]:
        """Greedy longest-match-first WordPiece of one word."""
        whole = self._ids.get(word)
        if whole is not None:
            return [whole]
        if len(word) > MAX_WORD_CHARS:
            return [self.unknown_id]
        ids: list[int] = []
        start = 0
        while start < len(word):
            prefix = "##" if start else ""
            end = min(len(word), start + self._longest)
            while end > start:
                found = self._ids.get(prefix + word[start:end])
                if found is not None:
                    ids.append(found)
                    break
                end -= 1
            else:
                return [self.unknown_id]
            start = end
        return ids
