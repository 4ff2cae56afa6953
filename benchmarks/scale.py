"""Linking, who-repeated and storage as one database grows to 10k, 100k and 1M articles.

One run, per backend (SQLite in a temporary file; PostgreSQL in a scratch database
`trk_scale_<random>` on TRACKER_TEST_POSTGRES_URL, default 127.0.0.1:5432/test, skipped with a
message when the server does not answer), growing the same database through the sizes and
measuring at each one. The backends take turns at each size, so a run cut short by its time
budget still has every backend at the smaller sizes.

Loading (bulk, through the project's own tables): background texts come from
`benchmarks/synth.py` (learned from `--data` when given, else its built-in model; ~450 words
each, 400 outlets plus a wire service, first seen at a steady 1,000 a day), inserted 5,000 at a
time with COPY (PostgreSQL) or executemany (SQLite), with the tables' secondary indexes dropped
during the load and rebuilt after it (on PostgreSQL also the full-text GIN index, then ANALYZE).
Every background article is stored as already linked: its `link_state` row and its 80 band rows
(64 copy + 16 topic bands, the stage's default) are generated in SQL with random hashes, as
`benchmarks/linking_cost.py` does, instead of real MinHash values (fingerprinting 1M texts takes
over an hour on two cores; unrelated texts almost never share a band anyway). Three claims of
`synth.CLAIMS` are planted: 100 carriers each among the first size's articles (a story happens
once; a longer history does not repeat it), and near misses (the claim's topic words without the
claim) in 0.1 % of all articles per claim, so they grow with the corpus as topic words do.

Measured at each size:

- load: seconds to bulk-load the articles added since the previous size;
- claims: `claims add` of the three claims at the first size (full-text index, candidates,
  sentence matching, uptakes); at later sizes only the full-text index sync of the new articles
  (SQLite; PostgreSQL's expression index follows the table), because the claims stage's
  matching grows with the new articles (~45 ms per candidate version, most of it stemming) and
  would not fit the run at 1M: `--claims-catch-up` runs it at every size. The carriers are all
  in the first size, so who-repeated by slug has its whole answer stored either way;
- linking: two batches of three synth stories (27 articles each: original, copy, partial copy,
  paraphrase, chain, wire text and two copies, an independent report) stored through the
  repository and linked by the real `LinkingStage`, as a crawl does: ms per new article (mean
  and median), candidates compared, sources right against the generated truth (both batches),
  and peak memory of the stage on the second batch (tracemalloc, timed apart);
- who-repeated: p50/p95 of the real query for the registered slug (`ai-code`) and for free text
  of the same claim, with carriers found against those planted;
- size: the SQLite file plus its WAL after a checkpoint, or `pg_database_size`; per 1k articles.

Usage: python benchmarks/scale.py [--sizes 10000,100000,1000000] [--backends sqlite,postgres]
                                  [--data ../shared/data] [--quick] [--budget-minutes 40]
                                  [--queries 20] [--claims-catch-up]
A size whose estimated time would overrun the budget is skipped and named at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import math
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import synth
from _common import (
    POSTGRES_URL,
    CountingStage,
    move_sequences,
    percentile,
    scratch_postgres,
    timed,
    write_rows,
)
from _report import emit, load
from sqlalchemy import Connection, Engine, insert, text

from tracker.api.claims import Claims
from tracker.clock import ManualClock
from tracker.config import LinkSettings
from tracker.domain import Extracted
from tracker.domain.crawl import NewArticle, StoredPage
from tracker.linking.fingerprint import COPY_BAND_BASE, TERM_BAND_BASE
from tracker.pipeline.linking_stage import LinkingStage
from tracker.store import Store, make_engine, upgrade
from tracker.store import models as m

CHUNK = 5000  # articles generated and inserted per transaction
OUTLETS = 400
PER_DAY = 1000  # background articles first seen per day
NEAR_MISS_RATE = 0.001  # per article and claim
STORIES = 3  # per linking batch (9 articles each)
BULK_TABLES = ("articles", "article_urls", "versions", "link_state", "link_bands")
ARTICLE_COLUMNS = (
    "id, url, fetch_url, outlet_id, title, first_seen, state, last_checked_at, check_count"
)
VERSION_COLUMNS = (
    "id, article_id, seq, fetched_at, http_status, final_url, content_hash, text, title, "
    "byline, site_name, links, corrections, raw_size"
)
MIB = 2**20


@dataclass
class Step:
    """One backend's figures at one size."""

    stored: int = 0  # every article: the background and the linking batches so far
    background: int = 0  # the bulk-loaded background articles: the size asked for
    load_s: float = 0.0
    claims_s: float = 0.0
    link_ms: float = 0.0
    link_median_ms: float = 0.0
    candidates: float = 0.0
    right: str = ""
    peak_mib: float = 0.0
    slug_p50: float = 0.0
    slug_p95: float = 0.0
    free_p50: float = 0.0
    free_p95: float = 0.0
    free_runs: int = 0
    found: str = ""
    size_mib: float = 0.0
    step_s: float = 0.0

    @property
    def per_1k(self) -> float:
        """MiB per 1,000 stored articles."""
        return self.size_mib / (self.stored / 1000)


