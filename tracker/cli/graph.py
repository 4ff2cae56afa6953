"""`tracker graph` and `tracker report`: a claim's graph as files, and its HTML report."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.render import echo
from tracker.export.files import GraphFormat, write_graph, write_report
from tracker.export.graph import NO_CORRECTION, build_claim_graph, build_outlet_graph, summarise
from tracker.export.report import render_report
from tracker.export.timeline import duration_text
from tracker.queries import story as queries_story

from .app import app, open_tracker


class Level(StrEnum):
    """Which graph to write: articles of the claim, or the outlets that took from each other."""

    CLAIM = "claim"
    OUTLET = "outlet"


SlugArg = Annotated[str, typer.Argument(help="The claim's slug.")]
OutDirOpt = Annotated[
    Path,
    typer.Option(
        "--out-dir",
        help="The folder files may be written in; a relative -o is taken inside it.",
        file_okay=False,
    ),
]


@app.command("graph")
def graph(
    ctx: typer.Context,
    slug: SlugArg,
    fmt: Annotated[
        GraphFormat, typer.Option("--format", "-f", help="The file format.")
    ] = GraphFormat.GEXF,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The file to write (default: SLUG.FORMAT)."),
    ] = None,
    level: Annotated[Level, typer.Option(help="Articles, or outlets.")] = Level.CLAIM,
    out_dir: OutDirOpt = Path("."),
) -> None:
    """Write the provenance graph of a claim (GEXF, GraphML, Cytoscape, JSON, D3, CSV, JSONL)."""
    with open_tracker(ctx) as tracker:
        story = queries_story.story_for(tracker, slug)
    built = build_claim_graph(story) if level is Level.CLAIM else build_outlet_graph(story)
    middle = "" if level is Level.CLAIM else ".outlets"
    path = write_graph(built, fmt, output or Path(f"{slug}{middle}{fmt.suffix}"), root=out_dir)
    echo(
        f"wrote {path} ({built.number_of_nodes()} nodes, {built.number_of_edges()} edges, "
        f"{level.value} level, {fmt.value})"
    )


@app.command("report")
def report(
    ctx: typer.Context,
    slug: SlugArg,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The HTML file to write (default: SLUG.html)."),
    ] = None,
    out_dir: OutDirOpt = Path("."),
) -> None:
    """Write one self-contained HTML report of a claim: timeline, uptake, evidence."""
    with open_tracker(ctx) as tracker:
        story = queries_story.story_for(tracker, slug)
    path = write_report(render_report(story), output or Path(f"{slug}.html"), root=out_dir)
    summary = summarise(story)
    share = f"{summary.picked_up_share:.0%}" if summary.picked_up_share is not None else "-"
    uptake = f"{share} picked up the correction" if summary.corrections else NO_CORRECTION
    echo(f"wrote {path}")
    echo(
        f"{summary.repeaters} repeats, {uptake}, "
        f"median lag {duration_text(summary.median_lag_seconds) or '-'}, "
        f"{summary.late} late, {summary.reach_now} outlets still carry it"
    )
