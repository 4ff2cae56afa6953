"""The demo story as frozen records: outlets, articles, their versions, claims and the truth."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from tracker.domain import CorrectionKind, EdgeKind, Outlet, Stance, UptakeKind

__all__ = [
    "LINK_PATTERN",
    "BodyLink",
    "Corpus",
    "DemoArticle",
    "DemoClaim",
    "DemoCorrection",
    "DemoOutlet",
    "DemoVersion",
    "ExpectedEdge",
    "FeedFormat",
    "NotSource",
    "Reuse",
    "Takedown",
    "Truth",
]

# `[anchor text](article:ID[/amp][?query])` or `[anchor text](outlet:SLUG)` inside a body file.
LINK_PATTERN = re.compile(r"\[([^\[\]]+)\]\((article|outlet):([A-Za-z0-9_-]+)(/amp)?(\?[^)\s]*)?\)")


class FeedFormat(StrEnum):
    """The syndication format an outlet publishes."""

    RSS = "rss"
    ATOM = "atom"
    JSON = "json"


class Takedown(StrEnum):
    """How a taken-down article answers afterwards."""

    NOT_FOUND = "404"
    GONE = "410"
    REDIRECT_HOME = "redirect-home"


class Reuse(StrEnum):
    """How much of its source's text an article reuses."""

    VERBATIM = "verbatim"
    PARTIAL = "partial"
    LIGHT = "light"
    HEAVY = "heavy"


@dataclass(frozen=True, slots=True)
class BodyLink:
    """A hyperlink written into a body file, pointing at a corpus article or outlet home."""

    text: str
    kind: str  # "article" or "outlet"
    target: str  # article id or outlet slug
    amp: bool = False
    query: str = ""  # without the leading "?"


@dataclass(frozen=True, slots=True)
class DemoOutlet:
    """A fictional publisher with its own host, feed and page furniture."""

    slug: str
    name: str
    host: str
    aliases: tuple[str, ...]
    kind: str
    tagline: str
    sections: tuple[str, ...]
    feed_path: str
    feed_format: FeedFormat
    amp: bool = False
    robots: str = "User-agent: *\nAllow: /\n"
    boilerplate_top: str = ""
    boilerplate_bottom: str = ""
    feed_link_query: str = ""  # tracking parameters the feed appends to its item links
    feed_gone_at: datetime | None = None  # the feed answers 410 from then on

    def to_domain(self) -> Outlet:
        """The outlet as the tracker's domain knows it."""
        return Outlet(name=self.name, domain=self.host, aliases=self.aliases)


@dataclass(frozen=True, slots=True)
class DemoVersion:
    """One text of an article, in force from `starts_at` until the next version."""

    starts_at: datetime
    title: str
    summary: str
    body: str  # paragraphs separated by blank lines, with link markup
    stances: Mapping[str, tuple[Stance, ...]] = field(default_factory=dict, hash=False)
    jsonld_correction: str | None = None

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """The body's paragraphs, link markup kept."""
        return tuple(part.strip() for part in self.body.split("\n\n") if part.strip())

    @property
    def plain_text(self) -> str:
        """The body as a reader sees it: link markup reduced to its anchor text."""
        text = "\n\n".join(self.paragraphs)
        return LINK_PATTERN.sub(lambda match: match.group(1), text).replace("## ", "")

    @property
    def links(self) -> tuple[BodyLink, ...]:
        """The hyperlinks written into the body, in order."""
        return tuple(
            BodyLink(
                text=match.group(1),
                kind=match.group(2),
                target=match.group(3),
                amp=bool(match.group(4)),
                query=(match.group(5) or "").lstrip("?"),
            )
            for match in LINK_PATTERN.finditer(self.body)
        )

    def stances_of(self, claim: str) -> tuple[Stance, ...]:
        """The stances this version takes on `claim`; empty when it does not mention it."""
        return self.stances.get(claim, ())


@dataclass(frozen=True, slots=True)
class ExpectedEdge:
    """A true provenance edge: the article took content from `source`."""

    source: str
    kind: EdgeKind


@dataclass(frozen=True, slots=True)
class Truth:
    """What a correct tracker should conclude about one article."""

    edges: tuple[ExpectedEdge, ...] = ()
    reuse: Reuse | None = None
    uptake: Mapping[str, UptakeKind] = field(default_factory=dict, hash=False)
    late: bool = False
    distractor: bool = False
    follows_up: str | None = None

    @property
    def source_article(self) -> str | None:
        """The immediate source's article id, if any."""
        return self.edges[0].source if self.edges else None

    @property
    def edge_kind(self) -> EdgeKind | None:
        """The kind of the edge to the immediate source, if any."""
        return self.edges[0].kind if self.edges else None


