"""Rank registered claims for a text: the index's BM25 candidates, re-scored with the matcher.

The store's BM25 index (`tracker.store.claim_index`) proposes candidates; each is then scored

    score = bm25 / best bm25 of the text + COSINE_WEIGHT * cosine + COVERAGE_WEIGHT * coverage
            + ALIGNMENT_WEIGHT * alignment

where `cosine` is the static sentence-embedding cosine of the text with the claim or its title
(`tracker.text.embeddings`, whichever is higher), `coverage` the claims matcher's soft-AND
score of the claim (or its title) in the text (`tracker.claims.match.LexicalMatcher`, the
scoring the claims stage uses), and `alignment` the same table's vectors compared token to
token: each token of the claim and title takes its most similar token of the text and the
reverse, weighted by the table's row lengths, and the two averages are averaged. A sentence
vector blurs a long tweet into its topic; aligned tokens reward a claim whose own words, or
near synonyms of them ("carcinogens" / "cancer"), are in the text. BM25 is divided by the text's
best candidate because raw BM25 grows with the text's length and rarity of words; the others
already lie in [-1, 1]. The cosine and coverage weights were chosen on the development part of
CheckThat! 2020 task 2 and the alignment weight on its train part
(`benchmarks/clef_claims.py --grid`), from features only; ties keep the index's order.

Claims registered twice in nearly the same words (another quote style, a capital letter) have
the same content stems and so the same BM25; they also get the embedding and matcher scores of
the first of them, so they stay together in the index's order (the older first) instead of
being reordered by differences of punctuation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from tracker.claims.match import LexicalMatcher
from tracker.domain.claim_sets import ClaimCandidate, ClaimMatch
from tracker.text.embeddings import SentenceEncoder, cosine_matrix
from tracker.text.terms import content_stems

__all__ = [
    "ALIGNMENT_WEIGHT",
    "CANDIDATES",
    "COSINE_WEIGHT",
    "COVERAGE_POOL",
    "COVERAGE_WEIGHT",
    "ClaimRanker",
    "query_text",
    "split_handles",
    "strip_links",
    "trim_bylines",
]

CANDIDATES = 100  # BM25 candidates re-scored per text
COSINE_WEIGHT = 0.5
COVERAGE_WEIGHT = 0.25
ALIGNMENT_WEIGHT = 2.0
# Coverage and alignment are computed for this many candidates, the best by BM25 and cosine (and
# at least `top`): on CheckThat! dev and train, pools of 10 to 100 gave the same MAP@5.
COVERAGE_POOL = 20
# A link names no claim, and its pieces ("twitter", "com", ids) would only add noise words.
_LINK = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[a-z][\w-]*)+/\S*", re.IGNORECASE)


# A social-media handle ("@realDonaldTrump", "@AOC") and the words written together in it.
_HANDLE = re.compile(r"(?<![\w@])@(\w+)")
_HANDLE_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


# The byline of a quoted tweet, as pages that embed tweets write it (and as tweets are exported):
# "— Display Name (@handle) Month Day, Year".
_BYLINE = re.compile(
    r"[\u2014\u2013]\s*([^\u2014\u2013\n]{0,80}?)\s*\(@\w+\)\s*"
    r"([A-Z][a-z]{2,8}\.?)\s+\d{1,2},\s*(\d{2,4})\b"
)


def strip_links(text: str) -> str:
    """The text without its links (URLs and bare domain/path references)."""
    return _LINK.sub(" ", text)


def split_handles(text: str) -> str:
    """Handles written out as their words ("@realDonaldTrump" -> "real Donald Trump").

    A handle is a name run together; as one token it matches no claim, which writes the name
    out. The tokenizer splits hashtags the same way.
    """
    return _HANDLE.sub(lambda match: " ".join(_HANDLE_WORD.findall(match.group(1))), text)


def trim_bylines(text: str) -> str:
    """A quoted tweet's byline as its author's name, month and year ("— Ann (@ann) May 2, 2019").

    The handle spells the name a second time, doubling its weight against the tweet's own words,
    and the day of the month matches the dates of unrelated claims ("1 January 2017"). The name
    and the month and year stay: claims about a tweet name who wrote it and when. On CheckThat!
    2020 task 2 this raised MAP@5 from 0.8750 to 0.8789 on train and 0.8321 to 0.8407 on dev;
    dropping the whole byline lowered it to 0.850 / 0.805 (BM25 and cosine alone).
    """
    return _BYLINE.sub(lambda m: f"\u2014 {m.group(1)} {m.group(2)} {m.group(3)}", text)


def query_text(text: str) -> str:
    """A text as it is matched: no links, tweet bylines trimmed, handles written out."""
    return split_handles(trim_bylines(strip_links(text)))


class ClaimRanker:
    """Re-scores a text's BM25 candidates with embeddings and the claims matcher."""

    def __init__(
        self,
        encoder: SentenceEncoder,
        matcher: LexicalMatcher | None = None,
        *,
        cosine_weight: float = COSINE_WEIGHT,
        coverage_weight: float = COVERAGE_WEIGHT,
        alignment_weight: float = ALIGNMENT_WEIGHT,
    ) -> None:
        """Score with this encoder and matcher (default: the claims stage's lexical one)."""
        self.encoder = encoder
        self.matcher = matcher or LexicalMatcher()
        self.cosine_weight = cosine_weight
        self.coverage_weight = coverage_weight
        self.alignment_weight = alignment_weight

    def cosines(self, text: str, candidates: Sequence[ClaimCandidate]) -> list[float]:
        """Per candidate, the embedding cosine of the text with the claim or its title."""
        if not candidates:
            return []
        query = self.encoder.encode([text])
        claims = self.encoder.encode([c.text for c in candidates])
        titles = self.encoder.encode([c.title for c in candidates])
        best = np.maximum(cosine_matrix(claims, query)[:, 0], cosine_matrix(titles, query)[:, 0])
        return [float(value) for value in best]

    def coverages(self, text: str, candidates: Sequence[ClaimCandidate]) -> list[float]:
        """Per candidate, the matcher's score of the claim (or its title) in the text."""
        analysis = self.matcher.analyzer.analyse(text)
        out = []
        for candidate in candidates:
            score = self.matcher.detail(candidate.text, analysis).score
            if candidate.title:
                score = max(score, self.matcher.detail(candidate.title, analysis).score)
            out.append(score)
        return out

    def alignments(self, text: str, candidates: Sequence[ClaimCandidate]) -> list[float]:
        """Per candidate, how well the tokens of the claim and title align with the text's.

        The mean of two weighted averages of best token cosines: over the claim's tokens (is
        each said in the text?) and over the text's (is each in the claim?).
        """
        query, query_weights, _ = self.encoder.token_vectors([text])
        rows, weights, counts = self.encoder.token_vectors(
            [f"{candidate.text} {candidate.title}" for candidate in candidates]
        )
        out = np.zeros(len(candidates))
        filled = np.flatnonzero(counts)
        if not candidates or not query_weights.sum() or filled.size == 0:
            return out.tolist()
        # Every claim token against every text token. einsum, not BLAS: for these small products
        # OpenBLAS's threads cost five times the work on a busy machine (and nothing is gained).
        similar = np.einsum("ij,kj->ik", rows, query)
        # Per candidate (a block of rows; reduceat over the starts of the non-empty blocks).
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[filled]
        said = np.add.reduceat(weights * similar.max(axis=1), starts) / np.add.reduceat(
            weights, starts
        )
        carried = np.maximum.reduceat(similar, starts, axis=0) @ query_weights
        out[filled] = (said + carried / query_weights.sum()) / 2
        return [float(value) for value in out]

    def features(
        self, text: str, candidates: Sequence[ClaimCandidate], pool: int | None = None
    ) -> list[tuple[float, float, float, float]]:
        """Per candidate: BM25 over the text's best, embedding cosine, coverage, alignment.

        Candidates with the same content stems share the features of the first of them. With
        `pool`, coverage and alignment are computed only for the `pool` best by BM25 and cosine
        (0 for the others): they are most of the cost and only reorder the top few.
        """
        if not candidates:
            return []
        peak = max(c.bm25 for c in candidates)
        firsts = _first_of_same_words(candidates)
        distinct = sorted(set(firsts))
        slot = {index: n for n, index in enumerate(distinct)}
        bm25 = [candidates[i].bm25 / peak if peak > 0 else 0.0 for i in distinct]
        cosines = self.cosines(text, [candidates[i] for i in distinct])
        chosen = list(range(len(distinct)))
        if pool is not None:
            first = [
                round(b + self.cosine_weight * c, 6) for b, c in zip(bm25, cosines, strict=True)
            ]
            chosen = sorted(sorted(chosen, key=lambda n: -first[n])[:pool])
        coverages, alignments = [0.0] * len(distinct), [0.0] * len(distinct)
        pooled = [candidates[distinct[n]] for n in chosen]
        found = zip(self.coverages(text, pooled), self.alignments(text, pooled), strict=True)
        for n, (coverage, alignment) in zip(chosen, found, strict=True):
            coverages[n], alignments[n] = coverage, alignment
        return [
            (bm25[slot[f]], cosines[slot[f]], coverages[slot[f]], alignments[slot[f]])
            for f in firsts
        ]

    def rank(
        self, text: str, candidates: Sequence[ClaimCandidate], top: int | None = None
    ) -> list[ClaimMatch]:
        """The candidates as matches, best first; the first `top` when given."""
        pool = max(COVERAGE_POOL, top or 0)
        matches = [
            ClaimMatch(
                c.slug,
                c.text,
                c.title,
                c.origin_url,
                round(
                    bm25
                    + self.cosine_weight * cos
                    + self.coverage_weight * cover
                    + self.alignment_weight * align,
                    6,
                ),
                round(c.bm25, 6),
                round(cos, 6),
                round(cover, 6),
                round(align, 6),
            )
            for c, (bm25, cos, cover, align) in zip(
                candidates, self.features(text, candidates, pool), strict=True
            )
        ]
        # A stable sort: equal scores keep the index's order (BM25, then claim id).
        matches.sort(key=lambda match: -match.score)
        return matches[:top] if top is not None else matches


def _first_of_same_words(candidates: Sequence[ClaimCandidate]) -> list[int]:
    """Per candidate, the index of the first candidate with the same content stems."""
    first: dict[frozenset[tuple[str, int]], int] = {}
    out = []
    for n, candidate in enumerate(candidates):
        stems = content_stems(f"{candidate.text}\n{candidate.title}")
        key = frozenset(Counter(stems).items())
        out.append(first.setdefault(key, n))
    return out
