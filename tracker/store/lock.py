"""One crawl at a time per database, without a table for it.

A second crawl on the same database would fetch every due item twice and race the first one's
writes; it is refused at once with a clear message instead. On PostgreSQL the lock is a
session-level advisory lock held on a connection of its own for the length of the crawl; on
SQLite it is an exclusive `flock` on a file beside the database (`<db>.crawl-lock`). Both are
released by the operating system or the server when the process dies, so a killed crawl never
leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from tracker.errors import CrawlLocked

__all__ = ["LOCK_KEY", "crawl_lock", "crawl_lock_waiting", "lock_file_path"]

# The advisory lock key: any fixed 63-bit number; advisory locks are scoped to one database.
LOCK_KEY = 0x7472_6163_6B65_7231  # "tracker1" in ASCII
_LOCK_SUFFIX = ".crawl-lock"


def lock_file_path(engine: Engine) -> Path | None:
    """The lock file of a SQLite file database; None for in-memory databases."""
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:"):
        return None
    path = Path(database).expanduser().resolve()
    return path.with_name(path.name + _LOCK_SUFFIX)


def _holder_text() -> str:
    # When the pass started comes before the host name, which PostgreSQL may cut at 63 bytes:
    # whoever is refused learns how long the pass has been running.
    since = datetime.now(UTC).strftime("%H:%M:%S UTC")
    return f"pid {os.getpid()} since {since} on {socket.gethostname()}"


def _refusal(holder: str) -> CrawlLocked:
    who = f" ({holder})" if holder else ""
    return CrawlLocked(f"another crawl is running on this database{who}; try again later")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            raise _refusal(holder) from None
        # Who holds it, for the message of the one refused; the file itself is never deleted,
        # since unlinking a lock file races with another process opening it.
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder_text().encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _postgres_holder(conn: Connection) -> str:
    # A bigint advisory key shows in pg_locks as classid (high half) and objid (low half).
    row = conn.execute(
        text(
            "select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid"
            " where l.locktype = 'advisory' and l.granted and l.objsubid = 1"
            " and l.classid = :high and l.objid = :low"
            " and l.database = (select oid from pg_database where datname = current_database())"
        ),
        {"high": LOCK_KEY >> 32, "low": LOCK_KEY & 0xFFFF_FFFF},
    ).first()
    name = str(row[0]) if row and row[0] else ""
    return name.removeprefix("tracker crawl, ")


@contextlib.contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    conn = engine.connect()
    taken = False
    try:
        conn.execute(
            text("select set_config('application_name', :name, false)"),
            {"name": f"tracker crawl, {_holder_text()}"[:63]},
        )
        taken = bool(
            conn.execute(text("select pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar()
        )
        if not taken:
            holder = _postgres_holder(conn)
            conn.rollback()
            raise _refusal(holder)
        # End the transaction that autobegan: the session-level lock outlives it, and an idle
        # open transaction would hold back vacuum for the whole crawl.
        conn.commit()
        yield
    finally:
        if taken:
            # Unlock explicitly: closing the connection also releases the lock, but only once
            # the server has noticed, which a crawl started right after this one may beat.
            with contextlib.suppress(SQLAlchemyError):
                conn.execute(text("select pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                conn.commit()
        # A pooled connection would keep its application name (and, if unlocking failed, the
        # lock) for its next user; dropping it releases everything at the server.
        conn.invalidate()
        conn.close()


def crawl_lock(engine: Engine) -> contextlib.AbstractContextManager[None]:
    """Hold the database's crawl lock for the block; raises CrawlLocked when another holds it."""
    if engine.dialect.name == "postgresql":
        return _advisory_lock(engine)
    path = lock_file_path(engine)
    if path is None:
        return contextlib.nullcontext()  # an in-memory database belongs to one process
    return _file_lock(path)


@contextlib.contextmanager
def crawl_lock_waiting(
    engine: Engine,
    wait: float,
    *,
    on_wait: Callable[[str], None] | None = None,
    poll: float = 1.0,
) -> Iterator[None]:
    """Hold the crawl lock, waiting up to `wait` seconds while another crawl holds it.

    `on_wait` hears once who holds it; past `wait` the holder's CrawlLocked is raised as is.
    Commands a person runs by hand (`add`, `link`) wait for a pass to end; `crawl` does not,
    so overlapping scheduled passes still give way at once.
    """
    deadline = time.monotonic() + max(wait, 0.0)
    told = False
    with contextlib.ExitStack() as stack:
        while True:
            try:
                stack.enter_context(crawl_lock(engine))
                break
            except CrawlLocked as exc:
                if time.monotonic() + poll > deadline:
                    raise
                if on_wait is not None and not told:
                    on_wait(str(exc).removesuffix("; try again later"))
                    told = True
                time.sleep(poll)
        yield
