"""Linking's fast paths give bit for bit what the plain loops they replaced gave."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pytest

from tests.support.linking_story import (
    BRIDGE,
    FOOTER,
    LIBRARY,
    ORIGINAL,
    OWN,
    PARAPHRASE,
    T0,
    WATER,
)
from tracker.config import LinkSettings
from tracker.domain import ArticleRef
from tracker.linking.align import _index
from tracker.linking.boilerplate import _paragraph_words
from tracker.linking.compare import Candidate, compare, prepare
from tracker.linking.fingerprint import (
    COPY_BAND_BASE,
    TERM_BAND_BASE,
    _minima,
    band_hashes,
    fingerprint,
    line_words,
    shingles,
    signature,
    stable_hash,
    word_sequence,
)
from tracker.linking.paraphrase import matcher_for
from tracker.store.term_df import counted_stems
from tracker.text import terms
from tracker.text.specifics import specifics_of
from tracker.text.words import (
    _content_stems_at_hashtags,
    _is_content_word,
    content_stem_set,
    content_stems_at,
    content_tokens,
    distinct_stems,
    tokenize,
)

TEXTS = (
    ORIGINAL,
    "\n".join(OWN),
    PARAPHRASE,
    WATER,
    "\n".join(BRIDGE) + " \u00a0 tail",
    LIBRARY,
    FOOTER,
    "",
    "   \n\n",
    "The U.S. and the U.K. didn't agree; it's the EU's call, e.g. on #AustralianFires.",
    "Café ＦＵＬＬ-width naïve résumé, 2026 — “quoted” O’Brien’s 3,000 ﬁles İstanbul ΣΟΦΟΣ.",
    "#Covid19 #NoMore x y 1 2 3 A I",
    "Plain words only, with no hashtag at all: the bridge closed on Monday in Hamburg.",
)


def _word_sequence_loop(text: str) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
    """The loop `word_sequence` was before it mapped over the matches."""
    words, starts, ends = [], [], []
    for match in re.finditer(r"\w+", text):
        raw = match.group()
        words.append(raw.lower() if raw.isascii() else unicodedata.normalize("NFKC", raw).lower())
        starts.append(match.start())
        ends.append(match.end())
    return tuple(words), tuple(starts), tuple(ends)


@pytest.mark.parametrize("text", TEXTS)
def test_word_sequence_is_the_loop_it_replaced(text: str) -> None:
    seq = word_sequence(text)
    assert (seq.words, seq.starts, seq.ends) == _word_sequence_loop(text)


@pytest.mark.parametrize("size", [0, 1, 2, 5, 7])
def test_shingles_are_the_slices_they_replaced(size: int) -> None:
    words = word_sequence(ORIGINAL + " " + WATER).words
    expected = (
        [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]
        if len(words) >= size
        else []
    )
    assert shingles(words, size) == expected
    assert shingles(words[:3], 5) == []


@pytest.mark.parametrize("size", [1, 3, 5])
def test_the_seed_index_is_the_slices_it_replaced(size: int) -> None:
    words = word_sequence(ORIGINAL + " " + ORIGINAL + " " + LIBRARY).words
    expected: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(words) - size + 1):
        expected.setdefault(words[i : i + size], []).append(i)
    found = _index(words, size)
    assert found == expected
    assert list(found) == list(expected)  # same insertion order: the scan reads it in order


@pytest.mark.parametrize("text", TEXTS)
def test_content_tokens_are_tokenize_without_stop_words(text: str) -> None:
    expected = [token for token in tokenize(text) if _is_content_word(token.word)]
    assert content_tokens(text) == expected
    assert content_stems_at(text) == [(token.stem, token.start) for token in expected]
    assert content_stem_set(text) == {token.stem for token in expected}


@pytest.mark.parametrize("text", TEXTS)
def test_remembered_stems_are_the_content_stem_set(text: str) -> None:
    text = text + " unremembered"  # a text no other test put in memory
    first = distinct_stems(text, remember=False)
    assert set(first) == content_stem_set(text) and len(first) == len(set(first))
    assert distinct_stems(text, remember=False) is not first  # looked up, not kept
    kept = distinct_stems(text)
    assert distinct_stems(text, remember=False) is kept
    assert distinct_stems(text + " ", remember=False) is not kept  # another text, another entry


@pytest.mark.parametrize("body", [*TEXTS, ". after a title cut at U.S", "#Tag.\n#tag"])
@pytest.mark.parametrize("title", ["", "The U.S", "#BreakingNews: Lindqvist's #2 pick", "None"])
def test_counted_stems_are_the_joined_texts_term_stats(title: str, body: str) -> None:
    expected = set(terms.term_stats(f"{title}\n{body}").counts)
    assert counted_stems(title, body) == expected
    distinct_stems(body)  # remembered, as the linking stage's fingerprint leaves it
    assert counted_stems(title, body) == expected


@pytest.mark.parametrize("text", TEXTS)
def test_the_mapped_content_stems_are_the_loop_they_replaced(text: str) -> None:
    assert content_stems_at(text) == _content_stems_at_hashtags(text)


@pytest.mark.parametrize("text", TEXTS)
def test_content_stems_and_names_come_from_one_tokenisation(text: str) -> None:
    expected = [token for token in tokenize(text) if _is_content_word(token.word)]
    terms._whole_text_tokens.cache_clear()
    assert terms.content_stems(text) == [token.stem for token in expected]
    named = terms.name_tokens(text)
    assert [token for token, _ in named] == expected
    assert [flag for _, flag in named] == [
        terms._name_like_at(text, token.start) for token in expected
    ]


def _band_hashes_loop(
    values: tuple[int, ...], bands: int, base: int
) -> tuple[tuple[int, int], ...]:
    """The loop `band_hashes` was before it cut the array's bytes."""
    rows = len(values) // bands
    return tuple(
        (
            base + band,
            stable_hash(
                b"".join(v.to_bytes(4, "big") for v in values[band * rows : (band + 1) * rows])
            ),
        )
        for band in range(bands)
    )


