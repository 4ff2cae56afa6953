"""`tracker demo`: serve the demo web, crawl it through its week, summarise what was found."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from tracker.api import Tracker
from tracker.api.claims import Claims
from tracker.clock import ManualClock
from tracker.config import Settings, load_settings
from tracker.demo.claims import answers, register_claims, register_corrections_due
from tracker.demo.corpus import Corpus, load_corpus
from tracker.demo.web import demo_resolver, serve_demo
from tracker.domain.crawl import ArticleInfo
from tracker.export.output import named_path
from tracker.pipeline.crawl import RunReport
from tracker.queries.claims import WhoRepeated
from tracker.queries.links import Take, takes

__all__ = ["DemoSummary", "crawl_demo_week", "demo_database", "demo_settings"]

# The demo crawls every six hours of story time, and two days past the story's end so that the
# 7-day re-checks of the later repeats happen too.
STEP_HOURS = 6.0
TAIL_HOURS = 72.0


@dataclass(frozen=True, slots=True)
class OutletRow:
    """What the demo found for one outlet."""

    outlet: str
    articles: int
    versions: int
    taken_down: int


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo crawl stored."""

    database: Path
    passes: int
    outcomes: int
    articles: int
    versions: int
    taken_down: int
    outlets: tuple[OutletRow, ...]
    edited: tuple[ArticleInfo, ...]
    counts: dict[str, int]
    takes: tuple[Take, ...] = ()  # who took the story from whom (primary provenance edges)
    claims: tuple[WhoRepeated, ...] = ()  # who repeated each claim, stance, uptake, lag, late


def demo_database(output: Path | None, data_dir: Path) -> Path:
    """The demo's database file: exactly `output` (its folder must exist), or demo.db in the
    data folder (made if missing)."""
    if output is not None:
        return named_path(output)
    data_dir.mkdir(parents=True, exist_ok=True)
    return (data_dir / "demo.db").resolve()


def demo_settings(
    database: Path, base: Settings | None = None, *, database_url: str | None = None
) -> Settings:
    """Settings for the local demo: loopback allowed (the web is on 127.0.0.1), no delays."""
    settings = base or load_settings(environ={})
    return replace(
        settings,
        database_url=database_url or f"sqlite:///{database}",
        data_dir=str(database.parent),
        http=replace(settings.http, allow_private=True, per_host_interval=0.0),
    )


def crawl_demo_week(
    database: Path,
    *,
    corpus: Corpus | None = None,
    settings: Settings | None = None,
    on_pass: Callable[[float, RunReport], None] | None = None,
    corrections: bool = True,
    database_url: str | None = None,
    crawl_pass: Callable[[Tracker], Mapping[str, int]] | None = None,
) -> DemoSummary:
    """Crawl the demo web from the story's start to its end into a fresh SQLite file.

    The story's claims are registered before the first pass and, with `corrections`, each
    correction at its hour, as a user would after reading it. `database_url` stores into
    another (empty) database instead; `crawl_pass` replaces `Tracker.crawl` for each pass
    (queue workers do the passes that way) and returns its outcome counts.
    """
    corpus = corpus or load_corpus()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    clock = ManualClock(corpus.start)
    totals: dict[str, int] = {}
    passes = 0
    with serve_demo(clock, corpus) as web:
        config = demo_settings(database, settings, database_url=database_url)
        with Tracker(config, clock=clock, resolver=demo_resolver(corpus)) as tracker:
            for outlet in corpus.outlets:
                tracker.add_outlet(outlet.name, outlet.host, outlet.aliases)
                tracker.add_feed(web.feed_url(outlet), outlet=outlet.name)
            claims = Claims(tracker.store, clock)
            register_claims(claims, corpus, web)
            hours, previous = 0.0, corpus.start - timedelta(hours=1)
            while hours <= corpus_hours(corpus) + TAIL_HOURS:
                moment = corpus.start + timedelta(hours=hours)
                if corrections:
                    register_corrections_due(claims, corpus, web, clock, previous, moment)
                clock.set(moment)
                previous = moment
                if crawl_pass is None:
                    report = tracker.crawl()
                    counts: Mapping[str, int] = report.counts
                    if on_pass:
                        on_pass(hours, report)
                else:
                    counts = crawl_pass(tracker)
                passes += 1
                for key, value in counts.items():
                    totals[key] = totals.get(key, 0) + value
                hours += STEP_HOURS
            summary = _summarise(tracker, database, passes, totals)
            return replace(summary, claims=answers(claims, corpus))


def corpus_hours(corpus: Corpus) -> float:
    """How many hours the story lasts."""
    return (corpus.end - corpus.start).total_seconds() / 3600


def _summarise(
    tracker: Tracker, database: Path, passes: int, totals: dict[str, int]
) -> DemoSummary:
    articles = tracker.articles()
    by_outlet: dict[str, list[ArticleInfo]] = {}
    for article in articles:
        by_outlet.setdefault(article.outlet or "?", []).append(article)
    rows = tuple(
        OutletRow(
            outlet=name,
            articles=len(items),
            versions=sum(a.version_count for a in items),
            taken_down=sum(a.state == "taken_down" for a in items),
        )
        for name, items in sorted(by_outlet.items())
    )
    return DemoSummary(
        database=database,
        passes=passes,
        outcomes=sum(totals.values()),
        articles=len(articles),
        versions=sum(a.version_count for a in articles),
        taken_down=sum(a.state == "taken_down" for a in articles),
        outlets=rows,
        edited=tuple(a for a in articles if a.version_count > 1),
        counts=dict(sorted(totals.items())),
        takes=takes(tracker.store),
    )
