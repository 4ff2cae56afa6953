"""`tracker claims ...`, `tracker who-repeated`, `tracker uptake`, `tracker timeline`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

import tracker.api as api
from tracker.cli.render import echo, err, print_json, print_table
from tracker.domain.kinds import CorrectionKind
from tracker.errors import BadInput

from .app import JsonOpt, app, open_tracker, parse_moment

if TYPE_CHECKING:  # the API loads when a command runs, not for --help (tracker/api/__init__.py)
    from tracker.api import Claims, OutletUptake, Repeat, Suggestion, TimelineEvent, WhoRepeated

__all__ = ["claims_app", "repeat_table", "write_csv"]

claims_app = typer.Typer(
    help="Claims: statements tracked across outlets, and their corrections.",
    no_args_is_help=True,
)
app.add_typer(claims_app, name="claims")

CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Only from this time on (ISO 8601).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Only up to this time (ISO 8601).")]
OutletOpt = Annotated[
    str | None, typer.Option("--outlet", help="Only this outlet (its name or domain).")
]
SlugArg = Annotated[str, typer.Argument(help="The claim's slug, e.g. ai-code.")]


@contextmanager
def _claims(ctx: typer.Context, *, semantic: bool = False) -> Iterator[Claims]:
    with open_tracker(ctx) as tracker:
        yield tracker.claims(semantic=semantic)


def _format(json: bool, as_csv: bool) -> str:
    if json and as_csv:
        raise BadInput("choose one of --json and --csv")
    return "json" if json else ("csv" if as_csv else "table")


def _window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    start = parse_moment(since) if since else None
    end = parse_moment(until) if until else None
    if start and end and end < start:
        raise BadInput("--until is before --since")
    return start, end


def write_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """Rows as CSV on stdout, one header line first, in the dialect of every CSV the tool writes."""
    api.write_csv_rows(sys.stdout, rows, columns)  # the dialect of tracker/export/csv_rows.py


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds / 3600:+.1f} h" if seconds < 0 else f"{seconds / 3600:.1f} h"


def _emit(
    fmt: str,
    data: Any,
    rows: Sequence[Any],
    table: Sequence[tuple[str, Callable[[Any], Any]]],
    flat: Callable[[Any], Mapping[str, Any]],
    *,
    title: str = "",
) -> None:
    if fmt == "json":
        print_json(data)
    elif fmt == "csv":
        write_csv([flat(row) for row in rows], _CSV_HEADERS[flat])
    else:
        print_table(rows, table, title=title)


# ---------------------------------------------------------------- claims


@claims_app.command("add")
def claims_add(
    ctx: typer.Context,
    slug: SlugArg,
    text: Annotated[str, typer.Argument(help="The statement, in a sentence.")],
    origin: Annotated[
        str | None, typer.Option("--origin", help="The URL of the article that made it.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Register a claim and find it in every stored version."""
    with _claims(ctx) as claims:
        claim, matched = claims.register(slug, text, origin=origin)
        answer = claims.who_repeated(claim.slug)
    if json:
        print_json({"claim": claim, "repeats": len(answer.rows) if matched else None})
        return
    echo(f"added {claim.slug}: {claim.text}")
    if not matched:
        err(
            "matching deferred: a crawl pass is running and matches it when the pass ends "
            f"(then: tracker who-repeated {claim.slug})"
        )
        return
    echo(f"{len(answer.rows)} stored articles carry it (tracker who-repeated {claim.slug})")


