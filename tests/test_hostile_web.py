"""Whole crawls against a hostile web: refused addresses, bombs, drips and XML tricks.

The tracker runs as in production (private addresses refused) against names that a stub
resolver maps to a stand-in public address; the last hop before the socket sends only that
address to the local test server and fails the test on any other connection attempt.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpcore
import pytest
from sqlalchemy import text

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.config import HttpSettings
from tracker.errors import BodyTooLarge, NotAFeed
from tracker.urls import canonical_url
from tracker.web._net import CheckedBackend, PinnedTransport
from tracker.web.http import Fetcher

from .conftest import START, make_settings
from .support.httpserver import LocalServer, reply, stream
from .test_ssrf import StubResolver

PUBLIC_IP = "93.184.216.34"  # stands for a public site; the guard maps it to the local server
MiB = 1024 * 1024
CAP = 2 * MiB
DEADLINE = 2.0
PARAGRAPH = (
    "The regional council approved the revised water budget after a long debate on Tuesday, "
    "and officials said an independent panel would review the plan again next spring."
)


class GuardBackend(httpcore.AsyncNetworkBackend):
    """Connects PUBLIC_IP to the local server; any other address fails the test."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.attempts: list[str] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.attempts.append(host)
        if host != PUBLIC_IP:
            raise AssertionError(f"a connection was attempted to {host}")
        return await self._real.connect_tcp("127.0.0.1", self.server.port, timeout=timeout)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _page(title: str) -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{PARAGRAPH} {title}.</p><p>{PARAGRAPH}</p></article></body></html>"
    ).encode()


def _rss(links: Iterable[str], title: str = "Hostile") -> bytes:
    items = "".join(
        f"<item><title>Item {n}</title><link>{link}</link><guid>item-{n}</guid></item>"
        for n, link in enumerate(links)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"{items}</channel></rss>"
    ).encode()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        running.route("/secret", reply(200, b"SECRET"))
        yield running


class World:
    """The local server, the stub resolver and the guard, and trackers wired to them."""

    def __init__(self, server: LocalServer, database_url: str, tmp_path: Path) -> None:
        self.server = server
        self.clock = ManualClock(START)
        self.resolver = StubResolver(
            {
                "news.test": [PUBLIC_IP],
                "other.test": [PUBLIC_IP],
                "intranet.test": ["127.0.0.1"],
                "mixed.test": [PUBLIC_IP, "10.0.0.7"],
                "metadata.test": ["169.254.169.254"],
                "rebind.test": [[PUBLIC_IP], ["127.0.0.1"]],
            }
        )
        self.guard = GuardBackend(server)
        self.database_url = database_url
        self.tmp_path = tmp_path

    def tracker(self, **http: object) -> Tracker:
        limits: dict[str, object] = {"total_deadline": DEADLINE, "max_body_bytes": CAP, **http}
        settings = make_settings(self.database_url, self.tmp_path, allow_private=False, **limits)
        backend = CheckedBackend(self.resolver, allow_private=False, inner=self.guard)
        transport = PinnedTransport(backend, max_connections=settings.http.max_connections)
        return Tracker(settings, clock=self.clock, resolver=self.resolver, transport=transport)

    def url(self, path: str, host: str = "news.test") -> str:
        return self.server.url(path, host)


@pytest.fixture
def world(server: LocalServer, database_url: str, tmp_path: Path) -> World:
    return World(server, database_url, tmp_path)


def _non_public_attempts(world: World) -> list[str]:
    return [address for address in world.guard.attempts if address != PUBLIC_IP]


def _secret_hits(world: World) -> int:
    return world.server.hits("/secret")


# ---------------------------------------------------------------- SSRF through the crawl

