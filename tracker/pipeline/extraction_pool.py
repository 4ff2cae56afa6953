"""Extraction off the event loop: a process pool, so parsing uses every core."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from types import TracebackType

from tracker.config import ExtractSettings
from tracker.domain import Extracted
from tracker.errors import RetryableError
from tracker.store.raw_pages import pack_page
from tracker.web.extract import content_hash, extract_page

__all__ = ["ExtractionCrashed", "ExtractionPool", "PageText", "extract_for_store"]


class ExtractionCrashed(RetryableError):
    """An extraction worker process died; the page is tried again on a later pass."""


@dataclass(frozen=True, slots=True)
class PageText:
    """Extraction's result with its content hash, computed in the worker."""

    extracted: Extracted
    content_hash: str
    # The page compressed as the store keeps it (`pack_page`): done here, on every core,
    # instead of on the one store thread (on real pages it cost that thread ~15 ms a page).
    raw_packed: bytes | None = None


def extract_for_store(
    html: bytes,
    url: str,
    settings: ExtractSettings,
    now: datetime,
    feed_published: datetime | None,
) -> PageText | None:
    """Extract one page and hash its text; runs inside a worker process."""
    extracted = extract_page(html, url, settings=settings, now=now, feed_published=feed_published)
    if extracted is None:
        return None
    return PageText(extracted, content_hash(extracted.text), pack_page(html))


def _ready() -> bool:
    """A no-op run in a worker, to make it start."""
    return True


def _watch_parent(lifeline: Connection) -> None:
    """Worker initializer: end this worker as soon as the crawl that started it is gone.

    The pool's own queues do not tell a worker (each worker holds a writing end of its call
    queue, so it never sees end-of-file), and the workers are children of the forkserver, not of
    the crawl. Only the crawl holds the writing end of `lifeline`: when the crawl ends in any
    way (exit, SIGTERM, SIGHUP, SIGKILL), the read below returns and the worker exits at once.
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()
        os._exit(0)  # mid-page or idle: nothing of a worker's needs saving

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    # The preloaded parsers' ~37,000 objects live as long as the worker: frozen, full
    # collections no longer walk them (one process extracting the 193 AEB and dates pages ran
    # one, 43 ms over ~68,000 objects).
    gc.freeze()


class ExtractionPool:
    """Runs extraction in worker processes (or in one thread when `workers` is 1)."""

    def __init__(self, settings: ExtractSettings, workers: int = 0) -> None:
        self._settings = settings
        self.workers = workers or os.cpu_count() or 1
        # (read, write): only this process holds the writing end; its closing ends every worker
        self._lifeline: tuple[Connection, Connection] | None = None
        self._executor = self._start()
        self._started = self.workers <= 1  # worker processes running (see `extract`)
        self._warming = threading.Lock()

    def _start(self) -> Executor:
        if self.workers <= 1:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")
        # forkserver: workers never inherit the crawler's threads, sockets or locks.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["tracker.pipeline.worker_preload"])
        self._close_lifeline()
        # Workers start lazily and take a copy of the reading end then, so both ends stay open
        # here until close().
        self._lifeline = context.Pipe(duplex=False)
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_watch_parent,
            initargs=(self._lifeline[0],),
        )

    def _close_lifeline(self) -> None:
        if self._lifeline is not None:
            for end in self._lifeline:
                end.close()
            self._lifeline = None

    def warm_up(self) -> None:
        """Start every worker now (they import the parsers), instead of on the first page."""
        with self._warming:  # pages extracted at once before the start wait for one start
            if self._started:
                return
            futures = [self._executor.submit(_ready) for _ in range(self.workers)]
            for future in futures:
                future.result()
            self._started = True

    async def extract(
        self, html: bytes, url: str, *, now: datetime, feed_published: datetime | None = None
    ) -> PageText | None:
        """Extract a page without blocking the event loop."""
        loop = asyncio.get_running_loop()
        executor = self._executor
        try:
            if not self._started:
                # The first submit starts the workers, and starting one waits for the forkserver
                # to import and warm the parsers (0.2-0.35 s idle, more under load). On the event
                # loop that wait held every other fetch too, and politeness turns reserved before
                # it came due together after it (two requests to one host 0.06 s apart where 0.3
                # was asked); in a thread, the loop goes on.
                await loop.run_in_executor(None, self.warm_up)
            return await loop.run_in_executor(
                executor, extract_for_store, html, url, self._settings, now, feed_published
            )
        except BrokenProcessPool:
            # A worker died (killed, out of memory, a crash in a C parser). Start new workers
            # and let the caller retry the page later: it may not be the one that broke them.
            if self._executor is executor:
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._start()
                self._started = False
            raise ExtractionCrashed(f"the extraction worker died while reading {url}") from None

    def close(self) -> None:
        """Stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._close_lifeline()

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
