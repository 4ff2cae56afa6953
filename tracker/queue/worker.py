"""`tracker worker` and `tracker schedule`: the pipeline as jobs on PostgreSQL.

A job does one item and is idempotent: it first asks the store whether its item is still due
(a feed's next poll time, a pending entry, an article's next re-check), so a job that runs
twice, or after its worker died half-way, does the work at most once more and stores each row
once (the same unique keys as `tracker crawl`). Follow-up jobs are queued after the item's rows
are committed; a sweep (`tracker schedule`, or `tracker worker --schedule`) queues whatever is
due, so follow-ups lost with a killed worker are found again on the next sweep.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import Counter
from dataclasses import dataclass, field

from tracker.api import Tracker
from tracker.errors import BadInput, PermanentError
from tracker.pipeline.crawl import Crawler
from tracker.queue._procrastinate import JobQueue, ensure_schema
from tracker.queue.jobs import STAGES_KEY, JobKind, QueueCounts
from tracker.store import make_engine
from tracker.store.host_turns import SharedHostTurns
from tracker.store.queue_repo import QuarantineStore

__all__ = [
    "SweepReport",
    "WorkerReport",
    "queue_counts",
    "require_postgres",
    "run_worker",
    "run_worker_async",
    "sweep_once",
]

IDLE_CHECK_SECONDS = 0.5  # how often `until_idle` looks at the queue


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What one sweep queued (items already waiting in the queue are not counted)."""

    feeds: int = 0
    articles: int = 0
    rechecks: int = 0
    stalled_retried: int = 0
    quarantined: int = 0


@dataclass(frozen=True, slots=True)
class WorkerReport:
    """What one worker did before it stopped."""

    name: str
    jobs: dict[str, int] = field(default_factory=dict)  # kind -> jobs run
    counts: dict[str, int] = field(default_factory=dict)  # crawl outcomes and job outcomes


def require_postgres(tracker: Tracker) -> None:
    """Refuse SQLite (workers share one PostgreSQL database); make sure the queue exists."""
    if tracker.engine.dialect.name != "postgresql":
        raise BadInput(
            "workers share a PostgreSQL database; on SQLite use `tracker crawl` "
            "(set database_url to a postgresql:// URL to run workers)"
        )
    ensure_schema(tracker.engine)


def _queue(tracker: Tracker) -> JobQueue:
    return JobQueue(tracker.settings.database_url, tracker.settings.queue)


async def _handle_stalled(tracker: Tracker, queue: JobQueue) -> tuple[int, int]:
    """Hand out again the jobs of dead workers; quarantine items that killed too many."""
    retried = quarantined = 0
    limit = tracker.settings.queue.max_attempts
    quarantine = QuarantineStore(tracker.engine)
    for job in await queue.stalled_jobs():
        if job.attempts + 1 >= limit:
            reason = f"its worker stopped while running it {job.attempts + 1} times"
            await asyncio.to_thread(
                quarantine.add,
                job.kind.value,
                job.key,
                reason=reason,
                attempts=job.attempts + 1,
                now=tracker.clock.now(),
            )
            await queue.give_up(job.job_id)
            quarantined += 1
        elif await queue.retry(job.job_id):
            retried += 1
    return retried, quarantined


async def _sweep(tracker: Tracker, queue: JobQueue) -> SweepReport:
    store, now = tracker.store, tracker.clock.now()
    held = QuarantineStore(tracker.engine)
    counts: Counter[str] = Counter()

    async def queue_all(kind: JobKind, keys: list[str]) -> None:
        skip = await asyncio.to_thread(held.items, kind.value)
        for key in keys:
            if key not in skip and await queue.defer(kind, key):
                counts[kind.value] += 1

    feeds = await asyncio.to_thread(store.due_feeds, now)
    await queue_all(JobKind.POLL_FEED, [str(feed.id) for feed in feeds])
    pending = await asyncio.to_thread(store.pending_articles, now)
    await queue_all(JobKind.FETCH_ARTICLE, [item.canonical_url for item in pending])
    rechecks = await asyncio.to_thread(store.due_rechecks, now)
    await queue_all(JobKind.RECHECK_ARTICLE, [str(item.article_id) for item in rechecks])
    await queue.defer(JobKind.RUN_STAGES, STAGES_KEY)
    retried, quarantined = await _handle_stalled(tracker, queue)
    return SweepReport(
        feeds=counts[JobKind.POLL_FEED.value],
        articles=counts[JobKind.FETCH_ARTICLE.value],
        rechecks=counts[JobKind.RECHECK_ARTICLE.value],
        stalled_retried=retried,
        quarantined=quarantined,
    )


def sweep_once(tracker: Tracker) -> SweepReport:
    """Queue every due feed, pending article and re-check (what `tracker schedule` does)."""
    require_postgres(tracker)

    async def run() -> SweepReport:
        queue = _queue(tracker)
        async with queue.open():
            return await _sweep(tracker, queue)

    return asyncio.run(run())


def queue_counts(tracker: Tracker) -> QueueCounts:
    """Jobs in the queue by status and kind."""
    require_postgres(tracker)

    async def run() -> QueueCounts:
        queue = _queue(tracker)
        async with queue.open():
            return await queue.counts()

    return asyncio.run(run())