LITERAL_TARGETS = [
    "http://127.0.0.1:{port}/secret",
    "http://[::1]:{port}/secret",
    "http://0x7f000001:{port}/secret",
    "http://2130706433:{port}/secret",
    "http://[::ffff:127.0.0.1]:{port}/secret",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/secret",
    "http://100.64.0.1/secret",
    "http://localhost:{port}/secret",
]
NAMED_TARGETS = [
    "http://intranet.test:{port}/secret",  # a name that resolves to loopback
    "http://mixed.test:{port}/secret",  # one public and one private answer
    "http://metadata.test/latest/meta-data/",  # a name for the cloud metadata address
    "http://rebind.test:{port}/secret",  # public at the check, loopback at connect
]
NOT_HTTP = ["file:///etc/passwd", "gopher://127.0.0.1:70/_secret", "ftp://10.0.0.1/x"]


def _opml(urls: Iterable[str]) -> bytes:
    outlines = "".join(f'<outline text="f{n}" xmlUrl="{u}"/>' for n, u in enumerate(urls))
    return (
        f'<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head>'
        f"<body>{outlines}</body></opml>"
    ).encode()


def test_an_opml_import_of_unsafe_feeds_is_refused_at_crawl_time_without_a_connection(
    world: World, tmp_path: Path
) -> None:
    port = world.server.port
    hostile = [t.format(port=port) for t in LITERAL_TARGETS + NAMED_TARGETS]
    good = world.url("/feed.xml")
    world.server.route("/feed.xml", reply(200, _rss([world.url("/a.html")]), {}))
    world.server.route("/a.html", reply(200, _page("Good"), {"Content-Type": "text/html"}))
    listing = tmp_path / "hostile.opml"
    listing.write_bytes(_opml([*hostile, *NOT_HTTP, good]))
    with world.tracker() as tracker:
        report = tracker.import_opml(listing)
        subscribed = {f.url for f in tracker.feeds()}
        assert not subscribed & set(NOT_HTTP)  # only http(s) is ever subscribed
        assert subscribed == {*hostile, good}, report
        run = tracker.crawl()
        assert run.counts.get("feed_refused") == len(hostile), run.counts
        assert run.counts.get("article_new") == 1
        feeds = {f.url: f for f in tracker.feeds()}
    for url in hostile:
        assert "UnsafeURL" in (feeds[url].last_error or ""), (url, feeds[url].last_error)
        assert feeds[url].state == "active" and feeds[url].consecutive_errors == 1
    assert _non_public_attempts(world) == []
    assert _secret_hits(world) == 0


def test_unsafe_links_in_a_feed_are_refused_and_recorded_without_a_connection(
    world: World,
) -> None:
    port = world.server.port
    hostile = [t.format(port=port) for t in LITERAL_TARGETS + NAMED_TARGETS]
    redirecting = [world.url("/to-loopback"), world.url("/to-intranet")]
    world.server.route(
        "/to-loopback", reply(302, headers={"Location": f"http://127.0.0.1:{port}/secret"})
    )
    world.server.route(
        "/to-intranet", reply(301, headers={"Location": f"http://intranet.test:{port}/secret"})
    )
    good = world.url("/good.html")
    world.server.route("/good.html", reply(200, _page("Good"), {"Content-Type": "text/html"}))
    links = [*hostile, *redirecting, *NOT_HTTP, good]
    world.server.route("/feed.xml", reply(200, _rss(links), {"Content-Type": "text/xml"}))
    with world.tracker() as tracker:
        tracker.add_feed(world.url("/feed.xml"))
        run = tracker.crawl()
        # One fetch (and refusal) per canonical URL: w3lib 2.6 writes numeric IPv4 hosts
        # ("2130706433", "0x7f000001") as the dotted quad, so those spellings are one article.
        fetched = {canonical_url(url) for url in hostile + redirecting}
        assert run.counts.get("article_refused") == len(fetched), run.counts
        assert run.counts.get("entry_no_link") == len(NOT_HTTP)
        assert run.counts.get("article_new") == 1
        engine = tracker.engine
        with engine.connect() as conn:
            states = dict(conn.execute(text("select url, state from entries")).all())
            errors = dict(conn.execute(text("select url, last_error from entries")).all())
            articles = [u for (u,) in conn.execute(text("select url from articles"))]
        # A refusal is final: the entry is not retried on every pass.
        for url in hostile + redirecting:
            assert states[url] == "failed", url
            assert errors[url].startswith("article_refused"), (url, errors[url])
        assert len(articles) == 1 and "good.html" in articles[0]
        # The next pass does not try the refused links again.
        world.clock.advance(timedelta(minutes=20))
        before = list(world.guard.attempts)
        again = tracker.crawl()
        assert "article_refused" not in again.counts
    assert len(world.guard.attempts) - len(before) <= 1  # at most the feed itself
    assert _non_public_attempts(world) == []
    assert _secret_hits(world) == 0


