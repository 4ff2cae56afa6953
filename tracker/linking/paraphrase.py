"""Paraphrase: the same content in other words, scored sentence by sentence.

Each sentence of the later text is matched to its most similar sentence of the earlier one; the
document score is the mean of those best similarities, weighted by how many content words each
sentence has (so "Read more." weighs nothing). The default `LexicalMatcher` compares weighted
bags of stemmed content words (`tracker.text.terms.weighted_terms`, cosine); a `Matcher` with
the same methods, such as `tracker.linking.semantic.SemanticParaphrase`, can replace it.
`story_similarity` compares two whole texts the same lexical way: the "same story" test for
credits, same-outlet links and candidates worth a paraphrase score.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tracker.config import LinkSettings
from tracker.text.sentences import Sentence, split_sentences
from tracker.text.terms import merge, term_stats, weighted_terms

__all__ = [
    "LexicalMatcher",
    "Matcher",
    "ParaphraseScore",
    "ScoredSentence",
    "SentencePair",
    "analyse",
    "evidence_of",
    "matcher_for",
    "paraphrase_score",
    "sentences_of",
    "story_similarity",
    "terms_similarity",
    "terms_similarity_to",
]

# A sentence with fewer content words than this is not scored ("Read more.", a dateline).
_MIN_SENTENCE_TERMS = 3


@dataclass(frozen=True, slots=True)
class ScoredSentence(Sentence):
    """A sentence worth scoring, with its weighted content stems.

    The stems travel with the sentence (and so with `tracker.linking.compare.Prepared`, which the
    linking stage keeps in a bounded cache) rather than in a process-wide cache by sentence text:
    such a cache grew with the corpus, about 5 KiB a sentence, and held texts long gone.
    """

    terms: Mapping[str, float] = field(default_factory=dict, compare=False)


class Matcher(Protocol):
    """Scores sentence similarity; lexical by default, semantic as an option."""

    @property
    def sentence_threshold(self) -> float:
        """The similarity from which two sentences say the same thing, on this matcher's scale."""
        ...

    @property
    def document_threshold(self) -> float:
        """The document score from which a text paraphrases another, on this matcher's scale."""
        ...

    def best_matches(self, target: Sequence[str], source: Sequence[str]) -> list[tuple[int, float]]:
        """For each target sentence, the index of the most similar source sentence and the score."""
        ...

    def match_sentences(
        self, target: Sequence[ScoredSentence], source: Sequence[ScoredSentence]
    ) -> list[tuple[int, float]]:
        """`best_matches` for sentences already analysed (a matcher may reuse their terms)."""
        ...


@dataclass(frozen=True, slots=True)
class SentencePair:
    """A sentence of the later text and its best match in the earlier one."""

    target: Sentence
    source: Sentence
    similarity: float


@dataclass(frozen=True, slots=True)
class ParaphraseScore:
    """How much of a text another text says too, in any words."""

    score: float  # weighted mean best-match similarity of the target's sentences, 0..1
    matched_share: float  # weighted share of target sentences with a match over the threshold
    pairs: tuple[SentencePair, ...]  # matched pairs only, best first
    threshold: float = 1.0  # the matcher's document threshold: scales differ between matchers

    @property
    def passes(self) -> bool:
        """True when the score reaches the matcher's paraphrase threshold."""
        return self.score >= self.threshold


def _norm(bag: Mapping[str, float]) -> float:
    """The Euclidean length of a weighted bag of terms."""
    return math.sqrt(sum(weight * weight for weight in bag.values()))


def _cosines(
    left: Sequence[Mapping[str, float]], right: Sequence[Mapping[str, float]]
) -> list[list[float]]:
    """The cosine similarity of every bag on the left with every bag on the right.

    Sparse dot products through an inverted index of the right-hand bags, in plain Python: the
    bags hold a dozen terms each, and a dense BLAS product was measured 40x slower here (0.9 ms
    against 42 ms for 50 x 50 sentences) once OpenBLAS threads compete with other processes.
    """
    index: dict[str, list[tuple[int, float]]] = {}
    for column, bag in enumerate(right):
        for term, weight in bag.items():
            index.setdefault(term, []).append((column, weight))
    right_norms = [_norm(bag) for bag in right]
    result: list[list[float]] = []
    for bag in left:
        row = [0.0] * len(right)
        for term, weight in bag.items():
            for column, other in index.get(term, ()):
                row[column] += weight * other
        left_norm = _norm(bag)
        result.append(
            [
                value / (left_norm * norm) if left_norm and norm else 0.0
                for value, norm in zip(row, right_norms, strict=True)
            ]
        )
    return result


