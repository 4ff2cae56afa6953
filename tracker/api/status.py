"""`tracker status`: feed health, the last runs, table sizes and alert delivery, read cheaply.

Read with SQLAlchemy Core (`tracker.store.status_read`), without the ORM, the mapped tables or
the alert machinery that a `Tracker` brings: a status is what an operator runs most, on a
database of any size, and it asks four questions (issue 14: at most 8x `import typer`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Engine

from tracker.config import Settings
from tracker.domain.alerts import DestinationHealth
from tracker.domain.crawl import FeedInfo, RunInfo
from tracker.store import status_read
from tracker.store.db import (
    READ_ONLY,
    current_revision,
    head_revision,
    make_engine,
    readable_errors,
    upgrade,
)

__all__ = ["Status", "read_status", "status_of"]


@dataclass(frozen=True, slots=True)
class Status:
    """Feed health and the last runs."""

    feeds: tuple[FeedInfo, ...]
    runs: tuple[RunInfo, ...]
    counts: dict[str, int]
    alerts: tuple[DestinationHealth, ...] = ()  # delivery per alert destination


def status_of(engine: Engine, settings: Settings, runs: int = 5) -> Status:
    """Feed health, the last `runs` runs, table sizes and alert delivery, in one read."""
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn, conn.begin():
        health = status_read.destination_health(conn, settings.alerts.dead_after)
        state = Status(
            tuple(status_read.feeds(conn)),
            tuple(status_read.runs(conn, runs)),
            status_read.counts(conn),
        )
    if health:  # the senders (mail, webhooks) are imported only when there is something to show
        from tracker.pipeline.alerts.senders import redact

        health = [replace(h, destination=redact(h.destination)) for h in health]
    return replace(state, alerts=tuple(health))


def read_status(settings: Settings, runs: int = 5) -> Status:
    """The status of the configured database, brought to the code's schema first if behind."""
    engine = make_engine(settings.database_url)
    try:
        with readable_errors():  # not a database, no server, ...: one line, not a traceback
            if current_revision(engine) != head_revision():
                upgrade(engine)
            return status_of(engine, settings, runs)
    finally:
        engine.dispose()