@pytest.mark.parametrize(
    "target",
    ["http://127.0.0.1:{port}/feed.xml", "http://intranet.test:{port}/feed.xml"],
    ids=["literal", "name"],
)
def test_a_refused_redirect_never_changes_the_stored_feed_url(world: World, target: str) -> None:
    port = world.server.port
    moved = world.url("/moved.xml")
    world.server.route("/moved.xml", reply(301, headers={"Location": target.format(port=port)}))
    world.server.route("/feed.xml", reply(200, _rss([]), {"Content-Type": "text/xml"}))
    with world.tracker() as tracker:
        tracker.add_feed(moved)
        for _ in range(5):  # more than the confirmations a permanent redirect needs
            run = tracker.crawl()
            assert run.counts == {"feed_refused": 1}, run.counts
            world.clock.advance(timedelta(days=2))
        (feed,) = tracker.feeds()
    assert feed.url == moved
    assert "UnsafeURL" in (feed.last_error or "")
    assert world.server.hits("/moved.xml") == 5
    assert world.server.hits("/feed.xml") == 0
    assert _non_public_attempts(world) == []


def test_a_safe_permanent_redirect_is_adopted_after_confirmations(world: World) -> None:
    # The counterpart of the test above: the same setup with a public target does move the URL.
    moved = world.url("/moved.xml")
    world.server.route("/moved.xml", reply(301, headers={"Location": world.url("/feed.xml")}))
    world.server.route("/feed.xml", reply(200, _rss([]), {"Content-Type": "text/xml"}))
    with world.tracker() as tracker:
        tracker.add_feed(moved)
        for _ in range(3):
            tracker.crawl()
            world.clock.advance(timedelta(minutes=20))
        (feed,) = tracker.feeds()
    assert feed.url == world.url("/feed.xml")


# ---------------------------------------------------------------- hostile bodies in a crawl


