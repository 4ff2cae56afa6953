"""`tracker graph` and `tracker report`: a claim's graph as files, and its HTML report."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

import tracker.api as api
from tracker.api import GraphFormat  # an enum of the domain: cheap, and typer needs it
from tracker.cli.render import echo

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
        written = tracker.write_graph(
            slug, fmt, output, outlets=level is Level.OUTLET, root=out_dir
        )
    echo(
        f"wrote {written.path} ({written.nodes} nodes, {written.edges} edges, "
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
        path, summary = tracker.write_report(slug, output, root=out_dir)
    share = f"{summary.picked_up_share:.0%}" if summary.picked_up_share is not None else "-"
    uptake = f"{share} picked up the correction" if summary.corrections else api.NO_CORRECTION
    echo(f"wrote {path}")
    echo(
        f"{summary.repeaters} repeats, {uptake}, "
        f"median lag {api.duration_text(summary.median_lag_seconds) or '-'}, "
        f"{summary.late} late, {summary.reach_now} outlets still carry it"
    )