@claims_app.command("list")
def claims_list(ctx: typer.Context, json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """List the claims with how many articles repeated and disputed them."""
    fmt = _format(json, as_csv)
    with _claims(ctx) as claims:
        rows = claims.list()
    _emit(
        fmt,
        rows,
        rows,
        [("slug", lambda c: c.slug), ("claim", lambda c: c.text[:70]),
         ("repeated by", lambda c: c.repeaters), ("disputed by", lambda c: c.disputers),
         ("corrections", lambda c: c.corrections), ("origin", lambda c: c.origin_url)],
        _flat_summary,
    )  # fmt: skip


@claims_app.command("show")
def claims_show(ctx: typer.Context, slug: SlugArg, json: JsonOpt = False) -> None:
    """One claim: its text, origin, corrections and who repeated it."""
    with _claims(ctx) as claims:
        detail = claims.show(slug)
    if json:
        print_json(detail)
        return
    claim = detail.claim
    echo(f"{claim.slug}: {claim.text}")
    echo(f"origin: {claim.origin_url or '-'}   registered {claim.created_at:%Y-%m-%d %H:%M}")
    print_table(
        detail.corrections,
        [("published", lambda c: c.published), ("kind", lambda c: c.kind),
         ("url", lambda c: c.url), ("text", lambda c: c.text[:60])],
        title="corrections",
    )  # fmt: skip
    repeat_table(detail.answer)


@claims_app.command("correct")
def claims_correct(
    ctx: typer.Context,
    slug: SlugArg,
    kind: Annotated[
        CorrectionKind, typer.Option("--kind", help="correction, rebuttal or retraction.")
    ],
    url: Annotated[str | None, typer.Option("--url", help="The correction's page.")] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="What it says (for one with no page).")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When it was published (ISO 8601; default now).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Register a correction; every article that mentions the claim is re-checked at once."""
    published = parse_moment(at) if at else None
    with _claims(ctx) as claims:
        registered = claims.correct(slug, kind, url=url, text=text or "", at=published)
    if json:
        print_json(registered)
        return
    what = registered.correction.url or registered.correction.text[:60]
    echo(f"registered {kind.value} of {slug}: {what}")
    echo(f"{registered.rechecks} articles that mention it will be re-checked at the next crawl")


@claims_app.command("suggestions")
def claims_suggestions(
    ctx: typer.Context,
    slug: SlugArg,
    accept: Annotated[
        int | None,
        typer.Option("--accept", help="Register suggestion N (as listed) as a correction."),
    ] = None,
    json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Corrections the crawl found for a claim (notices, denials); confirm one with --accept N."""
    fmt = _format(json, as_csv)
    with _claims(ctx) as claims:
        if accept is not None:
            registered = claims.accept(slug, accept)
            if json:
                print_json(registered)
            else:
                echo(f"registered suggestion {accept} as a {registered.correction.kind.value}")
                echo(f"{registered.rechecks} articles will be re-checked at the next crawl")
            return
        found = claims.suggestions(slug)
    numbered = list(enumerate(found, start=1))
    _emit(
        fmt,
        found,
        numbered,
        [("#", lambda n: n[0]), ("kind", lambda n: n[1].correction.kind),
         ("seen", lambda n: n[1].candidate.seen_at), ("outlet", lambda n: n[1].candidate.outlet),
         ("why", lambda n: n[1].reason), ("text", lambda n: n[1].candidate.text[:70]),
         ("url", lambda n: n[1].candidate.url)],
        _flat_suggestion,
        title=f"suggested corrections of {slug} (register one: --accept N)",
    )  # fmt: skip


# ---------------------------------------------------------------- questions


@app.command("who-repeated")
def who_repeated(
    ctx: typer.Context,
    claim: Annotated[str, typer.Argument(help="A claim's slug, or any statement as free text.")],
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    semantic: Annotated[
        bool,
        typer.Option(
            "--semantic",
            help="Free text: also score sentences by embedding similarity (MiniLM).",
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            help="Free text: read at most this many candidate versions, the best covered first"
            " (default: all of them; the answer says when the limit cut any).",
        ),
    ] = None,
    json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Who repeated a claim: outlet, article, first seen, stance, source, uptake and lag."""
    fmt = _format(json, as_csv)
    start, end = _window(since, until)
    with _claims(ctx, semantic=semantic) as claims:
        answer = claims.who_repeated(claim, since=start, until=end, outlet=outlet, limit=limit)
    if not answer.complete:  # on stderr whatever the format: a cut answer must not pass silently
        err(
            f"only the {limit} candidate versions that cover the text best were read;"
            " drop --limit (or register the claim: tracker claims add) for a complete answer"
        )
    if fmt == "table":
        if not answer.registered:
            err("not a registered claim: matched the text on the fly (no corrections known)")
        repeat_table(answer)
        return
    _emit(fmt, answer, answer.rows, (), _flat_repeat)


@app.command("uptake")
def uptake(
    ctx: typer.Context,
    slug: SlugArg,
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Per outlet: did it take up the corrections of a claim, how, and how late."""
    fmt = _format(json, as_csv)
    start, end = _window(since, until)
    with _claims(ctx) as claims:
        rows = claims.uptake(slug, since=start, until=end, outlet=outlet)
    _emit(
        fmt,
        rows,
        rows,
        [("outlet", lambda o: o.outlet), ("articles", lambda o: o.articles),
         ("first repeated", lambda o: o.first_repeated), ("stance", lambda o: o.stance),
         ("uptake", lambda o: o.uptake), ("picked up", lambda o: o.picked_up),
         ("lag", lambda o: _hours(o.lag_seconds)), ("late", lambda o: "late" if o.late else ""),
         ("last check", lambda o: o.checked_at)],
        _flat_outlet,
        title=f"uptake of the corrections of {slug}, per outlet",
    )  # fmt: skip


@app.command("timeline")
def timeline(
    ctx: typer.Context,
    slug: SlugArg,
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """A claim's life in time order: origin, repeats, corrections, uptakes."""
    fmt = _format(json, as_csv)
    start, end = _window(since, until)
    with _claims(ctx) as claims:
        events = claims.timeline(slug, since=start, until=end, outlet=outlet)
    _emit(
        fmt,
        events,
        events,
        [("when", lambda e: e.at), ("event", lambda e: e.event), ("outlet", lambda e: e.outlet),
         ("detail", lambda e: e.detail[:70]), ("url", lambda e: e.url)],
        _flat_event,
        title=f"timeline of {slug}",
    )  # fmt: skip


# ---------------------------------------------------------------- rendering


def repeat_table(answer: WhoRepeated, *, urls: bool = True) -> None:
    """Who repeated a claim, as a table (with the articles' URLs, or their titles)."""
    last: tuple[str, Callable[[Repeat], Any]] = (
        ("url", lambda r: r.url) if urls else ("title", lambda r: r.title[:40])
    )
    print_table(
        answer.rows,
        [("first seen", lambda r: r.first_seen), ("outlet", lambda r: r.outlet),
         ("stance", lambda r: r.stance if r.role != "origin" else f"{r.stance} (origin)"),
         ("match", lambda r: r.match),
         ("took it from", lambda r: r.source.describe()), ("uptake", lambda r: r.uptake),
         ("lag", lambda r: _hours(r.lag_seconds)), ("late", lambda r: "late" if r.late else ""),
         ("last check", lambda r: r.checked_at), last],
        title=f"who repeated {answer.slug}: {answer.text[:80]}",
    )  # fmt: skip


def _flat_summary(row: Any) -> Mapping[str, Any]:
    return {
        "slug": row.slug,
        "text": row.text,
        "origin_url": row.origin_url,
        "created_at": row.created_at,
        "repeaters": row.repeaters,
        "disputers": row.disputers,
        "corrections": row.corrections,
    }


def _flat_repeat(row: Repeat) -> Mapping[str, Any]:
    return {
        "outlet": row.outlet,
        "outlet_domain": row.outlet_domain,
        "url": row.url,
        "title": row.title,
        "role": row.role,
        "first_seen": row.first_seen,
        "stance": row.stance,
        "match": row.match,
        "source_kind": row.source.kind,
        "source_outlet": row.source.outlet,
        "source_url": row.source.url,
        "uptake": row.uptake,
        "uptake_at": row.uptake_at,
        "lag_seconds": row.lag_seconds,
        "late": row.late,
        "checked_at": row.checked_at,
        "state": row.state,
        "sentence": row.sentence,
        "evidence": row.evidence,
    }


def _flat_outlet(row: OutletUptake) -> Mapping[str, Any]:
    return {
        "outlet": row.outlet,
        "outlet_domain": row.outlet_domain,
        "articles": row.articles,
        "first_repeated": row.first_repeated,
        "stance": row.stance,
        "uptake": row.uptake,
        "picked_up": row.picked_up,
        "lag_seconds": row.lag_seconds,
        "late": row.late,
        "checked_at": row.checked_at,
    }


def _flat_event(row: TimelineEvent) -> Mapping[str, Any]:
    return {
        "at": row.at,
        "event": row.event,
        "outlet": row.outlet,
        "url": row.url,
        "detail": row.detail,
    }


def _flat_suggestion(item: tuple[int, Suggestion]) -> Mapping[str, Any]:
    number, suggestion = item
    return {
        "number": number,
        "kind": suggestion.correction.kind,
        "seen_at": suggestion.candidate.seen_at,
        "outlet": suggestion.candidate.outlet,
        "url": suggestion.candidate.url,
        "score": suggestion.score,
        "reason": suggestion.reason,
        "text": suggestion.candidate.text,
    }


# The header of an empty CSV answer: the columns its rows would have.
_CSV_HEADERS: dict[Callable[[Any], Mapping[str, Any]], Sequence[str]] = {
    _flat_summary: ("slug", "text", "origin_url", "created_at", "repeaters", "disputers",
                    "corrections"),
    _flat_repeat: ("outlet", "outlet_domain", "url", "title", "role", "first_seen", "stance",
                   "match", "source_kind", "source_outlet", "source_url", "uptake", "uptake_at",
                   "lag_seconds", "late", "checked_at", "state", "sentence", "evidence"),
    _flat_outlet: ("outlet", "outlet_domain", "articles", "first_repeated", "stance", "uptake",
                   "picked_up", "lag_seconds", "late", "checked_at"),
    _flat_event: ("at", "event", "outlet", "url", "detail"),
    _flat_suggestion: ("number", "kind", "seen_at", "outlet", "url", "score", "reason", "text"),
}  # fmt: skip
