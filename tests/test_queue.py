"""Workers on the job queue (PostgreSQL): the same result as `tracker crawl`, nothing lost."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import fresh_postgres_database, make_settings
from tests.support.cli_run import run_cli
from tracker.api import Tracker
from tracker.config import QueueSettings, Settings
from tracker.demo.corpus import load_corpus
from tracker.demo.run import crawl_demo_week
from tracker.demo.web import demo_resolver
from tracker.errors import BadInput
from tracker.queue import JobKind, queue_counts, run_worker, run_worker_async, sweep_once
from tracker.queue.jobs import retry_delay
from tracker.store.queue_repo import QuarantineStore
from tracker.testing.synthweb import SynthSpec, resolver, serve_synth

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.postgres

# Fast failure detection for tests: a silent worker's job is handed out after 2 s.
FAST_QUEUE = QueueSettings(
    concurrency=8, max_attempts=3, retry_base=0.0, heartbeat_interval=0.5, stalled_after=2.0
)


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database."""
    yield from fresh_postgres_database(postgres_server)


@pytest.fixture
def second_pg_url(postgres_server: str) -> Iterator[str]:
    """Another fresh, empty PostgreSQL database."""
    yield from fresh_postgres_database(postgres_server)


def _snapshot(url: str) -> dict[str, Any]:
    """What a crawl stored, without ids and times that differ between two runs."""
    engine = create_engine(url)
    queries = {
        "articles": "select url, state from articles order by url",
        "versions": "select a.url, v.seq, v.content_hash from versions v"
        " join articles a on a.id = v.article_id order by a.url, v.seq",
        "entries": "select canonical_url, state, count(*) from entries"
        " group by canonical_url, state order by 1, 2",
        "edges": "select s.url, t.url, e.kind from edges e join articles s on s.id = e.source_id"
        " join articles t on t.id = e.target_id order by 1, 2, 3",
        "mentions": "select distinct a.url, c.slug, m.stance from mentions m"
        " join versions v on v.id = m.version_id join articles a on a.id = v.article_id"
        " join claims c on c.id = m.claim_id order by 1, 2, 3",
        "uptakes": "select a.url, c.slug, u.kind from uptakes u join articles a"
        " on a.id = u.article_id join claims c on c.id = u.claim_id order by 1, 2",
    }
    with engine.connect() as conn:
        out = {
            name: sorted(tuple(_portless(v) for v in row) for row in conn.execute(text(sql)))
            for name, sql in queries.items()
        }
    engine.dispose()
    return out


def _portless(value: Any) -> Any:
    """A URL without its port: each crawl serves the web on another free port."""
    return re.sub(r"(\.test):\d+", r"\1", value) if isinstance(value, str) else value


def test_retries_back_off_and_stop() -> None:
    delays = [retry_delay(n, 10.0, 5) for n in range(6)]
    assert delays == [10.0, 20.0, 40.0, 80.0, None, None]


def test_workers_refuse_sqlite(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 't.db'}", tmp_path)
    with Tracker(settings) as tracker, pytest.raises(BadInput, match="PostgreSQL"):
        run_worker(tracker, until_idle=True)


@pytest.mark.slow
def test_two_workers_crawl_the_demo_web_like_one_crawl(
    tmp_path: Path, pg_url: str, second_pg_url: str
) -> None:
    corpus = load_corpus()
    fast = replace(Settings(), queue=FAST_QUEUE)
    crawl_demo_week(tmp_path / "one.db", corpus=corpus, settings=fast, database_url=pg_url)
    jobs: dict[str, int] = {}

    def two_workers(tracker: Tracker) -> Mapping[str, int]:
        sweep_once(tracker)
        with Tracker(
            tracker.settings, clock=tracker.clock, resolver=demo_resolver(corpus)
        ) as other:

            async def both() -> list[Any]:
                return await asyncio.gather(
                    run_worker_async(tracker, name="worker-a", until_idle=True),
                    run_worker_async(other, name="worker-b", until_idle=True),
                )

            reports = asyncio.run(both())
        counts: dict[str, int] = {}
        for report in reports:
            for kind, n in report.jobs.items():
                jobs[f"{report.name}:{kind}"] = jobs.get(f"{report.name}:{kind}", 0) + n
            for key, n in report.counts.items():
                counts[key] = counts.get(key, 0) + n
        return counts

    summary = crawl_demo_week(
        tmp_path / "two.db",
        corpus=corpus,
        settings=fast,
        database_url=second_pg_url,
        crawl_pass=two_workers,
    )
    one, two = _snapshot(pg_url), _snapshot(second_pg_url)
    for table in one:
        assert two[table] == one[table], table
    assert summary.articles == len(one["articles"]) > 20
    # Both workers took part: each ran fetches of its own.
    assert jobs.get("worker-a:fetch_article", 0) > 0 and jobs.get("worker-b:fetch_article", 0) > 0
    with Tracker(replace(fast, database_url=second_pg_url)) as tracker:
        assert queue_counts(tracker).active == 0
        assert QuarantineStore(tracker.engine).list() == []


