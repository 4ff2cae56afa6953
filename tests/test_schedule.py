"""Schedules: transient failures back off and never disable a feed; --every stops on signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from tracker.api import Tracker
from tracker.clock import ManualClock

from .conftest import make_settings
from .support.httpserver import LocalServer, reply

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>
<item><title>One</title><link>http://127.0.0.1/one</link></item></channel></rss>"""


def test_transient_failures_back_off_exponentially_and_never_disable(
    sqlite_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with LocalServer() as server:
        server.route("/feed.xml", reply(503, b"busy"))
        settings = make_settings(sqlite_url, tmp_path)
        with Tracker(settings, clock=clock) as tracker:
            tracker.add_feed(server.url("/feed.xml"))
            delays = []
            for _ in range(5):
                report = tracker.crawl()
                assert report.counts == {"feed_error": 1}
                feed = tracker.feeds()[0]
                delays.append((feed.next_poll_at - clock.now()).total_seconds())
                clock.set(feed.next_poll_at)
            assert feed.state == "active" and feed.consecutive_errors == 5
            base = settings.crawl.backoff_base
            assert delays == [base * 2**n for n in range(5)]
            # Recovery resets the count and the normal interval applies again.
            server.route("/feed.xml", reply(200, RSS, {"Content-Type": "application/rss+xml"}))
            assert tracker.crawl().counts["feed_updated"] == 1
            feed = tracker.feeds()[0]
            assert feed.consecutive_errors == 0 and feed.error_count == 5
            assert feed.next_poll_at == clock.now() + timedelta(
                seconds=settings.crawl.feed_interval
            )


def test_retry_after_sets_the_next_poll(
    sqlite_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with LocalServer() as server:
        server.route("/feed.xml", reply(429, b"", {"Retry-After": "7200"}))
        with Tracker(make_settings(sqlite_url, tmp_path), clock=clock) as tracker:
            tracker.add_feed(server.url("/feed.xml"))
            tracker.crawl()
            feed = tracker.feeds()[0]
            assert feed.next_poll_at == clock.now() + timedelta(seconds=7200)
            assert feed.last_status == 429


def test_a_gone_feed_stops(sqlite_url: str, tmp_path: Path, clock: ManualClock) -> None:
    with LocalServer() as server:
        server.route("/feed.xml", reply(410, b"gone"))
        with Tracker(make_settings(sqlite_url, tmp_path), clock=clock) as tracker:
            tracker.add_feed(server.url("/feed.xml"))
            assert tracker.crawl().counts == {"feed_gone": 1}
            clock.advance(timedelta(days=30))
            assert tracker.crawl().counts == {}
            assert server.hits("/feed.xml") == 1
            assert tracker.feeds()[0].state == "gone"


def test_crawl_every_stops_cleanly_on_sigterm_and_sigint(tmp_path: Path) -> None:
    with LocalServer() as server:
        server.route("/feed.xml", reply(200, RSS, {"Content-Type": "application/rss+xml"}))
        env = {
            **os.environ,
            "TRACKER_HTTP_ALLOW_PRIVATE": "1",
            "TRACKER_DATA_DIR": str(tmp_path),
            "TRACKER_CRAWL_EXTRACT_WORKERS": "1",
        }
        tracker = str(Path(sys.executable).with_name("tracker"))
        db = str(tmp_path / "every.db")
        subprocess.run(
            [tracker, "--db", db, "feeds", "add", server.url("/feed.xml")], env=env, check=True
        )
        for sig in (signal.SIGTERM, signal.SIGINT):
            child = subprocess.Popen(
                [tracker, "--db", db, "crawl", "--every", "0.2s"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert child.stderr is not None
            first = child.stderr.readline()  # "pass 1: ..." once a whole pass is done
            assert first.startswith("pass 1"), first
            child.send_signal(sig)
            out, err = child.communicate(timeout=30)
            assert child.returncode == 0, err
            assert "stopped after" in out
            assert "Traceback" not in err
        status = subprocess.run(
            [tracker, "--db", db, "status", "--json"], env=env, capture_output=True, text=True
        )
        assert '"interrupted"' not in status.stdout


def test_a_failing_article_is_retried_with_backoff_then_given_up(
    sqlite_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with LocalServer() as server:
        link = server.url("/story.html")
        feed = RSS.replace(b"http://127.0.0.1/one", link.encode())
        server.route("/feed.xml", reply(200, feed, {"Content-Type": "application/rss+xml"}))
        server.route("/story.html", reply(503, b"busy"))
        settings = make_settings(sqlite_url, tmp_path)
        with Tracker(settings, clock=clock) as tracker:
            tracker.add_feed(server.url("/feed.xml"))
            assert tracker.crawl().counts["article_fetch_error"] == 1
            assert "article_fetch_error" not in tracker.crawl().counts  # not yet due again
            tries = 1
            for attempt in range(1, 6):
                clock.advance(timedelta(seconds=settings.crawl.backoff_base * 2 ** (attempt - 1)))
                if tracker.crawl().counts.get("article_fetch_error"):
                    tries += 1
            assert tries == 5  # then given up: the entry is marked failed
            assert server.hits("/story.html") == 5
