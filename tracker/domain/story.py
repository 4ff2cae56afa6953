"""The story of one claim as the graph and the report read it: articles, edges and corrections.

A `ClaimStory` is a plain snapshot assembled from stored data (by a read-side query) or built by
tests; the graph, the summary figures, the exports and the report are pure functions of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tracker.domain import Claim, Correction, Edge, Stance, UptakeKind

__all__ = [
    "CARRYING",
    "ClaimStory",
    "OutletCredit",
    "StanceAt",
    "StoryArticle",
    "main_stance",
]

# Stances under which an article spreads the claim; "disputes" carries the correction instead.
CARRYING = frozenset({Stance.ASSERTS, Stance.ATTRIBUTES})

# When one version holds several stances, the one that tells the reader most about the claim's
# standing wins: a carried denial outranks an assertion beside it.
_PRECEDENCE = (Stance.DISPUTES, Stance.ASSERTS, Stance.ATTRIBUTES)


def main_stance(stances: Iterable[Stance]) -> Stance | None:
    """The one stance that sums up a version's several mentions (None when it has none)."""
    present = set(stances)
    return next((stance for stance in _PRECEDENCE if stance in present), None)


@dataclass(frozen=True, slots=True)
class StanceAt:
    """From `at` on (a new version), the article carries the claim with `stance`.

    `stance` is None when that version no longer mentions the claim (the sentence was removed).
    """

    at: datetime
    stance: Stance | None


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """One stored article that mentions the claim in at least one of its versions.

    id            the article's id in the store (node ids are derived from it)
    url           its canonical URL
    outlet        the outlet's display name (lanes and outlet nodes are keyed by it)
    title         the title of its first version
    first_seen    when the tracker first saw it (the time the graph and the report place it at)
    published     the publication time its page states, if any (may be false: shown, not trusted)
    stance        how its first version carries the claim (see `main_stance`)
    uptake        for a repeater once a correction exists: how it picked the correction up
                  (UptakeKind.NONE: still carries the claim); None when not judged (the origin,
                  an article that never carried the claim, or no correction yet)
    lag_seconds   seconds from the earliest correction of the claim to the uptake (negative when
                  the outlet changed before it); None without an uptake
    late          it first repeated the claim after the claim was corrected
    taken_down_at when it was found taken down (404/410/redirected home), if it was
    stances       its stance per version, in time order, the first at `first_seen`; empty means
                  one version with `stance` throughout
    text          the text of the version the provenance edges were found on (for showing the
                  shared passages in context); may be empty
    outlet_domain the outlet's domain, if known
    """

    id: int
    url: str
    outlet: str
    title: str
    first_seen: datetime
    stance: Stance
    published: datetime | None = None
    uptake: UptakeKind | None = None
    lag_seconds: float | None = None
    late: bool = False
    taken_down_at: datetime | None = None
    stances: tuple[StanceAt, ...] = ()
    text: str = ""
    outlet_domain: str = ""

    @property
    def known_lag(self) -> float | None:
        """`lag_seconds` when it is a real number (NaN and infinity count as unknown)."""
        lag = self.lag_seconds
        return float(lag) if lag is not None and math.isfinite(lag) else None

    def history(self) -> tuple[StanceAt, ...]:
        """Its stance per version, never empty."""
        return self.stances or (StanceAt(self.first_seen, self.stance),)

    def stance_at(self, moment: datetime) -> Stance | None:
        """The stance in force at `moment`; None before it was seen, after it went or dropped it."""
        if moment < self.first_seen or (
            self.taken_down_at is not None and moment >= self.taken_down_at
        ):
            return None
        current: Stance | None = None
        for change in self.history():
            if change.at <= moment:
                current = change.stance
        return current

    def carries_at(self, moment: datetime) -> bool:
        """True when the article is online and spreads the claim at `moment`."""
        return self.stance_at(moment) in CARRYING


@dataclass(frozen=True, slots=True)
class OutletCredit:
    """An article credits an outlet none of whose stored articles matches it (an unresolved credit).

    The provenance edge then goes from the outlet itself to the article.
    """

    article_id: int
    outlet: str  # the credited outlet's display name
    domain: str  # the credited outlet's domain
    cue: str  # how it was credited, e.g. "according_to", "dateline"
    phrase: str  # the crediting words


@dataclass(frozen=True, slots=True)
class ClaimStory:
    """Everything known about one claim, as of one moment.

    claim        the tracked claim
    articles     every article that mentions it (the origin, repeats, follow-ups, denials)
    edges        provenance edges between those articles (`target` took from `source`); the
                 edges of one target come with its immediate source first
    corrections  corrections, rebuttals and retractions of the claim
    as_of        when the story was assembled (the end of the timeline; "now" for reach)
    origin_id    the article that first made the claim, when known (else the earliest article
                 whose URL is the claim's origin URL, else the earliest carrying article)
    unresolved   credits of outlets that no stored article of theirs resolves (edges from the
                 outlet, not from an article)
    """

    claim: Claim
    articles: tuple[StoryArticle, ...]
    edges: tuple[Edge, ...]
    corrections: tuple[Correction, ...]
    as_of: datetime
    origin_id: int | None = None
    unresolved: tuple[OutletCredit, ...] = ()

    def article(self, article_id: int) -> StoryArticle | None:
        """The article with `article_id`, if it is part of the story."""
        return next((a for a in self.articles if a.id == article_id), None)

    def origin(self) -> StoryArticle | None:
        """The article that first made the claim, if any is in the story."""
        if self.origin_id is not None:
            return self.article(self.origin_id)
        by_time = sorted(self.articles, key=lambda a: (a.first_seen, a.id))
        if self.claim.origin_url:
            same = [a for a in by_time if a.url == self.claim.origin_url]
            if same:
                return same[0]
        return next((a for a in by_time if a.stance in CARRYING), None)

    def first_correction(self) -> Correction | None:
        """The earliest correction, rebuttal or retraction, if any."""
        return min(self.corrections, key=lambda c: c.published, default=None)

    def repeaters(self) -> tuple[StoryArticle, ...]:
        """Articles other than the origin whose first version spread the claim, earliest first."""
        origin = self.origin()
        found = [
            a
            for a in self.articles
            if a.stance in CARRYING and (origin is None or a.id != origin.id)
        ]
        return tuple(sorted(found, key=lambda a: (a.first_seen, a.id)))