class LexicalMatcher:
    """Sentence similarity as the cosine of their stemmed content words."""

    def __init__(self, sentence_threshold: float = 0.5, document_threshold: float = 0.55) -> None:
        """Match sentences from `sentence_threshold`, documents from `document_threshold`."""
        self._sentence_threshold = sentence_threshold
        self._document_threshold = document_threshold

    @property
    def sentence_threshold(self) -> float:
        """The cosine from which two sentences say the same thing."""
        return self._sentence_threshold

    @property
    def document_threshold(self) -> float:
        """The document score from which a text paraphrases another."""
        return self._document_threshold

    def best_matches(self, target: Sequence[str], source: Sequence[str]) -> list[tuple[int, float]]:
        """For each target sentence, its best source sentence's index and their cosine."""
        return _best(
            [term_stats(text).weights for text in target],
            [term_stats(text).weights for text in source],
        )

    def match_sentences(
        self, target: Sequence[ScoredSentence], source: Sequence[ScoredSentence]
    ) -> list[tuple[int, float]]:
        """`best_matches` over the stems the sentences carry: nothing is tokenised again."""
        return _best([s.terms for s in target], [s.terms for s in source])


def _best(
    target: Sequence[Mapping[str, float]], source: Sequence[Mapping[str, float]]
) -> list[tuple[int, float]]:
    """For each target bag, the index of its most similar source bag and their cosine."""
    if not target or not source:
        return [(0, 0.0) for _ in target]
    scores = _cosines(target, source)
    best = [max(range(len(row)), key=row.__getitem__) for row in scores]
    return [(index, scores[row][index]) for row, index in enumerate(best)]


def matcher_for(settings: LinkSettings) -> Matcher:
    """The matcher the settings ask for: lexical, or semantic when `settings.semantic`."""
    if settings.semantic:
        return _semantic(settings.semantic_sentence_similarity, settings.semantic_min_score)
    return LexicalMatcher(settings.sentence_min_similarity, settings.paraphrase_min_score)


@functools.lru_cache(maxsize=2)
def _semantic(sentence_threshold: float, document_threshold: float) -> Matcher:
    """One semantic matcher per process and thresholds: the model loads once, not per article."""
    from tracker.linking.semantic import SemanticParaphrase  # numpy only until first use

    return SemanticParaphrase(sentence_threshold, document_threshold)


def sentences_of(text: str) -> list[ScoredSentence]:
    """The sentences of `text` worth scoring (enough content words), with their offsets."""
    return analyse(text)[0]


def analyse(text: str) -> tuple[list[ScoredSentence], dict[str, float]]:
    """The scorable sentences of `text` and its weighted terms, tokenising it only once."""
    every = split_sentences(text)
    stats = [term_stats(s.text) for s in every]
    scorable = [
        ScoredSentence(s.text, s.start, s.end, st.weights)
        for s, st in zip(every, stats, strict=True)
        if len(st.counts) >= _MIN_SENTENCE_TERMS
    ]
    return scorable, merge(stats).weights


def paraphrase_score(
    target: Sequence[ScoredSentence], source: Sequence[ScoredSentence], matcher: Matcher
) -> ParaphraseScore:
    """Score how much of `target` (sentences of the later text) `source` already says."""
    if not target or not source:
        return ParaphraseScore(0.0, 0.0, (), matcher.document_threshold)
    matches = matcher.match_sentences(target, source)
    weights = [float(len(s.terms)) for s in target]
    total = sum(weights)
    score = sum(w * max(0.0, sim) for w, (_, sim) in zip(weights, matches, strict=True)) / total
    threshold = matcher.sentence_threshold
    matched = [
        (weight, SentencePair(sentence, source[index], similarity))
        for weight, sentence, (index, similarity) in zip(weights, target, matches, strict=True)
        if similarity >= threshold
    ]
    share = sum(weight for weight, _ in matched) / total
    pairs = tuple(sorted((pair for _, pair in matched), key=lambda p: -p.similarity))
    return ParaphraseScore(min(1.0, score), min(1.0, share), pairs, matcher.document_threshold)


def terms_similarity(left: Mapping[str, float], right: Mapping[str, float]) -> float:
    """The cosine of two texts' weighted content stems (from `weighted_terms`)."""
    return _cosines([left], [right])[0][0]


def terms_similarity_to(base: Mapping[str, float]) -> Callable[[Mapping[str, float]], float]:
    """`terms_similarity(base, other)` for many others, the base's norm computed once.

    The same floats as `terms_similarity`: the products are summed in the base's order.
    """
    base_norm = _norm(base)

    def similarity(other: Mapping[str, float]) -> float:
        dot = 0.0
        for term, weight in base.items():
            found = other.get(term)
            if found is not None:
                dot += weight * found
        norm = _norm(other)
        return dot / (base_norm * norm) if base_norm and norm else 0.0

    return similarity


def story_similarity(left: str, right: str) -> float:
    """The cosine of two whole texts' content words: how far they tell the same story."""
    return terms_similarity(weighted_terms(left), weighted_terms(right))


def evidence_of(measured: ParaphraseScore, max_pairs: int = 20) -> dict[str, object]:
    """A paraphrase score as edge evidence: the score and the best sentence pairs' offsets."""
    return {
        "score": round(measured.score, 4),
        "matched_share": round(measured.matched_share, 4),
        "pairs": [
            {
                "target_start": pair.target.start,
                "target_end": pair.target.end,
                "source_start": pair.source.start,
                "source_end": pair.source.end,
                "similarity": round(pair.similarity, 4),
            }
            for pair in measured.pairs[:max_pairs]
        ],
    }
