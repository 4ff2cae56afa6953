"""The typer application: global options and the command groups of the foundation."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import tracker.api as api
from tracker.clock import Clock, ManualClock, SystemClock
from tracker.domain.kinds import FoundKind  # an option's type: typer needs it for --help
from tracker.errors import BadInput

from .render import echo, err, print_json, print_table, progress_bar, start

if TYPE_CHECKING:  # the API loads when a command runs, not for --help (tracker/api/__init__.py)
    from tracker.api import RunReport, Tracker
    from tracker.config import LoadedSettings, Settings
    from tracker.domain.crawl import ArticleInfo, FeedInfo, RunInfo

app = typer.Typer(
    name="tracker",
    help="Track who repeated a news claim, from whom, and who picked up the correction.",
    epilog=(
        "Settings, later winning: defaults, ~/.config/propagation-tracker/tracker.toml, "
        "--config FILE (or ./tracker.toml), TRACKER_* variables, flags; `tracker config` shows "
        "them. Data goes to stdout (tables tab-separated when it is not a terminal), messages to "
        "stderr; -o - writes to stdout. Bad input: one line on stderr and exit code 2."
    ),
    no_args_is_help=True,
    add_completion=True,  # `tracker --install-completion`, `--show-completion SHELL`
    pretty_exceptions_enable=False,
)
feeds_app = typer.Typer(
    help="Subscribe to feeds (RSS, Atom, JSON Feed, sitemaps, OPML lists).", no_args_is_help=True
)
outlets_app = typer.Typer(
    help="Name outlets and the aliases they are credited under; discover their feeds.",
    no_args_is_help=True,
)
articles_app = typer.Typer(help="Look at stored articles and their versions.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
app.add_typer(outlets_app, name="outlets")
app.add_typer(articles_app, name="articles")
app.add_typer(db_app, name="db")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True)
class AppState:
    """What the global options decided, handed to every command."""

    loaded: LoadedSettings  # the settings and where each came from

    @property
    def settings(self) -> Settings:
        """The effective settings."""
        return self.loaded.settings


def _state(ctx: typer.Context) -> AppState:
    state = ctx.find_root().obj
    assert isinstance(state, AppState)
    return state


def open_tracker(ctx: typer.Context, clock: Clock | None = None) -> Tracker:
    """The tracker for the configured database."""
    return api.Tracker(_state(ctx).settings, clock=clock)


def parse_duration(text: str) -> float:
    """'15m' -> 900.0; plain numbers are seconds. (Four units do not call for a dependency.)"""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise BadInput(f"not a duration: {text!r} (use e.g. 30s, 15m, 1h, 1d)")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wait(text: str) -> float:
    """A --wait value: a duration, or 0 for not waiting at all."""
    return 0.0 if text.strip() in ("0", "0s") else parse_duration(text)


WaitOpt = Annotated[
    str,
    typer.Option(
        "--wait",
        help="While a crawl pass holds the database, wait this long for it (30s, 10m; 0: not).",
    ),
]


def parse_moment(text: str) -> datetime:
    """An ISO 8601 time with a zone (a naive one is taken as UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"not an ISO 8601 time: {text!r}") from None
    return ManualClock(moment).now()


def _version(value: bool) -> None:
    """Print the version and stop (the --version option's callback)."""
    if value:
        from tracker.config import VERSION  # here: the settings code loads for a command only

        echo(f"tracker {VERSION}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="The project's settings file (default: $TRACKER_CONFIG, else ./tracker.toml); "
            "read after the user's ~/.config/propagation-tracker/tracker.toml.",
            dir_okay=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL or SQLite file path (its folder must exist).",
            envvar=None,
        ),
    ] = None,
    version: Annotated[
        bool,
        # Eager, so `tracker --version` alone answers before a command is asked for.
        typer.Option("--version", help="Print the version.", is_eager=True, callback=_version),
    ] = False,
) -> None:
    """Track who repeated a news claim, from whom, and who picked up the correction."""
    start()
    from tracker.config import load_traced  # not for --help: the settings load for a command

    overrides: dict[str, str] = {}
    if db:
        overrides["database_url"] = db if "://" in db else f"sqlite:///{Path(db).resolve()}"
    ctx.obj = AppState(load_traced(config, overrides=overrides, flags={"database_url": "--db"}))


