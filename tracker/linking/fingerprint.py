"""Fingerprints of a text: words with offsets, word shingles, MinHash signatures, LSH band hashes.

Two families of band hashes come out of one text, both as `(band_index, signed 64-bit hash)` so
the store can keep them in one indexed table and find candidates with one lookup:

- copy bands (indices from `COPY_BAND_BASE`): MinHash over word shingles, so texts that share
  verbatim passages collide. Two rows per band (the default 64 bands of 128 permutations) put
  the LSH threshold low (a pair with shingle Jaccard 0.2 collides in at least one band with
  probability 0.93; an unrelated pair at 0.002 with 0.0003), because partial copies that add
  their own paragraphs have a low Jaccard.
- topic bands (indices from `TERM_BAND_BASE`): MinHash over the set of content-word stems, so
  paraphrases, which share words but few shingles, collide as well.

MinHash is numpy, written here rather than taken from datasketch: that library's package imports
scipy (0.4-0.8 s in every process that fingerprints) for one small class. The scheme is
datasketch's `affine32`, bit for bit (stored band hashes must not change): the first four bytes of
SHA-1 as a little-endian integer, MurmurHash3's 32-bit finalizer, then `a * h + b` modulo 2**32
with odd `a`, the parameters drawn from numpy's legacy `RandomState(seed)` whose stream numpy
keeps stable. A test checks the signatures against datasketch's.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

from tracker.config import LinkSettings
from tracker.errors import BadInput
from tracker.text.words import distinct_stems

__all__ = [
    "COPY_BAND_BASE",
    "TERM_BAND_BASE",
    "Fingerprint",
    "WordSequence",
    "band_hashes",
    "fingerprint",
    "line_words",
    "shingles",
    "signature",
    "stable_hash",
    "text_words",
    "word_sequence",
]

# Band indices of the two families never overlap, whatever the settings, so one table holds both.
COPY_BAND_BASE = 0
TERM_BAND_BASE = 1000
_WORD = re.compile(r"\w+")
_LINE = re.compile(r"[^\n]+")
_COPY_SEED = 1
_TERM_SEED = 2

_sha1: Callable[[bytes], hashlib._Hash]
try:
    # CPython's own SHA-1 (the same digests): on a shingle's ~30 bytes it took 0.44 us against
    # OpenSSL's 0.59 (no EVP context to set up per item), and a text hashes one per word.
    _sha1 = importlib.import_module("_sha1").sha1
except ImportError:  # an interpreter built without it
    _sha1 = functools.partial(hashlib.sha1, usedforsecurity=False)


@dataclass(frozen=True, slots=True)
class WordSequence:
    """The words of a text (NFKC, lower case) with the character offsets of each in `text`."""

    text: str
    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __len__(self) -> int:
        """The number of words."""
        return len(self.words)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The band hashes of one text, ready for the store's band table."""

    word_count: int
    copy_bands: tuple[tuple[int, int], ...]
    term_bands: tuple[tuple[int, int], ...]

    @property
    def bands(self) -> tuple[tuple[int, int], ...]:
        """Both families of band hashes, as (band_index, hash) pairs."""
        return self.copy_bands + self.term_bands


@functools.lru_cache(maxsize=200_000)
def _fold(raw: str) -> str:
    """Normalise one word: NFKC then lower case (ASCII words skip the Unicode step)."""
    if raw.isascii():
        return raw.lower()
    return unicodedata.normalize("NFKC", raw).lower()


# Unbound methods of a match, mapped over a text's matches at C speed (no Python loop per word).
_GROUP = re.Match.group
_START = re.Match.start
_END = re.Match.end
_SPAN = re.Match.span


def word_sequence(text: str) -> WordSequence:
    """Split `text` into `\\w+` words, normalised, keeping where each one lies in `text`."""
    matches = list(_WORD.finditer(text))
    return WordSequence(
        text,
        tuple(map(_fold, map(_GROUP, matches))),
        tuple(map(_START, matches)),
        tuple(map(_END, matches)),
    )


@functools.lru_cache(maxsize=4)
def text_words(text: str) -> WordSequence:
    """`word_sequence` of a whole text, remembered for the few texts last asked for."""
    return word_sequence(text)


@functools.lru_cache(maxsize=4)
def line_words(text: str) -> tuple[tuple[int, int, tuple[str, ...]], ...]:
    """(start, end, words) of each line of `text`, its words as `word_sequence` gives them.

    A line is a run without a line break (a paragraph of extracted text). No word spans one,
    so the lines' words in order are the text's. Without offsets, which only comparing reads
    (`text_words`, a third dearer): every new text is hashed paragraph by paragraph and
    fingerprinted, few are compared. Remembered for the few texts last asked for: the
    paragraph hashes and the fingerprint read the same text one after the other.
    """
    findall = _WORD.findall
    return tuple(
        (start, end, tuple(map(_fold, findall(text, start, end))))
        for start, end in map(_SPAN, _LINE.finditer(text))
    )


