"""The job queue: procrastinate on PostgreSQL, wrapped so that no other module sees its types.

procrastinate keeps jobs in the tracker's own PostgreSQL database (its schema comes with
migration 0004), hands each job to exactly one worker (`SELECT ... FOR UPDATE SKIP LOCKED`),
keeps at most one waiting job per item (queueing locks), runs the stages job one at a time
across all workers (a job lock), and records worker heartbeats, from which a job whose worker
died is found and handed out again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued, ProcrastinateException
from procrastinate.jobs import Job, Status
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from procrastinate.schema import SchemaManager
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from tracker.config import QueueSettings
from tracker.queue.jobs import JobKind, QueueCounts, StalledJob, retry_delay

__all__ = ["QUEUE_NAME", "Handler", "JobQueue", "ensure_schema"]

QUEUE_NAME = "tracker"
STAGES_LOCK = "tracker-stages"  # linking compares against everything stored: one at a time
# (kind, key, attempts made before this one) -> None; raising asks for a retry.
Handler = Callable[[JobKind, str, int], Awaitable[None]]


def ensure_schema(engine: Engine) -> bool:
    """Create the queue's tables if they are missing; True when it had to.

    Migration 0004 creates them, but only where procrastinate was installed at the time:
    a database upgraded before the `postgres` extra came gets them here, on first use.
    """
    with engine.begin() as conn:
        if conn.exec_driver_sql("select to_regclass('procrastinate_jobs')").scalar():
            return False
        # The driver reads % as a placeholder mark; the schema's own % signs are literal.
        conn.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
    return True


def libpq_url(database_url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq understands it."""
    url = make_url(database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class _Backoff(BaseRetryStrategy):
    """Retry after `base` seconds, doubling each time; the handler quarantines the last one."""

    def __init__(self, base: float, max_attempts: int) -> None:
        self._base = base
        self._max_attempts = max_attempts

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        """Back off exponentially; give up after the last attempt."""
        delay = retry_delay(job.attempts, self._base, self._max_attempts)
        if delay is None:
            return None
        return RetryDecision(retry_in={"seconds": int(delay)})


class JobQueue:
    """Defers jobs, runs a worker over them, and finds jobs whose worker died."""

    def __init__(self, database_url: str, settings: QueueSettings) -> None:
        """A queue in the PostgreSQL database at `database_url` (not yet open)."""
        self._settings = settings
        self._app = App(connector=PsycopgConnector(conninfo=libpq_url(database_url)))
        self._handler: Handler | None = None
        retry = _Backoff(settings.retry_base, settings.max_attempts)
        self._tasks = {kind: self._register(kind, retry) for kind in JobKind}

    def _register(self, kind: JobKind, retry: BaseRetryStrategy) -> Any:
        async def run(context: Any, key: str) -> None:
            if self._handler is None:
                raise RuntimeError("no handler: jobs run only inside run_worker")
            await self._handler(kind, key, int(context.job.attempts))

        return self._app.task(name=kind.value, queue=QUEUE_NAME, pass_context=True, retry=retry)(
            run
        )

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[JobQueue]:
        """Open the queue's connections for the duration of the block."""
        async with self._app.open_async():
            yield self

    async def defer(self, kind: JobKind, key: str, *, delay: float = 0.0) -> bool:
        """Queue a job for `key`; False when one is already waiting for it."""
        options: dict[str, Any] = {"queueing_lock": kind.lock(key)}
        if kind is JobKind.RUN_STAGES:
            options["lock"] = STAGES_LOCK
        if delay > 0:
            options["schedule_in"] = {"seconds": int(delay)}
        try:
            await self._tasks[kind].configure(**options).defer_async(key=key)
        except AlreadyEnqueued:
            return False
        return True

    async def run_worker(
        self,
        handler: Handler,
        *,
        name: str,
        concurrency: int,
        idle: asyncio.Event | None,
        handle_signals: bool = False,
    ) -> None:
        """Run jobs with `handler` until cancelled (or, with `idle`, until it is set).

        With `handle_signals`, SIGINT and SIGTERM stop the worker after the jobs in hand.
        """
        self._handler = handler
        settings = self._settings
        worker = asyncio.create_task(
            self._app.run_worker_async(
                queues=[QUEUE_NAME],
                name=name,
                concurrency=concurrency,
                wait=True,
                install_signal_handlers=handle_signals,
                shutdown_graceful_timeout=settings.stalled_after,
                update_heartbeat_interval=settings.heartbeat_interval,
                stalled_worker_timeout=settings.stalled_after,
                fetch_job_polling_interval=min(5.0, settings.heartbeat_interval),
                delete_jobs="successful",
            )
        )
        try:
            if idle is None:
                await worker
                return
            waiter = asyncio.create_task(idle.wait())
            await asyncio.wait({worker, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if worker.done():
                worker.result()
        finally:
            if not worker.done():
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            self._handler = None

    async def stalled_jobs(self) -> list[StalledJob]:
        """Jobs running on workers that stopped sending heartbeats."""
        jobs = await self._app.job_manager.get_stalled_jobs(
            queue=QUEUE_NAME, seconds_since_heartbeat=self._settings.stalled_after
        )
        out = []
        for job in jobs:
            if job.id is None or job.task_name not in JobKind._value2member_map_:
                continue
            key = str(job.task_kwargs.get("key", ""))
            out.append(StalledJob(job.id, JobKind(job.task_name), key, job.attempts))
        return out

    async def retry(self, job_id: int) -> bool:
        """Hand a stalled job out again now; False when it is no longer running."""
        try:
            await self._app.job_manager.retry_job_by_id_async(
                job_id=job_id, retry_at=datetime.now(UTC), priority=None, queue=None, lock=None
            )
        except ProcrastinateException:
            return False
        return True

    async def give_up(self, job_id: int) -> None:
        """Mark a stalled job failed (its item is quarantined by the caller)."""
        with contextlib.suppress(ProcrastinateException):
            await self._app.job_manager.finish_job_by_id_async(
                job_id=job_id, status=Status.FAILED, delete_job=False
            )

    async def counts(self) -> QueueCounts:
        """How many jobs there are by status and by kind."""
        rows = await self._app.connector.execute_query_all_async(
            "select task_name, status::text as status, count(*) as n from procrastinate_jobs"
            " where queue_name = %(queue)s group by task_name, status",
            queue=QUEUE_NAME,
        )
        by_status: dict[str, int] = {}
        by_kind: dict[str, dict[str, int]] = {}
        for row in rows:
            by_status[row["status"]] = by_status.get(row["status"], 0) + int(row["n"])
            by_kind.setdefault(row["task_name"], {})[row["status"]] = int(row["n"])
        return QueueCounts(by_status, by_kind)
