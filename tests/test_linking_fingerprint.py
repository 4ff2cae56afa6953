"""Fingerprints: words with offsets, shingles, MinHash bands, and boilerplate removal."""

from __future__ import annotations

import pytest

from tests.support.linking_story import BRIDGE, FOOTER, LIBRARY, ORIGINAL, OWN, PARAPHRASE, WATER
from tracker.config import LinkSettings
from tracker.errors import BadInput
from tracker.linking.align import align_texts
from tracker.linking.boilerplate import (
    count_paragraphs,
    paragraph_hash,
    paragraph_hashes,
    recurring,
    strip_boilerplate,
)
from tracker.linking.fingerprint import (
    COPY_BAND_BASE,
    TERM_BAND_BASE,
    band_hashes,
    fingerprint,
    shingles,
    signature,
    word_sequence,
)

SETTINGS = LinkSettings()
INT64 = (-(2**63), 2**63 - 1)


def shared(left: tuple[tuple[int, int], ...], right: tuple[tuple[int, int], ...]) -> int:
    return len(set(left) & set(right))


def test_words_are_nfkc_lower_case_with_offsets_into_the_original() -> None:
    text = "The ＦＵＬＬ-width Café, 2026!"
    seq = word_sequence(text)
    assert seq.words == ("the", "full", "width", "café", "2026")
    spans = [text[start:end] for start, end in zip(seq.starts, seq.ends, strict=True)]
    assert spans == ["The", "ＦＵＬＬ", "width", "Café", "2026"]


def test_shingles_are_runs_of_words() -> None:
    assert shingles(["a", "b", "c", "d"], 3) == ["a b c", "b c d"]
    assert shingles(["a", "b"], 3) == []


def test_signature_is_deterministic_and_32_bit() -> None:
    first = signature(["one two", "three four"], 128)
    again = signature(["three four", "one two"], 128)
    assert first == again
    assert len(first) == 128
    assert all(0 <= value < 2**32 for value in first)
    assert signature(["one two", "five six"], 128) != first


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 2), (256, 7)])
def test_signature_equals_datasketch_affine32(num_perm: int, seed: int) -> None:
    # Stored band hashes were made with datasketch's MinHash: the numpy version must not move them.
    datasketch = pytest.importorskip("datasketch")
    for text, size in [(ORIGINAL, 5), (PARAPHRASE, 3), (LIBRARY, 1), (ORIGINAL + WATER, 2)]:
        items = set(shingles(word_sequence(text).words, size))
        assert items
        reference = datasketch.MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
        reference.update_batch([item.encode("utf-8") for item in items])
        assert signature(items, num_perm, seed) == tuple(int(v) for v in reference.hashvalues)


def test_signature_of_nothing_is_all_maximal() -> None:
    assert signature([], 16) == (2**32 - 1,) * 16


def test_signature_estimates_jaccard() -> None:
    left = {f"w{i}" for i in range(0, 600)}
    right = {f"w{i}" for i in range(200, 800)}  # Jaccard 400 / 800 = 0.5
    a, b = signature(left, 256), signature(right, 256)
    estimate = sum(x == y for x, y in zip(a, b, strict=True)) / 256
    assert abs(estimate - 0.5) < 0.1


def test_band_hashes_fit_signed_64_bits_and_carry_their_index() -> None:
    values = signature(["alpha beta gamma"], 128)
    bands = band_hashes(values, 64, base=1000)
    assert [index for index, _ in bands] == list(range(1000, 1064))
    assert all(INT64[0] <= digest <= INT64[1] for _, digest in bands)
    assert len({digest for _, digest in bands}) > 60


def test_band_count_must_divide_the_signature() -> None:
    with pytest.raises(BadInput):
        band_hashes(signature(["x y"], 128), 48)


