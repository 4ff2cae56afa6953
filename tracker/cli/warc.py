"""`tracker import` and `tracker export-warc`: web archives in (backfill), a story's pages out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.render import echo, err, print_json, progress_bar

from .app import JsonOpt, WaitOpt, app, open_tracker, parse_wait, waiting_note

if TYPE_CHECKING:  # the API's names load on use: `tracker --help` imports no database
    from tracker.api import WarcImport


@app.command("import")
def import_warc(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(help="WARC files (.warc or .warc.gz), in capture order.")
    ],
    wait: WaitOpt = "10m",
    json: JsonOpt = False,
) -> None:
    """Backfill from web archives: every HTML response stored as an article version.

    The capture time (WARC-Date) is when the page was seen; the record id and file are kept.
    Records imported before are skipped, so an interrupted import is resumed by running it again.
    Each unreadable record is one line on stderr; exit code 2 when nothing could be imported.
    """
    seconds = parse_wait(wait)
    with open_tracker(ctx) as tracker, progress_bar() as progress:
        done = tracker.import_warc(
            files, progress=progress, on_problem=err, wait=seconds, on_wait=waiting_note(wait)
        )
    if json:
        print_json(done)
    else:
        echo(_summary(done))
    if done.problems and not done.usable:
        raise typer.Exit(2)


def _summary(done: WarcImport) -> str:
    counts = done.run.counts
    new = counts.get("warc_article_new", 0)
    versions = counts.get("warc_version_new", 0)
    parts = [
        f"{done.captures} responses read from {done.files} file(s)",
        f"{new} new articles",
        f"{versions} new versions of stored ones",
    ]
    for key, label in (
        ("warc_unchanged", "unchanged"),
        ("warc_seen_earlier", "seen earlier"),
        ("warc_duplicate", "imported before"),
        ("article_taken_down", "taken down"),
        ("article_not_html", "not HTML"),
        ("article_extract_failed", "no article text"),
    ):
        if counts.get(key):
            parts.append(f"{counts[key]} {label}")
    if done.problems:
        parts.append(f"{len(done.problems)} problems")
    return ", ".join(parts)


@app.command("export-warc")
def export_warc(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The claim's slug.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The WARC file to write (.warc.gz).")
    ],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out-dir",
            help="The folder files may be written in; a relative -o is taken inside it.",
            file_okay=False,
        ),
    ] = Path("."),
) -> None:
    """Write every stored page of a claim's story as WARC records (for pywb, ReplayWeb.page)."""
    with open_tracker(ctx) as tracker:
        path, pages = tracker.export_warc(slug, output, root=out_dir)
    echo(f"wrote {path} ({pages} records)")
