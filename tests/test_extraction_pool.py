"""The extraction pool: worker processes started off the event loop, pages extracted in them."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

from tracker.config import ExtractSettings
from tracker.pipeline.extraction_pool import ExtractionPool, PageText

NOW = datetime(2024, 3, 10, tzinfo=UTC)
SENTENCE = "The harbour council approved the new ferry timetable after a long public meeting. "
PAGE = (
    "<html lang='en'><head><title>Ferry timetable</title></head><body><article>"
    f"<h1>Ferry timetable approved</h1><p>{SENTENCE * 8}</p></article></body></html>"
).encode()


def test_the_first_page_starts_the_workers_in_a_thread_not_on_the_event_loop() -> None:
    # Starting a worker waits for the forkserver to import and warm the parsers; on the event
    # loop that wait held every fetch of the crawl, and politeness turns came due together.
    pool = ExtractionPool(ExtractSettings(), workers=2)
    started_on: list[threading.Thread] = []
    real_warm_up = pool.warm_up

    def recorded_warm_up() -> None:
        started_on.append(threading.current_thread())
        real_warm_up()

    pool.warm_up = recorded_warm_up  # type: ignore[method-assign]

    async def two_pages() -> list[PageText | None]:
        loop_thread = threading.current_thread()
        pages = await asyncio.gather(
            pool.extract(PAGE, "https://news.example/a", now=NOW),
            pool.extract(PAGE, "https://news.example/b", now=NOW),
        )
        assert all(thread is not loop_thread for thread in started_on)
        return list(pages)

    with pool:
        first, second = asyncio.run(two_pages())
        assert started_on  # the workers were started by the first pages, in a thread
        calls = len(started_on)
        asyncio.run(pool.extract(PAGE, "https://news.example/c", now=NOW))
        assert len(started_on) == calls  # once started, a page goes straight to the workers
    assert first is not None and second is not None
    assert "ferry timetable" in first.extracted.text.lower()
