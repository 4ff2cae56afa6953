"""Read-side records the store hands out (frozen, detached from any session)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.clock import at_offset
from tracker.domain import Extracted, Link

__all__ = [
    "ArticleInfo",
    "FeedInfo",
    "NewArticle",
    "NewEntry",
    "OutletInfo",
    "PendingArticle",
    "RecheckItem",
    "RunInfo",
    "StoredPage",
    "VersionInfo",
]


@dataclass(frozen=True, slots=True)
class OutletInfo:
    """An outlet as stored."""

    id: int
    name: str
    domain: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """A feed as stored, with its health."""

    id: int
    url: str
    outlet: str | None
    title: str
    state: str
    etag: str | None
    last_modified: str | None
    next_poll_at: datetime
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_status: int | None
    last_error: str | None
    consecutive_errors: int
    error_count: int
    entry_count: int = 0


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry of a polled feed, ready to be stored."""

    entry_key: str
    guid: str | None
    url: str
    canonical_url: str
    title: str
    published: datetime | None
    refused: str | None = None  # why the entry is recorded as failed instead of fetched


@dataclass(frozen=True, slots=True)
class PendingArticle:
    """A canonical URL that feeds or the user asked for and that has no article yet."""

    canonical_url: str
    fetch_url: str
    published: datetime | None  # the feed's date, if any
    attempts: int


@dataclass(frozen=True, slots=True)
class RecheckItem:
    """A stored article due for a re-check."""

    article_id: int
    url: str
    fetch_url: str
    etag: str | None
    last_modified: str | None
    check_count: int
    first_seen: datetime
    content_hash: str | None


@dataclass(frozen=True, slots=True)
class StoredPage:
    """A fetched and extracted page, ready to be stored as an article's version."""

    requested_url: str
    final_url: str
    status: int
    fetched_at: datetime
    extracted: Extracted
    content_hash: str
    raw_html: bytes
    etag: str | None
    last_modified: str | None
    redirects: tuple[str, ...] = ()
    raw_packed: bytes | None = None  # raw_html as the store keeps it (`pack_page`), if packed
    # Read from a WARC archive instead of fetched: the record's id and the file, as evidence.
    warc_record_id: str | None = None
    warc_file: str | None = None


@dataclass(frozen=True, slots=True)
class NewArticle:
    """A first sighting of an article, ready to be stored with its first version."""

    canonical_url: str
    page: StoredPage
    published: datetime | None
    next_check_at: datetime | None
    now: datetime
    outlet_name: str | None = None
    published_offset: int | None = None  # minutes east of UTC the page states for `published`


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One stored version of an article."""

    id: int
    seq: int
    fetched_at: datetime
    content_hash: str
    title: str
    text: str
    links: tuple[Link, ...]
    corrections: tuple[str, ...]
    http_status: int


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """An article as stored, with how many versions it has."""

    id: int
    url: str
    fetch_url: str
    outlet: str | None
    title: str
    first_seen: datetime
    published: datetime | None
    state: str
    taken_down_at: datetime | None
    last_checked_at: datetime | None
    next_check_at: datetime | None
    version_count: int
    published_offset: int | None = None  # minutes east of UTC the page states for `published`

    @property
    def published_local(self) -> datetime | None:
        """`published` at the page's own offset: its date is the day the outlet published on."""
        return at_offset(self.published, self.published_offset) if self.published else None


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One crawl run and its outcome counts."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, int]
