"""An outlet's home page teaches its footer before its first article is linked.

A real HTTP server on 127.0.0.1 serves two outlets under their own names: home pages, article
pages whose footer sits inside the article (so extraction keeps it) and robots.txt. The crawl
reads each outlet's home page once, before linking; a footer it carries never counts as copied
text, from an outlet's first article on, however long it is next to the story.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import START
from tests.support.httpserver import LocalServer, send
from tests.support.linking_story import BRIDGE, FOOTER, LIBRARY, ORIGINAL, WATER
from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.config import load_settings
from tracker.domain import EdgeKind
from tracker.linking.boilerplate import common_frame, paragraph_hash, site_template
from tracker.store import Store, make_engine, upgrade
from tracker.store.link_tables import OutletTemplateRow
from tracker.store.outlet_templates import HomePageRead, TemplateRepo
from tracker.testing.synthweb import resolver
from tracker.web.home_page import page_blocks

from .test_linking_stage import add, edges

PITCH = (
    "Independent local journalism costs money. Subscribe today for unlimited access to every "
    "story, the weekly print edition, our archive back to 1952 and events for members only."
)
EVENTS = (
    "Join our reporters at the members' evening on the first Thursday of every month, where "
    "readers put their questions about the week's news to the editors in person."
)
TAIL = [FOOTER, PITCH, EVENTS]  # three paragraphs, longer than a one-paragraph story
HTML = {"Content-Type": "text/html; charset=utf-8"}


def article_page(title: str, paragraphs: list[str]) -> bytes:
    """An article page whose closing pitch is part of the article, as on many news sites."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f"<main><article><h1>{html.escape(title)}</h1>{body}</article></main>"
        "<footer><p>All rights reserved.</p></footer></body></html>"
    ).encode()


def home_page(name: str, teasers: list[tuple[str, str]], footer: list[str]) -> bytes:
    """A home page: teasers of stories (headline and opening line) and the outlet's pitch."""
    cards = "".join(
        f'<div class="card"><h2><a href="{path}">{html.escape(title)}</a></h2>'
        f"<p>{html.escape(lead)}</p></div>"
        for path, (title, lead) in zip(("/news/a", "/news/b"), teasers, strict=False)
    )
    pitch = "".join(f"<p>{html.escape(p)}</p>" for p in footer)
    return (
        f"<!DOCTYPE html><html><head><title>{name}</title></head><body>"
        f'<header><div class="logo">{name}</div></header><main>{cards}</main>'
        f'<section class="promo">{pitch}</section>'
        "<footer><p>All rights reserved.</p></footer></body></html>"
    ).encode()