@dataclass
class Database:
    """One backend's database, grown through the sizes."""

    label: str
    engine: Engine
    model: synth.TextModel
    seed: int
    carriers: dict[int, tuple[int, int]]  # background article number -> (claim, carrier form)
    queries: int
    catch_up: bool = False  # run the claims stage's matching at every size, not only the first
    count: int = 0  # background articles stored
    next_story: int = 0
    truth: dict[str, str] = field(default_factory=dict)  # ai-code carrier URL -> stance
    steps: list[Step] = field(default_factory=list)
    outlets: list[synth.Outlet] = field(default_factory=list)
    outlet_ids: list[int] = field(default_factory=list)
    registered: bool = False

    @property
    def store(self) -> Store:
        """The repository over this database."""
        return Store(self.engine)

    def setup(self) -> None:
        """Schema, outlets (400 and the wire service) and their feeds."""
        upgrade(self.engine)
        self.outlets = [*synth.make_outlets(OUTLETS, self.seed), synth.WIRE]
        with self.engine.begin() as conn:
            conn.execute(
                insert(m.Outlet),
                [{"name": o.name, "domain": o.host, "aliases": list(o.aliases),
                  "created_at": synth.START} for o in self.outlets],
            )  # fmt: skip
            ids = dict(conn.execute(text("select domain, id from outlets")).all())
            self.outlet_ids = [ids[o.host] for o in self.outlets]
            conn.execute(
                insert(m.Feed),
                [{"url": f.url, "outlet_id": ids[f.host], "title": f.title, "state": "active",
                  "next_poll_at": synth.START, "created_at": synth.START}
                 for f in synth.make_feeds(self.outlets, self.seed)],
            )  # fmt: skip

    def now(self) -> datetime:
        """The time the background has reached."""
        return synth.START + timedelta(days=self.count / PER_DAY)

    # ---------------------------------------------------------------- loading

    def grow(self, target: int) -> float:
        """Bulk-load background articles until `target` are stored; returns the seconds."""
        started = time.perf_counter()
        with self.engine.begin() as conn:
            first_article = _next_id(conn, "articles")
            shift = _next_id(conn, "versions") - first_article  # version id = article id + shift
            indexes = _drop_indexes(conn)
        base = first_article - self.count  # the id of background article n is base + n
        for chunk in range(self.count // CHUNK, math.ceil(target / CHUNK)):
            self._load_chunk(chunk, base + chunk * CHUNK, shift)
        with self.engine.begin() as conn:
            _create_indexes(conn, indexes)
            move_sequences(conn, ("articles", "versions"))
            if conn.dialect.name == "postgresql":
                conn.execute(text("analyze"))
        return time.perf_counter() - started

    def _load_chunk(self, chunk: int, first_id: int, shift: int) -> None:
        """Generate and insert background articles chunk*CHUNK .. (chunk+1)*CHUNK-1."""
        texts = self.model.bulk_texts(CHUNK, self.seed * 1_000_003 + chunk)
        rng = random.Random(self.seed * 7919 + chunk)
        articles, versions = [], []
        for j, body in enumerate(texts):
            n = chunk * CHUNK + j
            outlet = n % len(self.outlets)
            url = f"https://{self.outlets[outlet].host}/a/{n}"
            if n in self.carriers:
                claim, form = self.carriers[n]
                sentence, stance = synth.CLAIMS[claim].carriers[form]
                body = synth.plant(body, sentence, rng)
                if claim == 0:
                    self.truth[url] = stance
            for spec in synth.CLAIMS:
                if rng.random() < NEAR_MISS_RATE:
                    body = synth.plant(body, rng.choice(spec.near_misses), rng)
            seen = synth.START + timedelta(days=n / PER_DAY)
            title = body[: body.find(".") + 1][:120]
            article_id = first_id + j
            articles.append((article_id, url, url, self.outlet_ids[outlet], title, seen, "live",
                             seen, 0))  # fmt: skip
            digest = hashlib.sha256(body.encode()).hexdigest()
            versions.append((article_id + shift, article_id, 1, seen, 200, url, digest, body,
                             title, "", "", "[]", "[]", 0))  # fmt: skip
        last_id = first_id + CHUNK - 1
        bounds = {"lo": first_id, "hi": last_id, "shift": shift}
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Skip the per-row foreign key triggers, as pg_restore --disable-triggers does:
                # the rows are consistent by construction and the checks cost 3/4 of the load.
                conn.execute(text("set local session_replication_role = replica"))
            write_rows(conn, "articles", ARTICLE_COLUMNS, articles)
            write_rows(conn, "versions", VERSION_COLUMNS, versions)
            conn.execute(
                text("insert into article_urls (url, article_id) "
                     "select url, id from articles where id between :lo and :hi"),
                bounds,
            )  # fmt: skip
            conn.execute(
                text("insert into link_state (article_id, version_id, linked_at, boilerplate, "
                     "unresolved, relink) select id, id + :shift, first_seen, '[]', '[]', false "
                     "from articles where id between :lo and :hi"),
                bounds,
            )  # fmt: skip
            conn.execute(text(_bands_sql(conn.dialect.name)), bounds)
        self.count = (chunk + 1) * CHUNK

    # ---------------------------------------------------------------- measuring

    def claims_step(self) -> float:
        """Register the claims (first size), then sync the full-text index, or with
        `catch_up` let the whole claims stage catch up on the new articles; seconds."""
        claims = Claims(self.store, ManualClock(self.now()))
        started = time.perf_counter()
        if not self.registered:
            for spec in synth.CLAIMS:
                claims.add(spec.slug, spec.text)
            self.registered = True
        elif self.catch_up:
            claims.refresh()
        else:
            claims.repo.sync_full_text(claims.repo.max_version_id())
        return time.perf_counter() - started

    def _batch(self, when: datetime) -> list[synth.Doc]:
        """Store one batch of stories through the repository, as a crawl stores them."""
        docs = synth.stories(
            self.model, self.outlets, STORIES, seed=self.seed, start=when, first=self.next_story
        )
        self.next_story += STORIES
        docs.sort(key=lambda d: d.seen)
        self.store.save_new_articles(
            [NewArticle(d.url, _page(d), None, None, d.seen) for d in docs]
        )
        return docs

    def link_step(self, step: Step) -> None:
        """Link a timed batch and a traced batch of new articles; check their sources."""
        settings = LinkSettings()
        when = self.now() + timedelta(hours=1)
        docs = self._batch(when)
        stage = CountingStage(settings)
        started = time.perf_counter()
        stage.run(self.store, when + timedelta(days=1))
        elapsed = time.perf_counter() - started
        step.link_ms = 1000 * elapsed / len(docs)
        step.link_median_ms = 1000 * statistics.median(stage.seconds)
        step.candidates = statistics.mean(stage.compared) if stage.compared else 0.0
        traced_docs = self._batch(when + timedelta(days=1))
        tracemalloc.start()
        LinkingStage(settings).run(self.store, when + timedelta(days=2))
        step.peak_mib = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
        right, total = _sources_right(self.engine, docs + traced_docs)
        step.right = f"{right}/{total}"

    def who_step(self, step: Step) -> None:
        """who-repeated by slug and as free text, against the planted carriers."""
        claims = Claims(self.store, ManualClock(self.now() + timedelta(days=3)))
        spec = synth.CLAIMS[0]
        slug = timed(lambda: claims.who_repeated(spec.slug), self.queries)
        # Free text can take minutes on a large store: a minute of runs at most, at least one.
        free: list[float] = []
        while not free or (len(free) < max(3, self.queries // 4) and sum(free) < 60):
            free += timed(lambda: claims.who_repeated(spec.free_text), 1)
        step.free_runs = len(free)
        step.slug_p50, step.slug_p95 = 1000 * statistics.median(slug), 1000 * percentile(slug, 0.95)
        step.free_p50, step.free_p95 = 1000 * statistics.median(free), 1000 * percentile(free, 0.95)
        expected = {url for url, stance in self.truth.items() if stance != "disputes"}
        by_slug = {row.url for row in claims.who_repeated(spec.slug).rows}
        by_text = {row.url for row in claims.who_repeated(spec.free_text).rows}
        step.found = (
            f"{len(by_slug & expected)}/{len(expected)}+{len(by_slug - expected)} "
            f"{len(by_text & expected)}+{len(by_text - expected)}"
        )

    def size_mib(self) -> float:
        """The database's size on disk."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                return float(conn.execute(text("select pg_database_size(current_database())"))
                             .scalar_one()) / MIB  # fmt: skip
        raw = self.engine.raw_connection()  # a checkpoint must run outside a transaction
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        path = Path(str(self.engine.url.database))
        wal = path.with_name(path.name + "-wal")
        return (path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / MIB

    def stored(self) -> int:
        """Articles in the database."""
        with self.engine.connect() as conn:
            return int(conn.execute(text("select count(*) from articles")).scalar_one())

    def measure(self, size: int) -> Step:
        """Grow to `size`, then take every measurement; prints the row."""
        started = time.perf_counter()
        step = Step(load_s=self.grow(size))
        step.claims_s = self.claims_step()
        self.link_step(step)
        self.who_step(step)
        step.stored = self.stored()
        step.background = self.count
        step.size_mib = self.size_mib()
        step.step_s = time.perf_counter() - started
        self.steps.append(step)
        print(_row(self.label, step), flush=True)
        return step


# ---------------------------------------------------------------- SQL helpers


def _next_id(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"select coalesce(max(id), 0) + 1 from {table}")).scalar_one())


def _bands_sql(dialect: str) -> str:
    """Insert the 80 band rows of each article in :lo..:hi, with random 64-bit hashes."""
    bands = [COPY_BAND_BASE + b for b in range(LinkSettings().bands)] + [
        TERM_BAND_BASE + b for b in range(LinkSettings().term_bands)
    ]
    values = ", ".join(f"({b})" for b in bands)
    # Random signed 64-bit values; PostgreSQL's random() is a double, scaled inside the range.
    random_hash = "random()" if dialect == "sqlite" else "((random() - 0.5) * 1.8e19)::bigint"
    return (
        f"with b(band) as (values {values}) "
        "insert into link_bands (article_id, band, hash, version_id) "
        f"select a.id, b.band, {random_hash}, a.id + :shift from articles a cross join b "
        "where a.id between :lo and :hi"
    )


def _drop_indexes(conn: Connection) -> list[str]:
    """Drop the bulk tables' secondary indexes (not those of keys); returns their definitions."""
    names = ", ".join(f"'{t}'" for t in BULK_TABLES)
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("select indexname, indexdef from pg_indexes i where schemaname = "
                 f"current_schema() and tablename in ({names}) and not exists (select 1 from "
                 "pg_constraint c where c.conindid = format('%I.%I', i.schemaname, "
                 "i.indexname)::regclass)")
        ).all()  # fmt: skip
    else:
        rows = conn.execute(
            text("select name, sql from sqlite_master where type = 'index' and sql is not null "
                 f"and tbl_name in ({names})")
        ).all()  # fmt: skip
    for name, _ in rows:
        conn.execute(text(f'drop index "{name}"'))
    return [definition for _, definition in rows]


def _create_indexes(conn: Connection, definitions: Sequence[str]) -> None:
    """Build the dropped indexes again, with room to sort in memory."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("set local maintenance_work_mem = '512MB'"))
    else:
        conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB while building
    for definition in definitions:
        conn.execute(text(definition))
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size = -2000")  # SQLite's default again


def _page(doc: synth.Doc) -> StoredPage:
    """A fetched page as the crawl stores it."""
    digest = hashlib.sha256(doc.text.encode()).hexdigest()
    extracted = Extracted(text=doc.text, title=doc.text[:60])
    return StoredPage(doc.url, doc.url, 200, doc.seen, extracted, digest, b"", None, None)


def _sources_right(engine: Engine, docs: Sequence[synth.Doc]) -> tuple[int, int]:
    """How many of `docs` got their true primary source and edge kind (or, rightly, none)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text('select t.url, s.url, e.kind from edges e join articles t on t.id = e.target_id '
                 'join articles s on s.id = e.source_id where e."primary"')
        ).all()  # fmt: skip
    primary = {target: (source, kind) for target, source, kind in rows}
    wrong = [d for d in docs if primary.get(d.url) != ((d.source, d.edge) if d.source else None)]
    for d in wrong:
        got = primary.get(d.url)
        print(
            f"    linking missed: {d.kind} {d.url} got {got[1] + ' ' + got[0] if got else 'none'}"
        )
    return len(docs) - len(wrong), len(docs)


# ---------------------------------------------------------------- printing

HEADER = (
    f"{'backend':<11}{'stored':>9}{'load s':>8}{'claims s':>9}{'ms/new':>8}{'median':>8}"
    f"{'cands':>6}{'right':>7}{'peak MiB':>9}{'slug p50/p95 ms':>17}{'free p50/p95 ms (n)':>22}"
    f"  {'found':<14}{'DB MiB':>8}{'MiB/1k':>8}{'step s':>8}"
)
LEGEND = """\
stored: every article in the database: the background (the size, rounded up to 5,000) plus the
  new articles of the linking batches, 54 per size measured so far (10k: 10,054; 100k: 100,108)
load s: bulk load of the articles added since the previous size (indexes rebuilt included)
claims s: first size: `claims add` of 3 claims (matching every stored version); later sizes:
  the full-text index sync only (SQLite; nothing to do on PostgreSQL), or with
  --claims-catch-up the whole claims stage over the new articles
ms/new, median: linking per new article (stage wall time / articles; median of one article's
  unit of work); cands: candidates compared per article; right: sources (and edge kinds) right
  against the generated truth, over both batches; peak MiB: tracemalloc peak of the stage
slug, free: who-repeated p50/p95 for the registered slug and for free text (n runs)
found: by slug, planted carriers found/expected + others; free text, found + others
DB MiB: SQLite file + WAL after a checkpoint, or pg_database_size; MiB/1k: per 1,000 articles"""


def _row(label: str, s: Step) -> str:
    free = f"{s.free_p50:.0f}/{s.free_p95:.0f} ({s.free_runs})"
    return (
        f"{label:<11}{s.stored:>9}{s.load_s:>8.1f}{s.claims_s:>9.1f}{s.link_ms:>8.1f}"
        f"{s.link_median_ms:>8.1f}{s.candidates:>6.1f}{s.right:>7}{s.peak_mib:>9.1f}"
        f"{f'{s.slug_p50:.0f}/{s.slug_p95:.0f}':>17}{free:>22}"
        f"  {s.found:<14}{s.size_mib:>8.0f}{s.per_1k:>8.2f}{s.step_s:>8.0f}"
    )


def _growth(db: Database) -> None:
    """How each figure changed from the first size to the last one measured."""
    if len(db.steps) < 2:
        return
    a, b = db.steps[0], db.steps[-1]
    corpus = b.stored / a.stored

    def ratio(name: str, x: float, y: float) -> str:
        return f"{name} x{y / x:.2f}" if x > 0 else f"{name} -"

    print(
        f"{db.label}: {a.stored} -> {b.stored} articles (x{corpus:.0f}): "
        + ", ".join(
            [
                ratio("linking ms/new", a.link_ms, b.link_ms),
                ratio("median", a.link_median_ms, b.link_median_ms),
                ratio("peak memory", a.peak_mib, b.peak_mib),
                ratio("who-repeated slug p50", a.slug_p50, b.slug_p50),
                ratio("free text p50", a.free_p50, b.free_p50),
                ratio("MiB per 1k articles", a.per_1k, b.per_1k),
                ratio("load s per article", a.load_s / a.stored, b.load_s / (b.stored - a.stored)),
            ]
        )
    )


# ---------------------------------------------------------------- running


@contextmanager
def _sqlite() -> Iterator[Engine]:
    """A SQLite database in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="trk_scale_") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'scale.db'}")
        try:
            yield engine
        finally:
            engine.dispose()


def _plan(first_size: int, per_claim: int, seed: int) -> dict[int, tuple[int, int]]:
    """Which background articles of the first size carry which claim, in which wording."""
    rng = random.Random(seed)
    spots = rng.sample(range(first_size), per_claim * len(synth.CLAIMS))
    return {
        n: (i // per_claim, (i % per_claim) % len(synth.CLAIMS[i // per_claim].carriers))
        for i, n in enumerate(spots)
    }


def _estimate(db: Database, size: int) -> float:
    """Seconds to grow `db` to `size` and measure: loading and index sync scale with the
    articles added, the rest (linking, queries) is taken as twice the last step's."""
    if not db.steps:
        return 0.0
    last = db.steps[-1]
    added = last.stored - (db.steps[-2].stored if len(db.steps) > 1 else 0)
    per_article = (last.load_s + (last.claims_s if len(db.steps) > 1 else 0)) / max(1, added)
    rest = last.step_s - last.load_s - last.claims_s
    return per_article * (size - db.count) * 1.2 + 2 * rest


def main(argv: Sequence[str] | None = None) -> int:
    """Grow each backend's database through the sizes and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--data", type=Path, default=None, help="learn the text model from here")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--queries", type=int, default=20, help="who-repeated runs per size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--claims-catch-up", action="store_true",
                        help="run the claims stage on the new articles at every size")  # fmt: skip
    parser.add_argument("--budget-minutes", type=float, default=40.0,
                        help="skip a size whose estimated time would overrun this")  # fmt: skip
    args = parser.parse_args(argv)
    asked = [int(s) for s in args.sizes.split(",")]
    sizes = [math.ceil(size / CHUNK) * CHUNK for size in asked]
    if sizes != asked:
        print(f"sizes rounded up to whole loads of {CHUNK}: {sizes}")
    per_claim, queries = 100, args.queries
    if args.quick:
        sizes, per_claim, queries = [5000, 15000], 20, min(queries, 5)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    started = time.perf_counter()
    load_before = load()
    model = synth.model_for(args.data, args.seed)
    print(f"text model: {model.source}; sizes {sizes}; backends {backends}; new articles per "
          f"linking batch: {STORIES * 9}; claim carriers: {per_claim} per claim")  # fmt: skip
    plan = _plan(sizes[0], per_claim, args.seed)
    with ExitStack() as stack:
        dbs: list[Database] = []
        for name in backends:
            if name == "sqlite":
                engine: Engine | None = stack.enter_context(_sqlite())
                label = "SQLite"
            elif name in ("postgres", "postgresql"):
                engine = stack.enter_context(scratch_postgres(POSTGRES_URL, "trk_scale_"))
                label = "PostgreSQL"
            else:
                print(f"unknown backend {name!r}")
                return 2
            if engine is not None:
                db = Database(label, engine, model, args.seed, plan, queries, args.claims_catch_up)
                db.setup()
                dbs.append(db)
        print(LEGEND)
        print(HEADER, flush=True)
        skipped: list[str] = []
        for size in sizes:
            for db in dbs:
                if db.steps and db.count >= size:
                    continue
                estimate = _estimate(db, size)
                left = args.budget_minutes * 60 - (time.perf_counter() - started)
                if estimate > left:
                    skipped.append(f"{db.label} at {size} (estimated {estimate / 60:.0f} min, "
                                   f"{max(0.0, left) / 60:.0f} min left)")  # fmt: skip
                    print(f"{db.label:<11}{size:>9}  skipped: {skipped[-1]}", flush=True)
                    continue
                db.measure(size)
        print()
        for db in dbs:
            _growth(db)
        if skipped:
            print("not measured (time budget): " + "; ".join(skipped))
        figures: dict[str, object] = {
            db.label: [dataclasses.asdict(step) for step in db.steps] for db in dbs
        }
    print(f"total {(time.perf_counter() - started) / 60:.1f} min")
    emit("scale", figures, not_measured=skipped, load_before=load_before,
         minutes=round((time.perf_counter() - started) / 60, 1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