def _zeros(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    for _ in range(total // chunk):
        yield b"\0" * chunk


def _bomb(decoded: int, wbits: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = b"\0" * MiB
    return b"".join(
        [*(compressor.compress(block) for _ in range(decoded // MiB)), compressor.flush()]
    )


def _never_answers(request: BaseHTTPRequestHandler) -> None:
    time.sleep(DEADLINE * 4)  # holds the connection open and says nothing


def test_bombs_drips_and_loops_are_cut_while_the_crawl_stores_everything_else(
    world: World,
) -> None:
    server = world.server
    hosts = {
        "huge.test": ("/huge", stream(_zeros(50 * MiB), headers={"Content-Type": "text/html"})),
        "liar.test": (
            "/liar",
            stream(
                _zeros(50 * MiB), headers={"Content-Type": "text/html", "Content-Length": "2000"}
            ),
        ),
        "liar-big.test": (
            "/liar-big",
            reply(200, b"tiny", {"Content-Type": "text/html", "Content-Length": str(50 * MiB)}),
        ),
        "gzip.test": (
            "/gzip",
            reply(200, _bomb(64 * MiB, 16 + zlib.MAX_WBITS), {"Content-Encoding": "gzip"}),
        ),
        "deflate.test": (
            "/deflate",
            reply(200, _bomb(64 * MiB, zlib.MAX_WBITS), {"Content-Encoding": "deflate"}),
        ),
        "drip.test": ("/drip", stream((b"x" for _ in range(60)), delay=0.5)),
        "hang.test": ("/hang", _never_answers),
        "loop.test": ("/ping", reply(302, headers={"Location": "/pong"})),
        "chain.test": ("/step0", reply(301, headers={"Location": "/step1"})),
    }
    server.route("/pong", reply(302, headers={"Location": "/ping"}))
    for step in range(1, 25):
        server.route(f"/step{step}", reply(301, headers={"Location": f"/step{step + 1}"}))
    server.route("/step25", reply(200, _page("End of the chain"), {"Content-Type": "text/html"}))
    links = []
    for host, (path, handler) in hosts.items():
        world.resolver.table[host] = [PUBLIC_IP]
        server.route(path, handler)
        links.append(server.url(path, host))
    good = [world.url(f"/good{n}.html", "other.test") for n in range(5)]
    for n in range(5):
        server.route(
            f"/good{n}.html", reply(200, _page(f"Good {n}"), {"Content-Type": "text/html"})
        )
    server.route("/feed.xml", reply(200, _rss([*links, *good]), {"Content-Type": "text/xml"}))
    with world.tracker() as tracker:
        tracker.add_feed(world.url("/feed.xml"))
        started = time.monotonic()
        run = tracker.crawl()
        elapsed = time.monotonic() - started
        stored = {a.url for a in tracker.articles()}
    assert run.counts.get("article_new") == 5, run.counts
    assert run.counts.get("article_too_large") == 4, run.counts  # huge, liar-big, two bombs
    assert run.counts.get("article_fetch_error") == 4, run.counts  # drip, hang, loop, chain
    # A lying small Content-Length is read only as far as it declared: no article text in it.
    assert run.counts.get("article_extract_failed") == 1, run.counts
    assert len(stored) == 5
    # Every slow fetch was cut at its total deadline; they ran side by side with the rest.
    assert elapsed < 3 * DEADLINE + 5, elapsed
    assert server.hits("/step5") == 1 and server.hits("/step6") == 0
    assert _non_public_attempts(world) == []


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compression_bombs_stop_within_a_tenth_over_the_cap(
    server: LocalServer, encoding: str
) -> None:
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
    bomb = _bomb(256 * MiB, wbits)
    assert len(bomb) < CAP
    server.route("/bomb", reply(200, bomb, {"Content-Encoding": encoding}))

    async def go() -> None:
        settings = HttpSettings(allow_private=True, per_host_interval=0.0, max_body_bytes=CAP)
        async with Fetcher(settings) as fetcher:
            await fetcher.fetch(server.url("/bomb"))

    with pytest.raises(BodyTooLarge) as caught:
        asyncio.run(go())
    assert caught.value.received is not None
    assert CAP < caught.value.received < 1.1 * CAP


# ---------------------------------------------------------------- XML tricks in a crawl


def test_entities_and_dtds_in_a_crawled_feed_store_nothing_and_fetch_nothing(
    world: World, tmp_path: Path
) -> None:
    secret = f"SECRET-{uuid.uuid4().hex}"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(secret)
    world.resolver.table["dtd.test"] = [PUBLIC_IP]
    dtd = world.url("/evil.dtd", "dtd.test")
    world.server.route("/evil.dtd", reply(200, b'<!ENTITY trap "TRAPPED">'))
    world.server.route("/a.html", reply(200, _page("Fine"), {"Content-Type": "text/html"}))
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)).replace(
        "&l0;", "lol"
    )
    prolog = (
        f'<!DOCTYPE rss SYSTEM "{dtd}" [<!ENTITY xxe SYSTEM "file://{secret_file}">'
        f'<!ENTITY % p SYSTEM "{dtd}"> %p; {laughs}]>'
    )
    body = (
        f'<?xml version="1.0"?>{prolog}<rss version="2.0"><channel><title>&xxe;&trap;</title>'
        f"<item><title>&xxe; &l9; &trap;</title><link>{world.url('/a.html')}</link>"
        "<description>&xxe;</description></item></channel></rss>"
    ).encode()
    world.server.route("/feed.xml", reply(200, body, {"Content-Type": "application/rss+xml"}))
    with world.tracker() as tracker:
        tracker.add_feed(world.url("/feed.xml"))
        started = time.monotonic()
        run = tracker.crawl()
        assert time.monotonic() - started < 10
        with tracker.engine.connect() as conn:
            dump = repr(
                [
                    conn.execute(text(f"select * from {table}")).all()
                    for table in ("feeds", "entries", "articles", "versions")
                ]
            )
    assert run.counts.get("article_new") == 1, run.counts
    assert secret not in dump and "TRAPPED" not in dump and "lollollol" not in dump
    assert world.server.hits("/evil.dtd") == 0
    assert _non_public_attempts(world) == []


def test_an_opml_file_with_entities_is_refused_and_subscribes_nothing(
    world: World, tmp_path: Path
) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("SECRET")
    listing = tmp_path / "evil.opml"
    listing.write_text(
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "file://{secret_file}">]>'
        '<opml version="2.0"><body><outline text="&xxe;" xmlUrl="http://news.test/f"/>'
        "</body></opml>"
    )
    with world.tracker() as tracker:
        with pytest.raises(NotAFeed, match="unsafe XML"):
            tracker.import_opml(listing)
        assert tracker.feeds() == []


# ---------------------------------------------------------------- hostile HTML in a crawl


def _deep_page(depth: int) -> bytes:
    lead = f"<p>{PARAGRAPH}</p>"
    return (
        f"<html><head><title>Deep</title></head><body>{lead}{'<div>' * depth}"
        f"<p>{PARAGRAPH} buried</p>{'</div>' * depth}</body></html>"
    ).encode()


def _giant_line_page() -> bytes:
    line = b"lorem ipsum dolor sit amet " * (20 * MiB // 27)
    return b"<html><head><title>Giant</title></head><body><p>" + line + b"</p></body></html>"


def _invalid_bytes_page() -> bytes:
    return (
        b'<html><head><meta charset="utf-8"><title>Bad \xff\xfe bytes\x00</title></head><body>'
        b"<article><p>"
        + PARAGRAPH.encode()
        + b" \xc3\x28 \xed\xa0\x80 \x00\x01\x1b</p><p>"
        + PARAGRAPH.encode()
        + b"</p></article></body></html>"
    )


def test_hostile_pages_are_extracted_in_time_or_recorded_as_failed(world: World) -> None:
    server = world.server
    hostile = {
        "/deep": _deep_page(10_000),
        "/giant": _giant_line_page(),
        "/invalid": _invalid_bytes_page(),
        "/many": b"<html><body><p>" + b"<span>ab</span> " * 60_000 + b"</p></body></html>",
    }
    for path, body in hostile.items():
        server.route(path, reply(200, body, {"Content-Type": "text/html"}))
    good = [world.url(f"/good{n}.html", "other.test") for n in range(3)]
    for n in range(3):
        server.route(
            f"/good{n}.html", reply(200, _page(f"Good {n}"), {"Content-Type": "text/html"})
        )
    links = [world.url(path) for path in hostile] + good
    server.route("/feed.xml", reply(200, _rss(links), {"Content-Type": "text/xml"}))
    with world.tracker(max_body_bytes=25 * MiB, total_deadline=20.0) as tracker:
        tracker.add_feed(world.url("/feed.xml"))
        started = time.monotonic()
        run = tracker.crawl()
        elapsed = time.monotonic() - started
        with tracker.engine.connect() as conn:
            states = dict(conn.execute(text("select url, state from entries")).all())
            texts = [t for (t,) in conn.execute(text("select title || text from versions"))]
    assert elapsed < 30, elapsed
    assert run.counts.get("article_new", 0) + run.counts.get("article_extract_failed", 0) == 7
    for url in good:
        assert states[url] == "done"
    assert all(state in ("done", "failed") for state in states.values()), states
    assert not any("\x00" in t or "\x01" in t or "\x1b" in t for t in texts)
    assert max(len(t) for t in texts) <= 500_100  # the 20 MB line is cut to a bounded text


def test_a_proxy_named_in_the_environment_is_never_used(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LocalServer() as proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.setenv(name, proxy.url("/"))
        world.server.route("/feed.xml", reply(200, _rss([]), {"Content-Type": "text/xml"}))
        with world.tracker() as tracker:
            tracker.add_feed(world.url("/feed.xml"))
            assert tracker.crawl().counts == {"feed_unchanged": 1}
        assert proxy.hits() == 0
    assert world.server.hits("/feed.xml") == 1