class Web:
    """Pages by (host, path); robots.txt allows everything unless a host's is set."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.pages: dict[tuple[str, str], bytes] = {}
        self.robots: dict[str, bytes] = {}
        server.route("/robots.txt", self.handle)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        host = request.headers.get("Host", "").split(":")[0]
        path = request.path.split("?")[0]
        if path == "/robots.txt":
            body = self.robots.get(host, b"User-agent: *\nAllow: /\n")
            send(request, 200, body, {"Content-Type": "text/plain"})
        elif (host, path) in self.pages:
            send(request, 200, self.pages[(host, path)], HTML)
        else:
            send(request, 404, b"not found", HTML)

    def put(self, host: str, path: str, body: bytes) -> str:
        """Serve `body` at `path` of `host`; its URL."""
        self.pages[(host, path)] = body
        self.server.route(path, self.handle)  # the handler tells the hosts apart
        return self.server.url(path, host)

    def home_hits(self, host: str) -> int:
        """How many times the home page of `host` was asked for."""
        return sum(1 for hit in self.server.log if hit.path == "/" and hit.host == host)


@pytest.fixture
def web() -> Iterator[Web]:
    with LocalServer() as server:
        yield Web(server)


def tracker_for(database_url: str, tmp_path: Path, clock: ManualClock, *, home: bool) -> Tracker:
    overrides: dict[str, object] = {
        "database_url": database_url,
        "data_dir": str(tmp_path),
        "http": {"allow_private": True, "per_host_interval": 0.0},
        "crawl": {"extract_workers": 1, "home_pages": home},
    }
    settings = load_settings(environ={}, overrides=overrides)
    return Tracker(settings, clock=clock, resolver=resolver())


def crawl_in_turn(tracker: Tracker, clock: ManualClock, urls: list[str]) -> None:
    """Add the URLs one hour apart, each in its own run (linked as it arrives)."""
    for url in urls:
        report = tracker.add_urls([url])
        assert report.stored == (url,), report.failed
        clock.advance(timedelta(hours=1))


@pytest.mark.parametrize("home", [True, False])
def test_an_outlets_first_article_ending_with_a_footer_another_outlet_carries_makes_no_edge(
    database_url: str, tmp_path: Path, clock: ManualClock, web: Web, home: bool
) -> None:
    # Two outlets of one publisher: the same pitch closes both sites' articles.
    web.put("ledger.test", "/", home_page("Ledger", [("Library", LIBRARY[:80])], TAIL))
    web.put("courier.test", "/", home_page("Courier", [("Water", WATER[:80])], TAIL))
    first = web.put("ledger.test", "/news/a", article_page("Library", [LIBRARY, *TAIL]))
    second = web.put("courier.test", "/news/b", article_page("Water", [WATER, *TAIL]))
    with tracker_for(database_url, tmp_path, clock, home=home) as tracker:
        crawl_in_turn(tracker, clock, [first, second])
        found = edges(tracker.engine)
    # Read without the home pages, the pitch alone makes the courier a copy of the ledger.
    assert found == (set() if home else {(first, second, EdgeKind.COPIES.value, True)})


@pytest.mark.parametrize("home", [True, False])
def test_a_footer_longer_than_the_story_it_follows_makes_no_edge(
    database_url: str, tmp_path: Path, clock: ManualClock, web: Web, home: bool
) -> None:
    stories = [LIBRARY.split("\n")[0], WATER.split("\n")[0]]
    web.put("ledger.test", "/", home_page("Ledger", [("Library", stories[0][:60])], TAIL))
    urls = [
        web.put("ledger.test", f"/news/{i}", article_page(f"Story {i}", [story, *TAIL]))
        for i, story in enumerate(stories)
    ]
    with tracker_for(database_url, tmp_path, clock, home=home) as tracker:
        crawl_in_turn(tracker, clock, urls)
        found = edges(tracker.engine)
    # Two pages alone cannot tell a pitch longer than each story from one story retold.
    assert found == (set() if home else {(urls[0], urls[1], EdgeKind.COPIES.value, True)})


def test_a_real_copy_still_links_and_the_home_page_is_read_once_per_outlet(
    database_url: str, tmp_path: Path, clock: ManualClock, web: Web
) -> None:
    web.put("ledger.test", "/", home_page("Ledger", [("Bridge", BRIDGE[0])], TAIL))
    web.put("courier.test", "/", home_page("Courier", [("Bridge", BRIDGE[0])], TAIL))
    original = web.put("ledger.test", "/news/a", article_page("Bridge", [*BRIDGE, *TAIL]))
    copy = web.put("courier.test", "/news/b", article_page("Bridge", [*BRIDGE, *TAIL]))
    other = web.put("ledger.test", "/news/c", article_page("Library", [LIBRARY, *TAIL]))
    with tracker_for(database_url, tmp_path, clock, home=True) as tracker:
        crawl_in_turn(tracker, clock, [original, copy, other])
        assert edges(tracker.engine) == {(original, copy, EdgeKind.COPIES.value, True)}
    assert web.home_hits("ledger.test") == 1 and web.home_hits("courier.test") == 1
    # Stored: a tracker started again on the same database does not ask again.
    later = web.put("ledger.test", "/news/d", article_page("Water", [WATER, *TAIL]))
    with tracker_for(database_url, tmp_path, clock, home=True) as tracker:
        crawl_in_turn(tracker, clock, [later])
        with Session(tracker.engine) as session:
            rows = session.scalars(select(OutletTemplateRow)).all()
        assert edges(tracker.engine) == {(original, copy, EdgeKind.COPIES.value, True)}
    assert web.home_hits("ledger.test") == 1
    assert len(rows) == 2 and all(row.status == 200 and row.error is None for row in rows)
    assert all(paragraph_hash(PITCH) in row.hashes for row in rows)


def test_a_home_page_that_robots_txt_disallows_is_not_read(
    database_url: str, tmp_path: Path, clock: ManualClock, web: Web
) -> None:
    web.robots["ledger.test"] = b"User-agent: *\nDisallow: /$\n"
    web.put("ledger.test", "/", home_page("Ledger", [], TAIL))
    url = web.put("ledger.test", "/news/a", article_page("Library", [LIBRARY, *TAIL]))
    with tracker_for(database_url, tmp_path, clock, home=True) as tracker:
        crawl_in_turn(tracker, clock, [url])
        with Session(tracker.engine) as session:
            (row,) = session.scalars(select(OutletTemplateRow)).all()
    assert web.home_hits("ledger.test") == 0
    assert row.hashes == [] and row.retry_at is None and "disallows" in (row.error or "")


# ---------------------------------------------------------------- the pure rules


def test_only_the_closing_run_the_home_page_carries_is_the_footer() -> None:
    text = "\n".join([*BRIDGE, *TAIL])
    site = {paragraph_hash(p) for p in [BRIDGE[0], *TAIL, "Other teaser"]}
    assert site_template(text, site) == {paragraph_hash(p) for p in TAIL}
    # A teaser is a story's opening: never blanked. A blog's home page shows a post whole.
    assert site_template(ORIGINAL, site) == frozenset()
    whole = {paragraph_hash(p) for p in [*BRIDGE, *TAIL]}
    assert site_template(text, whole) == frozenset()
    # A pitch in the middle of a story is not its closing run.
    middle = "\n".join([*BRIDGE[:3], PITCH, *BRIDGE[3:]])
    assert site_template(middle, site) == frozenset()


def test_three_different_stories_ending_alike_end_with_their_template() -> None:
    one, two, three = (
        f"{story.split(chr(10))[0]}\n" + "\n".join(TAIL) for story in [LIBRARY, WATER, BRIDGE[0]]
    )
    assert common_frame(three, [one, two]) == {paragraph_hash(p) for p in TAIL}
    assert common_frame(three, [one]) == frozenset()  # two pages could be one story retold
    # The two others must be different stories too: one story and its update are one page.
    updated = one.replace(TAIL[0], f"{LIBRARY.split(chr(10))[1]}\n{TAIL[0]}")
    assert common_frame(three, [one, updated]) == frozenset()
    assert common_frame(three, [updated, two]) == {paragraph_hash(p) for p in TAIL}


def test_a_home_pages_blocks_are_its_paragraphs_items_and_lines() -> None:
    page = (
        b"<html><head><title>t</title><script>var x = 1;</script></head><body>"
        b"<div>Top line <b>bold</b><p>A paragraph.</p> after it</div>"
        b"<ul><li>An <a href='/x'>item</a></li></ul><footer><p>Sign up<br>today</p></footer>"
        b"</body></html>"
    )
    blocks = page_blocks(page, "text/html")
    assert {"Top line bold", "A paragraph.", "after it", "An item"} <= set(blocks)
    assert {"Sign up today", "Sign up", "today"} <= set(blocks)
    assert not any("var x" in block for block in blocks)


def test_an_outlet_is_asked_about_again_only_after_a_transient_failure(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    store, repo = Store(engine), TemplateRepo(Store(engine))
    url = "https://courier.example/news/a"
    add(store, url, LIBRARY, START)
    ((outlet, article_url),) = repo.wanted(START, 10)
    assert article_url == url
    later = START + timedelta(days=1)
    repo.save(outlet, HomePageRead("https://courier.example/", START, None, "timeout", (), later))
    assert repo.wanted(START + timedelta(hours=1), 10) == []
    assert repo.wanted(later, 10) == [(outlet, url)]
    repo.save(outlet, HomePageRead("https://courier.example/", later, 200, None, {1, 2}, None))
    assert repo.wanted(later + timedelta(days=365), 10) == []


def test_a_short_closing_line_the_home_page_shows_is_kept_as_a_credit() -> None:
    text = "\n".join([*BRIDGE, *TAIL, "Reuters"])
    site = {paragraph_hash(p) for p in [*TAIL, "Reuters"]}
    assert site_template(text, site) == {paragraph_hash(p) for p in TAIL}
