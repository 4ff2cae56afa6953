"""The pipeline as jobs on PostgreSQL: many workers, one database (`tracker worker`)."""

from tracker.queue.jobs import JobKind, QueueCounts
from tracker.queue.worker import (
    SweepReport,
    WorkerReport,
    queue_counts,
    require_postgres,
    run_worker,
    run_worker_async,
    sweep_once,
)

__all__ = [
    "JobKind",
    "QueueCounts",
    "SweepReport",
    "WorkerReport",
    "queue_counts",
    "require_postgres",
    "run_worker",
    "run_worker_async",
    "sweep_once",
]
