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
from dataclasses import dataclass, field, replace
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
QUEUED_BATCHES = 8  # batches extracted ahead of the store (while the stages run, say)
BODY_BUDGET = 64 * 1024 * 1024  # bytes of page bodies under extraction at once, at most
STAGES_IDLE = BATCH  # stored versions that make the stages run when the store is idle
STAGES_EVERY = 2000  # stored versions that make them run in any case
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
        # Only a file read before can hold records imported before: a fresh one is not looked
        # up capture by capture (storing still skips any record imported from another file).
        check = await self.crawler.on_store_thread(self.captures.imported_from, path.name)
        flow = _Flow(path, check, asyncio.Queue(maxsize=QUEUED_BATCHES))
        flow.saver = asyncio.create_task(self._saver(flow))
        try:
            for item in read_warc(path, max_body=self.max_body):
                if isinstance(item, WarcProblem):
                    self._problem(path, item.offset, item.message)
                    continue
                self._tally.captures += 1
                if self._progress:
                    self._progress(path.name, item.offset, size)
                await self._take(flow, item)
            await self._drain(flow)
            await self._put(flow, None)
            await flow.saver
        finally:
            for entry in flow.pending:
                entry.task.cancel()
            flow.saver.cancel()
        if self._progress:
            self._progress(path.name, size, size)

    async def _take(self, flow: _Flow, capture: Capture) -> None:
        path = flow.path
        try:
            canonical = canonical_url(capture.url)
        except BadInput as exc:
            self._problem(path, capture.offset, f"record for {capture.url[:200]} skipped: {exc}")
            return
        if flow.check_known and await self._known(capture):
            self.crawler.add_count(Saved.DUPLICATE.value)
            self._tally.usable += 1
            return
        moved_home = capture.status in REDIRECTS and _moved_home(capture)
        if capture.status in GONE or moved_home:
            # A take-down is judged against what is stored before it: it goes to the store
            # after everything before it in the file.
            await self._drain(flow)
            await self._put(flow, _TakeDown(canonical, capture.captured_at))
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
        # The body goes to extraction only; what waits for the store does not keep it.
        entry = _Pending(replace(capture, body=b""), canonical, task, len(capture.body))
        flow.pending.append(entry)
        flow.in_flight += entry.size
        while len(flow.pending) > self.window or (
            flow.in_flight > BODY_BUDGET and len(flow.pending) > 1
        ):
            await self._ready(flow)

    async def _known(self, capture: Capture) -> bool:
        """Whether this record was imported before."""
        return bool(await self.crawler.on_store_thread(self.captures.known, [capture.record_id]))

    async def _drain(self, flow: _Flow) -> None:
        """Every extraction under way is done and queued for the store, in file order."""
        while flow.pending:
            await self._ready(flow)
        await self._put(flow, flow.batch)
        flow.batch = []

    async def _ready(self, flow: _Flow) -> None:
        """The oldest extraction is done: queue its page for storing, in file order."""
        entry = flow.pending.popleft()
        flow.in_flight -= entry.size
        capture = entry.capture
        page = await entry.task
        if page is None:
            return  # not HTML, or no text: counted by the extraction
        page = replace(page, warc_record_id=capture.record_id, warc_file=flow.path.name)
        extracted = page.extracted
        published = self.crawler.plausible(extracted.published, capture.captured_at)
        offset = extracted.published_offset if published else None
        article = NewArticle(
            entry.canonical,
            page,
            published,
            None,  # archived pages are not re-fetched on a schedule; a correction still does
            capture.captured_at,
            published_offset=offset,
        )
        flow.batch.append((capture, article))
        if len(flow.batch) >= BATCH:
            await self._put(flow, flow.batch)
            flow.batch = []

    async def _put(self, flow: _Flow, job: _Job) -> None:
        """Hand a job to the store's side, waiting while it is behind; its failure is raised."""
        if isinstance(job, list) and not job:
            return
        put = asyncio.ensure_future(flow.jobs.put(job))
        await asyncio.wait((put, flow.saver), return_when=asyncio.FIRST_COMPLETED)
        if not put.done():
            put.cancel()
            flow.saver.result()  # the store's side ended early: its error, raised here
            raise RuntimeError("the store's side of the import ended early")

    async def _saver(self, flow: _Flow) -> None:
        """Stores batches and take-downs in file order; the stages run when it has time."""
        while True:
            if flow.jobs.empty() and self._stages_due(idle=True):
                await self._stages()
                continue
            job = await flow.jobs.get()
            if job is None:
                return
            if isinstance(job, _TakeDown):
                gone = await self.crawler.on_store_thread(
                    self.captures.take_down, job.canonical, job.at
                )
                # As a re-check judges it: a 404, a 410 or a redirect to the home page.
                self.crawler.add_count("article_taken_down" if gone else "warc_gone_unknown")
                self._tally.usable += gone
            else:
                await self._save(flow.path, job)
            if self._stages_due(idle=False):
                await self._stages()

    def _stages_due(self, *, idle: bool) -> bool:
        # With nothing to store, the stages use the store thread's idle time while extraction
        # goes on; a busy store still runs them after every STAGES_EVERY versions.
        return self._tally.since_stages >= (STAGES_IDLE if idle else STAGES_EVERY)

    async def _stages(self) -> None:
        self._tally.since_stages = 0
        await self.crawler.run_stages(home_pages=False)

    async def _save(self, path: Path, items: list[tuple[Capture, NewArticle]]) -> None:
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


@dataclass(frozen=True, slots=True)
class _TakeDown:
    """A 404, 410 or redirect home of an article, to judge against what is stored before it."""

    canonical: str
    at: datetime


_Job = list[tuple[Capture, NewArticle]] | _TakeDown | None  # None: the file is done


@dataclass(frozen=True, slots=True)
class _Pending:
    """A capture under extraction (its body dropped), and the body's size."""

    capture: Capture
    canonical: str
    task: asyncio.Task[StoredPage | None]
    size: int


@dataclass(slots=True)
class _Flow:
    """One file's way through: captures under extraction, the batch filling, the store's queue."""

    path: Path
    check_known: bool
    jobs: asyncio.Queue[_Job]
    pending: deque[_Pending] = field(default_factory=deque)
    batch: list[tuple[Capture, NewArticle]] = field(default_factory=list)
    in_flight: int = 0  # bytes of the bodies under extraction
    saver: asyncio.Task[None] = field(init=False)


def _moved_home(capture: Capture) -> bool:
    """A redirect to the site's home page: how an outlet often takes an article down."""
    if not capture.location:
        return False
    try:
        target = canonical_url(urljoin(capture.url, capture.location))
    except BadInput:
        return False
    return _is_home_page(target)
