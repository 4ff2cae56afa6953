"""The crawl pass: due feeds, new entries, article fetches, re-checks; every item gets an outcome.

This is the one orchestrator that does I/O: it asks the store what is due, fetches through the
safe client, hands bytes to the pure parsers and extraction, and writes what comes back. Each
item is stored in its own transaction, so a pass killed at any point resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from tracker.clock import Clock
from tracker.config import Settings
from tracker.domain import FetchResult, Outcome, ParsedEntry
from tracker.domain.crawl import (
    FeedInfo,
    NewArticle,
    NewEntry,
    PendingArticle,
    RecheckItem,
    StoredPage,
)
from tracker.errors import (
    BodyTooLarge,
    HTTPStatusError,
    PermanentError,
    RetryableError,
    RobotsDisallowed,
    StoreRefused,
    TooManyRedirects,
    TrackerError,
    UnsafeURL,
)
from tracker.pipeline.extraction_pool import ExtractionCrashed, ExtractionPool
from tracker.pipeline.home_pages import HomePages
from tracker.pipeline.stages import Stage
from tracker.store import FeedPoll, Store, next_check_time
from tracker.store.models import MAX_URL
from tracker.store.outlet_templates import TemplateRepo
from tracker.urls import canonical_url
from tracker.web.feed_documents import SitemapLimits, read_feed_document
from tracker.web.http import Fetcher

__all__ = ["AddReport", "Crawler", "Progress", "RunReport", "feed_backoff", "sitemap_limits"]

# How often a pending article URL is tried before it is given up on (transient errors only).
MAX_ARTICLE_ATTEMPTS = 5
# Concurrent item tasks; the fetcher's own limits (per host, overall) still apply beneath this.
MAX_TASKS = 256
# New articles committed together at most.
MAX_BATCH = 64
HTML_TYPES = ("text/html", "application/xhtml+xml", "")

Progress = Callable[[str, int, int], None]  # stage, done, total
T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class RunReport:
    """What one crawl pass did."""

    run_id: int
    started_at: datetime
    finished_at: datetime
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """How many outcomes were counted."""
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class AddReport:
    """What `add URL...` did with each URL: stored (new or already there), or why not."""

    run: RunReport | None  # None when no URL was even valid enough to fetch
    stored: tuple[str, ...]  # the URLs as given
    failed: tuple[tuple[str, str], ...]  # (URL as given, why it was not stored)

    @property
    def counts(self) -> dict[str, int]:
        """The run's outcome counts (none when nothing was fetched)."""
        return self.run.counts if self.run else {}


def feed_backoff(consecutive_errors: int, base: float, cap: float) -> float:
    """Seconds before the next poll after the n-th consecutive failure (exponential, capped)."""
    return float(min(cap, base * (2 ** max(0, consecutive_errors))))


def sitemap_limits(settings: Settings) -> SitemapLimits:
    """How much of a sitemap (or sitemap index) subscribed as a feed is read."""
    return SitemapLimits(
        max_bytes=settings.http.max_body_bytes,
        max_urls=settings.crawl.sitemap_max_urls,
        index_children=settings.crawl.sitemap_index_children,
    )


def _is_home_page(url: str) -> bool:
    return urlsplit(url).path in {"", "/", "/index.html", "/index.htm"}


def _content_type(result: FetchResult) -> str:
    return result.content_type.split(";", 1)[0].strip().lower()


def _new_entries(entries: Iterable[ParsedEntry]) -> tuple[list[NewEntry], int, int]:
    """Entries to store, how many had no usable link, and how many links were too long."""
    out: list[NewEntry] = []
    skipped = too_long = 0
    for entry in entries:
        if not entry.link:
            skipped += 1
            continue
        try:
            canonical = canonical_url(entry.link)
        except TrackerError:
            skipped += 1
            continue
        guid = entry.guid if entry.guid and len(entry.guid) <= MAX_URL else None
        if max(len(entry.link), len(canonical)) > MAX_URL:
            # Refused, not cut: a shortened URL is another address. The entry is kept as
            # failed (keyed by a digest of its link) so that later polls know it and its
            # reason stays readable.
            too_long += 1
            reason = f"link is {len(entry.link)} characters long; at most {MAX_URL} are stored"
            key = guid or "sha256:" + hashlib.sha256(entry.link.encode()).hexdigest()
            out.append(
                NewEntry(key, guid, entry.link[:MAX_URL], "", entry.title, entry.published, reason)
            )
            continue
        # A guid identifies an item within its feed; without one, its canonical link does.
        out.append(
            NewEntry(guid or canonical, guid, entry.link, canonical, entry.title, entry.published)
        )
    return out, skipped, too_long