@dataclass(frozen=True, slots=True)
class DemoArticle:
    """An article of the story: where it lives, when it appears, its versions and its truth."""

    id: str
    outlet: str
    path: str
    section: str
    author: str
    published_at: datetime  # as its metadata states
    served_from: datetime  # when it first appears on the web and in the feed
    versions: tuple[DemoVersion, ...]
    truth: Truth
    taken_down_at: datetime | None = None
    takedown: Takedown | None = None

    @property
    def title(self) -> str:
        """The first version's title."""
        return self.versions[0].title

    @property
    def claims(self) -> Mapping[str, tuple[Stance, ...]]:
        """The stances of the article as first served, per claim."""
        return self.versions[0].stances

    def is_served(self, moment: datetime) -> bool:
        """True once the article has appeared."""
        return moment >= self.served_from

    def is_taken_down(self, moment: datetime) -> bool:
        """True once the article has been taken down."""
        return self.taken_down_at is not None and moment >= self.taken_down_at

    def is_live(self, moment: datetime) -> bool:
        """True while the article answers with its page."""
        return self.is_served(moment) and not self.is_taken_down(moment)

    def version_at(self, moment: datetime) -> DemoVersion | None:
        """The version in force at `moment`, or None before the article appears."""
        current = None
        for version in self.versions:
            if version.starts_at <= moment:
                current = version
        return current


@dataclass(frozen=True, slots=True)
class DemoClaim:
    """A tracked claim and the article that first made it."""

    slug: str
    text: str
    origin: str


@dataclass(frozen=True, slots=True)
class DemoCorrection:
    """A correction, rebuttal or retraction of one claim, published by an article at a time."""

    claim: str
    kind: CorrectionKind
    article: str
    at: datetime


@dataclass(frozen=True, slots=True)
class NotSource:
    """A source a correct tracker must not choose as an article's immediate source."""

    article: str
    source: str
    why: str


@dataclass(frozen=True, slots=True)
class Corpus:
    """The whole story: the week's outlets, articles, claims, corrections and pitfalls."""

    start: datetime
    end: datetime
    outlets: tuple[DemoOutlet, ...]
    articles: tuple[DemoArticle, ...]
    claims: tuple[DemoClaim, ...]
    corrections: tuple[DemoCorrection, ...]
    not_sources: tuple[NotSource, ...] = ()

    def at(self, hours: float) -> datetime:
        """The moment `hours` after the story's start."""
        return self.start + timedelta(hours=hours)

    def outlet(self, slug: str) -> DemoOutlet:
        """The outlet named `slug`."""
        for outlet in self.outlets:
            if outlet.slug == slug:
                return outlet
        raise KeyError(slug)

    def article(self, article_id: str) -> DemoArticle:
        """The article with id `article_id`."""
        for article in self.articles:
            if article.id == article_id:
                return article
        raise KeyError(article_id)

    def claim(self, slug: str) -> DemoClaim:
        """The claim named `slug`."""
        for claim in self.claims:
            if claim.slug == slug:
                return claim
        raise KeyError(slug)

    def articles_of(self, outlet_slug: str) -> tuple[DemoArticle, ...]:
        """Every article of one outlet, in manifest order."""
        return tuple(article for article in self.articles if article.outlet == outlet_slug)

    def live_articles(self, outlet_slug: str, moment: datetime) -> tuple[DemoArticle, ...]:
        """The outlet's articles online at `moment`, newest (last served) first."""
        live = [a for a in self.articles_of(outlet_slug) if a.is_live(moment)]
        return tuple(sorted(live, key=lambda article: article.served_from, reverse=True))

    def repeaters(self, claim_slug: str) -> tuple[DemoArticle, ...]:
        """Articles other than the origin that first carried the claim, as fact or as an account.

        An article that reports the claim only alongside its denial is not a repeat.
        """
        origin = self.claim(claim_slug).origin
        carrying = {Stance.ASSERTS, Stance.ATTRIBUTES}
        repeats = []
        for article in self.articles:
            first = set(article.claims.get(claim_slug, ()))
            if article.id != origin and carrying & first and Stance.DISPUTES not in first:
                repeats.append(article)
        return tuple(repeats)

    def corrections_of(self, claim_slug: str) -> tuple[DemoCorrection, ...]:
        """The corrections and rebuttals of one claim, earliest first."""
        found = [c for c in self.corrections if c.claim == claim_slug]
        return tuple(sorted(found, key=lambda correction: correction.at))
