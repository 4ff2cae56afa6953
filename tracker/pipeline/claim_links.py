"""The shell of claim-level provenance: read a claim's carriers, write its claim-based edges.

The rules are pure and live in `tracker.linking.claimed`; this reads what they need through the
link repository and writes what they decide, for the linking and the claims stages alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime

from tracker.config import LinkSettings
from tracker.domain import Edge
from tracker.domain.links import ClaimMention
from tracker.linking.claimed import Carrier, carriers, claim_edges, origin_of
from tracker.linking.paraphrase import Matcher, matcher_for
from tracker.store.link_repo import LinkConflict, LinkRepo

__all__ = ["EARLIEST_MENTIONS", "ClaimLinker"]

# Mentions read per claim when looking for its origin, earliest stored first: the origin is
# among the first carriers stored unless more than this many mentions were stored before it
# within one `first_seen_tolerance` (a known limit; the cost stays one short index range).
EARLIEST_MENTIONS = 64


class ClaimLinker:
    """Computes and stores the claim-based edges of articles (see the module's docstring)."""

    def __init__(self, settings: LinkSettings, matcher: Matcher | None = None) -> None:
        """Order articles with these settings; measure paraphrase scores with `matcher`."""
        self.settings = settings
        self._matcher = matcher

    @property
    def matcher(self) -> Matcher:
        """The paraphrase matcher linking uses (built on first use: it may load a model)."""
        if self._matcher is None:
            self._matcher = matcher_for(self.settings)
        return self._matcher

    def edges_for(
        self, repo: LinkRepo, article_id: int, *, except_version: int | None = None
    ) -> list[Edge]:
        """The article's claim-based edges: none when it has a textual edge.

        Edges of `except_version` do not count (the version being linked, whose edges the
        caller is about to replace).
        """
        mentions = repo.claim_mentions(article_id)  # first: most articles carry no claim
        if not mentions or repo.has_source(article_id, except_version=except_version):
            return []
        return self._edges(repo, article_id, mentions, {})

    def _edges(
        self,
        repo: LinkRepo,
        article_id: int,
        mentions: list[ClaimMention],
        earliest: dict[int, list[ClaimMention]],
    ) -> list[Edge]:
        """The claim-based edges of an article with `mentions` and no textual edge.

        `earliest` remembers each claim's first mentions (they do not change while edges are
        written).
        """
        pairs = self._pairs(repo, mentions, earliest)
        if not pairs:
            return []
        return claim_edges(
            article_id, pairs, repo.texts(_versions(pairs)), self.matcher, self.settings
        )

    def _pairs(
        self,
        repo: LinkRepo,
        mentions: list[ClaimMention],
        earliest: dict[int, list[ClaimMention]],
    ) -> list[tuple[Carrier, Carrier]]:
        """Each of an article's carriers with its claim's origin, where it has one."""
        own = carriers(mentions, self.settings)
        pairs: list[tuple[Carrier, Carrier]] = []
        for carrier in own:
            claim_id = carrier.mention.claim_id
            if claim_id not in earliest:
                earliest[claim_id] = repo.earliest_claim_mentions(claim_id, EARLIEST_MENTIONS)
            origin = origin_of(carrier, carriers(earliest[claim_id], self.settings), self.settings)
            if origin is not None:
                pairs.append((carrier, origin))
        return pairs

    def relink(
        self,
        repo: LinkRepo,
        article_ids: Iterable[int],
        now: datetime,
        earliest: Mapping[int, list[ClaimMention]] | None = None,
    ) -> Counter[str]:
        """Bring the claim-based edges of these articles up to date; counts what changed.

        The same as `save_claim_edges(edges_for(...))` per article, with the reads done for all
        of them at once: a crawl pass hands over hundreds of articles, most with nothing to write.
        `earliest`: claims' `earliest_claim_mentions` the caller read already (not read again).
        """
        counts: Counter[str] = Counter()
        ids = sorted(set(article_ids))
        mentions = repo.claim_mentions_of(ids)
        sourced = repo.edged_articles(list(mentions), by_claim=False)
        claimed = repo.edged_articles(ids, by_claim=True)
        first: dict[int, list[ClaimMention]] = dict(earliest or {})
        planned: list[tuple[int, list[tuple[Carrier, Carrier]]]] = []
        for article_id in ids:
            own = mentions.get(article_id)
            pairs = self._pairs(repo, own, first) if own and article_id not in sourced else []
            if pairs or article_id in claimed:
                planned.append((article_id, pairs))
        # The texts of every pair at once (a version's text does not change).
        texts = repo.texts(_versions([pair for _, pairs in planned for pair in pairs]))
        for article_id, pairs in planned:
            edges = (
                claim_edges(
                    article_id,
                    pairs,
                    {v: texts[v] for v in _versions(pairs) if v in texts},
                    self.matcher,
                    self.settings,
                )
                if pairs
                else []
            )
            if not edges and article_id not in claimed:
                continue  # nothing stored, nothing to store (`save_claim_edges` would say so)
            try:
                if repo.save_claim_edges(article_id, edges, now):
                    counts["claim_links_written"] += 1
            except LinkConflict:  # another process wrote its edges meanwhile: next run
                counts["claim_link_conflict"] += 1
        return counts


def _versions(pairs: Iterable[tuple[Carrier, Carrier]]) -> set[int]:
    """The versions the carriers of these pairs were found in."""
    return {c.mention.version_id for pair in pairs for c in pair}
