"""Each outlet's home page, read once before its first article is linked: its template.

The linker blanks the paragraphs that close an article and that its outlet's home page carries
too (`tracker.linking.boilerplate.site_template`), so a footer is known from an outlet's first
article on, before any second page could show it. One polite fetch per outlet, through the
crawl's own fetcher (address checks, caps, per-host interval, robots.txt when the crawl obeys
it), and never again once read or refused; a transient failure is tried again after a day.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tracker.config import Settings
from tracker.domain import FetchResult
from tracker.errors import PermanentError, RetryableError, RobotsDisallowed
from tracker.linking.boilerplate import paragraph_hash
from tracker.store.outlet_templates import HomePageRead, TemplateRepo
from tracker.web.home_page import page_blocks
from tracker.web.http import Fetcher

__all__ = ["HomePages", "home_page_url"]

MAX_PER_PASS = 256  # outlets asked about in one pass; the rest wait for the next
HTML_TYPES = ("text/html", "application/xhtml+xml", "")
OnStore = Callable[..., Awaitable[Any]]  # runs a store call on the crawl's store thread


def home_page_url(article_url: str) -> str:
    """The home page of the site an article is on: its scheme and host, path "/"."""
    parts = urlsplit(article_url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def page_hashes(body: bytes, content_type: str) -> frozenset[int]:
    """The paragraph hashes of a page's text blocks."""
    hashes = (paragraph_hash(block) for block in page_blocks(body, content_type))
    return frozenset(digest for digest in hashes if digest is not None)


class HomePages:
    """Reads the home pages of outlets about to have articles linked and stores their blocks."""

    def __init__(self, repo: TemplateRepo, settings: Settings, fetcher: Fetcher) -> None:
        self.repo = repo
        self.settings = settings
        self.fetcher = fetcher

    async def learn(self, now: datetime, on_store: OnStore) -> Counter[str]:
        """Fetch the home page of each outlet that is due; outcome counts for the run."""
        counts: Counter[str] = Counter()
        if not self.settings.crawl.home_pages:
            return counts
        wanted = await on_store(self.repo.wanted, now, MAX_PER_PASS)
        reads = await asyncio.gather(*(self._read(url, now) for _, url in wanted))
        for (outlet_id, _), read in zip(wanted, reads, strict=True):
            await on_store(self.repo.save, outlet_id, read)
            counts["home_page_read" if read.hashes else "home_page_failed"] += 1
        return counts

    async def _read(self, article_url: str, now: datetime) -> HomePageRead:
        """Fetch and read one home page; a failure says why and when to try again, if ever."""
        url = home_page_url(article_url)
        later = now + timedelta(seconds=self.settings.crawl.backoff_max)
        try:
            page: FetchResult = await self.fetcher.fetch(
                url, robots=self.settings.http.respect_robots, accept="text/html, */*;q=0.5"
            )
        except RobotsDisallowed as exc:
            return HomePageRead(url, now, None, str(exc), (), None)
        except RetryableError as exc:
            return HomePageRead(url, now, None, f"{type(exc).__name__}: {exc}", (), later)
        except PermanentError as exc:
            return HomePageRead(url, now, None, f"{type(exc).__name__}: {exc}", (), None)
        kind = page.content_type.split(";", 1)[0].strip().lower()
        if page.status >= 400 or kind not in HTML_TYPES:
            error = f"HTTP {page.status} {kind}".strip()
            return HomePageRead(url, now, page.status, error, (), None)
        hashes = await asyncio.to_thread(page_hashes, page.body, page.content_type)
        return HomePageRead(url, now, page.status, None, hashes, None)
