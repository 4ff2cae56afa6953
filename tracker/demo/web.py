"""The demo's local web: every fictional outlet on one 127.0.0.1 server, answering as of a clock."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from tracker.clock import Clock, utc
from tracker.demo.corpus import Corpus, DemoArticle, DemoOutlet, Takedown, load_corpus
from tracker.demo.render import HTML, SiteRenderer, section_slug

__all__ = [
    "Answer",
    "DemoSite",
    "DemoWeb",
    "demo_resolver",
    "load_corpus",
    "serve_demo",
]

LOOPBACK = "127.0.0.1"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class DemoWeb:
    """A running demo web: its port and the served base URL of every outlet."""

    base_port: int
    hosts: dict[str, str] = field(hash=False)  # outlet slug -> "http://host.test:PORT"

    def url(self, outlet_slug: str, path: str = "/") -> str:
        """An absolute URL on one outlet's host."""
        return f"{self.hosts[outlet_slug]}{path}"

    def article_url(self, article: DemoArticle) -> str:
        """The served URL of a corpus article."""
        return self.url(article.outlet, article.path)

    def feed_url(self, outlet: DemoOutlet) -> str:
        """The served URL of an outlet's feed."""
        return self.url(outlet.slug, outlet.feed_path)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the demo web answers to one request, before conditional GET and compression."""

    status: int
    body: bytes = b""
    content_type: str = HTML
    last_modified: datetime | None = None  # set on documents that support conditional GET
    location: str | None = None


class DemoSite:
    """Decides the answer to a request for a host and path at a moment (pure)."""

    def __init__(self, corpus: Corpus, bases: Mapping[str, str]) -> None:
        self._corpus = corpus
        self._render = SiteRenderer(corpus, bases)
        self._outlets = {outlet.host: outlet for outlet in corpus.outlets}

    def _error(self, status: HTTPStatus, message: str, outlet: DemoOutlet | None) -> Answer:
        home = self._render.home_url(outlet) if outlet else None
        body = self._render.error_page(status.value, status.phrase, message, home)
        return Answer(status.value, body)

    def _article(
        self, outlet: DemoOutlet, article: DemoArticle, amp: bool, moment: datetime
    ) -> Answer:
        version = article.version_at(moment)
        if version is None:
            return self._error(HTTPStatus.NOT_FOUND, "No such page.", outlet)
        if article.is_taken_down(moment):
            if article.takedown is Takedown.REDIRECT_HOME:
                home = self._render.home_url(outlet)
                return Answer(HTTPStatus.MOVED_PERMANENTLY.value, b"", TEXT, location=home)
            gone = article.takedown is Takedown.GONE
            status = HTTPStatus.GONE if gone else HTTPStatus.NOT_FOUND
            return self._error(status, "This article has been removed.", outlet)
        page = self._render.article_page(article, version, amp=amp)
        return Answer(200, page.body, page.content_type, page.last_modified)

    def answer(self, host: str, target: str, moment: datetime) -> Answer:
        """The answer to GET `target` (path and query) on `host` (a Host header) at `moment`."""
        outlet = self._outlets.get(_host_name(host))
        if outlet is None:
            return self._error(HTTPStatus.NOT_FOUND, f"Unknown host {host!r}.", None)
        path = unquote(urlsplit(target).path) or "/"
        if path == "/robots.txt":
            return Answer(200, outlet.robots.encode("utf-8"), TEXT, self._corpus.start)
        if path == outlet.feed_path:
            if outlet.feed_gone_at is not None and moment >= outlet.feed_gone_at:
                return self._error(HTTPStatus.GONE, "This feed is no longer published.", outlet)
            feed = self._render.feed(outlet, moment)
            return Answer(200, feed.body, feed.content_type, feed.last_modified)
        if path == "/":
            page = self._render.index_page(outlet, moment, None)
            return Answer(200, page.body, page.content_type, page.last_modified)
        trimmed = path.rstrip("/")
        for section in outlet.sections:
            if trimmed == f"/{section_slug(section)}":
                page = self._render.index_page(outlet, moment, section)
                return Answer(200, page.body, page.content_type, page.last_modified)
        for article in self._corpus.articles_of(outlet.slug):
            if trimmed == article.path:
                return self._article(outlet, article, False, moment)
            if outlet.amp and trimmed == f"{article.path}/amp":
                return self._article(outlet, article, True, moment)
        return self._error(HTTPStatus.NOT_FOUND, "No such page.", outlet)


def _host_name(host_header: str) -> str:
    """The host of a Host header, without port, lower-cased."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def entity_tag(body: bytes) -> str:
    """A weak ETag from the body's hash (weak: the gzip and identity encodings share it)."""
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def _http_date(moment: datetime) -> str:
    return format_datetime(utc(moment), usegmt=True)


