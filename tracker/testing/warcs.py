"""WARC files built locally for tests and benchmarks: the demo web as an archive kept it, and
generated archives of any size.

`write_demo_warc` visits every article of the demo web at each of the demo crawl's moments (no
server: the site's answers are computed) and keeps what an archiving crawler keeps: a response
record whenever a page is new or changed, and the 404/410/redirect that ends it.
`write_ccnews_warc` writes the same captures in the record layout of Common Crawl's CC-NEWS
files, so that the README's backfill commands can be checked without the internet.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracker.demo.corpus import Corpus, load_corpus
from tracker.demo.run import STEP_HOURS, TAIL_HOURS, corpus_hours
from tracker.demo.web import DemoSite
from tracker.web.warc import ArchivedPage, write_warc

__all__ = [
    "demo_bases",
    "generated_pages",
    "write_ccnews_warc",
    "write_demo_warc",
    "write_generated_warc",
]

_GONE = object()


def demo_bases(corpus: Corpus) -> dict[str, str]:
    """The base URL of every demo outlet in an archive (the hosts, without the demo's port)."""
    return {outlet.slug: f"http://{outlet.host}" for outlet in corpus.outlets}


def _demo_pages(corpus: Corpus, step: timedelta, until: datetime) -> Iterator[ArchivedPage]:
    bases = demo_bases(corpus)
    site = DemoSite(corpus, bases)
    last: dict[str, object] = {}
    moment = corpus.start
    while moment <= until:
        for article in corpus.articles:
            outlet = corpus.outlet(article.outlet)
            url = bases[outlet.slug] + article.path
            answer = site.answer(outlet.host, article.path, moment)
            if answer.status == 200:
                if last.get(url) != answer.body:
                    last[url] = answer.body
                    yield ArchivedPage(url, moment, 200, answer.body, answer.content_type)
            elif url in last and last[url] is not _GONE:
                last[url] = _GONE
                yield ArchivedPage(
                    url, moment, answer.status, answer.body, answer.content_type, answer.location
                )
        moment += step


def write_demo_warc(
    path: Path,
    corpus: Corpus | None = None,
    *,
    step_hours: float = STEP_HOURS,
    tail_hours: float = TAIL_HOURS,
) -> int:
    """The demo web's articles, visited every `step_hours` through the demo's week; records."""
    story = corpus or load_corpus()
    until = story.start + timedelta(hours=corpus_hours(story) + tail_hours)
    pages = _demo_pages(story, timedelta(hours=step_hours), until)
    with path.open("wb") as out:
        return write_warc(out, pages, info={"description": "the demo web"}, filename=path.name)


def write_ccnews_warc(
    path: Path,
    corpus: Corpus | None = None,
    *,
    step_hours: float = STEP_HOURS,
    tail_hours: float = TAIL_HOURS,
) -> int:
    """The captures of `write_demo_warc` in CC-NEWS's record layout; how many responses.

    As Common Crawl writes them: WARC/1.0, one gzip member per record, a warcinfo record first
    (software, format, isPartOf and the like as `key: value` lines), then response records with
    WARC-Target-URI, WARC-Date, WARC-Record-ID, WARC-Warcinfo-ID, WARC-IP-Address, the block
    and payload digests and WARC-Identified-Payload-Type, each holding the HTTP status line, the
    server's headers and the HTML. Common Crawl stores the payload decoded and unchunked and
    keeps the server's Content-Encoding, Transfer-Encoding and Content-Length under an
    `X-Crawler-` prefix, with a Content-Length of the stored payload: so here too (a reader that
    undid a gzip named in `X-Crawler-Content-Encoding` would break every page).
    """
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    story = corpus or load_corpus()
    until = story.start + timedelta(hours=corpus_hours(story) + tail_hours)
    written = 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="WARC/1.0")
        info = writer.create_warcinfo_record(
            path.name,
            {
                "software": "StormCrawler 1.18 https://stormcrawler.net/",
                "format": "WARC File Format 1.0",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                "warc-format/warc-1.0/",
                "description": "News crawl for Common Crawl (the demo web, for tests)",
                "isPartOf": "CC-NEWS",
                "operator": "Common Crawl Admin (info@commoncrawl.org)",
                "robots": "checked via crawler-commons 1.1 (https://github.com/crawler-commons/)",
            },
        )
        writer.write_record(info)
        info_id = info.rec_headers.get_header("WARC-Record-ID")
        for page in _demo_pages(story, timedelta(hours=step_hours), until):
            body = page.body
            stamp = page.captured_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
            fields = [
                ("Date", stamp),
                ("Server", "nginx"),
                ("Content-Type", page.content_type),
                ("X-Crawler-Content-Encoding", "gzip"),
                ("X-Crawler-Content-Length", str(len(gzip.compress(body, mtime=0)))),
                ("Content-Length", str(len(body))),
                ("Vary", "Accept-Encoding"),
            ]
            if page.location:
                fields.append(("Location", page.location))
            reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found", 410: "Gone"}
            http = StatusAndHeaders(
                f"{page.status} {reason.get(page.status, '')}".strip(), fields, "HTTP/1.1"
            )
            digest = base64.b32encode(hashlib.sha1(body, usedforsecurity=False).digest())
            kind = page.content_type.split(";", 1)[0]
            record = writer.create_warc_record(
                page.url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http,
                warc_headers_dict={
                    "WARC-Date": page.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "WARC-Record-ID": f"<urn:uuid:{uuid.uuid4()}>",
                    "WARC-Warcinfo-ID": info_id,
                    "WARC-IP-Address": "192.0.2.1",
                    "WARC-Payload-Digest": "sha1:" + digest.decode(),
                    "WARC-Identified-Payload-Type": kind,
                },
            )
            writer.write_record(record)
            written += 1
    return written