def test_identical_texts_share_every_band() -> None:
    first, again = fingerprint(ORIGINAL, SETTINGS), fingerprint(ORIGINAL, SETTINGS)
    assert first.bands == again.bands
    assert len(first.copy_bands) == SETTINGS.bands
    assert len(first.term_bands) == SETTINGS.term_bands
    assert all(COPY_BAND_BASE <= i < TERM_BAND_BASE for i, _ in first.copy_bands)
    assert all(i >= TERM_BAND_BASE for i, _ in first.term_bands)


def test_a_partial_copy_with_its_own_paragraphs_shares_copy_bands() -> None:
    partial = "\n".join([OWN[0], *BRIDGE[:4], OWN[1]])
    assert shared(
        fingerprint(ORIGINAL, SETTINGS).copy_bands, fingerprint(partial, SETTINGS).copy_bands
    )


def test_a_paraphrase_shares_topic_bands_but_an_unrelated_story_shares_none() -> None:
    original = fingerprint(ORIGINAL, SETTINGS)
    assert shared(original.term_bands, fingerprint(PARAPHRASE, SETTINGS).term_bands) >= 1
    unrelated = fingerprint(LIBRARY, SETTINGS)
    assert shared(original.bands, unrelated.bands) == 0


def test_short_or_empty_texts_get_no_bands() -> None:
    assert fingerprint("", SETTINGS).bands == ()
    tiny = fingerprint("Bridge closed.", SETTINGS)
    assert tiny.copy_bands == () and tiny.term_bands == ()
    assert tiny.word_count == 2


def test_paragraph_hash_ignores_case_and_spacing() -> None:
    assert paragraph_hash("Sign up  for our NEWSLETTER.") == paragraph_hash(
        "sign up for our newsletter"
    )
    assert paragraph_hash("  ...  ") is None


def test_the_paragraph_hashes_of_a_text_are_those_of_its_lines_read_alone() -> None:
    text = "Sign up  for our NEWSLETTER.\n\n  ...  \n\u00c9cole \ufb01ne print, x2\n#Tag it\nend"
    lines = [paragraph_hash(line) for line in text.split("\n")]
    assert paragraph_hashes(text) == {digest for digest in lines if digest is not None}
    assert len(paragraph_hashes(text)) == 4


def test_recurring_paragraphs_are_counted_once_per_page() -> None:
    pages = [f"{LIBRARY}\n{FOOTER}\n{FOOTER}", f"{WATER}\n{FOOTER}", f"{ORIGINAL}\n{FOOTER}"]
    counts = count_paragraphs(pages)
    footer = paragraph_hash(FOOTER)
    assert footer is not None
    assert counts[footer] == 3
    assert recurring(counts, 3) == {footer}
    assert recurring(counts, 4) == frozenset()
    assert footer in paragraph_hashes(pages[0])


def test_stripping_boilerplate_keeps_offsets_and_removes_shared_footer() -> None:
    left, right = f"{LIBRARY}\n{FOOTER}", f"{WATER}\n{FOOTER}"
    before = align_texts(left, right, SETTINGS.copy_min_passage_words)
    assert before.passages and "newsletter" in before.passages[0].text
    footer = paragraph_hash(FOOTER)
    assert footer is not None
    clean_left, clean_right = strip_boilerplate(left, {footer}), strip_boilerplate(right, {footer})
    assert len(clean_left) == len(left)
    assert clean_left[: len(LIBRARY)] == LIBRARY
    assert "newsletter" not in clean_left
    assert align_texts(clean_left, clean_right, SETTINGS.copy_min_passage_words).passages == ()
    assert (
        shared(
            fingerprint(clean_left, SETTINGS).copy_bands,
            fingerprint(clean_right, SETTINGS).copy_bands,
        )
        == 0
    )


def test_nothing_recurring_leaves_the_text_alone() -> None:
    assert strip_boilerplate(ORIGINAL, frozenset()) == ORIGINAL
    assert strip_boilerplate(ORIGINAL, {12345}) == ORIGINAL
