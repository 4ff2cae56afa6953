"""The crawl pass end to end: a generated web on 127.0.0.1, real databases, a movable clock."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.config import load_settings
from tracker.testing.synthweb import SynthSpec, build_pages, resolver, serve_synth

from .conftest import make_settings
from .support.rows import table_rows

SPEC = SynthSpec(sites=3, feeds_per_site=1, articles_per_feed=3, paragraphs=4)


def _tracker(database_url: str, tmp_path: Path, clock: ManualClock) -> Tracker:
    return Tracker(make_settings(database_url, tmp_path), clock=clock, resolver=resolver())


def test_a_pass_stores_every_article_and_a_second_pass_adds_nothing(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(database_url, tmp_path, clock) as tracker:
        for url in web.feed_urls:
            tracker.add_feed(url)
        report = tracker.crawl()
        assert report.counts["feed_updated"] == 3
        assert report.counts["article_new"] == 9
        # Each stage that did something says what CPU it took (its thread's, in ms): linking
        # here (the claims stage, with no claim, has nothing to do on PostgreSQL); a pass with
        # nothing to do (below) reports none.
        assert "linking_cpu_ms" in report.counts
        assert {n for n in report.counts if n.endswith("_cpu_ms")} <= {
            "linking_cpu_ms",
            "claims_cpu_ms",
        }
        before = table_rows(tracker.engine)
        assert len(before["versions"]) == 9
        # Fifteen minutes later: feeds are due again and answer 304; nothing new is stored.
        clock.advance(timedelta(minutes=16))
        again = tracker.crawl()
        assert again.counts == {"feed_not_modified": 3}
        assert table_rows(tracker.engine) == before


def test_a_changed_page_becomes_a_new_version_and_the_old_stays_readable(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(database_url, tmp_path, clock) as tracker:
        tracker.add_feed(web.feed_urls[0])
        tracker.crawl()
        url = f"http://site0.test:{web.port}/news/0/0.html"
        original, _ = build_pages(SPEC, web.port)
        edited = original[("site0.test", "/news/0/0.html")].replace(
            b"</article>", b"<p>Correction: an earlier version misstated the figures.</p></article>"
        )
        web.put("site0.test", "/news/0/0.html", edited)
        clock.advance(timedelta(hours=1, minutes=1))  # the first re-check slot
        report = tracker.crawl()
        assert report.counts.get("article_new_version") == 1
        assert report.counts.get("article_not_modified") == 2  # ETag: 304
        info, versions = tracker.article(url)
        assert [v.seq for v in versions] == [1, 2]
        assert "Correction" not in versions[0].text
        assert "Correction: an earlier version" in versions[1].text
        assert info.version_count == 2


def test_an_extraction_change_alone_makes_no_new_version(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    # Stored by a release that kept the headline in the text; re-checked by one that strips it.
    before = make_settings(database_url, tmp_path)
    kept = load_settings(
        environ={},
        overrides={
            "database_url": before.database_url,
            "data_dir": str(tmp_path),
            "http": {"allow_private": True, "per_host_interval": 0.0},
            "crawl": {"extract_workers": 1},
            "extract": {"strip_page_header": False},
        },
    )
    path = "/news/0/0.html"
    with serve_synth(SPEC) as web:
        url = f"http://site0.test:{web.port}{path}"
        with Tracker(kept, clock=clock, resolver=resolver()) as tracker:
            tracker.add_feed(web.feed_urls[0])
            tracker.crawl()
            _, stored = tracker.article(url)
        original, _ = build_pages(SPEC, web.port)
        page = original[("site0.test", path)]
        # The same article, re-served with other bytes outside its text (no 304 possible).
        web.put("site0.test", path, page.replace(b"</body>", b"<!-- served again --></body>"))
        clock.advance(timedelta(hours=1, minutes=1))
        with _tracker(database_url, tmp_path, clock) as tracker:
            report = tracker.crawl()
            _, versions = tracker.article(url)
            assert report.counts.get("article_unchanged") == 1
            assert "article_new_version" not in report.counts
            assert [v.text for v in versions] == [stored[0].text]
            # A real edit after the upgrade is still a new version.
            web.put(
                "site0.test", path, page.replace(b"</article>", b"<p>Update: more.</p></article>")
            )
            clock.advance(timedelta(days=2))  # past the next re-check slot
            assert tracker.crawl().counts.get("article_new_version") == 1
            _, versions = tracker.article(url)
            assert len(versions) == 2 and "Update: more." in versions[1].text
            assert stored[0].text.startswith("site0.test story 0-0")  # the old text had it
            assert not versions[1].text.startswith("site0.test story 0-0")


def test_a_page_that_disappears_is_recorded_as_taken_down(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(database_url, tmp_path, clock) as tracker:
        tracker.add_feed(web.feed_urls[0])
        tracker.crawl()
        web.put("site0.test", "/news/0/1.html", None)
        clock.advance(timedelta(hours=2))
        report = tracker.crawl()
        assert report.counts.get("article_taken_down") == 1
        info, versions = tracker.article(f"http://site0.test:{web.port}/news/0/1.html")
        assert info.state == "taken_down" and info.taken_down_at == clock.now()
        assert len(versions) == 1  # what it said stays readable


def test_a_feed_that_gains_an_entry_brings_only_that_article(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    spec = SynthSpec(sites=1, articles_per_feed=4)
    with serve_synth(spec) as web, _tracker(database_url, tmp_path, clock) as tracker:
        full, _ = build_pages(spec, web.port)
        feed = full[("site0.test", "/feed0.xml")]
        # Serve the feed without its last item first.
        first_items = feed[: feed.rindex(b"<item>")] + b"</channel></rss>"
        web.put("site0.test", "/feed0.xml", first_items)
        tracker.add_feed(web.feed_urls[0])
        assert tracker.crawl().counts["article_new"] == 3
        web.put("site0.test", "/feed0.xml", feed)
        clock.advance(timedelta(minutes=20))
        report = tracker.crawl()
        assert report.counts["entry_new"] == 1 and report.counts["article_new"] == 1
        assert report.counts["entry_seen"] == 3


def test_status_counts_the_runs(database_url: str, tmp_path: Path, clock: ManualClock) -> None:
    with serve_synth(SPEC) as web, _tracker(database_url, tmp_path, clock) as tracker:
        tracker.add_feed(web.feed_urls[0])
        tracker.add_feed(f"http://site9.test:{web.port}/missing.xml")
        tracker.crawl()
        status = tracker.status()
        assert status.runs[0].counts["article_new"] == 3
        broken = next(f for f in status.feeds if f.url.endswith("missing.xml"))
        assert broken.consecutive_errors == 1 and broken.state == "active"
        assert broken.next_poll_at > clock.now()


@pytest.mark.parametrize("interval", [0.3])
def test_per_host_politeness_holds_during_a_crawl(
    sqlite_url: str, tmp_path: Path, clock: ManualClock, interval: float
) -> None:
    spec = SynthSpec(sites=2, articles_per_feed=3)
    settings = make_settings(sqlite_url, tmp_path, per_host_interval=interval)
    with serve_synth(spec) as web, Tracker(settings, clock=clock, resolver=resolver()) as tracker:
        for url in web.feed_urls:
            tracker.add_feed(url)
        tracker.crawl()
        log = web.log()
    for host in ("site0.test", "site1.test"):
        starts = sorted(t for h, t in log if h == host)
        assert len(starts) == 6  # feed, robots.txt, three articles, the home page (once)
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        # The server sees each start late by however long its accept took, which on a loaded
        # machine reaches a tenth of a second: one gap may look that much shorter, the span of
        # all five hardly so. Without the interval the gaps are a few ms.
        assert min(gaps) >= interval * 0.6, gaps
        assert starts[-1] - starts[0] >= 5 * interval * 0.9, gaps
    # The two hosts were crawled side by side, not one after the other.
    first_host_end = max(t for h, t in log if h == "site0.test")
    second_host_start = min(t for h, t in log if h == "site1.test")
    assert second_host_start < first_host_end


class _FailingStage:
    """A post-crawl stage that breaks, as a bug or a lost database would."""

    name = "failing"

    def run(self, store: object, now: object) -> dict[str, int]:
        raise RuntimeError("the stage broke")


@pytest.mark.parametrize("how", ["crawl", "add"])
def test_a_run_cut_short_is_recorded_as_interrupted(
    database_url: str, tmp_path: Path, clock: ManualClock, how: str
) -> None:
    # A crawl pass and `add URL` keep their runs through one helper: neither leaves "running".
    settings = make_settings(database_url, tmp_path)
    with Tracker(settings, clock=clock, stages=[_FailingStage()]) as tracker:
        with pytest.raises(RuntimeError, match="the stage broke"):
            if how == "crawl":
                tracker.crawl()
            else:
                tracker.add_urls(["http://127.0.0.1:9/nothing-listens-here"])
        (run,) = tracker.status().runs
    assert run.status == "interrupted"
    assert run.finished_at is not None
