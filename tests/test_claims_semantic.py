"""The semantic matcher: the packaged MiniLM model, loaded offline (what it lifts and what it
leaves: tests/test_claims_paraphrase.py)."""

from __future__ import annotations

import pytest

from tracker.claims.semantic import SemanticClaimMatcher, calibrate


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
