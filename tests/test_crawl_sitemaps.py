"""News sitemaps and sitemap indexes crawl like feeds; outlets announce their feeds and sitemaps."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.config import load_settings
from tracker.domain import FoundKind
from tracker.errors import BadInput, NotAFeed
from tracker.queue import run_worker_async, sweep_once
from tracker.testing.synthweb import SynthSpec, resolver, serve_synth

from .conftest import fresh_postgres_database
from .support.cli_run import run_cli
from .support.rows import table_rows

SPEC = SynthSpec(sites=1, feeds_per_site=1, articles_per_feed=6, paragraphs=4)
HOST = "site0.test"


def _tracker(database_url: str, tmp_path: Path, clock: ManualClock, children: int = 2) -> Tracker:
    settings = load_settings(
        environ={},
        overrides={
            "database_url": database_url,
            "data_dir": str(tmp_path),
            "http": {"allow_private": True, "per_host_interval": 0.0},
            "crawl": {"extract_workers": 1, "sitemap_index_children": children},
        },
    )
    return Tracker(settings, clock=clock, resolver=resolver())


def _news_sitemap(port: int, articles: list[int]) -> bytes:
    rows = "".join(
        f"<url><loc>http://{HOST}:{port}/news/0/{a}.html</loc><news:news><news:publication>"
        f"<news:name>Site Zero</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{(SPEC.start - timedelta(hours=a)).isoformat()}"
        f"</news:publication_date><news:title>Story {a}</news:title></news:news></url>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + rows + "</urlset>"
    ).encode()


def _index(port: int, children: list[tuple[str, str]]) -> bytes:
    rows = "".join(
        f"<sitemap><loc>http://{HOST}:{port}{path}</loc><lastmod>{day}</lastmod></sitemap>"
        for path, day in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'
    ).encode()


def _stored(tracker: Tracker) -> set[str]:
    return {article.url.rsplit("/", 1)[-1] for article in tracker.articles()}


def test_a_news_sitemap_crawls_like_a_feed_and_repolls_with_conditional_get(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(database_url, tmp_path, clock) as tracker:
        web.put(HOST, "/news-sitemap.xml", _news_sitemap(web.port, [0, 1, 2]))
        url = f"http://{HOST}:{web.port}/news-sitemap.xml"
        _, new = tracker.add_feed(url, check=True)
        assert new
        report = tracker.crawl()
        assert report.counts["feed_updated"] == 1
        assert report.counts["entry_new"] == 3 and report.counts["article_new"] == 3
        assert _stored(tracker) == {"0.html", "1.html", "2.html"}
        (stored,) = tracker.feeds()
        assert stored.title == "Site Zero" and stored.etag
        before = table_rows(tracker.engine)
        clock.advance(timedelta(minutes=16))
        assert tracker.crawl().counts == {"feed_not_modified": 1}  # If-None-Match: 304
        assert table_rows(tracker.engine) == before
        # A new story in the sitemap brings only that article.
        web.put(HOST, "/news-sitemap.xml", _news_sitemap(web.port, [0, 1, 2, 3]))
        clock.advance(timedelta(minutes=16))
        again = tracker.crawl()
        assert again.counts["entry_new"] == 1 and again.counts["article_new"] == 1
        assert again.counts["entry_seen"] == 3


def test_a_sitemap_index_is_followed_to_its_newest_children_only(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(database_url, tmp_path, clock, children=2) as tracker:
        web.put(HOST, "/sm-jan.xml", _news_sitemap(web.port, [4, 5]))
        web.put(HOST, "/sm-feb.xml", _news_sitemap(web.port, [2, 3]))
        web.put(HOST, "/sm-mar.xml.gz", gzip.compress(_news_sitemap(web.port, [1])))
        children = [("/sm-jan.xml", "2026-01-31"), ("/sm-mar.xml.gz", "2026-03-01")]
        children.insert(1, ("/sm-feb.xml", "2026-02-28"))
        web.put(HOST, "/sitemap-index.xml", _index(web.port, children))
        tracker.add_feed(f"http://{HOST}:{web.port}/sitemap-index.xml", check=True)
        report = tracker.crawl()
        assert report.counts["feed_updated"] == 1 and report.counts["article_new"] == 3
        assert _stored(tracker) == {"1.html", "2.html", "3.html"}  # not January's
        (feed,) = tracker.feeds()
        assert feed.title == "Site Zero" and feed.consecutive_errors == 0
        # The index unchanged: fetched again in full, its two newest children conditionally;
        # both answer 304, so nothing is parsed and nothing written but the schedule.
        assert feed.etag is None and feed.last_modified is None
        requests = web.requests()
        before = table_rows(tracker.engine)
        clock.advance(timedelta(minutes=16))
        unchanged = tracker.crawl().counts
        assert unchanged == {"feed_not_modified": 1}
        assert web.requests() == requests + 3
        assert table_rows(tracker.engine) == before
        assert _children(tracker) == {"/sm-feb.xml", "/sm-mar.xml.gz"}
        # A newer child appears: it and the next newest are read.
        web.put(HOST, "/sm-apr.xml", _news_sitemap(web.port, [0]))
        web.put(
            HOST, "/sitemap-index.xml", _index(web.port, [*children, ("/sm-apr.xml", "2026-04-01")])
        )
        clock.advance(timedelta(minutes=16))
        again = tracker.crawl()
        assert again.counts["entry_new"] == 1 and again.counts["article_new"] == 1
        assert _stored(tracker) == {"0.html", "1.html", "2.html", "3.html"}


def test_an_unchanged_sitemap_index_still_brings_what_its_children_added(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    """News sitemaps change under a stable URL while the index listing them keeps its bytes."""
    with serve_synth(SPEC) as web, _tracker(database_url, tmp_path, clock, children=2) as tracker:
        web.put(HOST, "/sm-news.xml", _news_sitemap(web.port, [2, 3]))
        web.put(HOST, "/sm-archive.xml", _news_sitemap(web.port, [4, 5]))
        children = [("/sm-archive.xml", "2026-01-31"), ("/sm-news.xml", "2026-03-01")]
        index = _index(web.port, children)
        web.put(HOST, "/sitemap-index.xml", index)
        tracker.add_feed(f"http://{HOST}:{web.port}/sitemap-index.xml", check=True)
        assert tracker.crawl().counts["article_new"] == 4
        # The same index bytes (its server would answer a conditional request with 304), but the
        # news sitemap it lists now carries two more stories.
        web.put(HOST, "/sm-news.xml", _news_sitemap(web.port, [0, 1, 2, 3]))
        web.put(HOST, "/sitemap-index.xml", index)
        clock.advance(timedelta(minutes=16))
        again = tracker.crawl()
        assert again.counts.get("feed_not_modified", 0) == 0
        assert again.counts["entry_new"] == 2 and again.counts["article_new"] == 2
        assert _stored(tracker) == {"0.html", "1.html", "2.html", "3.html", "4.html", "5.html"}


def _children(tracker: Tracker) -> set[str]:
    """The paths of the child sitemaps whose validators are stored."""
    with tracker.engine.connect() as conn:
        rows = conn.execute(text("select url, etag from sitemap_children")).all()
    assert all(etag for _, etag in rows)
    return {"/" + url.split("/", 3)[3] for url, _ in rows}


def test_only_the_changed_child_of_a_sitemap_index_is_read_again(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(database_url, tmp_path, clock, children=2) as tracker:
        web.put(HOST, "/sm-news.xml", _news_sitemap(web.port, [2, 3]))
        web.put(HOST, "/sm-archive.xml", _news_sitemap(web.port, [4, 5]))
        children = [("/sm-archive.xml", "2026-01-31"), ("/sm-news.xml", "2026-03-01")]
        web.put(HOST, "/sitemap-index.xml", _index(web.port, children))
        tracker.add_feed(f"http://{HOST}:{web.port}/sitemap-index.xml", check=True)
        assert tracker.crawl().counts["article_new"] == 4
        assert _children(tracker) == {"/sm-archive.xml", "/sm-news.xml"}  # validators per child
        # The news sitemap gains a story; the archive answers 304, so only the news sitemap's
        # three entries are seen (two of them known), not the archive's two.
        web.put(HOST, "/sm-news.xml", _news_sitemap(web.port, [1, 2, 3]))
        clock.advance(timedelta(minutes=16))
        again = tracker.crawl().counts
        assert again["entry_new"] == 1 and again["entry_seen"] == 2
        assert again["article_new"] == 1 and "feed_not_modified" not in again
        # A child the index no longer leads to is forgotten with its validators.
        web.put(HOST, "/sitemap-index.xml", _index(web.port, children[1:]))
        clock.advance(timedelta(minutes=16))
        assert tracker.crawl().counts == {"feed_not_modified": 1}
        assert _children(tracker) == {"/sm-news.xml"}


def _bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"<" * (1 << 20)
    return b"".join(packer.compress(block) for _ in range(64)) + packer.flush()


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (None, "gzip content larger than the cap"),
        (
            b'<!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b"<urlset><url><loc>http://site0.test/&b;</loc></url></urlset>",
            "not a sitemap",
        ),
        (b"\x00\x01binary junk", "not a feed"),
    ],
    ids=["gzip-bomb", "entities", "not-xml"],
)
def test_hostile_sitemaps_are_refused_with_a_named_outcome(
    sqlite_url: str, tmp_path: Path, clock: ManualClock, body: bytes | None, needle: str
) -> None:
    with serve_synth(SPEC) as web, _tracker(sqlite_url, tmp_path, clock) as tracker:
        web.put(HOST, "/hostile.xml.gz", body if body is not None else _bomb())
        url = f"http://{HOST}:{web.port}/hostile.xml.gz"
        with pytest.raises((NotAFeed, BadInput), match=needle):
            tracker.add_feed(url, check=True)
        tracker.add_feed(url)  # --no-check: the crawl meets it
        report = tracker.crawl()
        assert report.counts == {"feed_invalid": 1}
        (feed,) = tracker.feeds()
        assert feed.state == "active" and feed.consecutive_errors == 1
        assert needle in (feed.last_error or "")
        assert tracker.articles() == []


def test_an_index_whose_children_all_fail_is_refused(
    sqlite_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(sqlite_url, tmp_path, clock) as tracker:
        web.put(HOST, "/index.xml", _index(web.port, [("/gone.xml", "2026-03-01")]))
        with pytest.raises(NotAFeed, match="no child of the sitemap index"):
            tracker.add_feed(f"http://{HOST}:{web.port}/index.xml", check=True)


def test_a_gzip_file_holding_a_feed_is_read_as_that_feed(
    sqlite_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(sqlite_url, tmp_path, clock) as tracker:
        rss = (
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>Zipped</title><item>'
            + f"<link>http://{HOST}:{web.port}/news/0/0.html</link></item></channel></rss>".encode()
        )
        web.put(HOST, "/feed.rss.gz", gzip.compress(rss))
        parsed = tracker.check_feed(f"http://{HOST}:{web.port}/feed.rss.gz")
        assert parsed.format == "rss20" and parsed.title == "Zipped" and len(parsed.entries) == 1


# ---------------------------------------------------------------- outlet discovery

HOME = """<!doctype html><html><head><title>Site Zero</title>
<link rel="alternate" type="application/rss+xml" title="Top stories" href="/feed0.xml">
<link rel="Alternate stylesheet" type="application/atom+xml" href="atom.xml">
<link rel="alternate" type="application/feed+json" href="http://{host}:{port}/feed.json">
<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="sitemap" type="application/xml" href="/sitemap-home.xml">
<link rel="stylesheet" href="/s.css"></head><body><a href="/feed0.xml">RSS</a></body></html>"""


def test_discovery_finds_home_page_feeds_and_robots_sitemaps_and_subscribes(
    sqlite_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(sqlite_url, tmp_path, clock) as tracker:
        base = f"http://{HOST}:{web.port}"
        web.put(HOST, "/", HOME.format(host=HOST, port=web.port).encode())
        web.put(HOST, "/news-sitemap.xml", _news_sitemap(web.port, [0, 1]))
        web.put(
            HOST,
            "/robots.txt",
            f"User-agent: *\nAllow: /\nSitemap: {base}/news-sitemap.xml\n"
            f"sitemap: {base}/news-sitemap.xml\nSitemap: ftp://{HOST}/x.xml\n".encode(),
        )
        found = tracker.discover(f"{base}/")
        assert [(f.kind, f.url, f.source) for f in found.found] == [
            (FoundKind.RSS, f"{base}/feed0.xml", "home page"),
            (FoundKind.ATOM, f"{base}/atom.xml", "home page"),
            (FoundKind.JSON, f"{base}/feed.json", "home page"),
            (FoundKind.SITEMAP, f"{base}/sitemap-home.xml", "home page"),
            (FoundKind.SITEMAP, f"{base}/news-sitemap.xml", "robots.txt"),
        ]
        assert found.found[0].title == "Top stories" and found.problems == ()
        report = tracker.subscribe(found.found)
        assert report.added == (f"{base}/feed0.xml", f"{base}/news-sitemap.xml")
        assert [url for url, _ in report.refused] == [
            f"{base}/atom.xml",
            f"{base}/feed.json",
            f"{base}/sitemap-home.xml",
        ]
        assert "404" in report.refused[0][1]
        assert tracker.crawl().counts["article_new"] == 6


def test_discovery_obeys_robots_for_the_home_page_and_still_reads_sitemaps(
    sqlite_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_synth(SPEC) as web, _tracker(sqlite_url, tmp_path, clock) as tracker:
        base = f"http://{HOST}:{web.port}"
        web.put(HOST, "/", HOME.format(host=HOST, port=web.port).encode())
        web.put(
            HOST, "/robots.txt", f"User-agent: *\nDisallow: /\nSitemap: {base}/s.xml\n".encode()
        )
        found = tracker.discover(f"{base}/")
        assert [f.url for f in found.found] == [f"{base}/s.xml"]
        assert len(found.problems) == 1 and "disallows" in found.problems[0]


def test_discovery_of_an_unreachable_site_is_bad_input(
    sqlite_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with (
        _tracker(sqlite_url, tmp_path, clock) as tracker,
        pytest.raises(BadInput, match="found nothing"),
    ):
        tracker.discover("http://nowhere.invalid/")


def test_outlets_discover_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_HTTP_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("TRACKER_HTTP_PER_HOST_INTERVAL", "0")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "cli.db")
    with serve_synth(SynthSpec(sites=0)) as web:
        base = f"http://127.0.0.1:{web.port}"
        web.put("127.0.0.1", "/", HOME.format(host="127.0.0.1", port=web.port).encode())
        web.put("127.0.0.1", "/robots.txt", f"Sitemap: {base}/sm.xml\n".encode())
        web.put(
            "127.0.0.1", "/sm.xml", b"<urlset><url><loc>http://127.0.0.1/a</loc></url></urlset>"
        )
        code, out, _ = run_cli(["--db", db, "outlets", "discover", base, "--json"], capsys)
        assert code == 0
        listed = json.loads(out)
        assert [(f["kind"], f["source"]) for f in listed["found"]] == [
            ("rss", "home page"),
            ("atom", "home page"),
            ("json", "home page"),
            ("sitemap", "home page"),
            ("sitemap", "robots.txt"),
        ]
        assert "subscribed" not in listed
        code, out, err = run_cli(
            ["--db", db, "outlets", "discover", base, "--add", "--kind", "sitemap"], capsys
        )
        assert code == 0 and "added 1, already subscribed 0" in out, err
        assert "refused" in err and "sitemap-home.xml" in err
        code, out, _ = run_cli(["--db", db, "feeds", "list", "--json"], capsys)
        assert [feed["url"] for feed in json.loads(out)] == [f"{base}/sm.xml"]
        code, _, err = run_cli(["--db", db, "outlets", "discover", "ftp://x.example/"], capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.postgres
def test_queue_workers_poll_a_sitemap_index_like_a_feed(
    tmp_path: Path, postgres_server: str, clock: ManualClock
) -> None:
    for pg_url in fresh_postgres_database(postgres_server):
        with serve_synth(SPEC) as web, _tracker(pg_url, tmp_path, clock, children=1) as tracker:
            web.put(HOST, "/old.xml", _news_sitemap(web.port, [3, 4, 5]))
            web.put(HOST, "/new.xml", _news_sitemap(web.port, [0, 1]))
            children = [("/old.xml", "2026-02-01"), ("/new.xml", "2026-03-01")]
            web.put(HOST, "/index.xml", _index(web.port, children))
            tracker.add_feed(f"http://{HOST}:{web.port}/index.xml")
            assert sweep_once(tracker).feeds == 1
            report = asyncio.run(run_worker_async(tracker, name="w", until_idle=True))
            assert report.jobs["poll_feed"] == 1 and report.jobs["fetch_article"] == 2
            assert _stored(tracker) == {"0.html", "1.html"}
