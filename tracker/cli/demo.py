"""`tracker demo`: the embedded demo story, crawled end to end on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import tracker.api as api
from tracker.cli.claims import repeat_table
from tracker.cli.render import echo, err, print_json, print_table

from .app import JsonOpt, _state, app


@app.command("demo")
def demo(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The demo database, exactly here (its folder must exist; an old file there is "
            "replaced). Default: demo.db in the data folder.",
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Serve a fictional week of news on 127.0.0.1, crawl it, and show what was found."""
    # Imported here: the demo pulls in the whole pipeline, which other commands do not need.
    from tracker.demo.run import crawl_demo_week, demo_database, demo_settings

    settings = _state(ctx).settings
    database = demo_database(output, Path(settings.data_dir))

    def on_pass(hours: float, report) -> None:  # type: ignore[no-untyped-def]
        new = report.counts.get("article_new", 0)
        changed = report.counts.get("article_new_version", 0)
        gone = report.counts.get("article_taken_down", 0)
        if new or changed or gone:
            err(f"day {hours / 24:4.1f}: {new} new, {changed} edited, {gone} taken down")

    summary = crawl_demo_week(database, settings=settings, on_pass=on_pass)
    if json:
        print_json(summary)
        return
    print_table(
        summary.outlets,
        [("outlet", lambda r: r.outlet), ("articles", lambda r: r.articles),
         ("versions", lambda r: r.versions), ("taken down", lambda r: r.taken_down)],
        title="what the crawl found",
    )  # fmt: skip
    print_table(
        summary.edited,
        [("outlet", lambda a: a.outlet), ("title", lambda a: a.title[:60]),
         ("versions", lambda a: a.version_count)],
        title="articles edited after publication",
    )  # fmt: skip
    print_table(
        summary.takes,
        [("first seen", lambda t: t.repeater.first_seen), ("repeater", lambda t: t.repeater.outlet),
         ("took it from", lambda t: t.source.outlet), ("how", lambda t: t.kind),
         ("score", lambda t: f"{t.score:.2f}"), ("title", lambda t: t.repeater.title[:50])],
        title="who took the original report from whom",
    )  # fmt: skip
    for answer in summary.claims:  # the story's question: who repeated each claim, and since?
        repeat_table(answer, urls=False)
    echo(
        f"{summary.passes} crawl passes over the story's week: {summary.articles} articles, "
        f"{summary.versions} versions, {summary.taken_down} taken down."
    )
    echo(f"database: {summary.database}")
    # Hints and the files written are messages: stderr, like every command's "wrote ...".
    err(f"explore:  tracker --db {summary.database} articles list")
    err(f"          tracker --db {summary.database} sources URL  (or: copies URL)")
    for answer in summary.claims:
        err(f"          tracker --db {summary.database} uptake {answer.slug}  (or: timeline)")
    folder = summary.database.parent / "demo-report"
    with api.Tracker(demo_settings(summary.database, settings)) as tracker:
        for answer in summary.claims:
            files = tracker.write_story_files(answer.slug, folder)
            err(f"report:   {files['report']}  (graph files beside it: gexf, graphml, json, csv)")
