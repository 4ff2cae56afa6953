"""Host turns shared through PostgreSQL: spacing holds even when a worker starts late."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator

import pytest

from tests.conftest import fresh_postgres_database
from tracker.store import make_engine
from tracker.store.db import upgrade
from tracker.store.host_turns import SharedHostTurns


@pytest.fixture
def turns(postgres_server: str) -> Iterator[SharedHostTurns]:
    """Shared turns on a fresh, migrated PostgreSQL database."""
    for url in fresh_postgres_database(postgres_server):  # one database, dropped afterwards
        engine = make_engine(url)
        upgrade(engine)
        shared = SharedHostTurns(engine, threads=3, lock_wait=5.0)  # a thread per turn at once
        try:
            yield shared
        finally:
            shared.close()
            engine.dispose()


def _starts(turns: SharedHostTurns, interval: float, late: float) -> list[float]:
    """Start three turns on one host; the second oversleeps its wait by `late` seconds."""

    async def run() -> list[float]:
        starts = []
        for number in range(3):
            if number == 1:

                async def oversleep(seconds: float) -> None:
                    await asyncio.sleep(seconds + late)

                turns._sleep = oversleep
            else:
                turns._sleep = asyncio.sleep
            async with turns.turn("example.test:80", interval, max_wait=10.0):
                starts.append(time.monotonic())
        return starts

    return asyncio.run(run())


def test_turns_are_spaced_from_the_real_start(turns: SharedHostTurns) -> None:
    interval, late = 0.4, 0.6
    first, second, third = _starts(turns, interval, late)
    assert second - first >= interval + late - 0.05
    # Booked from the start that was planned, the third turn would follow the late second at once.
    assert third - second >= interval - 0.05, (first, second, third)


def test_a_second_worker_waits_for_the_turn(turns: SharedHostTurns) -> None:
    interval = 0.3

    async def worker() -> float:
        async with turns.turn("example.test:80", interval, max_wait=10.0):
            started = time.monotonic()
            await asyncio.sleep(0.05)
            return started

    async def both() -> list[float]:
        return list(await asyncio.gather(worker(), worker(), worker()))

    starts = sorted(asyncio.run(both()))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= interval - 0.05, gaps
