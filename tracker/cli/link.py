"""`tracker link`, `tracker sources URL`, `tracker copies URL`: provenance edges and chains."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.render import echo, print_json, print_table

from .app import JsonOpt, WaitOpt, app, open_tracker, parse_wait, waiting_note

if TYPE_CHECKING:  # the API loads when a command runs, not for --help (tracker/api/__init__.py)
    from tracker.api import Hop

UrlArg = Annotated[str, typer.Argument(help="Any URL of a stored article.")]


@app.command("link")
def link(
    ctx: typer.Context,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Forget every edge and link every version again.")
    ] = False,
    wait: WaitOpt = "10m",
    json: JsonOpt = False,
) -> None:
    """Link the article versions not linked yet (a crawl does this by itself)."""
    seconds = parse_wait(wait)
    with open_tracker(ctx) as tracker:
        counts = tracker.link(rebuild=rebuild, wait=seconds, on_wait=waiting_note(wait))
    if json:
        print_json(dict(sorted(counts.items())))
        return
    echo(", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing to link")


_CLIP = 200  # characters of a passage shown in the terminal (--json has them whole)


def _clip(text: str) -> str:
    return text if len(text) <= _CLIP else text[: _CLIP - 1].rstrip() + "…"


def _show_hop(number: int, hop: Hop) -> None:
    """One hop of a chain with its evidence, for people."""
    share = f", {hop.share:.0%} of the text shared" if hop.share is not None else ""
    echo(
        f"{number}. {hop.kind.value} (score {hop.score:.2f}{share}) from {hop.source.outlet}: "
        f"{hop.source.title} <{hop.source.url}>"
    )
    if hop.link:
        echo(f"   link: {hop.link}")
    if hop.credit:
        echo(f'   credit: "{hop.credit}"')
    for carried in hop.only_in_source:
        echo(f'   only in this source: "{_clip(carried)}"')
    for passage in hop.passages:
        echo(f'   source:   "{_clip(passage.source)}"')
        echo(f'   repeater: "{_clip(passage.repeater)}"')
    for pair in hop.sentences:
        echo(f'   source:   "{_clip(pair.source)}"')
        echo(f'   repeater: "{_clip(pair.repeater)}"  (similarity {pair.similarity:.2f})')


@app.command("sources")
def sources(ctx: typer.Context, url: UrlArg, json: JsonOpt = False) -> None:
    """The chain from an article back to the original, each hop with its evidence."""
    with open_tracker(ctx) as tracker:
        chain = tracker.sources(url)
    if json:
        print_json(chain)
        return
    article = chain.article
    echo(f"{article.title} ({article.outlet}) <{article.url}>")
    if not chain.hops and not chain.unresolved:
        echo("no earlier source found: this looks like an original")
    for number, hop in enumerate(chain.hops, start=1):
        _show_hop(number, hop)
    if chain.hops:
        original = chain.original
        echo(f"original: {original.title} ({original.outlet}) <{original.url}>")
    for hop in chain.also:
        echo(f"also {hop.kind.value} from {hop.source.outlet}: {hop.source.title}")
        if hop.credit:
            echo(f'   credit: "{hop.credit}"')
    for credit in chain.unresolved:
        echo(f"credits {credit.outlet} (unresolved: no stored article of it matches the text)")
        echo(f'   credit: "{credit.phrase}"')


@app.command("copies")
def copies(ctx: typer.Context, url: UrlArg, json: JsonOpt = False) -> None:
    """Everyone who repeated an article, directly or through a chain."""
    with open_tracker(ctx) as tracker:
        found = tracker.copies(url)
    if json:
        print_json(found)
        return
    print_table(
        found.repeaters,
        [("first seen", lambda r: r.article.first_seen), ("outlet", lambda r: r.article.outlet),
         ("title", lambda r: r.article.title[:60]), ("how", lambda r: r.kind),
         ("score", lambda r: f"{r.score:.2f}"), ("from", lambda r: r.via.outlet),
         ("hops", lambda r: r.depth), ("url", lambda r: r.article.url)],
        title=f"repeats of {found.article.title[:60]} ({found.article.outlet})",
    )  # fmt: skip
