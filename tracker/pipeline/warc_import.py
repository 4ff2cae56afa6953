"""Backfill from web archives: every HTML response of a WARC file stored as an article version.

Each capture goes the way a fetched page goes: the crawler's extraction (the same worker pool,
the same checks), the store, then the crawler's stages (linking, claims). What differs is time:
a capture was seen when the archive saw it (WARC-Date), so it is stored among the article's
versions by that time, and the record's id and file are kept as evidence. Records already
imported are skipped, so an interrupted import run again goes on without duplicates.

The file is streamed: a bounded window of captures is being extracted at any time and stored in
file order, so memory does not grow with the file.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

from tracker.domain import FetchResult
from tracker.domain.crawl import NewArticle, StoredPage
from tracker.errors import BadInput, TrackerError
from tracker.pipeline.crawl import Crawler, Progress, RunReport, _is_home_page
from tracker.store.captures import CaptureStore, Saved
from tracker.urls import canonical_url
from tracker.web.warc import Capture, WarcProblem, read_warc

__all__ = ["WarcImport", "WarcImporter"]

BATCH = 64  # captures stored in one transaction
STAGES_EVERY = 2000  # stored versions between two runs of the stages, on a long import
GONE = (404, 410)
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True, slots=True)
class WarcImport:
    """What an import did: the run it was recorded as, and every problem met."""

    run: RunReport
    files: int
    captures: int  # response records read
    stored: int  # new articles and versions
    usable: int  # captures that reached the store (stored, unchanged or imported before)
    problems: tuple[str, ...]


@dataclass(slots=True)
class _Tally:
    captures: int = 0
    stored: int = 0
    usable: int = 0
    since_stages: int = 0


class WarcImporter:
    """Imports WARC files into a store through one crawler's extraction, store and stages."""

    def __init__(
        self,
        crawler: Crawler,
        *,
        max_body: int,
        window: int,
        on_problem: Callable[[str], None] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.crawler = crawler
        self.captures = CaptureStore(crawler.store)
        self.max_body = max_body
        self.window = max(1, window)
        self._on_problem = on_problem
        self._progress = progress
        self._problems: list[str] = []
        self._tally = _Tally()

    async def run(self, paths: Sequence[Path]) -> WarcImport:
        """Import these files in order, as one recorded run; stages run at the end."""
        self._problems, self._tally = [], _Tally()

        async def work(started: datetime) -> None:
            for path in paths:
                await self._file(path)
            await self.crawler.run_stages(home_pages=False)

        report = await self.crawler.recorded_run(work)
        tally = self._tally
        return WarcImport(
            report, len(paths), tally.captures, tally.stored, tally.usable, tuple(self._problems)
        )

    def _problem(self, path: Path, offset: int, message: str) -> None:
        line = f"{path.name}: offset {offset}: {message}"
        self._problems.append(line)
        self.crawler.add_count("warc_problem")
        if self._on_problem:
            self._on_problem(line)

    async def _file(self, path: Path) -> None:
        try:
            size = path.stat().st_size
        except OSError as exc:
            self._problem(path, 0, f"cannot read the file: {exc.strerror or exc}")
            return
        pending: deque[tuple[Capture, str, asyncio.Task[StoredPage | None]]] = deque()
        batch: list[tuple[Capture, NewArticle]] = []
        try:
            for item in read_warc(path, max_body=self.max_body):
                if isinstance(item, WarcProblem):
                    self._problem(path, item.offset, item.message)
                    continue
                self._tally.captures += 1
                if self._progress:
                    self._progress(path.name, item.offset, size)
                await self._take(path, item, pending, batch)
            while pending:
                await self._ready(path, pending.popleft(), batch)
            await self._flush(path, batch)
        finally:
            for _, _, task in pending:
                task.cancel()
        if self._progress:
            self._progress(path.name, size, size)

    async def _take(
        self,
        path: Path,
        capture: Capture,
        pending: deque[tuple[Capture, str, asyncio.Task[StoredPage | None]]],
        batch: list[tuple[Capture, NewArticle]],
    ) -> None:
        try:
            canonical = canonical_url(capture.url)
        except BadInput as exc:
            self._problem(path, capture.offset, f"record for {capture.url[:200]} skipped: {exc}")
            return
        known = await self.crawler.on_store_thread(self.captures.known, [capture.record_id])
        if known:
            self.crawler.add_count(Saved.DUPLICATE.value)
            self._tally.usable += 1
            return
        moved_home = capture.status in REDIRECTS and _moved_home(capture)
        if capture.status in GONE or moved_home:
            # A take-down is judged against what is stored before it: store what came first.
            while pending:
                await self._ready(path, pending.popleft(), batch)
            await self._flush(path, batch)
            gone = await self.crawler.on_store_thread(
                self.captures.take_down, canonical, capture.captured_at
            )
            # As a re-check judges it: a 404, a 410 or a redirect to the home page.
            self.crawler.add_count("article_taken_down" if gone else "warc_gone_unknown")
            self._tally.usable += gone
            return
        if not 200 <= capture.status < 300:
            self.crawler.add_count("warc_not_ok")
            return
        fetched = FetchResult(
            requested_url=capture.url,
            url=capture.url,
            status=capture.status,
            body=capture.body,
            fetched_at=capture.captured_at,
            content_type=capture.content_type,
        )
        task = asyncio.create_task(self.crawler.page_from(fetched))
        pending.append((capture, canonical, task))
        while len(pending) > self.window:
            await self._ready(path, pending.popleft(), batch)

    async def _ready(
        self,
        path: Path,
        item: tuple[Capture, str, asyncio.Task[StoredPage | None]],
        batch: list[tuple[Capture, NewArticle]],
    ) -> None:
        """The oldest extraction is done: queue its page for storing, in file order."""
        capture, canonical, task = item
        page = await task
        if page is None:
            return  # not HTML, or no text: counted by the extraction
        page = replace(page, warc_record_id=capture.record_id, warc_file=path.name)
        extracted = page.extracted
        published = self.crawler.plausible(extracted.published, capture.captured_at)
        offset = extracted.published_offset if published else None
        article = NewArticle(
            canonical,
            page,
            published,
            None,  # archived pages are not re-fetched on a schedule; a correction still does
            capture.captured_at,
            published_offset=offset,
        )
        batch.append((capture, article))
        if len(batch) >= BATCH:
            await self._flush(path, batch)

    async def _flush(self, path: Path, batch: list[tuple[Capture, NewArticle]]) -> None:
        if not batch:
            return
        items, batch[:] = list(batch), []
        try:
            results = await self.crawler.on_store_thread(self.captures.save, [a for _, a in items])
        except TrackerError:  # find the capture it belongs to, one by one
            results = []
            for capture, article in items:
                try:
                    results += await self.crawler.on_store_thread(self.captures.save, [article])
                except TrackerError as exc:
                    self.crawler.add_count("article_store_failed")
                    self._problem(
                        path, capture.offset, f"record for {capture.url[:200]} not stored: {exc}"
                    )
        tally = self._tally
        for saved in results:
            self.crawler.add_count(saved.value)
            tally.usable += 1
            if saved in (Saved.NEW_ARTICLE, Saved.NEW_VERSION):
                tally.stored += 1
                tally.since_stages += 1
        if tally.since_stages >= STAGES_EVERY:
            tally.since_stages = 0
            await self.crawler.run_stages(home_pages=False)


def _moved_home(capture: Capture) -> bool:
    """A redirect to the site's home page: how an outlet often takes an article down."""
    if not capture.location:
        return False
    try:
        target = canonical_url(urljoin(capture.url, capture.location))
    except BadInput:
        return False
    return _is_home_page(target)