def is_not_modified(headers: Message, etag: str, last_modified: datetime) -> bool:
    """True when the request's validators show the client already has this document."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2); weak comparison.
        wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in wanted or etag.removeprefix("W/") in wanted
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since is None:
        return False
    try:
        since = utc(parsedate_to_datetime(if_modified_since))
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as the RFC asks
    return utc(last_modified).replace(microsecond=0) <= since


def accepts_gzip(accept_encoding: str | None) -> bool:
    """True when the Accept-Encoding header allows gzip."""
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in {"gzip", "x-gzip", "*"}:
            quality = params.strip().removeprefix("q=").strip()
            try:
                return not quality or float(quality) > 0
            except ValueError:
                return False
    return False


class _DemoServer(ThreadingHTTPServer):
    """The HTTP server that knows its site and the clock it answers by."""

    # socketserver's default backlog of 5 drops SYNs when a crawler opens many connections
    # at once, and each dropped one costs the client a 1 s retransmit.
    request_queue_size = 128

    daemon_threads = True

    def __init__(self, clock: Clock) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.clock = clock
        self.site: DemoSite | None = None


class _Handler(BaseHTTPRequestHandler):
    """Turns a site's answer into HTTP: validators, 304, gzip, redirects."""

    # Headers and body leave in separate writes; with Nagle on, a keep-alive client
    # waits out the peer's delayed ACK (~40 ms) on every request.
    disable_nagle_algorithm = True

    protocol_version = "HTTP/1.1"
    server_version = "DemoWeb/1.0"

    def do_GET(self) -> None:
        """Answer a GET."""
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        """Answer a HEAD."""
        self._serve(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the demo's requests would drown the crawler's output."""

    def _serve(self, *, send_body: bool) -> None:
        server = self.server
        if not isinstance(server, _DemoServer) or server.site is None:
            self.send_error(HTTPStatus.SERVICE_UNAVAILABLE)
            return
        answer = server.site.answer(self.headers.get("Host", ""), self.path, server.clock.now())
        status, body = answer.status, answer.body
        headers: list[tuple[str, str]] = [("Content-Type", answer.content_type)]
        if answer.location:
            headers.append(("Location", answer.location))
        if status == 200 and answer.last_modified is not None:
            etag = entity_tag(body)
            headers += [("ETag", etag), ("Last-Modified", _http_date(answer.last_modified))]
            if is_not_modified(self.headers, etag, answer.last_modified):
                status, body = 304, b""
        headers.append(("Vary", "Accept-Encoding"))
        if status == 200 and body and accepts_gzip(self.headers.get("Accept-Encoding")):
            body = gzip.compress(body, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        self.send_response(status)
        for name, value in headers:
            if status != 304 or name != "Content-Type":
                self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and status != 304:
            self.wfile.write(body)


@contextmanager
def serve_demo(clock: Clock, corpus: Corpus | None = None) -> Iterator[DemoWeb]:
    """Serve every outlet of the story on one free 127.0.0.1 port while the block runs."""
    story = corpus if corpus is not None else load_corpus()
    server = _DemoServer(clock)
    port = int(server.server_address[1])
    hosts = {outlet.slug: f"http://{outlet.host}:{port}" for outlet in story.outlets}
    server.site = DemoSite(story, hosts)
    thread = threading.Thread(target=server.serve_forever, name="demo-web", daemon=True)
    thread.start()
    try:
        yield DemoWeb(base_port=port, hosts=hosts)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def demo_resolver(corpus: Corpus) -> Callable[[str, int], Awaitable[list[str]]]:
    """A resolver that sends every demo host to 127.0.0.1 and knows no other host."""
    hosts = frozenset(outlet.host for outlet in corpus.outlets)

    async def resolve(host: str, port: int) -> list[str]:
        """The demo server's address for a demo host; [] for any other host."""
        return [LOOPBACK] if host.lower().rstrip(".") in hosts else []

    return resolve
