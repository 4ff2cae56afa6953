"""Two crawls and readers on one database: the second crawl is refused, readers never fail."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tracker.api import Tracker
from tracker.errors import CrawlLocked, RetryableError
from tracker.store import Store, head_revision, make_engine, upgrade
from tracker.store.db import READ_ONLY
from tracker.store.lock import crawl_lock, lock_file_path
from tracker.testing.synthweb import SynthSpec, serve_synth

from .conftest import make_settings
from .support.httpserver import LocalServer, send

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = 6
PARAGRAPH = (
    "The council approved the new water budget after a long debate on Tuesday evening, "
    "and officials said the plan would be reviewed again next year by an independent panel."
)


def _cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(
        TRACKER_HTTP_ALLOW_PRIVATE="1",
        TRACKER_HTTP_PER_HOST_INTERVAL="0",
        TRACKER_CRAWL_EXTRACT_WORKERS="1",
        TRACKER_DATA_DIR=str(tmp_path),
    )
    return env


# The post-crawl stages (linking, claims) are left out of these crawls: they are not what is
# tested here, and on generated texts they take most of a pass's time.
_NO_STAGES = "import tracker.api; tracker.api.facade.default_stages = lambda settings: ()"


def _cli(database_url: str, *args: str) -> list[str]:
    code = (
        f"import sys; {_NO_STAGES}; from tracker.cli import main; sys.argv[0] = 'tracker'; main()"
    )
    return [sys.executable, "-c", code, "--db", database_url, *args]


def _page(n: int) -> bytes:
    return (
        f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
        f"<p>{PARAGRAPH} Story number {n}.</p><p>{PARAGRAPH}</p></article></body></html>"
    ).encode()


@pytest.fixture
def held_web() -> Iterator[tuple[LocalServer, threading.Event]]:
    """A feed that answers only once released, so a crawl can be caught in the middle."""
    release = threading.Event()

    def feed(request: BaseHTTPRequestHandler) -> None:
        release.wait(timeout=30)
        items = "".join(
            f"<item><title>Story {n}</title><link>{server.url(f'/a/{n}.html')}</link>"
            f"<guid>story-{n}</guid></item>"
            for n in range(ARTICLES)
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Held</title>{items}'
        send(request, 200, (body + "</channel></rss>").encode(), {"Content-Type": "text/xml"})

    with LocalServer() as server:
        server.route("/feed.xml", feed)
        for n in range(ARTICLES):
            server.route(
                f"/a/{n}.html",
                lambda request, n=n: send(request, 200, _page(n), {"Content-Type": "text/html"}),
            )
        yield server, release
        release.set()


def _wait_for(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


def _integrity(database_url: str) -> None:
    """Constraints hold: no duplicate natural keys, no dangling references."""
    engine = make_engine(database_url)
    duplicates = {
        "articles": "select url from articles group by url having count(*) > 1",
        "article_urls": "select url from article_urls group by url having count(*) > 1",
        "entries": (
            "select feed_id, entry_key from entries group by feed_id, entry_key having count(*) > 1"
        ),
        "versions": (
            "select article_id, seq from versions group by article_id, seq having count(*) > 1"
        ),
        "dangling": (
            "select e.id from entries e left join articles a on a.id = e.article_id "
            "where e.article_id is not null and a.id is null"
        ),
    }
    try:
        with engine.connect() as conn:
            for name, sql in duplicates.items():
                assert conn.execute(text(sql)).all() == [], name
            if engine.dialect.name == "sqlite":
                assert conn.execute(text("pragma integrity_check")).scalar() == "ok"
                assert conn.execute(text("pragma foreign_key_check")).all() == []
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the lock itself


def test_the_crawl_lock_is_exclusive_and_names_its_holder(database_url: str) -> None:
    engine = make_engine(database_url)
    other = make_engine(database_url)
    try:
        with crawl_lock(engine):
            with pytest.raises(CrawlLocked) as refused, crawl_lock(other):
                pass
            message = str(refused.value)
            assert f"pid {os.getpid()}" in message and "another crawl is running" in message
            assert "\n" not in message
            assert isinstance(refused.value, RetryableError)
        with crawl_lock(other):  # released at the end of the block
            pass
    finally:
        engine.dispose()
        other.dispose()


def test_the_sqlite_lock_file_lies_beside_the_database(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()  # a database's folder must exist
    engine = make_engine(f"sqlite:///{tmp_path / 'x' / 'tracker.db'}")
    assert lock_file_path(engine) == tmp_path / "x" / "tracker.db.crawl-lock"
    assert lock_file_path(make_engine("sqlite://")) is None
    with crawl_lock(make_engine("sqlite://")), crawl_lock(make_engine("sqlite://")):
        pass  # in-memory databases belong to one process: nothing to lock


_HOLDER = """
import sys, time
from tracker.store import make_engine
from tracker.store.lock import crawl_lock
with crawl_lock(make_engine(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_killed_holder_leaves_no_stale_lock(database_url: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, database_url], stdout=subprocess.PIPE, cwd=ROOT
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"held"
        engine = make_engine(database_url)
        with pytest.raises(CrawlLocked, match=f"pid {child.pid}"), crawl_lock(engine):
            pass
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        # The server notices a killed client's closed socket at once; allow it a moment.
        deadline = time.monotonic() + 10
        while True:
            try:
                with crawl_lock(engine):
                    break
            except CrawlLocked:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        engine.dispose()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


# ---------------------------------------------------------------- two crawls, one database


def test_a_second_crawl_exits_with_one_clear_line_while_the_first_finishes(
    database_url: str, tmp_path: Path, held_web: tuple[LocalServer, threading.Event]
) -> None:
    server, release = held_web
    env = _cli_env(tmp_path)
    with Tracker(make_settings(database_url, tmp_path)) as tracker:
        tracker.add_feed(server.url("/feed.xml"))
    first = subprocess.Popen(
        _cli(database_url, "crawl"),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: server.hits("/feed.xml") >= 1)  # the first holds the lock by now
        for args in (("crawl",), ("add", "--wait", "0", server.url("/a/0.html"))):
            second = subprocess.run(
                _cli(database_url, *args), cwd=tmp_path, env=env, capture_output=True, text=True
            )
            assert second.returncode == 2, second.stderr
            lines = [line for line in second.stderr.splitlines() if line.strip()]
            assert len(lines) == 1, second.stderr
            assert lines[0].startswith("error: another crawl is running on this database (pid ")
            assert f"pid {first.pid} " in lines[0] and "try again later" in lines[0]
        # Readers are not crawls: they go on while the crawl holds its lock.
        status = subprocess.run(
            _cli(database_url, "status", "--json"),
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
        assert status.returncode == 0 and "locked" not in status.stderr, status.stderr
        release.set()
        out, err = first.communicate(timeout=60)
        assert first.returncode == 0, err
        assert f"article_new={ARTICLES}" in out
    finally:
        release.set()
        if first.poll() is None:
            first.kill()
            first.wait()
    assert server.hits("/feed.xml") == 1  # the refused crawls fetched nothing
    assert all(server.hits(f"/a/{n}.html") == 1 for n in range(ARTICLES))
    _integrity(database_url)
    # Once the first has finished, the lock is free for the next crawl.
    engine = make_engine(database_url)
    with crawl_lock(engine):
        pass
    engine.dispose()


_CRAWLER = f"""
import sys
{_NO_STAGES}
from pathlib import Path
from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.testing.synthweb import resolver
from tests.conftest import START, make_settings
settings = make_settings(sys.argv[1], Path(sys.argv[2]))
with Tracker(settings, clock=ManualClock(START), resolver=resolver()) as tracker:
    for url in sys.argv[3:]:
        tracker.add_feed(url)
    tracker.crawl()
print("done", flush=True)
"""


def test_readers_never_see_a_locked_database_during_a_crawl(
    database_url: str, tmp_path: Path
) -> None:
    spec = SynthSpec(sites=8, feeds_per_site=1, articles_per_feed=8, paragraphs=3, latency=0.01)
    upgrade(make_engine(database_url))
    seen: set[tuple[int, int]] = set()  # (entries, articles) as each read found them
    with serve_synth(spec) as web:
        child = subprocess.Popen(
            [sys.executable, "-c", _CRAWLER, database_url, str(tmp_path), *web.feed_urls],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        reader = Tracker(make_settings(database_url, tmp_path), migrate=False)
        try:
            while child.poll() is None:
                counts = reader.status().counts
                reader.feeds()
                articles = reader.articles()
                seen.add((counts["entries"], len(articles)))
        finally:
            reader.close()
            _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err.decode()[-2000:]
    with Tracker(make_settings(database_url, tmp_path), migrate=False) as after:
        assert (after.status().counts["entries"], len(after.articles())) == (64, 64)
    # Some reads ran while the crawl was writing: entries stored, articles still to come.
    assert any(entries > 0 and articles < 64 for entries, articles in seen), sorted(seen)
    _integrity(database_url)


def test_a_reader_neither_waits_for_a_writer_nor_blocks_one(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    store = Store(engine)
    path = sqlite_url.removeprefix("sqlite:///")
    writer = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
        writer.execute(
            "insert into crawl_runs (started_at, status, counts) "
            "values ('2026-03-02', 'running', '{}')"
        )
        started = time.monotonic()
        assert store.counts()["feeds"] == 0 and store.recent_runs() == []
        # Queued behind the write lock it would wait the busy timeout (30 s); a loaded machine
        # may still take a second over these two reads.
        assert time.monotonic() - started < 3.0
        writer.execute("COMMIT")
        # And a reader in the middle of its transaction leaves the write lock free.
        with Session(engine.execution_options(**{READ_ONLY: True})) as session, session.begin():
            session.execute(text("select count(*) from feeds")).scalar()
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("COMMIT")
    finally:
        writer.close()
        engine.dispose()


_OPENER = """
import sys
from pathlib import Path
from tracker.api import Tracker
from tests.conftest import make_settings
with Tracker(make_settings(sys.argv[1], Path(sys.argv[2]))) as tracker:
    print(tracker.status().counts["feeds"], flush=True)
"""


def test_two_processes_opening_a_fresh_database_both_migrate_it(
    database_url: str, tmp_path: Path
) -> None:
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _OPENER, database_url, str(tmp_path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err[-2000:]
        assert out.strip() == "0"
    engine = make_engine(database_url)
    with engine.connect() as conn:
        versions = conn.execute(text("select version_num from alembic_version")).all()
    engine.dispose()
    assert [v for (v,) in versions] == [head_revision()]


def test_crawls_one_after_another_in_one_process_never_refuse_each_other(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        for _ in range(30):
            with crawl_lock(engine):
                pass
    finally:
        engine.dispose()


def test_the_daemon_holds_the_lock_only_during_a_pass(
    database_url: str, tmp_path: Path, held_web: tuple[LocalServer, threading.Event]
) -> None:
    server, release = held_web
    # A page no feed lists, for `add` between passes (a 404 would now exit 2).
    server.route(
        "/a/extra.html",
        lambda request: send(request, 200, _page(99), {"Content-Type": "text/html"}),
    )
    env = _cli_env(tmp_path)
    with Tracker(make_settings(database_url, tmp_path)) as tracker:
        tracker.add_feed(server.url("/feed.xml"))
    daemon = subprocess.Popen(
        _cli(database_url, "crawl", "--every", "1h"),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _cli(database_url, *args), cwd=tmp_path, env=env, capture_output=True, text=True
        )

    claim = ("claims", "add", "water-budget", "The council approved the new water budget.")
    try:
        _wait_for(lambda: server.hits("/feed.xml") >= 1)  # the first pass is running
        during = cli(*claim)
        assert during.returncode == 0, during.stderr
        assert "matching deferred: a crawl pass is running" in during.stderr  # a note
        assert "0 stored articles carry it" not in during.stdout
        refused = cli("add", "--wait", "0", server.url("/a/0.html"))
        assert refused.returncode == 2 and "another crawl is running" in refused.stderr
        assert re.search(r"\(pid \d+ since \d\d:\d\d:\d\d UTC on ", refused.stderr)
        release.set()
        engine = make_engine(database_url)
        store = Store(engine)
        _wait_for(lambda: [r.status for r in store.recent_runs(1)] == ["finished"], 60)
        engine.dispose()
        # Between passes (the daemon sleeps for an hour) every command works.
        added = cli("add", server.url("/a/extra.html"))
        assert added.returncode == 0, added.stderr
        linked = cli("link")
        assert linked.returncode == 0, linked.stderr
        again = cli("claims", "add", "water-plan", "The plan would be reviewed again next year.")
        assert again.returncode == 0, again.stderr
        assert "stored articles carry it" in again.stdout and "deferred" not in again.stdout
        assert daemon.poll() is None  # still running, asleep
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=60)
        assert daemon.returncode == 0, err
    finally:
        release.set()
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def test_add_and_link_wait_for_a_running_pass_and_give_up_after_their_limit(
    database_url: str, tmp_path: Path, held_web: tuple[LocalServer, threading.Event]
) -> None:
    server, release = held_web
    env = _cli_env(tmp_path)
    with Tracker(make_settings(database_url, tmp_path)) as tracker:
        tracker.add_feed(server.url("/feed.xml"))
    first = subprocess.Popen(
        _cli(database_url, "crawl"), cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _cli(database_url, *args), cwd=tmp_path, env=env, capture_output=True, text=True
        )

    try:
        _wait_for(lambda: server.hits("/feed.xml") >= 1)  # the pass holds the lock
        started = time.monotonic()
        gave_up = cli("add", "--wait", "2s", server.url("/a/extra.html"))
        assert gave_up.returncode == 2 and time.monotonic() - started >= 1.5
        assert (
            f"waiting up to 2s for the running pass: another crawl is running on this "
            f"database (pid {first.pid} " in gave_up.stderr
        )
        assert gave_up.stderr.strip().splitlines()[-1].startswith("error: another crawl is")
        waiters = [
            subprocess.Popen(
                _cli(database_url, *args),
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in (
                ("add", "--wait", "60s", server.url("/a/0.html")),
                ("link", "--wait", "60s"),
            )
        ]
        for waiter in waiters:  # each says once that it waits, then waits
            assert waiter.stderr is not None
            assert "waiting up to 60s for the running pass" in waiter.stderr.readline()
        release.set()
        for waiter in waiters:
            _, waited_err = waiter.communicate(timeout=60)
            assert waiter.returncode == 0, waited_err
        assert first.wait(timeout=60) == 0
    finally:
        release.set()
        if first.poll() is None:
            first.kill()
            first.wait()
