"""WARC files built locally for tests and benchmarks: the demo web as an archive kept it, and
generated archives of any size.

`write_demo_warc` visits every article of the demo web at each of the demo crawl's moments (no
server: the site's answers are computed) and keeps what an archiving crawler keeps: a response
record whenever a page is new or changed, and the 404/410/redirect that ends it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracker.demo.corpus import Corpus, load_corpus
from tracker.demo.run import STEP_HOURS, TAIL_HOURS, corpus_hours
from tracker.demo.web import DemoSite
from tracker.web.warc import ArchivedPage, write_warc

__all__ = ["demo_bases", "generated_pages", "write_demo_warc", "write_generated_warc"]

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
