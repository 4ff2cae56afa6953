"""Claim-level provenance: the same tracked statement where the texts share too little.

A heavy paraphrase of a report can say the report's claim in words of its own and share too
little else for a text-level edge (its paraphrase score stays under `paraphrase_min_score`,
which independent reports of one event already reach). When such an article carries a tracked
claim (a stored mention that asserts or attributes it) and linking found no source at all in its
texts, it gets one `paraphrases` edge to the claim's origin: the earliest article that carried
the same claim (asserting or attributing it) and came before it, ordered as linking orders
articles (`tracker.linking.order`). An article that only disputes a claim gets none; the origin
gets none; an article with any textual edge keeps that and gets none.

Such an edge says less than one found in the texts, so it ranks below every one of them: its
kind is the weakest (`paraphrases`) and its score is half the paraphrase score measured between
the two claim-bearing versions, capped at half the paraphrase threshold, so a textual paraphrase
edge always outscores it. Its evidence is marked `"basis": "claim"` and holds the claim, the
claim-bearing sentence of each article (text and offsets in the version named) and that
measured paraphrase score.

Where it runs (`tracker.pipeline.claim_links.ClaimLinker`): the linking stage computes it with
every write of an article's edges (in the same transaction), and the claims stage, after storing
new mentions, for the articles they belong to. A rebuild of the edges therefore writes the same
claim edges as the crawls did: both end with each article's edges computed from all its mentions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from tracker.clock import utc
from tracker.config import LinkSettings
from tracker.domain import ArticleRef, Edge, EdgeKind
from tracker.domain.links import CLAIM_BASIS, ClaimMention
from tracker.linking.order import order_key, precedes
from tracker.linking.paraphrase import (
    Matcher,
    evidence_of,
    paraphrase_score,
    sentences_of,
)

__all__ = [
    "CLAIM_SCORE_WEIGHT",
    "Carrier",
    "carriers",
    "claim_edges",
    "origin_of",
]

CLAIM_SCORE_WEIGHT = 0.5  # a claim edge scores half the measured paraphrase score, at most
_MAX_PAIRS = 20  # paraphrased sentence pairs kept as evidence


@dataclass(frozen=True, slots=True)
class Carrier:
    """An article's first mention of a claim, with the article as ordering sees it then."""

    mention: ClaimMention
    ref: ArticleRef  # first-seen and publication date, or the carrying version's fetch time

    @property
    def article_id(self) -> int:
        """The carrying article."""
        return self.ref.id


def _ref_when_carried(mention: ClaimMention, settings: LinkSettings) -> ArticleRef:
    """The article as first seen when it carried the claim then; else as of the carrying version.

    An article that takes the claim up in a later version carried it only from then on: it
    cannot be the origin of a claim that others carried before that version was fetched.
    """
    article = mention.article
    late = utc(mention.fetched_at) - utc(article.first_seen)
    if late <= timedelta(seconds=settings.first_seen_tolerance):
        return article
    return replace(article, first_seen=mention.fetched_at, published=None)


def carriers(mentions: Iterable[ClaimMention], settings: LinkSettings) -> list[Carrier]:
    """The first carrying mention of each (claim, article), earliest version then offset first."""
    first: dict[tuple[int, int], ClaimMention] = {}
    for mention in mentions:
        key = (mention.claim_id, mention.article.id)
        kept = first.get(key)
        if kept is None or (mention.version_id, mention.start) < (kept.version_id, kept.start):
            first[key] = mention
    return [
        Carrier(mention, _ref_when_carried(mention, settings))
        for mention in sorted(first.values(), key=lambda m: (m.slug, m.article.id))
    ]


def origin_of(
    carrier: Carrier, others: Sequence[Carrier], settings: LinkSettings
) -> Carrier | None:
    """The earliest other carrier of the same claim that came before this one, if any."""
    earlier = [
        other
        for other in others
        if other.mention.claim_id == carrier.mention.claim_id
        and other.article_id != carrier.article_id
        and precedes(other.ref, carrier.ref, settings)
    ]
    return min(earlier, key=lambda o: order_key(o.ref, settings)) if earlier else None


def _sentence(mention: ClaimMention) -> dict[str, object]:
    return {
        "version": mention.version_id,
        "start": mention.start,
        "end": mention.end,
        "text": mention.sentence,
    }


def claim_edges(
    article_id: int,
    pairs: Sequence[tuple[Carrier, Carrier]],
    texts: Mapping[int, str],
    matcher: Matcher,
    settings: LinkSettings,
) -> list[Edge]:
    """One edge per origin of the (own carrier, origin carrier) pairs, the earliest origin first."""
    by_origin: dict[int, list[tuple[Carrier, Carrier]]] = {}
    for own, origin in pairs:
        by_origin.setdefault(origin.article_id, []).append((own, origin))
    groups = sorted(by_origin.values(), key=lambda g: min(order_key(o.ref, settings) for _, o in g))
    edges: list[Edge] = []
    for group in groups:
        group.sort(key=lambda pair: (pair[0].mention.version_id, pair[0].mention.slug))
        own, origin = group[0]
        target_version, source_version = own.mention.version_id, origin.mention.version_id
        measured = paraphrase_score(
            sentences_of(texts.get(target_version, "")),
            sentences_of(texts.get(source_version, "")),
            matcher,
        )
        claims: list[dict[str, object]] = []
        for mine, theirs in group:
            similarity = matcher.best_matches([mine.mention.sentence], [theirs.mention.sentence])
            claims.append(
                {
                    "claim": mine.mention.slug,
                    "similarity": round(similarity[0][1], 4),
                    "source": _sentence(theirs.mention),
                    "target": _sentence(mine.mention),
                }
            )
        evidence: dict[str, object] = {
            "kinds": [EdgeKind.PARAPHRASES.value],
            "basis": CLAIM_BASIS,
            "claim": own.mention.slug,
            "claims": claims,
            "source_version": source_version,
            "target_version": target_version,
            "paraphrase": {
                **evidence_of(measured, _MAX_PAIRS),
                "threshold": measured.threshold,
            },
        }
        score = CLAIM_SCORE_WEIGHT * min(measured.score, measured.threshold)
        edges.append(
            Edge(origin.article_id, article_id, EdgeKind.PARAPHRASES, round(score, 4), evidence)
        )
    return edges
