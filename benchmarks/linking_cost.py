"""The cost of linking one new article as the store grows, beside comparing it with everything.

For each size (1k, 10k and 100k stored articles by default) the store holds that many linked
background articles: generated texts of ~250 words, 200 outlets, first seen at a steady 1,000
articles a day (so a larger store is a longer history, as a tracker's store grows), each with
its `link_state` row and its 80 band rows. The background's band hashes are random 64-bit
numbers rather than real MinHash values: fingerprinting 100k texts would take ~5 minutes on
this machine, and unrelated texts almost never share a band anyway. Then a batch of new
articles is stored through the repository (stories of an original, a verbatim copy, a partial
copy with its own paragraphs, a copy of that copy, a rewrite that credits the original's
outlet, and an unrelated article) and the linking stage runs on it exactly as `tracker crawl`
runs it, with cold caches. Printed per size and backend: milliseconds per new article (the
stage's wall time over the batch), candidates compared per article, peak traced memory of the
stage on a second batch (tracemalloc, which slows it, so it is timed apart), and all-pairs:
the same comparison against every stored article, estimated from timing a sample of 200 pairs
(preparing each stored text, as a run without an index must) times the store's size; at the
first size one article is also compared with all of them for real, to check the estimate.

SQLite always; PostgreSQL too when the server of the test suite answers (TRACKER_TEST_POSTGRES_URL,
default postgresql+psycopg://postgres@127.0.0.1:5432/test); a scratch database is made and
dropped. Takes about three minutes on two cores with the default sizes.

Usage: python benchmarks/linking_cost.py [--sizes 1000,10000,100000] [--batch 30] [--no-postgres]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import CountingStage, move_sequences, scratch_postgres, write_rows
from _report import emit, load
from sqlalchemy import Engine, text

from tracker.config import LinkSettings
from tracker.domain import Extracted
from tracker.domain.crawl import NewArticle, StoredPage
from tracker.linking.choose import link_article
from tracker.linking.compare import Candidate
from tracker.linking.fingerprint import COPY_BAND_BASE, TERM_BAND_BASE
from tracker.pipeline.linking_stage import LinkingStage
from tracker.store import Store, make_engine, upgrade

START = datetime(2026, 1, 1, tzinfo=UTC)
PER_DAY = 1000
OUTLETS = 200
SAMPLE_PAIRS = 200


class Words:
    """Made-up words with Zipf-like frequencies, and texts of sentences and paragraphs."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        letters = "abcdefghijklmnopqrstuvwxyz"
        self.words = [
            "".join(self.rng.choice(letters) for _ in range(self.rng.randint(3, 9)))
            for _ in range(20_000)
        ]
        self.cumulative: list[float] = []
        total = 0.0
        for rank in range(len(self.words)):
            total += 1.0 / (rank + 1) ** 0.9
            self.cumulative.append(total)

    def sentence(self, names: Sequence[str] = ()) -> str:
        """One sentence of 12-28 words, sprinkled with the story's names."""
        body = self.rng.choices(self.words, cum_weights=self.cumulative, k=self.rng.randint(12, 28))
        for name in names:
            if self.rng.random() < 0.4:
                body[self.rng.randrange(1, len(body))] = name
        return body[0].capitalize() + " " + " ".join(body[1:]) + "."

    def paragraphs(self, count: int, names: Sequence[str] = ()) -> list[str]:
        """`count` paragraphs of three to five sentences."""
        return [
            " ".join(self.sentence(names) for _ in range(self.rng.randint(3, 5)))
            for _ in range(count)
        ]


@dataclass(frozen=True, slots=True)
class NewText:
    """A new article of a batch."""

    url: str
    text: str
    offset: timedelta  # after the batch's start


def story(words: Words, number: int, outlets: Sequence[str]) -> list[NewText]:
    """One story's articles: original, copy, partial copy, its copy, a credit, and a stranger."""
    names = [f"Name{number}x{i}".capitalize() for i in range(4)]
    original = words.paragraphs(7, names)
    partial = original[:4] + words.paragraphs(3, names)
    credit = words.paragraphs(2, names)
    pick = words.rng.sample(range(OUTLETS), 6)
    host = [f"outlet{p}.example" for p in pick]
    credit_line = f"The story was first reported by {outlets[pick[0]]}."
    texts = [
        "\n".join(original),
        "\n".join([words.sentence(names), *original]),
        "\n".join(partial),
        "\n".join([*partial, words.sentence(names)]),
        "\n".join([credit[0], credit_line, *original[1:3], credit[1]]),
        "\n".join(words.paragraphs(6)),
    ]
    return [
        NewText(f"https://{host[i]}/n{number}/{i}", body, timedelta(minutes=30 * i))
        for i, body in enumerate(texts)
    ]


def page(url: str, body: str, when: datetime) -> StoredPage:
    """A fetched page as the crawl stores it."""
    return StoredPage(url, url, 200, when, Extracted(text=body, title=body[:60]),
                      uuid.uuid4().hex, b"", None, None)  # fmt: skip


