"""Per-host politeness shared by every worker through PostgreSQL.

One row per host:port holds the time the next request may start. A worker takes the row with
`SELECT ... FOR UPDATE` and keeps the lock for the whole request, so at most one request per
host is in flight across all workers; it moves the time on by the interval as it starts (after any
wait, so a worker that was late to start does not shorten the next gap), so requests are spaced
whichever worker sends them. A worker that dies mid-request loses its
connection, PostgreSQL rolls the transaction back, and the lock is free again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from tracker.errors import TransientHTTPError

__all__ = ["HostTurn", "SharedHostTurns"]

R = TypeVar("R")

_TAKE = text(
    """
    insert into host_turns (host, next_at) values (:host, clock_timestamp())
    on conflict (host) do nothing
    """
)
_LOCK = text(
    "select extract(epoch from greatest(next_at, clock_timestamp()) - clock_timestamp()) as wait"
    " from host_turns where host = :host for update"
)
_SPACE = text(
    "update host_turns set next_at = clock_timestamp() + make_interval(secs => :interval)"
    " where host = :host"
)
_HOLD = text(
    "update host_turns set next_at = greatest(next_at,"
    " clock_timestamp() + make_interval(secs => :hold)) where host = :host"
)


class HostTurn:
    """A host's turn, held while one request runs."""

    def __init__(self) -> None:
        """Nothing held back yet."""
        self.held = 0.0

    def hold(self, seconds: float) -> None:
        """No worker may start a request to this host for `seconds` (Retry-After)."""
        self.held = max(self.held, seconds)


class SharedHostTurns:
    """Hands out host turns through the `host_turns` table (PostgreSQL only)."""

    def __init__(self, engine: Engine, *, threads: int, lock_wait: float) -> None:
        """Use `engine`; block at most `lock_wait` seconds behind another worker's request."""
        if engine.dialect.name != "postgresql":
            raise ValueError("shared host turns need PostgreSQL")
        self._engine = engine
        self._lock_wait_ms = max(1, int(lock_wait * 1000))
        # Own threads: a turn blocks its thread on the row lock, which must not starve the
        # event loop's default executor.
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="host-turn")
        self._sleep = asyncio.sleep  # a loaded machine oversleeps; tests stand in for that

    def close(self) -> None:
        """Stop the threads."""
        self._threads.shutdown(wait=True)

    async def _run(self, call: Callable[..., R], *args: object) -> R:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, functools.partial(call, *args))

    @contextlib.asynccontextmanager
    async def turn(self, host: str, interval: float, max_wait: float) -> AsyncIterator[HostTurn]:
        """Wait for `host`'s turn (after anyone's last request + `interval`), then hold it."""
        conn = await self._run(self._engine.connect)
        try:
            wait = await self._run(self._take, conn, host)
            if wait > max_wait:
                raise TransientHTTPError(
                    f"{host} asked us to wait {wait:.0f} s (Retry-After)", retry_after=wait
                )
            if wait > 0:
                await self._sleep(wait)
            await self._run(self._start, conn, host, interval)
            turn = HostTurn()
            try:
                yield turn
            finally:
                await self._run(self._release, conn, host, turn.held)
        finally:
            await self._run(conn.close)

    def _take(self, conn: Connection, host: str) -> float:
        """Lock the host's row; seconds to wait before starting."""
        try:
            conn.execute(_TAKE, {"host": host})
            conn.commit()
            conn.execute(text(f"set local lock_timeout = {self._lock_wait_ms}"))
            wait = conn.execute(_LOCK, {"host": host}).scalar_one()
        except OperationalError as exc:
            conn.rollback()
            raise TransientHTTPError(f"{host} is busy with another worker's request") from exc
        return max(0.0, float(wait))

    def _start(self, conn: Connection, host: str, interval: float) -> None:
        """Book the next start `interval` from now, the moment this request starts."""
        conn.execute(_SPACE, {"interval": interval, "host": host})

    def _release(self, conn: Connection, host: str, held: float) -> None:
        """Record a Retry-After and let the next request to the host go."""
        if not conn.in_transaction():
            return
        if held > 0:
            conn.execute(_HOLD, {"hold": held, "host": host})
        conn.commit()
