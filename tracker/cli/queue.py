"""`tracker worker`, `tracker schedule`, `tracker jobs`, `tracker quarantine`: the job queue."""

from __future__ import annotations

import time
from types import ModuleType
from typing import Annotated

import typer

from tracker.cli.render import echo, err, print_json, print_table
from tracker.errors import BadInput

from .app import JsonOpt, app, open_tracker, parse_duration

quarantine_app = typer.Typer(
    help="Items that failed too often and are kept out of the queue.", no_args_is_help=True
)
app.add_typer(quarantine_app, name="quarantine")


def _queue_module() -> ModuleType:
    # Imported on use: the queue needs the `postgres` extra, the rest of the CLI does not.
    try:
        import tracker.queue as queue
    except ModuleNotFoundError as exc:
        raise BadInput(
            f"the job queue needs the 'postgres' extra ({exc.name} is missing): "
            "pip install 'propagation-tracker[postgres]'"
        ) from None
    return queue


@app.command("worker")
def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help="Jobs run at once (default: the queue.concurrency setting)."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Name in the queue (default host-pid).")] = None,
    schedule: Annotated[
        bool, typer.Option("--schedule", help="Also queue due work every schedule_interval.")
    ] = False,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Stop once the queue is empty.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Run queued jobs (PostgreSQL); start as many as you like, on any machine."""
    queue = _queue_module()
    with open_tracker(ctx) as tracker:
        queue.require_postgres(tracker)
        err("worker started; Ctrl-C stops it")
        report = queue.run_worker(
            tracker, name=name, concurrency=concurrency, until_idle=until_idle, schedule=schedule
        )
    if json:
        print_json(report)
        return
    jobs = ", ".join(f"{k}={v}" for k, v in report.jobs.items()) or "no jobs"
    echo(f"{report.name}: {jobs}")


@app.command("schedule")
def schedule(
    ctx: typer.Context,
    every: Annotated[
        str | None, typer.Option(help="Sweep again at this interval (30s, 1m) until stopped.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Queue every due feed, pending article and re-check for the workers."""
    queue = _queue_module()
    interval = parse_duration(every) if every else None
    with open_tracker(ctx) as tracker:
        while True:
            report = queue.sweep_once(tracker)
            if json:
                print_json(report)
            else:
                echo(
                    f"queued {report.feeds} feeds, {report.articles} articles, "
                    f"{report.rechecks} re-checks; {report.stalled_retried} stalled jobs "
                    f"handed out again, {report.quarantined} quarantined"
                )
            if interval is None:
                return
            time.sleep(interval)


@app.command("jobs")
def jobs(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Jobs in the queue by kind and status."""
    queue = _queue_module()
    with open_tracker(ctx) as tracker:
        counts = queue.queue_counts(tracker)
    if json:
        print_json(counts)
        return
    statuses = sorted({s for by in counts.by_kind.values() for s in by})
    rows = sorted(counts.by_kind.items())
    columns = [("job", lambda r: r[0])] + [
        (status, lambda r, status=status: r[1].get(status, 0)) for status in statuses
    ]
    print_table(rows, columns, title="jobs")


@quarantine_app.command("list")
def quarantine_list(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Quarantined items with the reason and the number of attempts."""
    with open_tracker(ctx) as tracker:
        items = tracker.quarantined()
    if json:
        print_json(items)
        return
    print_table(
        items,
        [
            ("job", lambda q: q.kind),
            ("item", lambda q: q.item),
            ("attempts", lambda q: q.attempts),
            ("since", lambda q: q.quarantined_at),
            ("reason", lambda q: q.reason[:120]),
        ],
        title="quarantine",
    )


@quarantine_app.command("release")
def quarantine_release(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="The job kind, as `quarantine list` shows it.")],
    item: Annotated[str, typer.Argument(help="The item, as `quarantine list` shows it.")],
) -> None:
    """Let an item back into the queue (the next sweep queues it when it is due)."""
    with open_tracker(ctx) as tracker:
        if not tracker.release(kind, item):
            raise BadInput(f"not quarantined: {kind} {item}")
    echo(f"released {kind} {item}")
