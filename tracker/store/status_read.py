"""What `tracker status` shows, read with SQLAlchemy Core only: feed health, runs, counts, alerts.

The repositories (`Store`, `AlertRepo`) answer the same questions through these functions, so
there is one query for each; this module imports neither the ORM nor the mapped tables, which
would double what a status costs to start (issue 14). The lightweight `table()` objects below
name only the columns read here; tests/test_migrations*.py keep the real tables in step.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Connection, Integer, String, Text, case, column, func, select, table

from tracker.domain import FeedState
from tracker.domain.alerts import DestinationHealth
from tracker.domain.crawl import FeedInfo, RunInfo
from tracker.store.types import UTCDateTime

__all__ = ["COUNTED_TABLES", "PENDING", "SENT", "counts", "destination_health", "feeds", "runs"]

PENDING, SENT = "pending", "sent"  # alert_deliveries.state
# The main tables `status` counts, by the name it shows.
COUNTED_TABLES = {
    "outlets": "outlets",
    "feeds": "feeds",
    "entries": "entries",
    "articles": "articles",
    "versions": "versions",
}

_feeds = table(
    "feeds",
    column("id", Integer),
    column("url", String),
    column("outlet_id", Integer),
    column("title", String),
    column("state", String),
    column("etag", String),
    column("last_modified", String),
    column("next_poll_at", UTCDateTime()),
    column("last_polled_at", UTCDateTime()),
    column("last_success_at", UTCDateTime()),
    column("last_status", Integer),
    column("last_error", Text),
    column("consecutive_errors", Integer),
    column("error_count", Integer),
)
_outlets = table("outlets", column("id", Integer), column("name", String))
_entries = table("entries", column("feed_id", Integer))
_runs = table(
    "crawl_runs",
    column("id", Integer),
    column("started_at", UTCDateTime()),
    column("finished_at", UTCDateTime()),
    column("status", String),
    column("counts", JSON),
)
_deliveries = table(
    "alert_deliveries",
    column("dest_key", String),
    column("destination", String),
    column("state", String),
    column("attempts", Integer),
    column("last_attempt_at", UTCDateTime()),
    column("last_error", Text),
    column("sent_at", UTCDateTime()),
    column("created_at", UTCDateTime()),
)


def feeds(conn: Connection, *, include_removed: bool = False) -> list[FeedInfo]:
    """Every feed with its health and entry count, by URL."""
    f = _feeds.c
    entry_count = (
        select(func.count()).where(_entries.c.feed_id == f.id).scalar_subquery().label("entries")
    )
    query = (
        select(_feeds, _outlets.c.name.label("outlet_name"), entry_count)
        .select_from(_feeds.outerjoin(_outlets, _outlets.c.id == f.outlet_id))
        .order_by(f.url)
    )
    if not include_removed:
        query = query.where(f.state != FeedState.REMOVED.value)
    return [
        FeedInfo(
            id=row.id,
            url=row.url,
            outlet=row.outlet_name,
            title=row.title,
            state=row.state,
            etag=row.etag,
            last_modified=row.last_modified,
            next_poll_at=row.next_poll_at,
            last_polled_at=row.last_polled_at,
            last_success_at=row.last_success_at,
            last_status=row.last_status,
            last_error=row.last_error,
            consecutive_errors=row.consecutive_errors,
            error_count=row.error_count,
            entry_count=row.entries or 0,
        )
        for row in conn.execute(query)
    ]


def runs(conn: Connection, limit: int) -> list[RunInfo]:
    """The newest crawl runs first."""
    r = _runs.c
    rows = conn.execute(select(_runs).order_by(r.id.desc()).limit(limit))
    return [
        RunInfo(row.id, row.started_at, row.finished_at, row.status, dict(row.counts or {}))
        for row in rows
    ]


def counts(conn: Connection) -> dict[str, int]:
    """How many rows each main table holds."""
    return {
        shown: conn.scalar(select(func.count()).select_from(table(name))) or 0
        for shown, name in COUNTED_TABLES.items()
    }


def destination_health(conn: Connection, dead_after: int) -> list[DestinationHealth]:
    """Per destination (not redacted): pending, failing and sent deliveries, last error, dead."""
    d = _deliveries.c
    pending = d.state == PENDING
    rows = conn.execute(
        select(
            d.dest_key,
            func.min(d.destination),
            func.sum(_when(pending)),
            func.sum(_when(pending & d.last_error.is_not(None))),
            func.sum(_when(d.state == SENT)),
            func.max(d.sent_at),
            func.min(case((pending, d.created_at), else_=None)),
            func.max(case((pending, d.attempts), else_=0)),
        ).group_by(d.dest_key)
    ).all()
    out: list[DestinationHealth] = []
    for key, dest, waiting, failing, sent, last_sent, oldest, attempts in rows:
        error = conn.scalar(
            select(d.last_error)
            .where(d.dest_key == key, pending, d.last_error.is_not(None))
            .order_by(d.last_attempt_at.desc())
            .limit(1)
        )
        out.append(
            DestinationHealth(
                destination=dest,
                pending=int(waiting or 0),
                failing=int(failing or 0),
                sent=int(sent or 0),
                last_error=error,
                last_sent_at=last_sent,
                oldest_pending_at=oldest,
                dead=int(attempts or 0) >= dead_after and bool(failing),
            )
        )
    return sorted(out, key=lambda h: h.destination)


def _when(condition: Any) -> Any:
    """1 where `condition` holds, else 0 (for sums)."""
    return case((condition, 1), else_=0)
