"""Article identity: only tracking parameters are dropped; the scheme served is kept."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.domain import Extracted
from tracker.domain.crawl import NewArticle, StoredPage
from tracker.store import Store, make_engine, upgrade
from tracker.testing.synthweb import resolver
from tracker.urls import canonical_url

from .conftest import make_settings
from .support.httpserver import LocalServer, reply

TEXT = (
    "The city council voted on Tuesday to approve the new budget for the coming year, "
    "and officials said an independent panel would review the plan again next spring. "
)


@pytest.mark.parametrize(
    "query", ["cid=123", "source=rss", "output=1", "share=1", "ref=front", "id=7", "page=2"]
)
def test_parameters_that_select_content_are_kept(query: str) -> None:
    assert canonical_url(f"https://news.example.com/article.php?{query}").endswith(f"?{query}")


@pytest.mark.parametrize(
    "query", ["utm_source=rss&utm_medium=feed", "fbclid=abc", "gclid=9", "mc_cid=1&mc_eid=2"]
)
def test_tracking_parameters_are_dropped(query: str) -> None:
    url = f"https://news.example.com/article.php?cid=123&{query}"
    assert canonical_url(url) == "https://news.example.com/article.php?cid=123"


def test_the_scheme_is_kept() -> None:
    assert canonical_url("http://old-site.example/story/1").startswith("http://")
    assert canonical_url("HTTPS://old-site.example/story/1").startswith("https://")


def test_two_articles_that_differ_only_in_a_content_parameter_stay_two(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with LocalServer() as server:
        pages = {
            "123": f"<html><head><title>Budget</title></head><body><article><h1>Budget</h1>"
            f"<p>{TEXT * 3}</p></article></body></html>",
            "456": f"<html><head><title>Harbour</title></head><body><article><h1>Harbour</h1>"
            f"<p>{TEXT.replace('budget', 'harbour') * 3} The harbour reopens.</p>"
            f"</article></body></html>",
        }

        def article(request: BaseHTTPRequestHandler) -> None:
            cid = parse_qs(urlsplit(request.path).query)["cid"][0]
            reply(200, pages[cid].encode(), {"Content-Type": "text/html"})(request)

        server.route("/article.php", article)
        links = [server.url(f"/article.php?cid={n}", "news.test") for n in ("123", "456")]
        items = "".join(f"<item><title>{u}</title><link>{u}</link></item>" for u in links)
        feed = f'<rss version="2.0"><channel><title>F</title>{items}</channel></rss>'
        server.route(
            "/feed.xml", reply(200, feed.encode(), {"Content-Type": "application/rss+xml"})
        )
        settings = make_settings(database_url, tmp_path)
        with Tracker(settings, clock=clock, resolver=resolver()) as tracker:
            tracker.add_feed(server.url("/feed.xml", "news.test"))
            report = tracker.crawl()
            stored = sorted(a.url for a in tracker.articles())
    assert report.counts["article_new"] == 2, report.counts
    assert [u.rsplit("?", 1)[1] for u in stored] == ["cid=123", "cid=456"]
    assert all(u.startswith("http://") for u in stored)  # served over http, stored as http


def test_http_and_https_of_one_page_are_aliases_of_one_article(
    database_url: str, clock: ManualClock
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    store = Store(engine)
    url = "http://old-site.example/story/1"
    page = StoredPage(
        requested_url=url,
        final_url=url,
        status=200,
        fetched_at=clock.now(),
        extracted=Extracted(text=TEXT, title="Budget"),
        content_hash="0" * 64,
        raw_html=b"<p>x</p>",
        etag=None,
        last_modified=None,
    )
    article_id, new = store.save_new_articles([NewArticle(url, page, None, None, clock.now())])[0]
    assert new
    # Stored as served: the link keeps working for an http-only site.
    assert store.get_article(url).url == url
    # The https form leads to the same article, and saving it again adds nothing.
    https = "https://old-site.example/story/1"
    assert store.get_article(https).id == article_id
    again = store.save_new_articles([NewArticle(https, page, None, None, clock.now())])[0]
    assert again == (article_id, False)
    assert len(store.list_articles()) == 1
    engine.dispose()
