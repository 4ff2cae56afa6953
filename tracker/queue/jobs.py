"""The kinds of jobs, their keys, and what the queue says about them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["STAGES_KEY", "JobKind", "QueueCounts", "StalledJob", "retry_delay"]

STAGES_KEY = "all"  # the stages job has no item: it works through whatever is pending


class JobKind(StrEnum):
    """One step of the pipeline, run as a job; the key names its item."""

    POLL_FEED = "poll_feed"  # key: the feed's id
    FETCH_ARTICLE = "fetch_article"  # key: the article's canonical URL
    RECHECK_ARTICLE = "recheck_article"  # key: the stored article's id
    RUN_STAGES = "run_stages"  # key: STAGES_KEY; linking and claims over pending versions

    def lock(self, key: str) -> str:
        """The queueing lock: at most one waiting job per item."""
        return f"{self.value}:{key}"[:1000]


@dataclass(frozen=True, slots=True)
class StalledJob:
    """A job whose worker stopped sending heartbeats while running it."""

    job_id: int
    kind: JobKind
    key: str
    attempts: int


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """Jobs in the queue by status and kind."""

    by_status: dict[str, int]
    by_kind: dict[str, dict[str, int]]  # kind -> status -> count

    @property
    def active(self) -> int:
        """Jobs waiting or running."""
        return self.by_status.get("todo", 0) + self.by_status.get("doing", 0)


def retry_delay(attempts: int, base: float, max_attempts: int) -> float | None:
    """Seconds before a failed job runs again (`attempts` made so far); None: no more tries."""
    if attempts + 1 >= max_attempts:
        return None
    return base * float(2**attempts)
