"""The optional semantic matcher: the packaged MiniLM model, loaded offline, lifts paraphrases."""

from __future__ import annotations

import pytest

from tracker.claims.match import DEFAULT_THRESHOLD, LexicalMatcher
from tracker.claims.mentions import find_in_text
from tracker.claims.semantic import SemanticClaimMatcher, calibrate

CLAIM = "AI-written code caused the outages"
UNKNOWN_WORDS = (
    "Glitches in AI-authored code took the site offline."  # "authored", "took ... offline"
)
NEGATIVE = "AI coding tools are increasingly popular among developers."


def test_calibration_is_clipped_and_monotonic() -> None:
    assert calibrate(-0.2) == 0.0 and calibrate(0.99) == 1.0
    assert calibrate(0.5) < calibrate(0.6) < calibrate(0.7)


@pytest.fixture(scope="module")
def semantic() -> SemanticClaimMatcher:
    return SemanticClaimMatcher()


def test_embeddings_are_unit_vectors(semantic: SemanticClaimMatcher) -> None:
    vectors = semantic.embed(["Parcelwise was down.", "The site went offline."])
    assert vectors.shape[0] == 2
    norms = (vectors**2).sum(axis=1)
    assert all(abs(norm - 1.0) < 1e-4 for norm in norms)


def test_semantic_lifts_a_paraphrase_the_lexicon_misses(semantic: SemanticClaimMatcher) -> None:
    lexical = LexicalMatcher().scores(CLAIM, [UNKNOWN_WORDS, NEGATIVE])
    combined = semantic.scores(CLAIM, [UNKNOWN_WORDS, NEGATIVE])
    assert lexical[0] < DEFAULT_THRESHOLD <= combined[0]
    assert combined[1] < DEFAULT_THRESHOLD
    assert all(c >= lex for c, lex in zip(combined, lexical, strict=True))


def test_semantic_matcher_plugs_into_mention_finding(semantic: SemanticClaimMatcher) -> None:
    text = f"Parcelwise apologised.\n{UNKNOWN_WORDS}\n{NEGATIVE}"
    assert find_in_text(CLAIM, text) == []
    found = find_in_text(CLAIM, text, matcher=semantic)
    assert [f.sentence.text for f in found] == [UNKNOWN_WORDS]