class Crawler:
    """Runs crawl passes against one store with one fetcher and one extraction pool."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        fetcher: Fetcher,
        pool: ExtractionPool,
        *,
        progress: Progress | None = None,
        stages: Sequence[Stage] = (),
    ) -> None:
        self.store = store
        self.stages = tuple(stages)
        self.settings = settings
        self.clock = clock
        self.fetcher = fetcher
        self.pool = pool
        self._progress = progress
        self._counts: Counter[str] = Counter()
        # One thread does every database call: SQLite takes one writer at a time anyway, and
        # the event loop never waits on a commit.
        self._store_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._unsaved: list[tuple[NewArticle, asyncio.Future[tuple[int, bool]]]] = []
        # canonical URL -> why its article could not be stored (raised again by queue jobs)
        self._store_failures: dict[str, TrackerError] = {}
        # canonical URL -> why its article was not stored in this run (what `add` reports)
        self._failures: dict[str, str] = {}
        self._stored: set[str] = set()
        self._flusher: asyncio.Task[None] | None = None
        self._home_pages = HomePages(TemplateRepo(store), settings, fetcher)

    def close(self) -> None:
        """Stop the store thread."""
        self._store_thread.shutdown(wait=True)

    # ------------------------------------------------------------ the pass

    async def run_once(self) -> RunReport:
        """One pass: poll due feeds, fetch new articles, re-check due ones."""
        return await self._recorded_run(self._pass)

    async def _pass(self, started: datetime) -> None:
        feeds = await self._db(self.store.due_feeds, started)
        await self._each("feeds", feeds, self._poll_feed)
        pending = await self._db(
            self.store.pending_articles, started, self.settings.crawl.max_articles_per_run
        )
        await self._each("articles", pending, self._fetch_article)
        rechecks = await self._db(self.store.due_rechecks, self.clock.now())
        await self._each("re-checks", rechecks, self._recheck)
        await self._run_stages()

    async def _recorded_run(self, work: Callable[[datetime], Awaitable[None]]) -> RunReport:
        """Do `work` as one crawl run: started, its outcomes counted, finished even when cut short.

        The one place that keeps the run table honest: a run that raised (or was cancelled)
        ends as "interrupted", never left "running".
        """
        started = self.clock.now()
        run_id = await self._db(self.store.start_run, started)
        self._counts = Counter()
        self._store_failures.clear()
        self._failures.clear()
        self._stored.clear()
        status = "finished"
        try:
            await work(started)
        except BaseException:
            status = "interrupted"
            raise
        finally:
            finished = self.clock.now()
            try:
                # Directly, not on the store thread: this must happen even when cancelled.
                self.store.finish_run(run_id, dict(self._counts), now=finished, status=status)
            except TrackerError:
                if status == "finished":
                    raise
        return RunReport(run_id, started, finished, dict(sorted(self._counts.items())))

    # ------------------------------------------------------------ single items (queue jobs)

    def take_counts(self) -> dict[str, int]:
        """The outcomes counted since the last call, and start counting afresh."""
        counts, self._counts = dict(self._counts), Counter()
        return counts

    async def poll_feed_if_due(self, feed_id: int) -> list[str]:
        """Poll one feed if it is still due; the canonical URLs it left pending."""
        now = self.clock.now()
        feeds = await self._db(self.store.due_feeds, now, feed_id=feed_id)
        for feed in feeds:
            await self._poll_feed(feed)
        if not feeds:
            return []
        pending = await self._db(self.store.pending_articles, self.clock.now(), feed_id=feed_id)
        return [item.canonical_url for item in pending]

    async def fetch_article_if_pending(self, canonical: str) -> bool:
        """Fetch one listed article if it is still pending and due; True when it was.

        When the store refused the article, the entry is recorded as failed and the error is
        raised, so that a queue worker quarantines the item with its reason.
        """
        now = self.clock.now()
        items = await self._db(self.store.pending_articles, now, canonical=canonical)
        for item in items:
            await self._fetch_article(item)
            failure = self._store_failures.pop(item.canonical_url, None)
            if failure is not None:
                raise failure
        return bool(items)

    async def recheck_if_due(self, article_id: int) -> bool:
        """Re-check one stored article if its time has come; True when it had."""
        items = await self._db(self.store.due_rechecks, self.clock.now(), article_id=article_id)
        for item in items:
            await self._recheck(item)
        return bool(items)

    async def run_stages(self, *, home_pages: bool = True) -> None:
        """Run the post-fetch stages (linking, claims) over whatever is pending.

        `home_pages` False links without first reading the new outlets' home pages (an archive
        import reads nothing from the live web).
        """
        await self._run_stages(home_pages=home_pages)

    async def _run_stages(self, *, home_pages: bool = True) -> None:
        if home_pages and self.stages:
            # Before linking: an outlet's first articles are linked knowing its footer.
            learned = await self._home_pages.learn(self.clock.now(), self._db)
            self._counts.update(learned)
        for stage in self.stages:
            counts = await self._db(_stage_cpu, stage, self.store, self.clock.now())
            for name, value in counts.items():
                if value:
                    self._counts[name] += value
            if self._progress:
                self._progress(stage.name, 1, 1)

    async def add_urls(self, urls: Iterable[str]) -> AddReport:
        """Fetch and store single article URLs that no feed lists; each URL stored or why not."""
        given = list(urls)
        canonical = {url: canonical_url(url) for url in given}

        async def fetch(started: datetime) -> None:
            first = {c: u for u, c in reversed(canonical.items())}  # one fetch per article
            items = [PendingArticle(c, u, None, 0) for c, u in first.items()]
            await self._each("articles", items, self._fetch_article)
            await self._run_stages()

        report = await self._recorded_run(fetch)
        stored, failed = [], []
        for url in given:
            if canonical[url] in self._stored:
                stored.append(url)
            else:
                failed.append((url, self._failures.get(canonical[url], "not stored")))
        return AddReport(report, tuple(stored), tuple(failed))

    # ------------------------------------------------------------ pages from elsewhere (archives)

    async def recorded_run(self, work: Callable[[datetime], Awaitable[None]]) -> RunReport:
        """Do `work` as one recorded run, its outcomes counted like a pass's (WARC imports)."""
        return await self._recorded_run(work)

    async def on_store_thread(self, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a store call on the crawler's store thread, where the stages run too."""
        return await self._db(call, *args, **kwargs)

    async def page_from(self, fetched: FetchResult) -> StoredPage | None:
        """Extract a page this crawler did not fetch (an archived capture), as fetched ones are.

        Failures are counted as for a re-check (no entry to mark); None when there is no page.
        """
        return await self._extract(fetched, None, canonical=fetched.url, recheck=True)

    def plausible(self, published: datetime | None, seen: datetime) -> datetime | None:
        """A page's publication date, or None when it cannot be right for a page seen at `seen`."""
        return self._plausible(published, seen)

    def add_count(self, name: str, n: int = 1) -> None:
        """Count an outcome of work done outside the pass (an import) in the current run."""
        if n:
            self._counts[name] += n

    async def _each(self, stage: str, items: list[T], work: Callable[[T], Awaitable[None]]) -> None:
        total = len(items)
        if not total:
            return
        done = 0
        gate = asyncio.Semaphore(MAX_TASKS)

        async def one(item: T) -> None:
            nonlocal done
            async with gate:
                await work(item)
            done += 1
            if self._progress:
                self._progress(stage, done, total)

        async with asyncio.TaskGroup() as group:
            for item in items:
                group.create_task(one(item))

    async def _db(self, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a store call on the store's own thread, so the event loop keeps fetching."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._store_thread, functools.partial(call, *args, **kwargs)
        )

    async def _save_article(self, item: NewArticle) -> tuple[int, bool]:
        """Store a new article; articles that arrive while a commit runs share the next one."""
        future: asyncio.Future[tuple[int, bool]] = asyncio.get_running_loop().create_future()
        self._unsaved.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_articles())
        return await future

    async def _flush_articles(self) -> None:
        # Group commit: one transaction for everything queued; per-article cost in SQLite is
        # mostly the transaction, not the rows. A failing batch is retried item by item, so a
        # store error fails only the article it concerns. Whatever happens here (even a
        # cancellation), every waiting future is resolved before this task ends.
        batch: list[tuple[NewArticle, asyncio.Future[tuple[int, bool]]]] = []
        try:
            while self._unsaved:
                batch, self._unsaved = self._unsaved[:MAX_BATCH], self._unsaved[MAX_BATCH:]
                try:
                    results = await self._db(self.store.save_new_articles, [i for i, _ in batch])
                except Exception:  # any store error: find the item it belongs to, one by one
                    for item, future in batch:
                        await self._save_alone(item, future)
                else:
                    for (_, future), result in zip(batch, results, strict=True):
                        future.set_result(result)
                batch = []
        finally:
            for _, future in [*batch, *self._unsaved]:
                if not future.done():
                    future.cancel()
            if batch:
                self._unsaved = []

    async def _save_alone(self, item: NewArticle, future: asyncio.Future[tuple[int, bool]]) -> None:
        try:
            alone = await self._db(self.store.save_new_articles, [item])
        except TrackerError as exc:
            future.set_exception(exc)
        except Exception as exc:  # an error nobody foresaw: it fails this item, not the pass
            lines = str(exc).strip().splitlines()
            reason = f"{type(exc).__name__}: {lines[0] if lines else ''}"
            future.set_exception(StoreRefused(reason))
        else:
            future.set_result(alone[0])

    async def _entry_failed(self, canonical: str, error: str, *, permanent: bool) -> None:
        """Count a failed article fetch; transient ones are retried later with backoff."""
        self._failures[canonical] = error
        crawl = self.settings.crawl
        await self._db(
            self.store.entry_failed,
            canonical,
            error,
            permanent=permanent,
            max_attempts=MAX_ARTICLE_ATTEMPTS,
            now=self.clock.now(),
            backoff=(crawl.backoff_base, crawl.backoff_max),
        )

    def _count(self, outcome: Outcome, n: int = 1) -> None:
        if n:
            self._counts[outcome.value] += n

    # ------------------------------------------------------------ feeds

    async def _poll_feed(self, feed: FeedInfo) -> None:
        crawl = self.settings.crawl
        try:
            result = await self.fetcher.fetch(
                feed.url, etag=feed.etag, last_modified=feed.last_modified
            )
        except (RetryableError, PermanentError) as exc:
            await self._feed_failed(feed, exc)
            return
        now = self.clock.now()
        healthy_next = now + timedelta(seconds=crawl.feed_interval)
        if result.status == 410:
            await self._db(
                self.store.save_feed_failure,
                feed.id,
                now=now,
                error="410 Gone: the feed is no longer published",
                next_poll_at=now,
                status=410,
                gone=True,
            )
            self._count(Outcome.FEED_GONE)
            return
        if result.status == 404:
            await self._feed_failed(feed, HTTPStatusError("404 Not Found", status=404))
            return
        if result.not_modified:
            await self._db(self.store.save_feed_not_modified, feed.id, now, healthy_next)
            self._count(Outcome.FEED_NOT_MODIFIED)
            return
        try:
            # RSS, Atom, JSON Feed or a sitemap; a sitemap index fetches its newest children.
            parsed = await read_feed_document(
                self.fetcher,
                result,
                sitemap_limits(self.settings),
                known=lambda: self._db(self.store.sitemap_children, feed.id),
            )
        except RetryableError as exc:  # every child of a sitemap index failed for now
            await self._feed_failed(feed, exc)
            return
        except TrackerError as exc:
            await self._feed_failed(feed, exc, outcome=Outcome.FEED_INVALID)
            return
        entries, skipped, too_long = _new_entries(parsed.entries)
        # An index's validators vouch for its own bytes only: the news sitemaps it lists change
        # under the same URLs, so an index is asked for in full each time (a 304 would hide them).
        index = parsed.format.startswith("sitemap-index")
        poll = FeedPoll(
            status=result.status,
            etag=None if index else result.etag,
            last_modified=None if index else result.last_modified,
            title=parsed.title,
            entries=entries,
            next_poll_at=healthy_next,
            final_url=result.url,
            permanent_redirect=result.permanent_redirect,
            children=parsed.children,
        )
        added = await self._db(self.store.save_feed_poll, feed.id, poll, now)
        if parsed.not_modified:  # an index whose every child answered 304: nothing was read
            self._count(Outcome.FEED_NOT_MODIFIED)
            return
        self._count(Outcome.ENTRY_NO_LINK, skipped)
        self._count(Outcome.ENTRY_URL_TOO_LONG, too_long)
        self._count(Outcome.ENTRY_NEW, added)
        self._count(Outcome.ENTRY_SEEN, len(entries) - added)
        self._count(Outcome.FEED_UPDATED if added else Outcome.FEED_UNCHANGED)

    async def _feed_failed(
        self, feed: FeedInfo, exc: TrackerError, *, outcome: Outcome | None = None
    ) -> None:
        crawl = self.settings.crawl
        now = self.clock.now()
        delay = feed_backoff(feed.consecutive_errors, crawl.backoff_base, crawl.backoff_max)
        if isinstance(exc, RetryableError) and exc.retry_after:
            delay = max(delay, min(exc.retry_after, self.settings.http.max_retry_after))
        status = getattr(exc, "status", None)
        await self._db(
            self.store.save_feed_failure,
            feed.id,
            now=now,
            error=f"{type(exc).__name__}: {exc}",
            next_poll_at=now + timedelta(seconds=delay),
            status=status,
        )
        if outcome is None:
            outcome = Outcome.FEED_REFUSED if isinstance(exc, UnsafeURL) else Outcome.FEED_ERROR
        self._count(outcome)

    # ------------------------------------------------------------ new articles

    async def _fetch_article(self, item: PendingArticle) -> None:
        # No lookup first: a URL that already leads to a stored article is attached to it when
        # its entry is stored, and any alias found after fetching is resolved when saving.
        fetched = await self._fetch_page(item.fetch_url, canonical=item.canonical_url)
        if fetched is None:
            return
        if fetched.status in (404, 410):
            await self._entry_failed(item.canonical_url, f"HTTP {fetched.status}", permanent=True)
            self._count(Outcome.ARTICLE_FETCH_ERROR)
            return
        page = await self._extract(fetched, item.published, canonical=item.canonical_url)
        if page is None:
            return
        now = self.clock.now()
        published = self._plausible(page.extracted.published or item.published, now)
        # The page's offset belongs to the page's date, not to the feed's that may stand in.
        offset = page.extracted.published_offset if page.extracted.published else None
        next_at, _ = next_check_time(now, 0, self.settings.crawl.recheck_after, now)
        new_article = NewArticle(
            item.canonical_url, page, published, next_at, now, published_offset=offset
        )
        try:
            _, new = await self._save_article(new_article)
        except TrackerError as exc:
            self._count(Outcome.ARTICLE_STORE_FAILED)
            self._store_failures[item.canonical_url] = exc
            await self._entry_failed(
                item.canonical_url,
                f"{Outcome.ARTICLE_STORE_FAILED.value}: {exc}",
                permanent=isinstance(exc, PermanentError),
            )
            return
        self._count(Outcome.ARTICLE_NEW if new else Outcome.ARTICLE_UNCHANGED)
        self._stored.add(item.canonical_url)

    async def _fetch_page(
        self,
        url: str,
        *,
        canonical: str,
        etag: str | None = None,
        last_modified: str | None = None,
        recheck: bool = False,
    ) -> FetchResult | None:
        """Fetch an article page; on failure count the outcome and return None."""
        outcome: Outcome | None = None
        permanent = True
        try:
            return await self.fetcher.fetch(
                url,
                etag=etag,
                last_modified=last_modified,
                robots=self.settings.http.respect_robots,
            )
        except RobotsDisallowed as exc:
            outcome, error = Outcome.ARTICLE_ROBOTS_DISALLOWED, str(exc)
        except UnsafeURL as exc:
            outcome, error = Outcome.ARTICLE_REFUSED, str(exc)
        except BodyTooLarge as exc:
            outcome, error = Outcome.ARTICLE_TOO_LARGE, str(exc)
        except (HTTPStatusError, TooManyRedirects) as exc:
            outcome, error = Outcome.ARTICLE_FETCH_ERROR, str(exc)
        except RetryableError as exc:
            outcome, error, permanent = Outcome.ARTICLE_FETCH_ERROR, str(exc), False
        except PermanentError as exc:
            outcome, error = Outcome.ARTICLE_FETCH_ERROR, str(exc)
        self._count(outcome)
        if not recheck:
            await self._entry_failed(canonical, f"{outcome.value}: {error}", permanent=permanent)
        return None

    async def _extract(
        self,
        fetched: FetchResult,
        feed_published: datetime | None,
        *,
        canonical: str,
        recheck: bool = False,
    ) -> StoredPage | None:
        """Extract a fetched page; on failure count the outcome and return None."""
        if _content_type(fetched) not in HTML_TYPES:
            self._count(Outcome.ARTICLE_NOT_HTML)
            if not recheck:
                await self._entry_failed(
                    canonical, f"not an HTML page: {fetched.content_type}", permanent=True
                )
            return None
        try:
            text = await self.pool.extract(
                fetched.body, fetched.url, now=fetched.fetched_at, feed_published=feed_published
            )
        except ExtractionCrashed as exc:
            self._count(Outcome.ARTICLE_EXTRACT_FAILED)
            if not recheck:
                await self._entry_failed(canonical, str(exc), permanent=False)
            return None
        if text is None:
            self._count(Outcome.ARTICLE_EXTRACT_FAILED)
            if not recheck:
                await self._entry_failed(canonical, "no article text found", permanent=True)
            return None
        return StoredPage(
            requested_url=fetched.requested_url,
            final_url=fetched.url,
            status=fetched.status,
            fetched_at=fetched.fetched_at,
            extracted=text.extracted,
            content_hash=text.content_hash,
            raw_html=fetched.body,
            raw_packed=text.raw_packed,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            redirects=fetched.redirects,
        )

    def _plausible(self, published: datetime | None, now: datetime) -> datetime | None:
        # A publication date in the future, or before the web's news era, reorders who was first.
        if published is None or published > now + timedelta(days=1):
            return None
        if published.year < self.settings.extract.earliest_year:
            return None
        return published

    # ------------------------------------------------------------ re-checks

    async def _recheck(self, item: RecheckItem) -> None:
        fetched = await self._fetch_page(
            item.fetch_url,
            canonical=item.url,
            etag=item.etag,
            last_modified=item.last_modified,
            recheck=True,
        )
        if fetched is None:
            return
        now = self.clock.now()
        next_at, _ = next_check_time(item.first_seen, 0, self.settings.crawl.recheck_after, now)
        moved_home = bool(fetched.redirects) and _is_home_page(fetched.url)
        if fetched.status in (404, 410) or moved_home:
            await self._db(
                self.store.mark_taken_down,
                item.article_id,
                now=now,
                status=fetched.status,
                next_check_at=None,
            )
            self._count(Outcome.ARTICLE_TAKEN_DOWN)
            return
        page: StoredPage | None = None
        validators = (fetched.etag, fetched.last_modified)
        if fetched.not_modified:
            outcome: Outcome | None = Outcome.ARTICLE_NOT_MODIFIED
            validators = (item.etag, item.last_modified)
        else:
            page = await self._extract(fetched, None, canonical=item.url, recheck=True)
            if page is None:  # the failure is counted; keep the old validators
                outcome, validators = None, (item.etag, item.last_modified)
            elif page.content_hash == item.content_hash or await self._same_text_as_before(
                item.article_id, page
            ):
                outcome, page = Outcome.ARTICLE_UNCHANGED, None
            else:
                outcome = Outcome.ARTICLE_NEW_VERSION
        await self._db(
            self.store.save_recheck,
            item.article_id,
            now=now,
            next_check_at=next_at,
            page=page,
            etag=validators[0],
            last_modified=validators[1],
        )
        if outcome is not None:
            self._count(outcome)

    async def _same_text_as_before(self, article_id: int, page: StoredPage) -> bool:
        """True when today's extraction reads the same text from the last stored page.

        A text hash that differs may come from the extractor, not the page: after an upgrade
        that changes extraction (say, headlines taken off the text), every re-check would
        otherwise store a new version of every unchanged article and count it as an edit.
        """
        previous = await self._db(self.store.latest_raw_page, article_id)
        if previous is None:
            return False
        html, url, fetched_at = previous
        if html == page.raw_html:
            return True
        try:
            again = await self.pool.extract(html, url, now=fetched_at, feed_published=None)
        except ExtractionCrashed:
            return False
        return again is not None and again.content_hash == page.content_hash


def _stage_cpu(stage: Stage, store: Store, now: datetime) -> dict[str, int]:
    """Run `stage` on this (the store) thread; its counts, with its CPU ms when it did anything.

    The CPU is this thread's (a stage runs on the store thread, and the model's BLAS is held to
    the calling thread), so a pass's report says where its CPU went, stage by stage: the crawl
    process's total also holds the fetching and the event loop. Not counted for a stage that
    did nothing, whose report stays empty.
    """
    started = time.thread_time()
    counts = dict(stage.run(store, now))
    if any(counts.values()):
        counts[f"{stage.name}_cpu_ms"] = round(1000 * (time.thread_time() - started))
    return counts
