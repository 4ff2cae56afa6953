"""The claims matcher's paraphrase evidence: the lexical score lifted by MiniLM sentence cosine.

The embeddings are `tracker.text.minilm` (all-MiniLM-L6-v2 run in numpy from weights shipped
in the package, in the default install; nothing downloaded at run time). The model costs far
more per sentence than the lexical matcher, so it only reads the sentences the lexical evidence
already picked for a claim: sentences of candidate versions (the full-text index found at least
half of the claim's weight in them) that by themselves cover at least `MIN_RECALL` of the
claim's weight, do not carry it already, and whose cosine with the claim in the static table
distilled from the same model (`tracker.text.embeddings`) reaches `STATIC_MIN`. Sentence vectors
are remembered by text, so a sentence met again (another claim, another version of the article,
a copy) is embedded once.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

from tracker.claims.match import DEFAULT_THRESHOLD, LexicalMatcher, MatchDetail
from tracker.text.embeddings import load_default_encoder
from tracker.text.minilm import Embedder

__all__ = ["MIN_RECALL", "STATIC_MIN", "SemanticClaimMatcher", "blend", "calibrate"]

# Calibrated on the ECB+ development topics (the claim being the first sentence of an event's
# first article, as the dev scenario builds its claims; `benchmarks/claims_paraphrase.py`): a
# sentence read by the model carries the claim when its cosine reaches 0.7, the middle of
# [LOW, HIGH], and its score then rises with the cosine. Cutoffs of 0.65 / 0.7 / 0.75 made 188 /
# 177 / 147 articles of the claim's event direct carriers (the lexical matcher alone: 81) for
# 49 / 36 / 33 of the topic's other event (alone: 19), which the one-event rule mostly files
# apart, and 2 / 0 / 0 of other topics.
COSINE_LOW = 0.5
COSINE_HIGH = 0.9
WEIGHT = 1.0  # how far the calibrated cosine lifts the lexical score towards itself (1: max)
# The share of the claim's weight a sentence must cover by itself to be read by the model at
# all: below it the sentence shares too little with the claim to state it in other words. At
# 0.4 / 0.5 / 0.6 the model read 408 / 261 / 112 sentences there (52 claims), for 193 / 177 /
# 133 articles of the claim's event and 47 / 36 / 24 of the other.
MIN_RECALL = 0.5
# ... and the cosine of the static table distilled from the same model (`tracker.text.
# embeddings`, two orders of magnitude cheaper) it must reach first: at 0.5 / 0.6 / 0.7 the model
# read 349 / 261 / 147 sentences for 184 / 177 / 158 articles (no static gate: 441, 187).
# Measured again (2026-12-07, `benchmarks/claims_paraphrase.py`; articles of the claim's event /
# of the other event, sentences read): 0.6 175 / 35, 275; 0.55 181 / 35, 318; 0.5 182 / 35,
# 353; 0.45 186 / 36, 394; none 186 / 36, 427. From 0.6 to 0.5 the static table's misses are
# true reports (the dev scenario's roundup "Tara Reid has checked into Promises Treatment Center,
# a prominent rehab clinic in Los Angeles.": static 0.54, MiniLM 0.80) at no hard negative more;
# below 0.5 the gains come with one.
STATIC_MIN = 0.5
MEMO_VECTORS = 16_384  # sentence vectors remembered (384 float32 each: 1.5 kB)


@functools.lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    """The process's thread pools, found once (a `threadpool_limits` call looks for them anew)."""
    return ThreadpoolController()


def calibrate(cosine: float) -> float:
    """Map a cosine onto [0, 1]: paraphrases near 1, mere topic overlap near 0."""
    return min(1.0, max(0.0, (cosine - COSINE_LOW) / (COSINE_HIGH - COSINE_LOW)))


def blend(lexical: float, cosine: float, weight: float = WEIGHT) -> float:
    """`lexical + weight * max(0, calibrated cosine - lexical)`: the cosine only ever adds."""
    return lexical + weight * max(0.0, calibrate(cosine) - lexical)