class Background:
    """Grows the store with linked background articles, in bulk."""

    def __init__(self, engine: Engine, words: Words) -> None:
        self.engine = engine
        self.words = words
        self.count = 0
        self.rng = random.Random(11)

    def grow(self, target: int) -> None:
        """Add background articles until the store holds `target` of them."""
        with self.engine.begin() as conn:
            next_id = (
                conn.execute(text("select coalesce(max(id), 0) from articles")).scalar() or 0
            ) + 1
            next_version = (
                conn.execute(text("select coalesce(max(id), 0) from versions")).scalar() or 0
            ) + 1
            outlet_ids = [
                row[0] for row in conn.execute(text("select id from outlets order by id"))
            ]
        rows: dict[str, list[tuple[Any, ...]]] = {
            "articles": [], "article_urls": [], "versions": [], "link_state": [], "link_bands": []
        }  # fmt: skip
        while self.count < target:
            article, version = next_id, next_version
            next_id, next_version = next_id + 1, next_version + 1
            outlet = outlet_ids[self.count % OUTLETS]
            url = f"https://outlet{self.count % OUTLETS}.example/b/{self.count}"
            seen = START + timedelta(days=self.count / PER_DAY)
            body = "\n".join(self.words.paragraphs(3))
            rows["articles"].append((article, url, url, outlet, body[:60], seen, "live", 0))
            rows["article_urls"].append((url, article))
            rows["versions"].append((version, article, 1, seen, 200, url, uuid.uuid4().hex, body))
            rows["link_state"].append((article, version, seen, "[]", "[]", False))
            bands = [COPY_BAND_BASE + b for b in range(64)] + [
                TERM_BAND_BASE + b for b in range(16)
            ]
            rows["link_bands"].extend(
                (article, band, self.rng.getrandbits(64) - 2**63, version) for band in bands
            )
            self.count += 1
        _bulk(self.engine, rows)


_COLUMNS = {
    "articles": "id, url, fetch_url, outlet_id, title, first_seen, state, check_count",
    "article_urls": "url, article_id",
    "versions": "id, article_id, seq, fetched_at, http_status, final_url, content_hash, text",
    "link_state": "article_id, version_id, linked_at, boilerplate, unresolved, relink",
    "link_bands": "article_id, band, hash, version_id",
}
_EMPTY_DEFAULTS = {  # NOT NULL columns the bulk rows leave to these values
    "versions": "title = '', byline = '', site_name = '', links = '[]', corrections = '[]', "
    "raw_size = 0",
}


