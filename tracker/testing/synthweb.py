"""A generated web of many sites, served on 127.0.0.1, for tests and throughput benchmarks.

Each site `siteN.test` has feeds and article pages whose text is generated from a seed, so two
servers built from the same spec serve the same bytes. Hosts are told apart by the Host header;
`resolver()` maps every `*.test` name to 127.0.0.1. An optional latency is added to every answer.
"""

from __future__ import annotations

import hashlib
import html
import multiprocessing
import random
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops SYNs when a crawler opens many connections
    # at once, and each dropped one costs the client a 1 s retransmit.
    request_queue_size = 128
    daemon_threads = True


__all__ = [
    "SynthSpec",
    "SynthWeb",
    "build_pages",
    "resolver",
    "rss_feed",
    "serve_synth",
    "serve_synth_in_process",
]

_WORDS = tuple(
    (
        "the of and to in a is that for on with as was by at from his her an be this are have "
        "not but had they which one you were all we their there been has more when will would "
        "who so market council report company year city government police court school water "
        "energy officials said announced project million percent minister residents week plan "
        "program data system service health study team election budget workers price local "
        "state national new first last public after before during while under over between "
        "against through "
    ).split()
)


@dataclass(frozen=True, slots=True)
class SynthSpec:
    """The shape of a generated web."""

    sites: int = 10
    feeds_per_site: int = 1
    articles_per_feed: int = 5
    paragraphs: int = 6
    seed: int = 7
    latency: float = 0.0  # seconds added to every answer
    start: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SynthWeb:
    """A running generated web: its port and its feed URLs."""

    port: int
    feed_urls: tuple[str, ...]
    requests: Callable[[], int]
    put: Callable[[str, str, bytes | None], None]  # host, path, body (None: answer 404)
    log: Callable[[], list[tuple[str, float]]]  # (host, monotonic start time) of every request


def _text(rng: random.Random, paragraphs: int) -> list[str]:
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(rng.randint(3, 6)):
            words = rng.choices(_WORDS, k=rng.randint(8, 20))
            sentences.append(" ".join(words).capitalize() + ".")
        out.append(" ".join(sentences))
    return out


def _article_html(title: str, paragraphs: list[str], published: datetime, url: str) -> bytes:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title><link rel="canonical" href="{html.escape(url)}">
<meta property="article:published_time" content="{published.isoformat()}"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>{html.escape(title)}</h1><p class="byline">By Staff Writer</p>
<time datetime="{published.isoformat()}">{published:%d %B %Y}</time>
{body}</article><footer>Generated test site</footer></body></html>"""
    return page.encode()


def rss_feed(site: str, items: Sequence[tuple[str, str, datetime]]) -> bytes:
    """An RSS 2.0 feed of `site` listing the items (title, URL, published)."""
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(u)}</link>"
        f"<guid>{html.escape(u)}</guid><pubDate>{format_datetime(d)}</pubDate></item>"
        for t, u, d in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{html.escape(site)}</title><link>http://{site}/</link>{entries}</channel></rss>"
    ).encode()


def build_pages(spec: SynthSpec, port: int) -> tuple[dict[tuple[str, str], bytes], list[str]]:
    """Every (host, path) -> body of the generated web, and its feed URLs."""
    rng = random.Random(spec.seed)
    pages: dict[tuple[str, str], bytes] = {}
    feeds: list[str] = []
    for s in range(spec.sites):
        host = f"site{s}.test"
        base = f"http://{host}:{port}"
        pages[(host, "/robots.txt")] = b"User-agent: *\nAllow: /\n"
        for f in range(spec.feeds_per_site):
            items = []
            for a in range(spec.articles_per_feed):
                path = f"/news/{f}/{a}.html"
                published = spec.start - timedelta(hours=a + f)
                title = f"{host} story {f}-{a}: " + " ".join(rng.choices(_WORDS, k=5))
                paragraphs = _text(rng, spec.paragraphs)
                pages[(host, path)] = _article_html(title, paragraphs, published, base + path)
                items.append((title, base + path, published))
            pages[(host, f"/feed{f}.xml")] = rss_feed(host, items)
            feeds.append(f"{base}/feed{f}.xml")
    return pages, feeds


def resolver() -> Callable[[str, int], Awaitable[list[str]]]:
    """A resolver that sends every *.test name to 127.0.0.1 and knows no other name."""

    async def resolve(host: str, _port: int) -> list[str]:
        if host.endswith(".test") or host == "127.0.0.1":
            return ["127.0.0.1"]
        return []

    return resolve


@contextmanager
def serve_synth(spec: SynthSpec) -> Iterator[SynthWeb]:
    """Serve the generated web on 127.0.0.1 (a free port) until the block ends."""
    pages: dict[tuple[str, str], bytes] = {}
    count = [0]
    starts: list[tuple[str, float]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        # Headers and body leave in separate writes; with Nagle on, a keep-alive client
        # waits out the peer's delayed ACK (~40 ms) on every request.
        disable_nagle_algorithm = True
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0]
            with lock:
                count[0] += 1
                starts.append((host, time.monotonic()))
            if spec.latency:
                time.sleep(spec.latency)
            body = pages.get((host, self.path))
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            kind = "application/rss+xml" if self.path.endswith(".xml") else "text/html"
            if self.path.endswith(".txt"):
                kind = "text/plain"
            self.send_response(200)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: tests and benchmarks print their own figures

    server = _Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    built, feeds = build_pages(spec, port)
    pages.update(built)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:

        def put(host: str, path: str, body: bytes | None) -> None:
            if body is None:
                pages.pop((host, path), None)
            else:
                pages[(host, path)] = body

        def log() -> list[tuple[str, float]]:
            with lock:
                return list(starts)

        yield SynthWeb(
            port=port, feed_urls=tuple(feeds), requests=lambda: count[0], put=put, log=log
        )
    finally:
        server.shutdown()
        server.server_close()


def _serve_child(spec: SynthSpec, extra: dict[tuple[str, str], bytes], conn: Connection) -> None:
    with serve_synth(spec) as web:
        for (host, path), body in extra.items():
            web.put(host, path, body)
        conn.send((web.port, web.feed_urls))
        conn.recv()  # wait for the parent's word to stop
        conn.send(web.requests())


@contextmanager
def serve_synth_in_process(
    spec: SynthSpec, extra: dict[tuple[str, str], bytes] | None = None
) -> Iterator[SynthWeb]:
    """Serve the generated web (plus `extra` pages) from a child process, off the crawler's CPU."""
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_child, args=(spec, extra or {}, child), daemon=True
    )
    process.start()
    port, feeds = parent.recv()
    counted: list[int] = []

    def requests() -> int:
        return counted[0] if counted else -1

    def unsupported(*_args: object) -> None:
        raise NotImplementedError("a web served from another process cannot be changed")

    try:
        yield SynthWeb(port, feeds, requests, unsupported, lambda: [])
    finally:
        parent.send("stop")
        counted.append(parent.recv())
        process.join(timeout=10)
