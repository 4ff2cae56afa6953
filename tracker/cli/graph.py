"""`tracker graph` and `tracker report`: a claim's graph as files, and its HTML report."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

import tracker.api as api
from tracker.api import GraphFormat  # an enum of the domain: cheap, and typer needs it
from tracker.cli.render import err

from .app import app, open_tracker


class Level(StrEnum):
    """Which graph to write: articles of the claim, or the outlets that took from each other."""

    CLAIM = "claim"
    OUTLET = "outlet"


SlugArg = Annotated[str, typer.Argument(help="The claim's slug.")]
OutDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--out-dir",
        help="Write inside this folder only (made if missing): the default file name, or a "
        "relative -o, goes inside it; a path leading out of it is refused.",
        file_okay=False,
    ),
]


def _where(path: Path | None) -> str:
    return "standard output" if path is None else str(path)


@app.command("graph")
def graph(
    ctx: typer.Context,
    slug: SlugArg,
    fmt: Annotated[
        GraphFormat, typer.Option("--format", "-f", help="The file format.")
    ] = GraphFormat.GEXF,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write exactly here, relative to the current folder ('-': standard output); "
            "the folder must exist. Default: SLUG.FORMAT.",
        ),
    ] = None,
    level: Annotated[Level, typer.Option(help="Articles, or outlets.")] = Level.CLAIM,
    out_dir: OutDirOpt = None,
) -> None:
    """Write the provenance graph of a claim (GEXF, GraphML, Cytoscape, JSON, D3, CSV, JSONL).

    Files get the permissions your umask leaves; where it went is said on stderr.
    """
    with open_tracker(ctx) as tracker:
        written = tracker.write_graph(
            slug, fmt, output, outlets=level is Level.OUTLET, root=out_dir
        )
    err(
        f"wrote {_where(written.path)} ({written.nodes} nodes, {written.edges} edges, "
        f"{level.value} level, {fmt.value})"
    )


@app.command("report")
def report(
    ctx: typer.Context,
    slug: SlugArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write exactly here, relative to the current folder ('-': standard output); "
            "the folder must exist. Default: SLUG.html.",
        ),
    ] = None,
    out_dir: OutDirOpt = None,
) -> None:
    """Write one self-contained HTML report of a claim: timeline, uptake, evidence.

    Where it went and the claim's figures are said on stderr.
    """
    with open_tracker(ctx) as tracker:
        path, summary = tracker.write_report(slug, output, root=out_dir)
    share = f"{summary.picked_up_share:.0%}" if summary.picked_up_share is not None else "-"
    uptake = f"{share} picked up the correction" if summary.corrections else api.NO_CORRECTION
    err(f"wrote {_where(path)}")
    err(
        f"{summary.repeaters} repeats, {uptake}, "
        f"median lag {api.duration_text(summary.median_lag_seconds) or '-'}, "
        f"{summary.late} late, {summary.reach_now} outlets still carry it"
    )