def _bulk(engine: Engine, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    """Insert rows with the driver's fastest path; the band index is rebuilt once afterwards."""
    with engine.begin() as conn:
        conn.execute(text("drop index if exists ix_link_bands_lookup"))
        for table, values in rows.items():
            columns = _COLUMNS[table]
            if table == "versions":
                columns += ", title, byline, site_name, links, corrections, raw_size"
                values = [(*v, "", "", "", "[]", "[]", 0) for v in values]
            write_rows(conn, table, columns, values)
        conn.execute(
            text("create index ix_link_bands_lookup on link_bands (band, hash, article_id)")
        )
        move_sequences(conn, ("articles", "versions"))
        if engine.dialect.name == "postgresql":
            conn.execute(text("analyze"))


@dataclass(frozen=True, slots=True)
class Figures:
    """One size's measurements."""

    size: int
    ms_per_article: float
    median_ms: float  # of one article's unit of work: steadier than the mean on a busy machine
    candidates: float
    peak_mib: float
    all_pairs_ms: float


def _store_batch(store: Store, words: Words, stories: int, when: datetime, first: int) -> int:
    """Store `stories` stories as new articles; returns how many articles."""
    outlets = [o.name for o in sorted(store.list_outlets(), key=lambda o: o.id)]
    items = [
        NewArticle(item.url, page(item.url, item.text, when + item.offset), None, None,
                   when + item.offset)
        for number in range(first, first + stories)
        for item in story(words, number, outlets)
    ]  # fmt: skip
    store.save_new_articles(items)
    return len(items)


def _all_pairs_ms(store: Store, words: Words, settings: LinkSettings, size: int) -> float:
    """Milliseconds to compare one new article with `size` stored ones, from a timed sample."""
    sample = min(SAMPLE_PAIRS, size)
    with store.engine.connect() as conn:
        query = text("select text from versions order by random() limit :n")
        bodies = [row[0] for row in conn.execute(query, {"n": sample})]
    from tracker.domain import ArticleRef

    article = ArticleRef(10**9, "https://new.example/x", "new.example", START + timedelta(days=999))
    candidates = [
        Candidate(ArticleRef(i + 1, f"https://o.example/{i}", "o.example", START), body)
        for i, body in enumerate(bodies)
    ]
    new_text = "\n".join(words.paragraphs(7))
    link_article(article, new_text, candidates[:20], settings)  # warm the per-process caches
    timings = []
    for _ in range(3):  # the least disturbed of three runs: other processes share the cores
        started = time.perf_counter()
        link_article(article, new_text, candidates, settings)
        timings.append(time.perf_counter() - started)
    per_pair = min(timings) / len(candidates)
    return 1000 * per_pair * size


def _measure(
    store: Store, words: Words, settings: LinkSettings, size: int, stories: int, clock: list[int]
) -> Figures:
    """Link one timed batch and one traced batch of new articles into a store of `size`."""
    when = START + timedelta(days=size / PER_DAY + 1)
    count = _store_batch(store, words, stories, when, clock[0])
    clock[0] += stories
    stage = CountingStage(settings)
    started = time.perf_counter()
    stage.run(store, when + timedelta(hours=4))
    elapsed = time.perf_counter() - started
    compared = statistics.mean(stage.compared) if stage.compared else 0.0
    count_b = _store_batch(store, words, stories, when + timedelta(hours=5), clock[0])
    clock[0] += stories
    traced = LinkingStage(settings)
    tracemalloc.start()
    traced.run(store, when + timedelta(hours=9))
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    assert count_b == count
    return Figures(
        size,
        1000 * elapsed / count,
        1000 * statistics.median(stage.seconds),
        compared,
        peak,
        _all_pairs_ms(store, words, settings, size),
    )


def _check_estimate(
    store: Store, words: Words, settings: LinkSettings, size: int
) -> tuple[float, float]:
    """(estimated, measured) ms to compare one article with every stored one, at this size."""
    with store.engine.connect() as conn:
        bodies = [row[0] for row in conn.execute(text("select text from versions"))]
    from tracker.domain import ArticleRef

    article = ArticleRef(10**9, "https://new.example/y", "new.example", START + timedelta(days=999))
    candidates = [
        Candidate(ArticleRef(i + 1, f"https://o.example/{i}", "o.example", START), body)
        for i, body in enumerate(bodies)
    ]
    new_text = "\n".join(words.paragraphs(7))
    started = time.perf_counter()
    link_article(article, new_text, candidates, settings)
    measured = 1000 * (time.perf_counter() - started)
    return _all_pairs_ms(store, words, settings, len(bodies)), measured


def run_backend(
    engine: Engine, label: str, sizes: Sequence[int], stories: int
) -> dict[str, object]:
    """Grow one database through the sizes and print the figures."""
    settings = LinkSettings()
    upgrade(engine)
    store = Store(engine)
    for i in range(OUTLETS):
        store.ensure_outlet(f"outlet{i}.example", name=f"Outlet {i} Gazette", now=START)
    words = Words(3)
    background = Background(engine, words)
    clock = [0]
    print(f"\n{label}")
    print(f"{'stored':>8}{'build s':>9}{'ms/new':>8}{'median':>8}{'cands':>7}{'peak MiB':>10}"
          f"{'all-pairs ms':>14}{'x faster':>10}")  # fmt: skip
    measured: list[Figures] = []
    for size in sizes:
        started = time.perf_counter()
        background.grow(size)
        built = time.perf_counter() - started
        figures = _measure(store, words, settings, size, stories, clock)
        measured.append(figures)
        print(
            f"{size:>8}{built:>9.1f}{figures.ms_per_article:>8.1f}{figures.median_ms:>8.1f}"
            f"{figures.candidates:>7.1f}"
            f"{figures.peak_mib:>10.1f}{figures.all_pairs_ms:>14.0f}"
            f"{figures.all_pairs_ms / figures.ms_per_article:>10.0f}"
        )
        if size == sizes[0]:
            estimate, actual = _check_estimate(store, words, settings, size)
            print(f"{'':>8}  all-pairs at {size}: estimated {estimate:.0f} ms, "
                  f"measured {actual:.0f} ms (one article against every stored text)")  # fmt: skip
    if len(measured) > 1:
        mean = measured[-1].ms_per_article / measured[0].ms_per_article
        median = measured[-1].median_ms / measured[0].median_ms
        print(f"per new article at {sizes[-1]} stored / at {sizes[0]}: {mean:.2f}x (mean), "
              f"{median:.2f}x (median); goal: <= 1.5x (issue 14)")  # fmt: skip
    out: dict[str, object] = {
        str(f.size): {"ms_per_article": round(f.ms_per_article, 2),
                      "median_ms": round(f.median_ms, 2), "candidates": round(f.candidates, 1),
                      "peak_mib": round(f.peak_mib, 1)}
        for f in measured
    }  # fmt: skip
    if len(measured) > 1:
        out["ratio_last_to_first_mean"] = round(mean, 3)
        out["ratio_last_to_first_median"] = round(median, 3)
    return out


def main() -> None:
    """Run the sizes on SQLite, then on PostgreSQL when reachable."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--batch", type=int, default=5, help="stories (6 articles each) per batch")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"new articles per timed batch: {6 * args.batch}; sizes: {sizes}")
    load_before = load()
    figures: dict[str, object] = {"batch_articles": 6 * args.batch}
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        figures["sqlite"] = run_backend(engine, "SQLite", sizes, args.batch)
        engine.dispose()
    if not args.no_postgres:
        with scratch_postgres() as pg:
            if pg is not None:
                figures["postgresql"] = run_backend(pg, "PostgreSQL", sizes, args.batch)
    emit("linking_cost", figures, load_before=load_before)


if __name__ == "__main__":
    main()
