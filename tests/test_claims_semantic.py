"""The semantic matcher: the packaged MiniLM model, loaded offline (what it lifts and what it
leaves: tests/test_claims_paraphrase.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pytest

from tests.test_claims_paraphrase import ANCHOR, CLAIM, OTHER, OTHER_LATER, SAME
from tracker.claims.mentions import mentions_in_version, mentions_in_versions
from tracker.claims.semantic import SemanticClaimMatcher, calibrate
from tracker.domain import Claim, VersionRef
from tracker.text.minilm import Embedder


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


class _Counting(Embedder):
    """The embedder, counting its calls."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.calls += 1
        return super().embed(texts)


def test_versions_matched_together_give_each_version_its_own_mentions() -> None:
    claim = Claim("recall", CLAIM)
    when = datetime(2026, 3, 2, tzinfo=UTC)
    texts = [SAME, OTHER_LATER, ANCHOR, OTHER]
    versions = [VersionRef(n, n, text, when) for n, text in enumerate(texts)]
    alone, together = SemanticClaimMatcher(), SemanticClaimMatcher()
    counted = alone._embedder, together._embedder = _Counting(), _Counting()
    expected = [m for v in versions for m in mentions_in_version(claim, v, matcher=alone)]
    assert any(0.0 < m.score < 1.0 and m.version_id == 0 for m in expected)  # SAME, lifted
    assert mentions_in_versions(claim, versions, matcher=together) == expected
    # The model read every version's chosen sentences, the claim with them, in one call.
    assert together.embedded == alone.embedded and counted[0].calls > counted[1].calls == 1
