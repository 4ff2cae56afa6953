"""The optional semantic matcher for paraphrase: sentence embeddings, cached per sentence.

The embeddings come from `tracker.text.minilm` (all-MiniLM-L6-v2 run in numpy from weights
shipped in the package, in the default install). The model loads on the first comparison. It
costs about a tenth of a second per article on one core, so it only ever sees candidate pairs'
sentences, each embedded once while cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from tracker.text.minilm import Embedder
from tracker.text.sentences import Sentence

__all__ = ["SemanticParaphrase"]


class SemanticParaphrase:
    """Sentence similarity as the cosine of all-MiniLM-L6-v2 embeddings."""

    def __init__(
        self,
        sentence_threshold: float = 0.75,
        document_threshold: float = 0.7,
        *,
        cache_size: int = 20_000,
    ) -> None:
        """Match sentences and documents from these cosines; the model loads on first use."""
        self._threshold = sentence_threshold
        self._document_threshold = document_threshold
        self._embedder = Embedder()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @property
    def sentence_threshold(self) -> float:
        """The embedding cosine from which two sentences say the same thing."""
        return self._threshold

    @property
    def document_threshold(self) -> float:
        """The document score (mean best cosine) from which a text paraphrases another."""
        return self._document_threshold

    def _embed(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of `sentences`, computing only those not in the cache."""
        missing = list(dict.fromkeys(s for s in sentences if s not in self._cache))
        if missing:
            vectors = self._embedder.embed(missing)
            for sentence, vector in zip(missing, vectors, strict=True):
                self._cache[sentence] = np.asarray(vector, dtype=np.float32)
        for sentence in sentences:
            self._cache.move_to_end(sentence)
        stacked: np.ndarray = np.stack([self._cache[s] for s in sentences])
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)  # least recently used first
        return stacked

    def best_matches(self, target: Sequence[str], source: Sequence[str]) -> list[tuple[int, float]]:
        """For each target sentence, its best source sentence's index and their cosine."""
        if not target or not source:
            return [(0, 0.0) for _ in target]
        scores = np.matmul(self._embed(target), self._embed(source).T)
        best = scores.argmax(axis=1)
        return [(int(index), float(scores[row, index])) for row, index in enumerate(best)]

    def match_sentences(
        self, target: Sequence[Sentence], source: Sequence[Sentence]
    ) -> list[tuple[int, float]]:
        """`best_matches` over the sentences' texts: embeddings need the words, not the stems."""
        return self.best_matches([s.text for s in target], [s.text for s in source])
