"""The demo story rebuilt from a WARC file alone answers who-repeated as the crawled demo does,
and a story's evidence written as WARC replays in warcio and imports back as the same versions.

The archive is the demo web visited at the crawl's own moments (every six hours), keeping each
new or changed page and the answer that ended it. The crawl sees an edit at its next re-check,
the archive at its next visit, so uptake times may differ (the archive's never later); who
repeated, from whom, with what stance, which uptake, first seen when: all the same.
"""

from __future__ import annotations

import zlib
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from tracker.api import Tracker, WhoRepeated
from tracker.api.claims import Claims
from tracker.clock import ManualClock
from tracker.demo.corpus import Corpus, load_corpus
from tracker.demo.run import TAIL_HOURS, DemoSummary, crawl_demo_week, demo_settings
from tracker.store import models as m
from tracker.testing.warcs import demo_bases, write_demo_warc


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="module")
def crawled(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return crawl_demo_week(tmp_path_factory.mktemp("warc-crawl") / "demo.db", corpus=corpus)


def _rebuild(corpus: Corpus, database: Path, archive: Path) -> tuple[Tracker, Claims, int]:
    """Outlets named, the archive imported, claims and corrections registered as a user would."""
    clock = ManualClock(corpus.start)
    tracker = Tracker(demo_settings(database), clock=clock)
    for outlet in corpus.outlets:
        tracker.add_outlet(outlet.name, outlet.host, outlet.aliases)
    done = tracker.import_warc([archive])
    assert done.problems == ()
    bases = demo_bases(corpus)
    claims = Claims(tracker.store, clock)
    for claim in corpus.claims:
        origin = corpus.article(claim.origin)
        claims.add(claim.slug, claim.text, origin=bases[origin.outlet] + origin.path)
    for correction in sorted(corpus.corrections, key=lambda c: (c.at, c.claim)):
        clock.set(correction.at)
        article = corpus.article(correction.article)
        version = article.version_at(correction.at)
        text = (version.jsonld_correction or version.title) if version else ""
        url = bases[article.outlet] + article.path
        claims.correct(correction.claim, correction.kind, url=url, text=text, at=correction.at)
    clock.set(corpus.end + timedelta(hours=TAIL_HOURS))
    return tracker, claims, done.stored


@pytest.fixture(scope="module")
def rebuilt(
    corpus: Corpus, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, WhoRepeated], Path, Path]:
    folder = tmp_path_factory.mktemp("warc-rebuilt")
    archive = folder / "demo.warc.gz"
    assert write_demo_warc(archive, corpus) > len(corpus.articles)
    tracker, claims, _ = _rebuild(corpus, folder / "rebuilt.db", archive)
    with tracker:
        answers = {c.slug: claims.who_repeated(c.slug) for c in corpus.claims}
        exported, pages = tracker.export_warc("ai-code", Path("ai-code.warc.gz"), root=folder)
        assert pages > 0
    return answers, exported, folder / "rebuilt.db"


def _rows(answer: WhoRepeated) -> list[tuple[object, ...]]:
    rows = []
    for r in answer.rows:
        url = urlsplit(r.url)  # the crawled demo's hosts carry its server's port
        rows.append(
            (
                url.hostname,
                url.path,
                r.outlet,
                r.role,
                r.stance,
                r.source.kind,
                r.source.outlet,
                r.uptake,
                r.late,
                r.match,
                r.first_seen,
                r.state,
            )
        )
    return sorted(rows, key=repr)


def test_the_story_rebuilt_from_an_archive_answers_as_the_crawl(
    corpus: Corpus, crawled: DemoSummary, rebuilt: tuple[dict[str, WhoRepeated], Path, Path]
) -> None:
    answers, _, _ = rebuilt
    assert len(crawled.claims) == len(corpus.claims) == len(answers)
    for crawl in crawled.claims:
        archive = answers[crawl.slug]
        assert len(crawl.rows) > 5
        assert _rows(archive) == _rows(crawl), crawl.slug
        # Edits are seen at the archive's next visit, never after the crawl's re-check.
        by_url = {urlsplit(r.url).path: r for r in crawl.rows}
        for row in archive.rows:
            seen = by_url[urlsplit(row.url).path]
            if row.uptake_at is not None and seen.uptake_at is not None:
                assert row.uptake_at <= seen.uptake_at, row.url


def test_a_story_exported_as_warc_replays_and_imports_back_the_same(
    corpus: Corpus, rebuilt: tuple[dict[str, WhoRepeated], Path, Path], tmp_path: Path
) -> None:
    answers, exported, database = rebuilt
    with exported.open("rb") as stream:
        records = list(
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.rec_headers.get_header("WARC-Date"),
                r.content_stream().read(),
            )
            for r in ArchiveIterator(stream)
        )
    assert records[0][0] == "warcinfo"
    responses = [r for r in records[1:] if r[0] == "response"]
    assert len(responses) == len(records) - 1
    dates = [r[2] for r in responses]
    assert dates == sorted(dates)
    story_paths = {urlsplit(r.url).path for r in answers["ai-code"].rows}
    assert story_paths <= {urlsplit(r[1]).path for r in responses}
    # The bytes written are the stored raw pages of the versions.
    with Tracker(demo_settings(database), clock=ManualClock(corpus.end)) as tracker:
        stored = {}
        with tracker.engine.connect() as conn:
            for url, fetched, raw in conn.execute(
                select(m.Version.final_url, m.Version.fetched_at, m.Version.raw_html)
            ):
                stored[(url, fetched.strftime("%Y-%m-%dT%H:%M:%S"))] = zlib.decompress(raw)
    for _, url, date, body in responses:
        if body:
            assert stored[(url, date.rstrip("Z"))] == body
    # Imported into an empty database, the file gives back the same versions at the same times.
    with Tracker(demo_settings(tmp_path / "again.db"), clock=ManualClock(corpus.end)) as again:
        done = again.import_warc([exported])
        assert done.problems == () and done.stored == sum(1 for r in responses if r[3])
        for path in story_paths:
            url = next(r[1] for r in responses if urlsplit(r[1]).path == path)
            _, versions = again.article(url)
            assert [v.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ") for v in versions] == sorted(
                r[2] for r in responses if r[1] == url and r[3]
            )
