"""Outlet discovery: the feeds a home page announces and the sitemaps its robots.txt lists.

Every request goes through the Fetcher (address checks, caps, deadline, politeness); the home
page is fetched as a page, so robots.txt rules apply to it.
"""

from __future__ import annotations

from urllib.parse import urljoin

from tracker.domain import Discovery, FoundFeed, FoundKind
from tracker.errors import PermanentError, RetryableError
from tracker.urls import is_http_url
from tracker.web.html_tree import untrusted_tree
from tracker.web.http import Fetcher

__all__ = ["discover_outlet", "feed_links"]

HOME_PAGE = "home page"
ROBOTS_TXT = "robots.txt"
# <link rel="alternate" type=...> values that announce a feed (RSS 1.0 is RDF).
_FEED_TYPES = {
    "application/rss+xml": FoundKind.RSS,
    "application/rdf+xml": FoundKind.RSS,
    "application/atom+xml": FoundKind.ATOM,
    "application/feed+json": FoundKind.JSON,
    "application/json": FoundKind.JSON,
}
_MAX_FOUND = 100  # links kept from one page: a page listing more is not announcing feeds


def feed_links(html: bytes, base_url: str, content_type: str | None = None) -> list[FoundFeed]:
    """The feeds a page announces with <link rel="alternate" type="...">, absolute and unique."""
    root = untrusted_tree(html, content_type)
    if root is None:
        return []
    base = base_url
    for element in root.iter("base"):
        href = (element.get("href") or "").strip()
        if href:
            joined = urljoin(base_url, href)
            base = joined if is_http_url(joined) else base_url
        break
    found: dict[str, FoundFeed] = {}
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = _FEED_TYPES.get((link.get("type") or "").split(";", 1)[0].strip().lower())
        href = (link.get("href") or "").strip()
        if "sitemap" in rel:  # <link rel="sitemap" type="application/xml" href=...>
            kind = FoundKind.SITEMAP
        elif "alternate" not in rel or kind is None:
            continue
        if not href:
            continue
        try:
            url = urljoin(base, href)
        except ValueError:
            continue
        if not is_http_url(url) or url in found:
            continue
        title = " ".join((link.get("title") or "").split())
        found[url] = FoundFeed(url=url, kind=kind, title=title, source=HOME_PAGE)
        if len(found) >= _MAX_FOUND:
            break
    return list(found.values())


async def discover_outlet(fetcher: Fetcher, url: str) -> Discovery:
    """Read `url` (an outlet's home page) and its site's robots.txt; say what each announces."""
    problems: list[str] = []
    found: dict[str, FoundFeed] = {}
    page_url = url
    try:
        page = await fetcher.fetch(url, robots=True, accept="text/html, */*;q=0.5")
    except (RetryableError, PermanentError) as exc:
        problems.append(f"{HOME_PAGE}: {exc}")
    else:
        page_url = page.url
        if page.status >= 400:
            problems.append(f"{HOME_PAGE}: {url} answered {page.status}")
        else:
            for feed in feed_links(page.body, page.url, page.content_type):
                found.setdefault(feed.url, feed)
    try:
        sitemaps = await fetcher.robots_sitemaps(page_url)
    except (RetryableError, PermanentError) as exc:
        problems.append(f"{ROBOTS_TXT}: {exc}")
        sitemaps = ()
    for sitemap in sitemaps[:_MAX_FOUND]:
        if is_http_url(sitemap) and sitemap not in found:
            found[sitemap] = FoundFeed(url=sitemap, kind=FoundKind.SITEMAP, source=ROBOTS_TXT)
    return Discovery(url=page_url, found=tuple(found.values()), problems=tuple(problems))