_SYLLABLES = "ka lo mi ne ru sa to vi ba de fo gu ha ji ko lu ma ni po re si tu".split()


def generated_pages(count: int, *, seed: int = 7, paragraphs: int = 12) -> list[bytes]:
    """`count` distinct news-like HTML pages of generated words.

    A vocabulary of a few thousand made-up words, so that two pages share words about as
    often as two unrelated news articles do (a small vocabulary would make every page a
    candidate source of every other for linking).
    """
    rng = random.Random(seed)
    words = sorted({"".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))) for _ in range(6000)})
    pages = []
    for n in range(count):
        title = " ".join(rng.choices(words, k=7)).capitalize()
        body = "".join(
            "<p>" + " ".join(rng.choices(words, k=rng.randint(25, 60))).capitalize() + ".</p>"
            for _ in range(paragraphs)
        )
        pages.append(
            (
                f"<!doctype html><html><head><title>{title}</title>"
                f'<meta property="article:published_time" content="2024-05-0{1 + n % 9}T08:00:00Z">'
                f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>"
                f"{body}</article><footer>Generated page {n}</footer></body></html>"
            ).encode()
        )
    return pages


def write_generated_warc(
    path: Path,
    pages: Sequence[bytes],
    *,
    size: int = 0,
    filler: int = 0,
    start: datetime = datetime(2024, 5, 1, tzinfo=UTC),
) -> int:
    """Each page as a response of its own host; with `size`, pages again under new URLs (and a
    `filler`-byte non-HTML record after each, as crawls keep images) until `size` bytes."""

    def records() -> Iterator[ArchivedPage]:
        written, n = 0, 0
        while n < len(pages) or written < size:
            body = pages[n % len(pages)]
            at = start + timedelta(seconds=n)
            yield ArchivedPage(f"https://site{n % 97}.example/news/{n}.html", at, 200, body)
            written += len(body)
            if filler and size:
                blob = random.Random(n).randbytes(filler)
                image = f"https://cdn{n % 97}.example/{n}.jpg"
                yield ArchivedPage(image, at, 200, blob, "image/jpeg")
                written += filler
            n += 1

    with path.open("wb") as out:
        return write_warc(out, records(), info={"description": "generated"}, filename=path.name)