def shingles(words: Sequence[str], size: int) -> list[str]:
    """Return the word shingles of `words` (runs of `size` words joined by a space)."""
    if len(words) < size:
        return []
    if size < 1:  # no words to zip: the empty shingle at every position, as a slice gives it
        return [""] * (len(words) - size + 1)
    # The i-th shingle joins words[i], words[i + 1], ...: zipped shifted copies, joined in C.
    return list(map(" ".join, zip(*(words[k:] for k in range(size)), strict=False)))


def signature(items: Iterable[str], num_perm: int, seed: int = _COPY_SEED) -> tuple[int, ...]:
    """Return the MinHash signature of a set of strings (`num_perm` unsigned 32-bit values)."""
    return tuple(_minima(b"".join(map(_digest, items)), num_perm, seed).tolist())


def _digest(item: str) -> bytes:
    """The first four bytes of an item's SHA-1: what the MinHash permutes."""
    # SHA-1 because datasketch hashes with it (the stored bands depend on it), not for security.
    return _sha1(item.encode("utf-8")).digest()[:4]


# Content stems recur from text to text (shingles rarely do): their digests are remembered.
# Bounded: 50,000 stems take about 7 MB (tracemalloc).
_stem_digest = functools.lru_cache(maxsize=50_000)(_digest)


def _minima(digests: bytes, num_perm: int, seed: int) -> _U32:
    """The MinHash signature of items given as their four-byte digests, as an array."""
    a, b = _permutations(num_perm, seed)
    if not digests:
        return np.full(num_perm, _MAX_HASH, dtype=np.uint32)
    hashes = _fmix32(np.frombuffer(digests, dtype="<u4").astype(np.uint32))
    # uint32 arithmetic wraps, which is the modulo 2**32 the scheme asks for.
    permuted = hashes[:, np.newaxis] * a + b
    minima: _U32 = permuted.min(axis=0)
    return minima


_MAX_HASH = (1 << 32) - 1
_U32 = npt.NDArray[np.uint32]


@functools.lru_cache(maxsize=16)
def _permutations(num_perm: int, seed: int) -> tuple[_U32, _U32]:
    """The `a` (odd) and `b` of each affine permutation, drawn as datasketch draws them."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.flags.writeable = False  # cached and shared: nobody may change them
    b.flags.writeable = False
    return a, b


def _fmix32(hashes: _U32) -> _U32:
    """MurmurHash3's 32-bit finalizer: spreads weak input hashes before the permutations."""
    hashes = hashes ^ (hashes >> np.uint32(16))
    hashes = hashes * np.uint32(0x85EBCA6B)
    hashes = hashes ^ (hashes >> np.uint32(13))
    hashes = hashes * np.uint32(0xC2B2AE35)
    return hashes ^ (hashes >> np.uint32(16))


def stable_hash(data: bytes) -> int:
    """Hash bytes to a signed 64-bit integer that is the same in every process and release."""
    digest = hashlib.blake2b(data, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def band_hashes(
    values: Sequence[int] | _U32, bands: int, base: int = 0
) -> tuple[tuple[int, int], ...]:
    """Cut a signature into `bands` equal bands and hash each to (base + band, signed int64).

    Each band's hash is of its values' big-endian four-byte forms, cut from the array's bytes.
    """
    if bands <= 0 or len(values) % bands:
        raise BadInput(f"{bands} bands do not divide a signature of {len(values)} values")
    data = np.asarray(values, dtype=np.uint32).astype(">u4").tobytes()
    width = len(data) // bands
    return tuple(
        (base + band, stable_hash(data[band * width : (band + 1) * width])) for band in range(bands)
    )


def fingerprint(text: str, settings: LinkSettings) -> Fingerprint:
    """Fingerprint `text` (boilerplate already blanked): copy bands and topic bands.

    A text too short for one shingle, or without content words, gets no bands of that family:
    empty texts must not all collide with each other.
    """
    words = tuple(chain.from_iterable(line for _, _, line in line_words(text)))
    grams = set(shingles(words, settings.shingle_size))
    copy: tuple[tuple[int, int], ...] = ()
    if grams:
        minima = _minima(b"".join(map(_digest, grams)), settings.num_perm, _COPY_SEED)
        copy = band_hashes(minima, settings.bands, COPY_BAND_BASE)
    # Remembered for the claims stage, which counts the same texts' stems right after.
    stems = distinct_stems(text)
    topic: tuple[tuple[int, int], ...] = ()
    if len(stems) >= settings.term_min_words:
        minima = _minima(b"".join(map(_stem_digest, stems)), settings.term_num_perm, _TERM_SEED)
        topic = band_hashes(minima, settings.term_bands, TERM_BAND_BASE)
    return Fingerprint(len(words), copy, topic)
