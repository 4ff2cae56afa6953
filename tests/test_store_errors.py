"""A store error fails only the item it concerns: the crawl ends, the item is recorded."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.config import QueueSettings
from tracker.domain import Extracted
from tracker.domain.crawl import NewArticle, StoredPage
from tracker.errors import BadInput, StoreRefused
from tracker.pipeline.crawl import RunReport
from tracker.queue import run_worker_async, sweep_once
from tracker.store.queue_repo import QuarantineStore
from tracker.testing.synthweb import SynthSpec, build_pages, resolver, serve_synth

from .conftest import fresh_postgres_database, make_settings

SPEC = SynthSpec(sites=1, articles_per_feed=6, paragraphs=3)
LONG = 10_000
POISON = "/news/0/2.html"  # the article the injected store error hits


def _tracker(database_url: str, tmp_path: Path, clock: ManualClock) -> Tracker:
    return Tracker(make_settings(database_url, tmp_path), clock=clock, resolver=resolver())


def _crawl_within(tracker: Tracker, seconds: float) -> RunReport:
    """One crawl pass in a daemon thread, so that a hang fails the test instead of stalling it."""
    done: list[RunReport | BaseException] = []

    def run() -> None:
        try:
            done.append(tracker.crawl())
        except BaseException as exc:  # handed to the test thread below
            done.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if not done:
        pytest.fail(f"the crawl did not end within {seconds} s")
    result = done[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def _inject_store_error(engine: Engine, path: str) -> None:
    """A trigger that makes the database itself refuse one article's row."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON articles "
                    f"WHEN NEW.url LIKE '%{path}' "
                    "BEGIN SELECT RAISE(ABORT, 'injected store failure'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.url LIKE '%{path}' THEN RAISE EXCEPTION 'injected store failure'; "
                    "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON articles "
                    "FOR EACH ROW EXECUTE FUNCTION poison()"
                )
            )


def test_a_10000_character_link_in_a_feed_is_recorded_as_refused_and_the_rest_stored(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(database_url, tmp_path, clock) as tracker:
        pages, _ = build_pages(SPEC, web.port)
        feed = pages[("site0.test", "/feed0.xml")]
        long_link = f"http://site0.test:{web.port}/news/long?q=" + "x" * LONG
        item = f"<item><title>Long</title><link>{long_link}</link></item>".encode()
        at = feed.index(b"<item>", feed.index(b"<item>") + 1)  # between the first two items
        web.put("site0.test", "/feed0.xml", feed[:at] + item + feed[at:])
        tracker.add_feed(web.feed_urls[0])
        report = _crawl_within(tracker, 60)
        assert report.counts["entry_url_too_long"] == 1
        assert report.counts["article_new"] == SPEC.articles_per_feed
        failed = _rows(tracker.engine, "select state, last_error from entries where state='failed'")
        assert failed == [
            ("failed", f"link is {len(long_link)} characters long; at most 2000 are stored")
        ]
        # The next poll knows the entry: it is neither new again nor fetched.
        clock.advance(timedelta(minutes=16))
        web.put("site0.test", "/feed0.xml", feed[:at] + item + feed[at:] + b" ")
        again = _crawl_within(tracker, 60)
        assert again.counts["entry_seen"] == SPEC.articles_per_feed + 1
        assert "entry_new" not in again.counts and "article_new" not in again.counts


def test_a_page_naming_a_10000_character_canonical_url_is_stored_without_that_alias(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(database_url, tmp_path, clock) as tracker:
        pages, _ = build_pages(SPEC, web.port)
        page = pages[("site0.test", "/news/0/1.html")]
        long_url = f"http://site0.test:{web.port}/news/0/1.html?q=" + "y" * LONG
        start = page.index(b'<link rel="canonical" href="') + len(b'<link rel="canonical" href="')
        end = page.index(b'"', start)
        web.put("site0.test", "/news/0/1.html", page[:start] + long_url.encode() + page[end:])
        tracker.add_feed(web.feed_urls[0])
        report = _crawl_within(tracker, 60)
        assert report.counts["article_new"] == SPEC.articles_per_feed
        longest = _rows(tracker.engine, "select max(length(url)) from article_urls")[0][0]
        assert isinstance(longest, int) and longest <= 2000


def test_a_store_error_injected_mid_pass_fails_only_its_article(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(database_url, tmp_path, clock) as tracker:
        _inject_store_error(tracker.engine, POISON)
        tracker.add_feed(web.feed_urls[0])
        report = _crawl_within(tracker, 60)
        assert report.counts["article_store_failed"] == 1
        assert report.counts["article_new"] == SPEC.articles_per_feed - 1
        failed = _rows(
            tracker.engine, "select url, state, last_error from entries where state<>'done'"
        )
        assert len(failed) == 1
        url, state, error = failed[0]
        assert str(url).endswith(POISON) and state == "failed"
        assert "article_store_failed" in str(error) and "injected store failure" in str(error)
        assert "\n" not in str(error)
        status = tracker.status()
        assert status.runs[0].status == "finished"


def test_a_batch_holding_one_refused_article_stores_the_others(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    # The store on its own: one refused item raises a named error, never a driver's type.
    with _tracker(database_url, tmp_path, clock) as tracker:
        _inject_store_error(tracker.engine, POISON)

        def item(path: str) -> NewArticle:
            url = f"https://site0.test{path}"
            page = StoredPage(
                requested_url=url,
                final_url=url,
                status=200,
                fetched_at=clock.now(),
                extracted=Extracted(title=path, text="Some text."),
                content_hash=path.ljust(64, "0")[:64],
                raw_html=b"<p>Some text.</p>",
                etag=None,
                last_modified=None,
            )
            return NewArticle(url, page, None, None, clock.now())

        with pytest.raises(StoreRefused, match="injected store failure"):
            tracker.store.save_new_articles([item("/a"), item(POISON), item("/c")])
        assert tracker.store.save_new_articles([item("/a")])[0][1] is True
        # A value that does not fit its column is bad input, refused before any statement.
        with pytest.raises(BadInput, match="at most 2000"):
            tracker.store.save_new_articles([item("/" + "z" * LONG)])


@pytest.mark.postgres
def test_a_worker_job_hitting_a_store_error_is_quarantined_and_the_worker_goes_idle(
    tmp_path: Path, postgres_server: str, clock: ManualClock
) -> None:
    fast = QueueSettings(
        concurrency=4, max_attempts=3, retry_base=0.0, heartbeat_interval=0.5, stalled_after=2.0
    )
    for pg_url in fresh_postgres_database(postgres_server):
        settings = replace(make_settings(pg_url, tmp_path), queue=fast)
        with serve_synth(SPEC) as web, Tracker(settings, resolver=resolver()) as tracker:
            _inject_store_error(tracker.engine, POISON)
            tracker.add_feed(web.feed_urls[0])
            sweep_once(tracker)
            report = asyncio.run(
                asyncio.wait_for(run_worker_async(tracker, name="w", until_idle=True), 90)
            )
            assert report.counts["job_quarantined"] == 1
            assert report.counts["article_new"] == SPEC.articles_per_feed - 1
            held = QuarantineStore(tracker.engine).list()
            assert [(q.kind, q.item.endswith(POISON)) for q in held] == [("fetch_article", True)]
            assert "injected store failure" in held[0].reason
