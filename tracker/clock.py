"""Time as a dependency: the system clock in production, a movable one in tests and the demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock", "at_offset", "utc"]


def utc(moment: datetime) -> datetime:
    """Return `moment` as an aware UTC datetime (a naive one is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def at_offset(moment: datetime, minutes: int | None) -> datetime:
    """`moment` shown at a UTC offset of `minutes` east (unchanged when the offset is unknown)."""
    if minutes is None or not -1440 < minutes < 1440:
        return moment
    return moment.astimezone(timezone(timedelta(minutes=minutes)))


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; for tests and the demo's week of days."""

    def __init__(self, start: datetime) -> None:
        self._now = utc(start)

    def now(self) -> datetime:
        """The clock's current time."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to `moment`."""
        self._now = utc(moment)

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta`."""
        self._now = self._now + delta
