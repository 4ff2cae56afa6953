"""`tracker claims import FILE` and `tracker claims match TEXT | --file F`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker import api
from tracker.cli.render import echo, err, print_json, print_table
from tracker.errors import BadInput

from .app import JsonOpt, open_tracker
from .claims import claims_app

if TYPE_CHECKING:
    from tracker.api import ClaimMatch

__all__ = ["claims_import", "claims_match"]


@claims_app.command("import")
def claims_import(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV, TSV or JSON Lines (columns slug, text; title, url optional),"
            " or schema.org ClaimReview JSON-LD (.json).",
            dir_okay=False,
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv, tsv, jsonl or jsonld (default: by the file's suffix)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Register every claim of a file at once (all or nothing) and find them in stored versions."""
    with open_tracker(ctx) as tracker:
        summary, matched = tracker.claims().import_file(file, fmt=fmt)
    if json:
        print_json({"summary": summary, "added": len(summary.added),
                    "existing": len(summary.existing), "matched": matched})  # fmt: skip
        return
    echo(
        f"imported {len(summary.added)} claims from {summary.path} ({summary.format});"
        f" {len(summary.existing)} were registered already"
    )
    if not matched:
        echo("matching deferred: a crawl pass is running and matches them when the pass ends")


@claims_app.command("match")
def claims_match(
    ctx: typer.Context,
    text: Annotated[
        str | None, typer.Argument(help="The text to find registered claims in.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Match every line `id<TAB>text` of this file.", dir_okay=False),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="How many claims to list per text.")] = 5,
    json: JsonOpt = False,
) -> None:
    """Rank the registered claims for a text (BM25 candidates, re-scored by the claims matcher)."""
    if (text is None) == (file is None):
        raise BadInput("give either a TEXT or --file")
    with open_tracker(ctx) as tracker:
        claims = tracker.claims()
        found = (
            claims.match_file(file, top=top)
            if file is not None
            else [api.TextMatches("", tuple(claims.match(text or "", top=top)))]
        )
    if json:
        print_json(found if file is not None else found[0].matches)
        return
    for item in found:
        if not item.matches:
            err(f"no registered claim shares a word with {item.id or 'the text'}")
            continue
        print_table(
            [(item.id, rank, match) for rank, match in enumerate(item.matches, start=1)],
            [*([("id", lambda r: r[0])] if file is not None else []),
             ("#", lambda r: r[1]), ("score", lambda r: f"{r[2].score:.3f}"),
             ("slug", lambda r: r[2].slug), ("claim", lambda r: _short(r[2]))],
        )  # fmt: skip


def _short(match: ClaimMatch) -> str:
    return match.text if len(match.text) <= 90 else match.text[:89] + "…"
