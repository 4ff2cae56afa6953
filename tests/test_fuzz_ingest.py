"""Generated feeds and pages through the real ingest path: fetch, parse, extract, store.

Property: whatever a feed or page holds (any text, any encoding declared or not, invalid bytes,
odd dates, junk links, deep markup), a crawl pass ends with only the tracker's own errors, every
stored string is valid UTF-8 without NUL or other XML-illegal characters, and no pass runs past
its time limit. The default run is small enough for CI; a long run is

    TRACKER_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/test_fuzz_ingest.py -k property

Fixed cases then check that each tricky encoding decodes to exactly the right text.
"""

from __future__ import annotations

import codecs
import html
import itertools
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.errors import TrackerError

from .conftest import START, fresh_postgres_database, make_settings
from .support.httpserver import LocalServer, send

EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "60"))
PASS_LIMIT = 30.0  # seconds for one pass over one generated feed and its pages
# XML 1.0's forbidden characters: what no stored string may hold.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
STORED_TEXT = {
    "feeds": ("url", "title", "last_error", "etag", "last_modified"),
    "entries": ("entry_key", "guid", "url", "canonical_url", "title", "last_error"),
    "articles": ("url", "fetch_url", "title", "etag", "last_modified"),
    "article_urls": ("url",),
    "versions": ("final_url", "text", "title", "byline", "site_name", "language"),
    "outlets": ("name", "domain"),
}
ENCODINGS = ["utf-8", "utf-16", "cp1252", "shift_jis", "latin-1", "koi8-r"]
PARAGRAPH = (
    "The regional council approved the revised water budget after a long debate on Tuesday, "
    "and officials said an independent panel would review the plan again next spring."
)


# ---------------------------------------------------------------- what a generated case is


@dataclass(frozen=True)
class Page:
    """One generated article page: its body and the Content-Type it is served with."""

    body: bytes
    content_type: str | None


@dataclass(frozen=True)
class Case:
    """One generated feed document, its Content-Type, and the pages its links lead to."""

    feed: bytes
    content_type: str | None
    pages: dict[str, Page]


ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
WORDS = st.text(
    st.characters(whitelist_categories=["Lu", "Ll", "Lo", "Nd", "Zs", "Po"]),
    min_size=1,
    max_size=40,
)
DATES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "Mon, 02 Mar 2026 07:00:00 GMT",
            "Mon, 02 Mar 2026 07:00:00",
            "2026-03-02T07:00:00",
            "2026-03-02T07:00:00+05:30",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "02/03/2026",
            "0000-00-00T00:00:00Z",
            "Mon, 02 Mar 2026 25:99:00 CET",
            "yesterday",
            "",
        ]
    ),
    ANY_TEXT,
)
JUNK_LINKS = st.sampled_from(
    [
        "",
        "javascript:alert(1)",
        "mailto:desk@example.test",
        "http://",
        "ht tp://x",
        "//[::1",
        "file:///etc/passwd",
        "http://exa\x00mple.test/",
        "http://xn--bcher-kva.test:1/a",
        "https://example.test/" + "a" * 3000,
    ]
)


def _encode(document: str, encoding: str) -> bytes:
    # Characters the encoding lacks become character references, as a real server's would.
    return document.encode(encoding, errors="xmlcharrefreplace")


def _damage(data: bytes, at: int, junk: bytes) -> bytes:
    if not junk:
        return data
    cut = at % (len(data) + 1)
    return data[:cut] + junk + data[cut:]


def _content_type(kind: str, declared: str | None) -> str | None:
    if declared is None:
        return kind if kind else None
    return f"{kind}; charset={declared}"