class SemanticClaimMatcher:
    """Scores sentences by the lexical score, raised towards the calibrated sentence cosine.

    The embedding similarity only adds: it lifts paraphrases whose words the claim does not
    share towards their cosine, and never lowers a sentence the lexical matcher already found
    (MiniLM scores a sentence that carries the claim among other news as low as mere topic
    overlap, so a plain average would lose true mentions).
    """

    def __init__(
        self,
        lexical: LexicalMatcher | None = None,
        *,
        weight: float = WEIGHT,
        min_recall: float = MIN_RECALL,
        static_min: float = STATIC_MIN,
        threshold: float = DEFAULT_THRESHOLD,
        batch_size: int = 64,
    ) -> None:
        """Prepare the matcher (`static_min` -1: no static gate); the model loads on first use."""
        self.lexical = lexical or LexicalMatcher()
        self.weight = weight
        self.min_recall = min_recall
        self.static_min = static_min
        self.threshold = threshold
        self._embedder = Embedder(batch_size=batch_size)
        self._vectors: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self.embedded = 0  # sentences (and claims) run through the model so far
        self.seconds = 0.0  # CPU seconds spent in the model so far (by the threads that called it)

    def tuned(self, *, weight: float, min_recall: float) -> SemanticClaimMatcher:
        """The same matcher (model, vectors, counts apart) with other blend parameters."""
        other = SemanticClaimMatcher(
            self.lexical,
            weight=weight,
            min_recall=min_recall,
            static_min=self.static_min,
            threshold=self.threshold,
        )
        other._embedder, other._vectors = self._embedder, self._vectors
        return other

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit-length embeddings of `texts`, one row each; each text embedded once."""
        known: dict[str, npt.NDArray[np.float32]] = {}
        for text in texts:
            row = self._vectors.get(text)
            if row is not None:
                known[text] = row
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            started = time.thread_time()
            # One BLAS thread: the claims stage embeds a few sentences at a time, and on a busy
            # machine OpenBLAS's threads spin for them (246 ms CPU a sentence at batch 1 under
            # load 23 on 2 cores, 15 ms with one thread).
            with _blas().limit(limits=1, user_api="blas"):
                rows = self._embedder.embed(missing)
            self.seconds += time.thread_time() - started
            self.embedded += len(missing)
            for text, row in zip(missing, rows, strict=True):
                known[text] = self._vectors[text] = row
        for text in known:
            # Another thread (the API's matcher serves several) may have let it go already.
            with contextlib.suppress(KeyError):
                self._vectors.move_to_end(text)
        while len(self._vectors) > MEMO_VECTORS:
            with contextlib.suppress(KeyError):
                self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([known[t] for t in texts])

    def similarities(self, claim: str, sentences: Sequence[str]) -> list[float]:
        """Cosine similarity of the claim with each sentence."""
        if not sentences:
            return []
        vectors = self.embed([claim, *sentences])
        return [float(value) for value in vectors[1:] @ vectors[0]]

    def scores(self, claim: str, sentences: Sequence[str]) -> list[float]:
        """The lexical soft-AND score, raised towards the calibrated cosine (gated as `lift`)."""
        details = [self.lexical.detail(claim, sentence) for sentence in sentences]
        return self.lift(claim, sentences, details)

    def worth_embedding(self, detail: MatchDetail) -> bool:
        """True when a sentence shares enough with the claim, and does not carry it yet.

        Besides names: a report of another event of the same kind shares the claim's people and
        places and MiniLM scores it as high as the claim's own event ("Lindqvist left the
        Brookfield Recovery Center in Malibu in 2019" against "Lindqvist checked into the
        Brookfield Recovery Center in Malibu on Tuesday": 0.76).
        """
        if detail.recall < self.min_recall or detail.score >= self.threshold:
            return False
        return any(
            h.coverage > 0.0 and not h.from_context and not h.concept.name for h in detail.hits
        )

    def lift(
        self, claim: str, sentences: Sequence[str], details: Sequence[MatchDetail]
    ) -> list[float]:
        """Each sentence's lexical score (in `details`), lifted by its cosine where worth it."""
        out = [detail.score for detail in details]
        chosen = self._chosen(claim, sentences, details)
        if not chosen:
            return out
        cosines = self.similarities(claim, [sentences[i] for i in chosen])
        for i, cosine in zip(chosen, cosines, strict=True):
            out[i] = blend(out[i], cosine, self.weight)
        return out

    def lift_ahead(
        self, claim: str, asked: Sequence[tuple[Sequence[str], Sequence[MatchDetail]]]
    ) -> None:
        """Embed, in one go, the sentences `lift` will read of each (sentences, details) asked.

        The vectors are remembered, so the lifts then find them; a vector does not depend on
        what shared its forward pass (`MiniLM.encode`), so the answers are the ones `lift`
        gives alone.
        """
        wanted = [
            sentences[i]
            for sentences, details in asked
            for i in self._chosen(claim, sentences, details)
        ]
        if wanted:
            self.embed([claim, *wanted])

    def _chosen(
        self, claim: str, sentences: Sequence[str], details: Sequence[MatchDetail]
    ) -> list[int]:
        """Which sentences `lift` reads with the model: worth it, and near in the static table."""
        chosen = [i for i, detail in enumerate(details) if self.worth_embedding(detail)]
        if chosen and self.static_min > -1.0:
            static = load_default_encoder().encode([claim, *(sentences[i] for i in chosen)])
            near = static[1:] @ static[0]
            chosen = [i for i, value in zip(chosen, near, strict=True) if value >= self.static_min]
        return chosen