class _Jobs:
    """The bodies of the jobs of one worker, over one crawler."""

    def __init__(self, tracker: Tracker, crawler: Crawler, queue: JobQueue) -> None:
        self.tracker = tracker
        self.crawler = crawler
        self.queue = queue
        self.quarantine = QuarantineStore(tracker.engine)
        self.jobs: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()

    async def handle(self, kind: JobKind, key: str, attempts: int) -> None:
        """Run one job; its last failure quarantines the item instead of failing again."""
        self.jobs[kind.value] += 1
        try:
            await self._run(kind, key)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any failure: the queue retries it; the last one quarantines
            # A permanent error (the store refused the item) would fail every retry the same way.
            last = isinstance(exc, PermanentError)
            if not last and attempts + 1 < self.tracker.settings.queue.max_attempts:
                self.counts["job_retried"] += 1
                raise
            await asyncio.to_thread(
                self.quarantine.add,
                kind.value,
                key,
                reason=f"{type(exc).__name__}: {exc}",
                attempts=attempts + 1,
                now=self.tracker.clock.now(),
            )
            self.counts["job_quarantined"] += 1
        finally:
            self.counts.update(self.crawler.take_counts())

    async def _run(self, kind: JobKind, key: str) -> None:
        crawler, queue = self.crawler, self.queue
        if kind is JobKind.POLL_FEED:
            for url in await crawler.poll_feed_if_due(int(key)):
                await queue.defer(JobKind.FETCH_ARTICLE, url)
        elif kind is JobKind.FETCH_ARTICLE:
            if await crawler.fetch_article_if_pending(key):
                await queue.defer(JobKind.RUN_STAGES, STAGES_KEY)
        elif kind is JobKind.RECHECK_ARTICLE:
            if await crawler.recheck_if_due(int(key)):
                await queue.defer(JobKind.RUN_STAGES, STAGES_KEY)
        else:
            await crawler.run_stages()
            # The stages committed their alerts to the outbox; they go out on the tracker's
            # sending thread, so this job (and the worker's other jobs) never wait for them.
            self.tracker.dispatcher.start()


async def _maintain(
    tracker: Tracker, queue: JobQueue, idle: asyncio.Event | None, schedule: bool
) -> None:
    """Retry dead workers' jobs, sweep when asked, and notice when the queue runs dry."""
    settings = tracker.settings.queue
    loop = asyncio.get_running_loop()
    next_stalled = next_sweep = loop.time()
    quiet = 0
    while True:
        now = loop.time()
        if schedule and now >= next_sweep:
            await _sweep(tracker, queue)
            next_sweep = now + settings.schedule_interval
        if now >= next_stalled:
            await _handle_stalled(tracker, queue)
            next_stalled = now + settings.heartbeat_interval
        if idle is not None:
            # Twice empty in a row: a job that just finished may still be queueing follow-ups.
            quiet = quiet + 1 if (await queue.counts()).active == 0 else 0
            if quiet >= 2:
                idle.set()
                return
        await asyncio.sleep(IDLE_CHECK_SECONDS if idle is not None else 1.0)


def run_worker(
    tracker: Tracker,
    *,
    name: str | None = None,
    concurrency: int | None = None,
    until_idle: bool = False,
    schedule: bool = False,
) -> WorkerReport:
    """Run queued jobs until SIGINT/SIGTERM (or, with `until_idle`, until the queue is empty)."""
    require_postgres(tracker)
    return asyncio.run(
        run_worker_async(
            tracker,
            name=name,
            concurrency=concurrency,
            until_idle=until_idle,
            schedule=schedule,
            handle_signals=True,
        )
    )


async def run_worker_async(
    tracker: Tracker,
    *,
    name: str | None = None,
    concurrency: int | None = None,
    until_idle: bool = False,
    schedule: bool = False,
    handle_signals: bool = False,
) -> WorkerReport:
    """The worker loop; several may run in one event loop (each with its own connections)."""
    require_postgres(tracker)
    settings = tracker.settings
    jobs_at_once = concurrency or settings.queue.concurrency
    worker_name = name or f"{socket.gethostname()}-{os.getpid()}"
    # A connection per request waiting for or holding a host's turn (at most the fetcher's
    # max_connections), beside the store's own.
    slots = settings.http.max_connections
    turns_engine = make_engine(settings.database_url, pool_size=slots + 2)
    turns = SharedHostTurns(turns_engine, threads=slots, lock_wait=settings.http.total_deadline * 2)
    queue = _queue(tracker)
    run_id = await asyncio.to_thread(tracker.store.start_run, tracker.clock.now(), alone=False)
    status = "finished"
    bodies: _Jobs | None = None
    try:
        fetcher, crawler = tracker.queue_crawler(turns)
        bodies = _Jobs(tracker, crawler, queue)
        try:
            async with fetcher, queue.open():
                idle = asyncio.Event() if until_idle else None
                maintenance = asyncio.create_task(_maintain(tracker, queue, idle, schedule))
                try:
                    await queue.run_worker(
                        bodies.handle,
                        name=worker_name,
                        concurrency=jobs_at_once,
                        idle=idle,
                        handle_signals=handle_signals,
                    )
                finally:
                    maintenance.cancel()
                    await asyncio.gather(maintenance, return_exceptions=True)
        finally:
            crawler.close()
    except BaseException:
        status = "interrupted"
        raise
    finally:
        counts = dict(bodies.counts) if bodies else {}
        await asyncio.to_thread(
            tracker.store.finish_run, run_id, counts, now=tracker.clock.now(), status=status
        )
        turns.close()
        turns_engine.dispose()
    return WorkerReport(
        worker_name, dict(sorted(bodies.jobs.items())), dict(sorted(counts.items()))
    )