# ---------------------------------------------------------------- feeds

FEED_COLUMNS = [
    ("url", lambda f: f.url),
    ("outlet", lambda f: f.outlet),
    ("state", lambda f: f.state),
    ("entries", lambda f: f.entry_count),
    ("last success", lambda f: f.last_success_at),
    ("errors", lambda f: f.consecutive_errors),
    ("next poll", lambda f: f.next_poll_at),
]


@feeds_app.command("add")
def feeds_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The feed's or sitemap's URL.")],
    outlet: Annotated[str | None, typer.Option(help="The outlet's display name.")] = None,
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Fetch it first and refuse non-feeds.")
    ] = True,
    rename: Annotated[
        bool, typer.Option("--rename", help="Rename the outlet if it already has another name.")
    ] = False,
) -> None:
    """Subscribe to a feed."""
    with open_tracker(ctx) as tracker:
        feed, new = tracker.add_feed(url, outlet=outlet, check=check, rename=rename)
    echo(f"{'added' if new else 'already subscribed'}: {feed.url} ({feed.outlet})")


@feeds_app.command("list")
def feeds_list(ctx: typer.Context, json: JsonOpt = False) -> None:
    """List subscribed feeds with their health."""
    with open_tracker(ctx) as tracker:
        feeds = tracker.feeds()
    if json:
        print_json(feeds)
    else:
        print_table(feeds, FEED_COLUMNS)


@feeds_app.command("remove")
def feeds_remove(ctx: typer.Context, url: Annotated[str, typer.Argument()]) -> None:
    """Unsubscribe from a feed (its articles stay)."""
    with open_tracker(ctx) as tracker:
        feed = tracker.remove_feed(url)
    echo(f"removed: {feed.url}")


@feeds_app.command("import")
def feeds_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An OPML file.", dir_okay=False)],
    json: JsonOpt = False,
) -> None:
    """Subscribe to every feed of an OPML file."""
    with open_tracker(ctx) as tracker:
        report = tracker.import_opml(file)
    if json:
        print_json(report)
        return
    echo(f"added {len(report.added)}, already subscribed {len(report.already)}")
    for url, reason in report.refused:
        err(f"refused {url}: {reason}")


@feeds_app.command("export")
def feeds_export(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Write exactly here ('-' or none: standard output); the folder must exist.",
        ),
    ] = None,
) -> None:
    """Write the subscriptions as OPML (to stdout by default)."""
    with open_tracker(ctx) as tracker:
        written = tracker.write_opml(output)
    if written is not None:
        err(f"wrote {written}")


# ---------------------------------------------------------------- outlets


@outlets_app.command("add")
def outlets_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help='Display name, e.g. "The Harbor Ledger".')],
    domain: Annotated[str, typer.Argument(help="Its domain or any URL of it.")],
    alias: Annotated[
        list[str] | None, typer.Option("--alias", "-a", help='Another name, e.g. "the Ledger".')
    ] = None,
) -> None:
    """Name an outlet and the aliases it is credited under."""
    with open_tracker(ctx) as tracker:
        outlet = tracker.add_outlet(name, domain, alias or [])
    echo(f"{outlet.name} ({outlet.domain}) aliases: {', '.join(outlet.aliases) or '-'}")


@outlets_app.command("list")
def outlets_list(ctx: typer.Context, json: JsonOpt = False) -> None:
    """List outlets."""
    with open_tracker(ctx) as tracker:
        outlets = tracker.outlets()
    if json:
        print_json(outlets)
    else:
        print_table(
            outlets,
            [
                ("name", lambda o: o.name),
                ("domain", lambda o: o.domain),
                ("aliases", lambda o: ", ".join(o.aliases)),
            ],
        )


