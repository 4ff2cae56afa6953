"""A fetched feed document to a ParsedFeed, whatever its format: RSS, Atom, JSON Feed or sitemap.

A sitemap index is the one format that needs more fetching: its newest children are fetched
here, through the same Fetcher (address checks, caps, politeness) as the index itself, each with
the validators it answered last time, so an unchanged child costs a 304 and no parsing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from tracker.domain import ChildValidators, FetchResult, ParsedEntry, ParsedFeed
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

__all__ = ["KnownChildren", "SitemapLimits", "parse_feed_document", "read_feed_document"]

# Reads the stored validators of an index's children, by URL; only called for an index.
KnownChildren = Callable[[], Awaitable[Mapping[str, ChildValidators]]]


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
    fetcher: Fetcher,
    result: FetchResult,
    limits: SitemapLimits,
    known: KnownChildren | None = None,
) -> ParsedFeed:
    """The entries of a fetched feed; for a sitemap index, those of its newest children.

    `known` gives the validators an index's children answered last time (see `ParsedFeed.children`
    for this time's); without it every child is fetched in full.
    """
    parsed = parse_feed_document(result, limits)
    if isinstance(parsed, ParsedFeed):
        return parsed
    return await _read_index(fetcher, parsed, limits, await known() if known else {})


async def _read_index(
    fetcher: Fetcher,
    index: SitemapIndex,
    limits: SitemapLimits,
    known: Mapping[str, ChildValidators],
) -> ParsedFeed:
    """Merge the newest children of an index; a child that fails is a warning, not a failure."""
    children = newest_children(index, limits.index_children)
    if not children:
        raise NotAFeed("not a feed: a sitemap index that lists no http(s) sitemap")
    entries: dict[str, ParsedEntry] = {}
    problems: list[str] = [index.warning] if index.warning else []
    titles: list[str] = []
    formats: set[str] = set()
    validators: list[ChildValidators] = []
    read = 0
    transient: RetryableError | None = None
    for child in children:
        last = known.get(child.url)
        try:
            # Conditional: a news sitemap changes under its URL, and an archive one rarely does.
            fetched = await fetcher.fetch(
                child.url,
                etag=last.etag if last else None,
                last_modified=last.last_modified if last else None,
            )
            if fetched.not_modified and last is not None:
                read += 1
                validators.append(ChildValidators(child.url, last.etag, last.last_modified, True))
                continue
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
        # Validators of a child whose redirect moved it are not kept: asked for by its old URL,
        # a 304 from elsewhere would vouch for the wrong document.
        if fetched.url == child.url:
            validators.append(ChildValidators(child.url, fetched.etag, fetched.last_modified))
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
        children=tuple(validators),
    )


def _first_line(message: str, limit: int = 200) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"