def test_band_hashes_of_an_array_or_a_tuple_are_the_loop_they_replaced() -> None:
    values = signature(["alpha beta", "gamma delta", "epsilon"], 128)
    minima = _minima(
        b"".join(
            hashlib.sha1(item.encode(), usedforsecurity=False).digest()[:4]
            for item in ["alpha beta", "gamma delta", "epsilon"]
        ),
        128,
        1,
    )
    assert tuple(minima.tolist()) == values
    assert band_hashes(minima, 64, 7) == _band_hashes_loop(values, 64, 7)
    assert band_hashes(values, 64, 7) == _band_hashes_loop(values, 64, 7)
    empty = (2**32 - 1,) * 16
    assert band_hashes(_minima(b"", 16, 1), 4, 0) == _band_hashes_loop(empty, 4, 0)


@pytest.mark.parametrize("text", TEXTS)
def test_fingerprint_is_the_composition_it_replaced(text: str) -> None:
    settings = LinkSettings()
    words = word_sequence(text).words
    grams = set(shingles(words, settings.shingle_size))
    copy: tuple[tuple[int, int], ...] = ()
    if grams:
        copy = _band_hashes_loop(
            signature(grams, settings.num_perm, 1), settings.bands, COPY_BAND_BASE
        )
    stems = {token.stem for token in tokenize(text) if _is_content_word(token.word)}
    topic: tuple[tuple[int, int], ...] = ()
    if len(stems) >= settings.term_min_words:
        values = signature(stems, settings.term_num_perm, 2)
        topic = _band_hashes_loop(values, settings.term_bands, TERM_BAND_BASE)
    found = fingerprint(text, settings)
    assert (found.word_count, found.copy_bands, found.term_bands) == (len(words), copy, topic)


def test_specifics_are_read_once_and_only_for_texts_on_one_story() -> None:
    settings = LinkSettings()
    ref = ArticleRef(1, "https://a.test/1", "a.test", T0)
    same, other, target = prepare(PARAPHRASE), prepare(WATER), prepare(ORIGINAL)
    compare(target, Candidate(ref, WATER), other, settings, matcher_for(settings))
    assert target._specifics is None and other._specifics is None  # different stories
    found = compare(target, Candidate(ref, PARAPHRASE), same, settings, matcher_for(settings))
    assert found.story >= settings.event_min_story and found.event > 0
    assert target.specifics == specifics_of(ORIGINAL) and same.specifics == specifics_of(PARAPHRASE)
    assert target.specifics is target.specifics  # read once, then kept


def _paragraph_words_loop(text: str) -> tuple[tuple[int, int, int, int], ...]:
    """`_paragraph_words` as it was: the whole text's word offsets walked line by line."""
    words = word_sequence(text)
    out: list[tuple[int, int, int, int]] = []
    first = 0
    for match in re.finditer(r"[^\n]+", text):
        start, end = match.span()
        while first < len(words) and words.starts[first] < start:
            first += 1
        last = first
        while last < len(words) and words.ends[last] <= end:
            last += 1
        if last > first:
            digest = stable_hash(" ".join(words.words[first:last]).encode("utf-8"))
            out.append((start, end, digest, last - first))
        first = last
    return tuple(out)


@pytest.mark.parametrize("text", [*TEXTS, "\n\n  \n", "one\n\n - \n two three\n", "x\n"])
def test_paragraph_words_are_the_loop_they_replaced(text: str) -> None:
    assert _paragraph_words(text) == _paragraph_words_loop(text)
    lines = line_words(text)
    assert [word for _, _, words in lines for word in words] == list(word_sequence(text).words)
    assert [(start, end) for start, end, _ in lines] == [
        m.span() for m in re.finditer(r"[^\n]+", text)
    ]
