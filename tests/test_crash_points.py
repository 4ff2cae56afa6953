"""SIGKILL at ten seeded points of a pass over 200 feeds; a restart ends as one clean pass did.

One generated web of 200 feeds is served for the whole module and one uninterrupted pass over
it is the reference. Each case starts a pass in a child process, kills it with SIGKILL once a
seeded number of rows is committed, then runs a pass here and compares: the same rows as the
reference, an intact database, no duplicate URLs, no work left in a non-terminal state.

The post-crawl stages (linking, claims) are left out: they are resumable on their own, and on
this generated web, whose texts share one small vocabulary, linking alone takes about a minute.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.errors import CrawlLocked
from tracker.pipeline.crawl import RunReport
from tracker.store import make_engine, upgrade
from tracker.testing.synthweb import SynthSpec, SynthWeb, resolver, serve_synth

from .conftest import START, make_settings
from .support.rows import table_rows

SPEC = SynthSpec(sites=50, feeds_per_site=4, articles_per_feed=1, paragraphs=2)
FEEDS = 200
ROOT = Path(__file__).resolve().parents[1]
SEED = 20260302


_CHILD = """
import sys
from datetime import datetime
from pathlib import Path

import tracker.api
from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.testing.synthweb import resolver
from tests.conftest import make_settings

tracker.api.facade.default_stages = lambda settings: ()  # the crawl pass only (see the docstring)
database_url, folder, moment = sys.argv[1:]
settings = make_settings(database_url, Path(folder))
clock = ManualClock(datetime.fromisoformat(moment))
with Tracker(settings, clock=clock, resolver=resolver(), migrate=False) as crawler:
    crawler.crawl()
"""


@pytest.fixture(scope="module", autouse=True)
def _no_stages() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tracker.api.facade.default_stages", lambda settings: ())
        yield


def _kill_points() -> list[tuple[str, int]]:
    """Ten (table, committed rows) points, drawn from a fixed seed across the pass's stages."""
    rng = random.Random(SEED)
    points: set[tuple[str, int]] = {("crawl_runs", 1)}  # right after the run is opened
    while len(points) < 10:
        table = rng.choice(["entries", "articles"])
        points.add((table, rng.randint(1, 150 if table == "articles" else 190)))
    return sorted(points)


POINTS = _kill_points()


@pytest.fixture(scope="module")
def web(_no_stages: None) -> Iterator[SynthWeb]:
    with serve_synth(SPEC) as served:
        assert len(served.feed_urls) == FEEDS
        yield served


@pytest.fixture(scope="module")
def reference(
    web: SynthWeb, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[tuple[Any, ...]]]:
    folder = tmp_path_factory.mktemp("reference")
    url = f"sqlite:///{folder / 'clean.db'}"
    with Tracker(make_settings(url, folder), clock=ManualClock(START), resolver=resolver()) as t:
        for feed in web.feed_urls:
            t.add_feed(feed)
        report = t.crawl()
        rows = table_rows(t.engine)
    assert report.counts.get("article_new") == FEEDS, report.counts
    return rows


def _counter(database_url: str) -> tuple[Callable[[str], int], Callable[[], None]]:
    """Count committed rows without taking any lock the crawl could wait on."""
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)

        def count_sqlite(table: str) -> int:
            return int(conn.execute(f"select count(*) from {table}").fetchone()[0])

        return count_sqlite, conn.close
    engine = make_engine(database_url)

    def count_postgres(table: str) -> int:
        with engine.connect() as c:
            return int(c.execute(text(f"select count(*) from {table}")).scalar_one())

    return count_postgres, engine.dispose


def _crawl_and_kill(database_url: str, folder: Path, table: str, at: int) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, database_url, str(folder), START.isoformat()],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    count, close = _counter(database_url)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            if count(table) >= at:
                break
            time.sleep(0.005)
        assert child.poll() is None, f"the pass ended before the kill: {child.stderr.read()!r}"
        child.send_signal(signal.SIGKILL)
    finally:
        close()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def _crawl(tracker: Tracker) -> RunReport:
    # A killed holder's PostgreSQL session ends a moment after its socket closes.
    deadline = time.monotonic() + 15
    while True:
        try:
            return tracker.crawl()
        except CrawlLocked:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _check_database(tracker: Tracker) -> None:
    checks = {
        "duplicate article URLs": "select url from articles group by url having count(*) > 1",
        "duplicate aliases": "select url from article_urls group by url having count(*) > 1",
        "duplicate entries": (
            "select feed_id, entry_key from entries group by feed_id, entry_key having count(*) > 1"
        ),
        "articles without a version": (
            "select a.id from articles a left join versions v on v.article_id = a.id "
            "where v.id is null"
        ),
        "entries left pending": "select url from entries where state <> 'done'",
        "runs left running": "select id from crawl_runs where status = 'running'",
    }
    with tracker.engine.connect() as conn:
        for name, sql in checks.items():
            assert conn.execute(text(sql)).all() == [], name
        if tracker.engine.dialect.name == "sqlite":
            assert conn.execute(text("pragma integrity_check")).scalar() == "ok"
            assert conn.execute(text("pragma foreign_key_check")).all() == []


def _prepared(database_url: str, folder: Path, feeds: tuple[str, ...]) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    settings = make_settings(database_url, folder)
    with Tracker(settings, clock=ManualClock(START), migrate=False) as tracker:
        for feed in feeds:
            tracker.add_feed(feed)


def _run_case(
    database_url: str,
    folder: Path,
    web: SynthWeb,
    reference: dict[str, list[tuple[Any, ...]]],
    table: str,
    at: int,
) -> None:
    _prepared(database_url, folder, web.feed_urls)
    _crawl_and_kill(database_url, folder, table, at)
    settings = make_settings(database_url, folder)
    with Tracker(settings, clock=ManualClock(START), resolver=resolver()) as tracker:
        assert len(table_rows(tracker.engine)["articles"]) < FEEDS
        report = _crawl(tracker)
        assert table_rows(tracker.engine) == reference, report.counts
        _check_database(tracker)
        runs = tracker.status(runs=3).runs
        assert [r.status for r in runs[:2]] == ["finished", "interrupted"]


@pytest.mark.slow
@pytest.mark.parametrize(("table", "at"), POINTS, ids=[f"{t}-{n}" for t, n in POINTS])
def test_sqlite_kill_at_a_seeded_point_then_restart(
    tmp_path: Path,
    web: SynthWeb,
    reference: dict[str, list[tuple[Any, ...]]],
    table: str,
    at: int,
) -> None:
    _run_case(f"sqlite:///{tmp_path / 'tracker.db'}", tmp_path, web, reference, table, at)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize(("table", "at"), POINTS[::4], ids=[f"{t}-{n}" for t, n in POINTS[::4]])
def test_postgres_kill_at_a_seeded_point_then_restart(
    tmp_path: Path,
    web: SynthWeb,
    reference: dict[str, list[tuple[Any, ...]]],
    postgres_server: str,
    table: str,
    at: int,
) -> None:
    from .conftest import fresh_postgres_database

    for url in fresh_postgres_database(postgres_server):
        _run_case(url, tmp_path, web, reference, table, at)
