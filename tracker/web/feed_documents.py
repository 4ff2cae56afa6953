"""A fetched feed document to a ParsedFeed, whatever its format: RSS, Atom, JSON Feed or sitemap.

A sitemap index is the one format that needs more fetching: its newest children are fetched
here, through the same Fetcher (address checks, caps, politeness) as the index itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.domain import FetchResult, ParsedEntry, ParsedFeed
from tracker.errors import NotAFeed, PermanentError, RetryableError
from tracker.web.feeds import parse_feed
from tracker.web.http import Fetcher
from tracker.web.sitemaps import (
    SitemapIndex,
    gunzip_capped,
    is_gzip,
    looks_like_sitemap,
    newest_children,
    newest_entries,
    parse_sitemap,
)

__all__ = ["SitemapLimits", "parse_feed_document", "read_feed_document"]


@dataclass(frozen=True, slots=True)
class SitemapLimits:
    """How much of a sitemap is read: unpacked bytes, URLs kept, children of an index followed."""

    max_bytes: int
    max_urls: int
    index_children: int


def parse_feed_document(result: FetchResult, limits: SitemapLimits) -> ParsedFeed | SitemapIndex:
    """Parse a fetched feed or sitemap; raises NotAFeed when it is neither."""
    body, content_type = result.body, result.content_type
    if is_gzip(body):
        # Sitemaps (and a few feeds) are served as .gz files without Content-Encoding.
        body, content_type = gunzip_capped(body, limits.max_bytes), ""
    if looks_like_sitemap(body):
        return parse_sitemap(
            body,
            url=result.url,
            content_type=content_type,
            max_bytes=limits.max_bytes,
            max_urls=limits.max_urls,
        )
    return parse_feed(body, url=result.url, content_type=content_type)


async def read_feed_document(
    fetcher: Fetcher, result: FetchResult, limits: SitemapLimits
) -> ParsedFeed:
    """The entries of a fetched feed; for a sitemap index, those of its newest children."""
    parsed = parse_feed_document(result, limits)
    if isinstance(parsed, ParsedFeed):
        return parsed
    return await _read_index(fetcher, parsed, limits)


async def _read_index(fetcher: Fetcher, index: SitemapIndex, limits: SitemapLimits) -> ParsedFeed:
    """Merge the newest children of an index; a child that fails is a warning, not a failure."""
    children = newest_children(index, limits.index_children)
    if not children:
        raise NotAFeed("not a feed: a sitemap index that lists no http(s) sitemap")
    entries: dict[str, ParsedEntry] = {}
    problems: list[str] = [index.warning] if index.warning else []
    titles: list[str] = []
    formats: set[str] = set()
    read = 0
    transient: RetryableError | None = None
    for child in children:
        try:
            # Fetched in full each time: the index changed (or it would have answered 304),
            # and per-child validators would need storage that one feed row does not have.
            fetched = await fetcher.fetch(child.url)
            if fetched.status >= 300:
                raise NotAFeed(f"HTTP {fetched.status}")
            sub = parse_feed_document(fetched, limits)
            if isinstance(sub, SitemapIndex):
                raise NotAFeed("a nested sitemap index (not followed)")
        except (NotAFeed, RetryableError, PermanentError) as exc:
            problems.append(f"{child.url}: {exc}")
            if isinstance(exc, RetryableError):
                transient = transient or exc
            continue
        read += 1
        titles.append(sub.title)
        formats.add(sub.format)
        if sub.warning:
            problems.append(f"{child.url}: {sub.warning}")
        for entry in sub.entries:
            key = entry.link or f"#{len(entries)}"
            entries.setdefault(key, entry)
    if not read:
        if transient is not None:
            raise transient  # try the whole index again later, with the feed's backoff
        reason = f"not a feed: no child of the sitemap index could be read: {problems[-1]}"
        raise NotAFeed(_first_line(reason))
    return ParsedFeed(
        title=next((title for title in titles if title), ""),
        link=None,
        entries=tuple(newest_entries(list(entries.values()), limits.max_urls)),
        format="sitemap-index" + ("+news" if "news-sitemap" in formats else ""),
        warning=_first_line("; ".join(problems)) if problems else None,
    )


def _first_line(message: str, limit: int = 200) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"