@outlets_app.command("discover")
def outlets_discover(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The outlet's home page (or its domain).")],
    add: Annotated[
        bool, typer.Option("--add", help="Subscribe to what was found (each is checked first).")
    ] = False,
    kind: Annotated[
        list[FoundKind] | None,
        typer.Option("--kind", "-k", help="Only this kind (repeatable): rss, atom, json, sitemap."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """List the feeds a home page announces and the sitemaps its robots.txt lists."""
    with open_tracker(ctx) as tracker:
        discovery = tracker.discover(url)
        chosen = [found for found in discovery.found if not kind or found.kind in kind]
        report = tracker.subscribe(chosen) if add else None
    if json:
        print_json(
            {"url": discovery.url, "found": chosen, "problems": discovery.problems}
            | ({"subscribed": report} if report is not None else {})
        )
        return
    for problem in discovery.problems:
        err(f"could not read {problem}")
    if not chosen:
        err(f"nothing found at {discovery.url}")  # a note: stdout stays data only
    else:
        print_table(
            chosen,
            [
                ("kind", lambda f: f.kind),
                ("url", lambda f: f.url),
                ("title", lambda f: f.title),
                ("found in", lambda f: f.source),
            ],
        )
    if report is not None:
        echo(f"added {len(report.added)}, already subscribed {len(report.already)}")
        for found_url, reason in report.refused:
            err(f"refused {found_url}: {reason}")


# ---------------------------------------------------------------- crawling


def _report_line(report: RunReport) -> str:
    counts = ", ".join(f"{k}={v}" for k, v in report.counts.items()) or "nothing due"
    return f"run {report.run_id}: {counts}"


@app.command("crawl")
def crawl(
    ctx: typer.Context,
    every: Annotated[
        str | None,
        typer.Option(help="Keep crawling at this interval (30s, 15m, 1h) until stopped."),
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="Pretend it is this time (ISO 8601); for replays and tests.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Crawl once: due feeds, new articles, re-checks of stored ones."""
    clock: Clock = ManualClock(parse_moment(now)) if now else SystemClock()
    interval = parse_duration(every) if every else None
    with open_tracker(ctx, clock) as tracker, progress_bar() as progress:
        if interval is None:
            report = tracker.crawl(progress=progress)
            print_json(report) if json else echo(_report_line(report))
            return
        passes = tracker.crawl_every(
            interval, progress=progress, on_report=lambda _s, n, t: err(f"pass {n}: {t} items")
        )
    echo(f"stopped after {passes} passes")


def waiting_note(wait: str) -> Callable[[str], None]:
    """What to say, once, while a command waits for a running crawl pass."""
    return lambda holder: err(f"waiting up to {wait} for the running pass: {holder}")


@app.command("add")
def add(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(help="Article URLs that no feed lists.")],
    wait: WaitOpt = "10m",
    json: JsonOpt = False,
) -> None:
    """Fetch and store single articles.

    Exit code 0 when every URL was stored (or already was), 1 when only some were, 2 when none
    was; each URL not stored gets one line on stderr with the reason (refused, unreachable, not
    an article, ...).
    """
    seconds = parse_wait(wait)
    with open_tracker(ctx) as tracker, progress_bar() as progress:
        report = tracker.add_urls(urls, progress=progress, wait=seconds, on_wait=waiting_note(wait))
    if json:
        print_json(report)
    elif report.run is not None:
        echo(_report_line(report.run))
    for url, reason in report.failed:
        err(f"error: not stored: {url}: {reason}")
    if report.failed:
        raise typer.Exit(2 if not report.stored else 1)


@app.command("status")
def status(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Feed health and the counts of the last runs."""
    state = api.read_status(_state(ctx).settings)  # no Tracker: the ORM is not needed to read it
    if json:
        print_json(state)
        return
    echo(", ".join(f"{k}: {v}" for k, v in state.counts.items()))
    print_table(
        state.feeds,
        [
            ("outlet", lambda f: f.outlet or f.url),
            ("state", lambda f: f.state),
            ("entries", lambda f: f.entry_count),
            ("last success", lambda f: f.last_success_at),
            ("errors", lambda f: f.consecutive_errors),
            ("next poll", lambda f: f.next_poll_at),
            ("last error", _short),
        ],
        title="feeds",
    )
    print_table(
        state.runs,
        [
            ("run", lambda r: r.id),
            ("started", lambda r: r.started_at),
            ("status", lambda r: r.status),
            ("outcomes", _outcomes),
        ],
        title="last runs",
    )
    if state.alerts:
        print_table(
            state.alerts,
            [
                ("alert destination", lambda h: h.destination),
                ("state", lambda h: "DEAD" if h.dead else ("failing" if h.failing else "ok")),
                ("pending", lambda h: h.pending),
                ("sent", lambda h: h.sent),
                ("last sent", lambda h: h.last_sent_at),
                ("last error", lambda h: (h.last_error or "-")[:60]),
            ],
            title="alerts",
        )
    for dead in (h for h in state.alerts if h.dead):
        err(f"alert destination not answering: {dead.destination} ({dead.last_error})")


def _short(feed: FeedInfo) -> str:
    return (feed.last_error or "-")[:60]


def _outcomes(run: RunInfo) -> str:
    return ", ".join(f"{k}={v}" for k, v in run.counts.items()) or "-"


# ---------------------------------------------------------------- articles


def _published_day(article: ArticleInfo) -> str:
    """The day the outlet published on, in its own zone when the page stated one."""
    local = article.published_local
    return f"{local:%Y-%m-%d}" if local else ""


def _published_text(article: ArticleInfo) -> str:
    """The publication time at the page's own offset ("2020-02-17 21:18 -05:00")."""
    local = article.published_local
    if local is None:
        return ""
    if article.published_offset is None:
        return f"{local:%Y-%m-%d %H:%M} (zone not stated)"
    zone = f"{local:%z}"
    return f"{local:%Y-%m-%d %H:%M} {zone[:3]}:{zone[3:]}"


@articles_app.command("list")
def articles_list(ctx: typer.Context, json: JsonOpt = False) -> None:
    """List stored articles."""
    with open_tracker(ctx) as tracker:
        rows = tracker.articles()
    if json:
        print_json(rows)
    else:
        print_table(
            rows,
            [
                ("first seen", lambda a: a.first_seen),
                ("published", _published_day),
                ("outlet", lambda a: a.outlet),
                ("title", lambda a: a.title[:70]),
                ("versions", lambda a: a.version_count),
                ("state", lambda a: a.state),
                ("url", lambda a: a.url),
            ],
        )


@articles_app.command("show")
def articles_show(
    ctx: typer.Context, url: Annotated[str, typer.Argument()], json: JsonOpt = False
) -> None:
    """One article and every version of its text."""
    with open_tracker(ctx) as tracker:
        info, versions = tracker.article(url)
    if json:
        print_json({"article": info, "versions": versions})
        return
    published = f", published {_published_text(info)}" if info.published else ""
    echo(
        f"{info.title}\n{info.url}  ({info.outlet}, {info.state}, first seen {info.first_seen}"
        f"{published})"
    )
    for v in versions:
        echo(f"\n--- version {v.seq}, fetched {v.fetched_at:%Y-%m-%d %H:%M} ---")
        echo(v.text)
        for note in v.corrections:
            echo(f"[notice] {note}")


# ---------------------------------------------------------------- database


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Bring the schema to the newest revision."""
    revision = api.upgrade_database(_state(ctx).settings.database_url)
    echo(f"database at revision {revision}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision of the database."""
    current, head = api.database_revision(_state(ctx).settings.database_url)
    echo(f"{current or 'empty'} (code: {head})")
