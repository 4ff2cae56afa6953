"""Messy feed data through whole crawls: one article per story, every date read as UTC.

Identity: changing GUIDs, tracking parameters, one story in two feeds and items without a GUID
must give one article with one membership per feed. Dates: missing, future, 1970, naive and
odd-format ones, under a fake clock that crosses midnight and a daylight-saving change while
the process runs in a zone that observes it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.testing.synthweb import resolver

from .conftest import make_settings
from .support.cli_run import run_cli
from .support.httpserver import LocalServer, reply

PARAGRAPH = (
    "The regional council approved the revised water budget after a long debate on Tuesday, "
    "and officials said an independent panel would review the plan again next spring."
)


def _page(title: str) -> bytes:
    # No date anywhere in the page: the feed's date is the only one.
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{PARAGRAPH} {title}.</p><p>{PARAGRAPH}</p></article></body></html>"
    ).encode()


def _item(link: str, *, guid: str | None = None, date: str | None = None, title: str = "") -> str:
    parts = [f"<title>{title or link}</title>", f"<link>{link.replace('&', '&amp;')}</link>"]
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def _rss(items: list[str]) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        for n in range(12):
            running.route(
                f"/story/{n}", reply(200, _page(f"Story {n}"), {"Content-Type": "text/html"})
            )
        yield running


def _tracker(database_url: str, tmp_path: Path, clock: ManualClock) -> Tracker:
    return Tracker(make_settings(database_url, tmp_path), clock=clock, resolver=resolver())


def _memberships(tracker: Tracker) -> list[tuple[str, str, str]]:
    """(feed URL, entry URL, article URL) of every entry, sorted."""
    with tracker.engine.connect() as conn:
        rows = conn.execute(
            text(
                "select f.url, e.url, coalesce(a.url, '') from entries e "
                "join feeds f on f.id = e.feed_id left join articles a on a.id = e.article_id"
            )
        ).all()
    return sorted((str(f), str(e), str(a)) for f, e, a in rows)


# ---------------------------------------------------------------- identity


def test_a_guid_that_changes_on_every_poll_still_gives_one_article(
    database_url: str, tmp_path: Path, clock: ManualClock, server: LocalServer
) -> None:
    link = server.url("/story/0", "ledger.test")
    with _tracker(database_url, tmp_path, clock) as tracker:
        tracker.add_feed(server.url("/feed.xml", "ledger.test"))
        for poll in range(4):
            server.route("/feed.xml", reply(200, _rss([_item(link, guid=f"tag:{poll}")])))
            report = tracker.crawl()
            clock.advance(timedelta(minutes=16))
            assert report.counts.get("article_new", 0) == (1 if poll == 0 else 0), report.counts
        articles = tracker.articles()
        memberships = _memberships(tracker)
    assert len(articles) == 1
    assert articles[0].version_count == 1
    assert server.hits("/story/0") == 1  # never fetched again for a new GUID
    assert {article for _, _, article in memberships} == {articles[0].url}


def test_tracking_parameters_and_host_variants_lead_to_one_article(
    database_url: str, tmp_path: Path, clock: ManualClock, server: LocalServer
) -> None:
    variants = [
        server.url("/story/1?utm_source=rss&utm_medium=feed", "ledger.test"),
        server.url("/story/1?fbclid=abc123", "www.ledger.test"),
        server.url("/story/1?utm_campaign=x&gclid=9#comments", "ledger.test"),
        server.url("/story/1", "LEDGER.test"),
    ]
    with _tracker(database_url, tmp_path, clock) as tracker:
        for n, variant in enumerate(variants):
            server.route(f"/feed{n}.xml", reply(200, _rss([_item(variant, guid=f"g{n}")])))
            tracker.add_feed(server.url(f"/feed{n}.xml", "ledger.test"))
        report = tracker.crawl()
        articles = tracker.articles()
        memberships = _memberships(tracker)
    assert report.counts.get("article_new") == 1, report.counts
    assert len(articles) == 1 and "utm_" not in articles[0].url and "fbclid" not in articles[0].url
    assert server.hits("/story/1") == 1
    assert len(memberships) == 4 and {a for _, _, a in memberships} == {articles[0].url}


def test_one_story_in_two_feeds_is_one_article_with_two_memberships(
    database_url: str, tmp_path: Path, clock: ManualClock, server: LocalServer
) -> None:
    story = server.url("/story/2", "wire.test")
    server.route("/ledger.xml", reply(200, _rss([_item(story, guid="ledger-1")])))
    server.route("/herald.xml", reply(200, _rss([_item(story + "?utm_source=herald")])))  # no GUID
    ledger = server.url("/ledger.xml", "ledger.test")
    herald = server.url("/herald.xml", "herald.test")
    with _tracker(database_url, tmp_path, clock) as tracker:
        tracker.add_feed(ledger)
        tracker.add_feed(herald)
        tracker.crawl()
        clock.advance(timedelta(minutes=16))
        again = tracker.crawl()  # the same lists again: nothing new
        articles = tracker.articles()
        memberships = _memberships(tracker)
        feeds = {f.url: f.entry_count for f in tracker.feeds()}
    assert "entry_new" not in again.counts and "article_new" not in again.counts, again.counts
    assert len(articles) == 1
    assert [(f, a) for f, _, a in memberships] == sorted(
        [(herald, articles[0].url), (ledger, articles[0].url)]
    )
    assert feeds == {ledger: 1, herald: 1}


def test_items_without_a_guid_are_known_again_by_their_link(
    database_url: str, tmp_path: Path, clock: ManualClock, server: LocalServer
) -> None:
    links = [server.url(f"/story/{n}", "ledger.test") for n in (3, 4, 5)]
    server.route("/feed.xml", reply(200, _rss([_item(link) for link in links])))
    with _tracker(database_url, tmp_path, clock) as tracker:
        tracker.add_feed(server.url("/feed.xml", "ledger.test"))
        first = tracker.crawl()
        # The feed reorders its items and adds tracking parameters: still the same three.
        shuffled = [_item(link + "?utm_source=feed") for link in reversed(links)]
        server.route("/feed.xml", reply(200, _rss(shuffled)))
        clock.advance(timedelta(minutes=16))
        second = tracker.crawl()
        memberships = _memberships(tracker)
    assert first.counts["entry_new"] == 3 and first.counts["article_new"] == 3
    assert second.counts.get("entry_new") is None and second.counts["entry_seen"] == 3
    assert len(memberships) == 3


# ---------------------------------------------------------------- dates

# (pubDate as written, the instant it means in UTC or None when it must not be believed);
# the clock reads 2026-03-28 23:59:50 UTC, ten seconds before midnight, the night Europe's
# clocks go forward (01:00 UTC on the 29th).
CLOCK_START = datetime(2026, 3, 28, 23, 59, 50, tzinfo=UTC)
DATES: list[tuple[str | None, datetime | None]] = [
    (None, None),  # missing
    ("Tue, 31 Mar 2026 09:00:00 GMT", None),  # three days in the future
    ("Thu, 01 Jan 1970 00:00:00 GMT", None),  # the epoch: a zero written as a date
    ("Sat, 28 Mar 2026 23:30:00", datetime(2026, 3, 28, 23, 30, tzinfo=UTC)),  # no zone
    ("2026-03-28T22:15:00", datetime(2026, 3, 28, 22, 15, tzinfo=UTC)),  # naive ISO
    ("Sun, 29 Mar 2026 00:59:00 +0100", datetime(2026, 3, 28, 23, 59, tzinfo=UTC)),
    ("Sat, 28 Mar 2026 23:40:00 CET", datetime(2026, 3, 28, 22, 40, tzinfo=UTC)),
    ("28/03/2026 21:05", datetime(2026, 3, 28, 21, 5, tzinfo=UTC)),  # odd format
    ("March 28, 2026 4:00 PM EDT", datetime(2026, 3, 28, 20, 0, tzinfo=UTC)),
    ("Sun, 29 Mar 2026 01:30:00 +0200", datetime(2026, 3, 28, 23, 30, tzinfo=UTC)),
    ("not a date at all", None),
    ("Sat, 28 Mar 2026 25:61:00 GMT", None),  # impossible time
]


@pytest.fixture
def berlin_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run in a zone with daylight-saving time, so any use of local time would show."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_dates_are_read_as_utc_across_midnight_and_a_dst_change(
    database_url: str, tmp_path: Path, server: LocalServer, berlin_time: None
) -> None:
    clock = ManualClock(CLOCK_START)
    items = [
        _item(server.url(f"/story/{n}", "ledger.test"), guid=f"d{n}", date=date)
        for n, (date, _) in enumerate(DATES)
    ]
    server.route("/feed.xml", reply(200, _rss(items)))
    with _tracker(database_url, tmp_path, clock) as tracker:
        tracker.add_feed(server.url("/feed.xml", "ledger.test"))
        report = tracker.crawl()
        assert report.counts["article_new"] == len(DATES), report.counts
        first_seen = clock.now()
        # Past midnight and past the DST change: re-checks fall due exactly one hour (UTC)
        # after first seen, and a poll fifteen minutes after the last one.
        clock.set(datetime(2026, 3, 29, 0, 59, 0, tzinfo=UTC))
        assert "article_not_modified" not in tracker.crawl().counts
        clock.set(datetime(2026, 3, 29, 1, 0, 1, tzinfo=UTC))
        late = tracker.crawl()
        assert late.counts.get("article_unchanged") == len(DATES), late.counts
        articles = {a.url: a for a in tracker.articles()}
        feed = tracker.feeds()[0]
    for n, (date, expected) in enumerate(DATES):
        article = next(a for url, a in articles.items() if url.endswith(f"/story/{n}"))
        assert article.published == expected, (date, article.published)
        assert article.first_seen == first_seen
        assert article.next_check_at == first_seen + timedelta(hours=6)
        assert article.published is None or article.published.tzinfo is not None
    assert feed.next_poll_at == datetime(2026, 3, 29, 1, 14, 0, tzinfo=UTC)


def _dated_page(title: str, published: str) -> bytes:
    """An article page whose only date is its JSON-LD datePublished."""
    meta = (
        '<script type="application/ld+json">{"@context": "https://schema.org", '
        f'"@type": "NewsArticle", "headline": "{title}", "datePublished": "{published}"}}'
        "</script>"
    )
    return (
        f"<html><head><title>{title}</title>{meta}</head><body><article><h1>{title}</h1>"
        f"<p>{PARAGRAPH} {title}.</p><p>{PARAGRAPH}</p></article></body></html>"
    ).encode()


def test_the_page_s_local_day_is_stored_and_shown(
    database_url: str,
    tmp_path: Path,
    server: LocalServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # the listing's table unwrapped
    clock = ManualClock(CLOCK_START)
    # Half an hour before midnight in New York is already the next day in UTC.
    local = (CLOCK_START - timedelta(days=2)).replace(hour=23, minute=30, second=0, microsecond=0)
    stamp = local.strftime("%Y-%m-%dT%H:%M:%S") + "-05:00"
    server.route(
        "/late", reply(200, _dated_page("Late story", stamp), {"Content-Type": "text/html"})
    )
    server.route("/feed.xml", reply(200, _rss([_item(server.url("/late", "ledger.test"))])))
    with _tracker(database_url, tmp_path, clock) as tracker:
        tracker.add_feed(server.url("/feed.xml", "ledger.test"))
        assert tracker.crawl().counts["article_new"] == 1
        (article,) = tracker.articles()
    assert article.published == datetime.fromisoformat(stamp).astimezone(UTC)
    assert article.published.date() == local.date() + timedelta(days=1)  # the UTC day
    assert article.published_offset == -300
    assert article.published_local is not None
    assert article.published_local.date() == local.date()
    # The listing shows the page's own day, not the UTC one (first seen is a day later still).
    code, out, err = run_cli(["--db", database_url, "articles", "list"], capsys)
    assert code == 0, err
    assert f"{local:%Y-%m-%d}" in out
    assert f"{article.published:%Y-%m-%d}" not in out