@st.composite
def pages(draw: st.DrawFn) -> Page:
    """An article page: generated text in some encoding, maybe mislabelled, nested or damaged."""
    encoding = draw(st.sampled_from(ENCODINGS))
    title = draw(ANY_TEXT)
    paragraphs = draw(st.lists(st.one_of(WORDS, ANY_TEXT), min_size=0, max_size=4))
    depth = draw(st.sampled_from([0, 0, 0, 5, 300, 2000]))
    meta = draw(st.sampled_from(["", encoding, "utf-8", "shift_jis", "bogus-charset"]))
    body = "".join(f"<p>{html.escape(p)} {PARAGRAPH}</p>" for p in paragraphs)
    document = (
        f"<html><head>{f'<meta charset={meta}>' if meta else ''}<title>{html.escape(title)}"
        f"</title></head><body><article><h1>{html.escape(title)}</h1>"
        f"{'<div>' * depth}{body}{'</div>' * depth}</article></body></html>"
    )
    data = _encode(document, encoding)
    if encoding == "utf-16":
        data = data if data.startswith(codecs.BOM_UTF16) else codecs.BOM_UTF16 + data
    data = _damage(data, draw(st.integers(0, 10_000)), draw(st.binary(max_size=8)))
    header = draw(st.sampled_from([None, encoding, "utf-8", "iso-8859-1", "x-unknown"]))
    kind = draw(st.sampled_from(["text/html", "text/html", "", "application/octet-stream"]))
    return Page(data, _content_type(kind, header))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A feed in RSS, Atom or JSON Feed whose items lead to generated pages or to junk."""
    shape = draw(st.sampled_from(["rss", "atom", "json"]))
    encoding = "utf-8" if shape == "json" else draw(st.sampled_from(ENCODINGS))
    count = draw(st.integers(0, 4))
    items = []
    linked: dict[str, Page] = {}
    for n in range(count):
        if draw(st.booleans()):
            link = f"/a{n}.html"  # relative: resolved against the feed's URL
            linked[link] = draw(pages())
        else:
            link = draw(JUNK_LINKS)
        items.append(
            (
                draw(ANY_TEXT),
                link,
                draw(st.one_of(st.none(), ANY_TEXT)),
                draw(DATES),
                draw(ANY_TEXT),
            )
        )
    title = draw(ANY_TEXT)
    if shape == "json":
        document = json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": title,
                "items": [
                    {"id": g or str(n), "url": u, "title": t, "date_published": d, "summary": s}
                    for n, (t, u, g, d, s) in enumerate(items)
                ],
            }
        )
        data = document.encode()
    else:
        esc = html.escape
        if shape == "rss":
            body = "".join(
                f"<item><title>{esc(t)}</title><link>{esc(u)}</link>"
                + (f"<guid>{esc(g)}</guid>" if g is not None else "")
                + (f"<pubDate>{esc(d)}</pubDate>" if d is not None else "")
                + f"<description>{esc(s)}</description></item>"
                for t, u, g, d, s in items
            )
            root = f'<rss version="2.0"><channel><title>{esc(title)}</title>{body}</channel></rss>'
        else:
            body = "".join(
                f'<entry><title>{esc(t)}</title><link href="{esc(u)}"/>'
                + (f"<id>{esc(g)}</id>" if g is not None else "")
                + (f"<updated>{esc(d)}</updated>" if d is not None else "")
                + f"<summary>{esc(s)}</summary></entry>"
                for t, u, g, d, s in items
            )
            root = (
                f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{esc(title)}</title>'
                f"{body}</feed>"
            )
        declared = draw(st.sampled_from([None, encoding, "utf-8", "iso-8859-1"]))
        declaration = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
        data = _encode(declaration + root, encoding)
        if encoding == "utf-16" and not data.startswith(codecs.BOM_UTF16):
            data = codecs.BOM_UTF16 + data
    data = _damage(data, draw(st.integers(0, 10_000)), draw(st.binary(max_size=6)))
    header = draw(st.sampled_from([None, encoding, "utf-8", "windows-1252"]))
    kind = draw(st.sampled_from(["application/rss+xml", "text/xml", "application/json", ""]))
    return Case(data, _content_type(kind, header), linked)


# ---------------------------------------------------------------- the crawl it goes through


def _serve(page: Page):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": page.content_type} if page.content_type else {}

    def handle(request: BaseHTTPRequestHandler) -> None:
        send(request, 200, page.body, headers)

    return handle


@dataclass
class Ingest:
    """A server, a tracker on a real database and a clock, shared by every generated case."""

    server: LocalServer
    tracker: Tracker
    clock: ManualClock
    numbers: Iterator[int]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def ingest(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ingest]:
    folder = tmp_path_factory.mktemp("fuzz")
    urls: Iterator[str]
    if request.param == "sqlite":
        urls = iter([f"sqlite:///{folder / 'fuzz.db'}"])
    else:
        urls = fresh_postgres_database(request.getfixturevalue("postgres_server"))
    for database_url in urls:
        clock = ManualClock(START)
        settings = make_settings(database_url, folder, total_deadline=5.0)
        with LocalServer() as server, Tracker(settings, clock=clock) as tracker:
            yield Ingest(server, tracker, clock, itertools.count())


def _bad_strings(tracker: Tracker) -> list[tuple[str, str, str]]:
    found = []
    with tracker.engine.connect() as conn:
        for table, columns in STORED_TEXT.items():
            for column in columns:
                for (value,) in conn.execute(text(f"select {column} from {table}")):
                    if value is None:
                        continue
                    assert isinstance(value, str), (table, column, value)
                    try:
                        value.encode("utf-8")
                    except UnicodeEncodeError:
                        found.append((table, column, value))
                        continue
                    if ILLEGAL.search(value):
                        found.append((table, column, value))
        for row in conn.execute(text("select links, corrections from versions")):
            for value in row:
                document = json.loads(value) if isinstance(value, str) else value
                if ILLEGAL.search(json.dumps(document, ensure_ascii=False)):
                    found.append(("versions", "links/corrections", str(value)))
    return found


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not os.environ.get("TRACKER_FUZZ_EXAMPLES"),
)
@given(case=cases())
def test_property_any_feed_and_pages_are_ingested_safely(ingest: Ingest, case: Case) -> None:
    n = next(ingest.numbers)
    server = ingest.server
    feed_headers = {"Content-Type": case.content_type} if case.content_type else {}
    server.route(f"/ex{n}/feed", lambda r: send(r, 200, case.feed, feed_headers))
    for path, page in case.pages.items():
        server.route(f"/ex{n}{path}", _serve(page))
    ingest.tracker.add_feed(server.url(f"/ex{n}/feed"))
    ingest.clock.advance(timedelta(seconds=1))
    started = time.monotonic()
    try:
        report = ingest.tracker.crawl()
    except TrackerError:
        report = None  # the tracker's own error is an acceptable end
    assert time.monotonic() - started < PASS_LIMIT
    assert report is None or report.total >= 1
    for outcome in sorted(report.counts if report else {"tracker_error": 1}):
        event(outcome)  # shown by --hypothesis-show-statistics: which paths the cases reached
    assert _bad_strings(ingest.tracker) == []


# ---------------------------------------------------------------- encodings, exactly

TITLE = "Zürich: Café-Besitzer „empört“ – 5 € Gebühr"
JAPANESE = "東京の電力会社は、障害の原因は人工知能が書いたコードではないと発表した。"


def _article(title: str, body: str, meta: str = "") -> str:
    return (
        f"<html><head>{meta}<title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{body}</p><p>{body}</p><p>{PARAGRAPH}</p></article></body></html>"
    )


ENCODING_CASES = {
    # name: (page bytes, Content-Type header, the title that must be stored)
    "none-declared-utf8": (_article(TITLE, TITLE).encode(), "text/html", TITLE),
    "none-declared-cp1252": (
        _article(TITLE, TITLE * 3).encode("cp1252"),
        "text/html",
        TITLE,
    ),
    "header-contradicts-utf8": (
        _article(TITLE, TITLE).encode(),
        "text/html; charset=iso-8859-1",
        TITLE,
    ),
    "header-contradicts-meta": (
        _article(TITLE, TITLE, '<meta charset="windows-1252">').encode("cp1252"),
        "text/html; charset=utf-8",
        TITLE,
    ),
    "utf16-bom": (
        codecs.BOM_UTF16_LE + _article(TITLE, TITLE).encode("utf-16-le"),
        "text/html; charset=iso-8859-1",
        TITLE,
    ),
    "cp1252-declared": (
        _article(TITLE, TITLE, '<meta charset="windows-1252">').encode("cp1252"),
        "text/html",
        TITLE,
    ),
    "shift-jis-labelled-latin1": (
        _article(JAPANESE, JAPANESE * 3).encode("shift_jis"),
        "text/html; charset=iso-8859-1",
        JAPANESE,
    ),
    "shift-jis-labelled-utf8": (
        _article(JAPANESE, JAPANESE * 3, '<meta charset="utf-8">').encode("shift_jis"),
        "text/html; charset=utf-8",
        JAPANESE,
    ),
}


@pytest.mark.parametrize("name", list(ENCODING_CASES))
def test_page_encodings_decode_to_the_right_text(
    name: str, database_url: str, tmp_path: Path
) -> None:
    body, content_type, title = ENCODING_CASES[name]
    with LocalServer() as server:
        server.route("/page", lambda r: send(r, 200, body, {"Content-Type": content_type}))
        with Tracker(make_settings(database_url, tmp_path), clock=ManualClock(START)) as tracker:
            report = tracker.add_urls([server.url("/page")])
            assert report.counts.get("article_new") == 1, report.counts
            (article,) = tracker.articles()
            _, (version,) = tracker.article(article.url)
    assert article.title == title
    assert title in version.text and "\ufffd" not in version.text


FEED_TITLE = "Nachrichten – Zürich „heute“"
DECLARED = '<?xml version="1.0" encoding="{}"?>'
FEED_ENCODING_CASES = {
    "none-declared-utf8": ("", "utf-8", "application/rss+xml"),
    "header-contradicts": (DECLARED.format("utf-8"), "utf-8", "text/xml; charset=windows-1252"),
    "utf16-bom": (DECLARED.format("utf-16"), "utf-16", "text/xml"),
    "cp1252-declared": (DECLARED.format("windows-1252"), "cp1252", "text/xml"),
    "cp1252-undeclared": ("", "cp1252", "text/xml"),
    "shift-jis-mislabelled": (DECLARED.format("iso-8859-1"), "shift_jis", "text/xml"),
}


@pytest.mark.parametrize("name", list(FEED_ENCODING_CASES))
def test_feed_encodings_decode_to_the_right_text(
    name: str, sqlite_url: str, tmp_path: Path
) -> None:
    declaration, encoding, content_type = FEED_ENCODING_CASES[name]
    title = JAPANESE if encoding == "shift_jis" else FEED_TITLE
    document = (
        f'{declaration}<rss version="2.0"><channel><title>{title}</title><item>'
        f"<title>{title}</title><link>http://127.0.0.1:9/x</link></item></channel></rss>"
    )
    with LocalServer() as server:
        data = document.encode(encoding)
        server.route("/feed", lambda r: send(r, 200, data, {"Content-Type": content_type}))
        settings = make_settings(sqlite_url, tmp_path)
        with Tracker(settings, clock=ManualClock(START)) as tracker:
            tracker.add_feed(server.url("/feed"))
            report = tracker.crawl()
            (feed,) = tracker.feeds()
            with tracker.engine.connect() as conn:
                entry_title = conn.execute(text("select title from entries")).scalar_one()
    assert report.counts.get("feed_updated") == 1, report.counts
    assert feed.title == title, (name, feed.title)
    assert entry_title == title
