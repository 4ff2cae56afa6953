"""The domain: frozen records that flow between stages (their enums: `tracker.domain.kinds`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tracker.clock import at_offset
from tracker.domain.kinds import (
    CorrectionKind,
    EdgeKind,
    FoundKind,
    Stance,
    UptakeKind,
)

# ---------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Outlet:
    """A publisher, recognised by its domain and by the names it is credited under."""

    name: str
    domain: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """An outbound hyperlink found in an article's body."""

    url: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one HTTP fetch returned, after redirects and safety checks."""

    requested_url: str
    url: str  # the final URL after redirects
    status: int
    body: bytes
    fetched_at: datetime
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    redirects: tuple[str, ...] = ()  # every hop's URL, in order, excluding the final one
    permanent_redirect: bool = False  # every hop was 301/308
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        """True when the server answered 304 to a conditional request."""
        return self.status == 304


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One item of a feed, normalised."""

    link: str | None
    guid: str | None = None
    title: str = ""
    summary: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    author: str = ""


@dataclass(frozen=True, slots=True)
class ChildValidators:
    """The HTTP validators of one child sitemap of a sitemap index, for its next conditional GET."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # it answered 304 this time: its entries were not read again


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed: its metadata and its entries."""

    title: str
    link: str | None
    entries: tuple[ParsedEntry, ...]
    format: str = ""  # e.g. "rss20", "atom10", "json"
    warning: str | None = None  # feedparser's bozo reason when it still found entries
    # A sitemap index's children read this time, with their validators; None for other formats.
    children: tuple[ChildValidators, ...] | None = None

    @property
    def not_modified(self) -> bool:
        """True for a sitemap index whose every child answered 304: nothing was read again."""
        return bool(self.children) and all(c.not_modified for c in self.children or ())


@dataclass(frozen=True, slots=True)
class FoundFeed:
    """A feed or sitemap an outlet announces: in its home page's <head>, or in robots.txt."""

    url: str
    kind: FoundKind
    title: str = ""
    source: str = ""  # "home page" or "robots.txt"


@dataclass(frozen=True, slots=True)
class Discovery:
    """What an outlet's home page and robots.txt announce, and what could not be read."""

    url: str  # the page that was read (after redirects)
    found: tuple[FoundFeed, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed listed in an OPML file."""

    url: str
    title: str = ""
    html_url: str | None = None
    category: str = ""


@dataclass(frozen=True, slots=True)
class Extracted:
    """What extraction found in one page."""

    text: str
    title: str = ""
    byline: str = ""
    standfirst: str = ""  # the summary under the headline, taken off the top of `text`
    site_name: str = ""
    language: str | None = None
    published: datetime | None = None  # aware, UTC
    modified: datetime | None = None
    canonical_url: str | None = None
    links: tuple[Link, ...] = ()
    corrections: tuple[str, ...] = ()  # correction/update notices the page carries
    # The page's own UTC offset for `published`, in minutes east of UTC; None when the page
    # states no zone (its wall time is then taken as UTC, so the UTC day is its local day).
    published_offset: int | None = None

    @property
    def published_local(self) -> datetime | None:
        """`published` at the page's own offset: its date is the day the outlet published on."""
        return None if self.published is None else at_offset(self.published, self.published_offset)


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """A stored article as later stages see it."""

    id: int
    url: str
    outlet: str  # outlet domain
    first_seen: datetime
    published: datetime | None = None
    title: str = ""


@dataclass(frozen=True, slots=True)
class VersionRef:
    """One stored version of an article's text."""

    id: int
    article_id: int
    text: str
    fetched_at: datetime
    title: str = ""
    links: tuple[Link, ...] = ()
    corrections: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Passage:
    """A verbatim passage shared by two texts, as character offsets into each."""

    source_start: int
    source_end: int
    target_start: int
    target_end: int
    text: str


@dataclass(frozen=True, slots=True)
class Edge:
    """A typed provenance edge: `target` took content from `source`, with evidence."""

    source_id: int
    target_id: int
    kind: EdgeKind
    score: float
    evidence: dict[str, object] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Claim:
    """A statement tracked across outlets."""

    slug: str
    text: str
    origin_url: str | None = None


# A sentence scoring at least this carries a claim by itself. A stored mention scoring below it was
# found by same-event expansion (`tracker.claims.events`): the article reports the claim's event in
# its own words, and the mention is its best-matching sentence, with that sentence's own score.
MENTION_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Mention:
    """A sentence of a version that carries a claim (or stands for it), with its stance."""

    claim_slug: str
    version_id: int
    sentence: str
    start: int
    end: int
    stance: Stance
    score: float


@dataclass(frozen=True, slots=True)
class Correction:
    """A correction, rebuttal or retraction of a claim."""

    claim_slug: str
    kind: CorrectionKind
    published: datetime
    url: str | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class Uptake:
    """Whether an article that repeated a claim picked up its correction, and when."""

    claim_slug: str
    article_id: int
    kind: UptakeKind
    checked_at: datetime
    lag_seconds: float | None = None
    late: bool = False  # first repeated after the correction was published