_KILLABLE_WORKER = """
import sys
from dataclasses import replace
from tests.conftest import make_settings
from tests.test_queue import FAST_QUEUE
from pathlib import Path
from tracker.api import Tracker
from tracker.queue import run_worker
from tracker.testing.synthweb import resolver
settings = replace(make_settings(sys.argv[1], Path(sys.argv[2])), queue=FAST_QUEUE)
with Tracker(settings, resolver=resolver()) as tracker:
    run_worker(tracker, name="doomed", concurrency=1, until_idle=True)
"""


def _doing(url: str) -> list[tuple[int, str, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("select id, task_name, args->>'key' from procrastinate_jobs where status='doing'")
        ).all()
    engine.dispose()
    return [(int(i), str(k), str(a)) for i, k, a in rows]


@pytest.mark.slow
def test_a_killed_workers_job_completes_on_another_worker(
    tmp_path: Path, pg_url: str, second_pg_url: str
) -> None:
    spec = SynthSpec(sites=2, articles_per_feed=3, latency=0.6)
    with serve_synth(spec) as web:
        # The truth: one crawl of the same web.
        reference = make_settings(second_pg_url, tmp_path / "ref")
        with Tracker(reference, resolver=resolver()) as tracker:
            for url in web.feed_urls:
                tracker.add_feed(url)
            tracker.crawl()
        settings = replace(make_settings(pg_url, tmp_path), queue=FAST_QUEUE)
        with Tracker(settings, resolver=resolver()) as tracker:
            for url in web.feed_urls:
                tracker.add_feed(url)
            sweep_once(tracker)
            child = subprocess.Popen(
                [sys.executable, "-c", _KILLABLE_WORKER, pg_url, str(tmp_path)],
                cwd=ROOT,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                deadline, killed = time.monotonic() + 60, None
                while time.monotonic() < deadline and killed is None:
                    doing = [job for job in _doing(pg_url) if job[1] == "fetch_article"]
                    if doing:
                        time.sleep(0.2)  # inside the page's 0.6 s answer
                        os.kill(child.pid, signal.SIGKILL)
                        killed = doing[0]
                    time.sleep(0.05)
                assert killed is not None, "the worker never started an article"
                child.wait(timeout=10)
            finally:
                if child.poll() is None:
                    child.kill()
            assert child.returncode == -signal.SIGKILL
            assert _doing(pg_url), "the killed job is left running"
            report = run_worker(tracker, name="survivor", until_idle=True)
            assert report.jobs.get(JobKind.FETCH_ARTICLE.value, 0) >= 1
            assert _doing(pg_url) == []
            assert queue_counts(tracker).active == 0
            assert QuarantineStore(tracker.engine).list() == []
            # The killed job's article is stored, once.
            assert tracker.store.article_for_url(killed[2]) is not None
    ours, theirs = _snapshot(pg_url), _snapshot(second_pg_url)
    assert ours["articles"] == theirs["articles"] and len(ours["articles"]) == 6
    assert ours["versions"] == theirs["versions"]
    assert ours["entries"] == theirs["entries"]


def test_a_poison_item_is_quarantined_with_its_reason_not_retried_forever(
    tmp_path: Path, pg_url: str
) -> None:
    settings = replace(make_settings(pg_url, tmp_path), queue=FAST_QUEUE)
    with Tracker(settings, resolver=resolver()) as tracker:
        # A feed job for a feed id that is not a number cannot run, however often it is tried.
        async def poison() -> None:
            from tracker.queue._procrastinate import JobQueue

            queue = JobQueue(settings.database_url, settings.queue)
            async with queue.open():
                assert await queue.defer(JobKind.POLL_FEED, "not-a-feed-id")
                assert not await queue.defer(JobKind.POLL_FEED, "not-a-feed-id")  # once queued
            report = await run_worker_async(tracker, name="w", until_idle=True)
            # Tried max_attempts times (retried in between), then counted as quarantined.
            assert report.jobs == {"poll_feed": FAST_QUEUE.max_attempts}
            assert report.counts["job_retried"] == FAST_QUEUE.max_attempts - 1
            assert report.counts["job_quarantined"] == 1

        asyncio.run(poison())
        held = QuarantineStore(tracker.engine).list()
        assert [(q.kind, q.item, q.attempts) for q in held] == [
            ("poll_feed", "not-a-feed-id", FAST_QUEUE.max_attempts)
        ]
        assert "ValueError" in held[0].reason
        assert queue_counts(tracker).active == 0
        # Released, the item is queued again by the next sweep of due work... if it is due.
        assert QuarantineStore(tracker.engine).release("poll_feed", "not-a-feed-id")
        assert QuarantineStore(tracker.engine).list() == []


def test_host_politeness_holds_across_workers(tmp_path: Path, pg_url: str) -> None:
    interval = 0.3
    spec = SynthSpec(sites=1, articles_per_feed=8, latency=0.05)
    base = make_settings(pg_url, tmp_path)
    settings = replace(base, http=replace(base.http, per_host_interval=interval), queue=FAST_QUEUE)
    with serve_synth(spec) as web:
        with (
            Tracker(settings, resolver=resolver()) as one,
            Tracker(settings, resolver=resolver()) as two,
        ):
            one.add_feed(web.feed_urls[0])
            sweep_once(one)

            async def both() -> list[Any]:
                return await asyncio.gather(
                    run_worker_async(one, name="a", until_idle=True),
                    run_worker_async(two, name="b", until_idle=True),
                )

            reports = asyncio.run(both())
            assert len(one.articles()) == 8
        starts = sorted(at for host, at in web.log() if host.endswith(".test"))
    assert all(r.jobs.get("fetch_article", 0) > 0 for r in reports), reports
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # Each worker has its own fetcher: only the shared turns keep them apart (unshared, the
    # gaps were 0.13 s). The margin absorbs scheduling jitter on a loaded machine.
    assert len(starts) >= 9 and min(gaps) >= interval - 0.1, gaps


def test_the_queue_commands(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_HTTP_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRACKER_QUEUE_HEARTBEAT_INTERVAL", "0.5")
    with serve_synth(SynthSpec(sites=1, articles_per_feed=2)) as web:
        code, _, err = run_cli(
            ["--db", pg_url, "feeds", "add", "--no-check", web.feed_urls[0]], capsys
        )
        assert code == 0, err
        code, out, err = run_cli(["--db", pg_url, "schedule", "--json"], capsys)
        assert code == 0, err
        assert json.loads(out)["feeds"] == 1
        code, out, _ = run_cli(["--db", pg_url, "jobs", "--json"], capsys)
        assert json.loads(out)["by_kind"]["poll_feed"] == {"todo": 1}
        # The feed's host is not *.test-resolvable here: the worker records the failure and
        # goes on; nothing is retried forever.
        code, out, err = run_cli(["--db", pg_url, "worker", "--until-idle", "--json"], capsys)
        assert code == 0, err
        assert json.loads(out)["jobs"]["poll_feed"] == 1
        code, out, _ = run_cli(["--db", pg_url, "quarantine", "list", "--json"], capsys)
        assert json.loads(out) == []
    code, _, err = run_cli(["--db", pg_url, "quarantine", "release", "poll_feed", "9"], capsys)
    assert code == 2 and err.startswith("error: not quarantined")
    sqlite = str(tmp_path / "local.db")
    for args in (["worker"], ["schedule"], ["jobs"]):
        code, _, err = run_cli(["--db", sqlite, *args], capsys)
        assert code == 2 and "PostgreSQL" in err and "Traceback" not in err, err
    for args in (["worker"], ["schedule"], ["jobs"], ["quarantine"]):
        code, out, _ = run_cli([*args, "--help"], capsys)
        assert code == 0 and "Usage" in out
