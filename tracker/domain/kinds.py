"""The enums that name things in the domain, apart from the records: the CLI's options need
them to build `--help`, which then loads no record classes (`tracker.domain` loads lazily).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ArticleState",
    "CorrectionKind",
    "EdgeKind",
    "FeedState",
    "FoundKind",
    "Outcome",
    "Stance",
    "UptakeKind",
]


class FeedState(StrEnum):
    """Whether a feed is still polled."""

    ACTIVE = "active"
    GONE = "gone"  # the server answered 410: never polled again
    REMOVED = "removed"


class ArticleState(StrEnum):
    """Whether an article is still online, as last seen."""

    LIVE = "live"
    TAKEN_DOWN = "taken_down"  # 404/410 or redirected to a home page


class Outcome(StrEnum):
    """The named outcome every crawled item leaves with; counted per run."""

    # feeds
    FEED_UPDATED = "feed_updated"
    FEED_NOT_MODIFIED = "feed_not_modified"
    FEED_UNCHANGED = "feed_unchanged"  # 200 but no new entries
    FEED_INVALID = "feed_invalid"  # not a feed (HTML page, garbage)
    FEED_GONE = "feed_gone"  # 410
    FEED_ERROR = "feed_error"  # transient: will back off and retry
    FEED_REFUSED = "feed_refused"  # unsafe address, robots, bad scheme
    # entries / articles
    ENTRY_NEW = "entry_new"
    ENTRY_SEEN = "entry_seen"
    ENTRY_NO_LINK = "entry_no_link"
    ENTRY_URL_TOO_LONG = "entry_url_too_long"  # recorded as failed, never fetched
    ARTICLE_NEW = "article_new"
    ARTICLE_NEW_VERSION = "article_new_version"
    ARTICLE_UNCHANGED = "article_unchanged"
    ARTICLE_NOT_MODIFIED = "article_not_modified"
    ARTICLE_TAKEN_DOWN = "article_taken_down"
    ARTICLE_ROBOTS_DISALLOWED = "article_robots_disallowed"
    ARTICLE_REFUSED = "article_refused"  # unsafe address or scheme
    ARTICLE_TOO_LARGE = "article_too_large"
    ARTICLE_NOT_HTML = "article_not_html"
    ARTICLE_FETCH_ERROR = "article_fetch_error"
    ARTICLE_EXTRACT_FAILED = "article_extract_failed"
    ARTICLE_STORE_FAILED = "article_store_failed"  # the database refused it; recorded as failed


class EdgeKind(StrEnum):
    """How an article got its content from an earlier one."""

    LINKS_TO = "links_to"
    CREDITS = "credits"
    COPIES = "copies"
    PARAPHRASES = "paraphrases"
    COMMON_SOURCE = "common_source"


class Stance(StrEnum):
    """How a sentence carries a claim."""

    ASSERTS = "asserts"
    ATTRIBUTES = "attributes"
    DISPUTES = "disputes"


class CorrectionKind(StrEnum):
    """What kind of statement corrects a claim."""

    CORRECTION = "correction"
    REBUTTAL = "rebuttal"
    RETRACTION = "retraction"


class UptakeKind(StrEnum):
    """Whether and how a repeater picked up a correction."""

    EDITED = "edited"
    NOTED = "noted"
    FOLLOWED_UP = "followed_up"
    TAKEN_DOWN = "taken_down"
    NONE = "none"


class FoundKind(StrEnum):
    """What kind of subscription outlet discovery found."""

    RSS = "rss"
    ATOM = "atom"
    JSON = "json"
    SITEMAP = "sitemap"
