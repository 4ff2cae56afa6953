"""The optional semantic matcher: the lexical score blended with sentence-embedding similarity.

The embeddings are `tracker.text.minilm` (all-MiniLM-L6-v2 run in numpy from weights shipped
in the package, in the default install; nothing downloaded at run time).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tracker.claims.match import LexicalMatcher
from tracker.text.minilm import Embedder

__all__ = ["SemanticClaimMatcher", "calibrate"]

# Cosine of MiniLM embeddings: unrelated news sentences sit near 0.1-0.3, same topic 0.4-0.6,
# paraphrases 0.7-0.9; this maps [LOW, HIGH] onto [0, 1].
COSINE_LOW = 0.35
COSINE_HIGH = 0.8


def calibrate(cosine: float) -> float:
    """Map a cosine onto [0, 1]: paraphrases near 1, mere topic overlap near 0."""
    return min(1.0, max(0.0, (cosine - COSINE_LOW) / (COSINE_HIGH - COSINE_LOW)))


class SemanticClaimMatcher:
    """Scores sentences by `lexical + weight * max(0, calibrated cosine - lexical)`.

    The embedding similarity only adds: it lifts paraphrases whose words the lexicon does not
    know towards their cosine, and never lowers a sentence the lexical matcher already found
    (MiniLM scores a sentence that carries the claim among other news as low as mere topic
    overlap, so a plain average would lose true mentions).
    """

    def __init__(
        self,
        lexical: LexicalMatcher | None = None,
        *,
        weight: float = 0.5,
        batch_size: int = 64,
    ) -> None:
        """Prepare the matcher; the model is loaded on first use."""
        self.lexical = lexical or LexicalMatcher()
        self.weight = weight
        self._embedder = Embedder(batch_size=batch_size)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit-length embeddings of `texts`, one row each."""
        return self._embedder.embed(texts)

    def similarities(self, claim: str, sentences: Sequence[str]) -> list[float]:
        """Cosine similarity of the claim with each sentence."""
        if not sentences:
            return []
        vectors = self.embed([claim, *sentences])
        return [float(value) for value in vectors[1:] @ vectors[0]]

    def scores(self, claim: str, sentences: Sequence[str]) -> list[float]:
        """The lexical soft-AND score, raised towards the calibrated embedding similarity."""
        lexical = self.lexical.scores(claim, sentences)
        cosines = self.similarities(claim, sentences)
        return [
            lex + self.weight * max(0.0, calibrate(cos) - lex)
            for lex, cos in zip(lexical, cosines, strict=True)
        ]
