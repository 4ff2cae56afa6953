"""The claims stage replayed over the dev scenario in one process: its CPU, and what it wrote.

Usage: .venv/bin/python benchmarks/claims_stage_replay.py [SCENARIO_DIR] [--dump FILE]

The scenario's pages (`site.json`) go into a fresh SQLite file without a web server, in a fixed
order, the way a crawl stores them: each page through the crawler's extraction (in this
process), the store, the linking stage, then the claims stage. First the scenario's first 20
claim texts are registered (as `claims_cost.py` does); then phases 0, 1 and 2 are stored, a pass
each; then one more claim (the focus topic's) with its correction is registered through the
claims API, as `run.py` does; then phase 3: the articles the correction scheduled for a re-check
are re-checked (edited, noted, taken down or the same), and the late article is stored. A
`ManualClock` moves a minute a pass, so every time written is the same from run to run.

Printed: the claims stage's CPU seconds (process time, every thread of this process; the stage
runs when claims are registered and after each pass), beside the linking stage's and the wall
time; the rows the claims stage is answerable for (mentions, uptakes, edges, alert events) and a
sha256 of them with every id replaced by the article's URL (and a version's by URL and
sequence number), floats written in full: two runs (or two versions of the code) that print the
same digest wrote the same answers. `--dump FILE` writes those rows, one a line, to compare.
Skips cleanly when the scenario folder is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _report import emit, skipped
from sqlalchemy import Engine, text

from tracker.api.claims import Claims
from tracker.clock import ManualClock
from tracker.config import Settings
from tracker.domain import CorrectionKind
from tracker.domain.crawl import NewArticle, StoredPage
from tracker.pipeline.claims_stage import ClaimsStage
from tracker.pipeline.extraction_pool import extract_for_store
from tracker.pipeline.linking_stage import LinkingStage
from tracker.store import Store, make_engine, next_check_time, upgrade
from tracker.store.claim_repo import ClaimRepo
from tracker.urls import canonical_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "scenario" / "dev"
PORT = 8000  # the port written into the pages' URLs (nothing listens on it)
CLAIMS = 20
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # after every page's own date
PASS_GAP = timedelta(minutes=1)


class Replay:
    """One replay: a fresh store, the scenario's pages, and the stages' CPU."""

    def __init__(self, folder: Path, database: Path) -> None:
        self.site = json.loads((folder / "site.json").read_text())
        self.truth = json.loads((folder / "truth.json").read_text())
        self.by_id = {a["id"]: a for a in self.site["articles"]}
        self.settings = Settings()
        self.engine = make_engine(f"sqlite:///{database}")
        upgrade(self.engine)
        self.store = Store(self.engine)
        self.clock = ManualClock(START)
        self.cpu = {"claims": 0.0, "linking": 0.0}
        self.article_ids: dict[str, int] = {}  # scenario article id -> stored id

    def url(self, article: dict[str, Any]) -> str:
        """The article's URL on this replay's (imaginary) port."""
        return str(article["url"]).replace("{port}", str(PORT))

    def timed(self, stage: str, call: Callable[[], object]) -> None:
        """Run `call`, adding its CPU seconds to `stage`."""
        started = time.process_time()
        call()
        self.cpu[stage] += time.process_time() - started

    def page(self, article: dict[str, Any], phase: int) -> StoredPage | None:
        """The article's page as served in `phase`, extracted as the crawler extracts it."""
        keys = [int(k) for k in article["versions"] if int(k) <= phase]
        html = article["versions"][str(max(keys))]
        if html is None:
            return None
        url, now = self.url(article), self.clock.now()
        body = html.replace("{port}", str(PORT)).encode()
        feed_published = datetime.fromisoformat(article["published"])
        found = extract_for_store(body, url, self.settings.extract, now, feed_published)
        if found is None:
            return None
        return StoredPage(
            requested_url=url,
            final_url=url,
            status=200,
            fetched_at=now,
            extracted=found.extracted,
            content_hash=found.content_hash,
            raw_html=body,
            raw_packed=found.raw_packed,
            etag=None,
            last_modified=None,
        )

    def store_new(self, phase: int) -> None:
        """Store the articles first listed in `phase`, in the site's order."""
        items, names = [], []
        for article in self.site["articles"]:
            if article["phase"] != phase or (page := self.page(article, phase)) is None:
                continue
            now = self.clock.now()
            extracted = page.extracted
            published = extracted.published or datetime.fromisoformat(article["published"])
            offset = extracted.published_offset if extracted.published else None
            next_at, _ = next_check_time(now, 0, self.settings.crawl.recheck_after, now)
            canonical = canonical_url(self.url(article))
            items.append(
                NewArticle(canonical, page, published, next_at, now, published_offset=offset)
            )
            names.append(article["id"])
        for name, (stored, _) in zip(names, self.store.save_new_articles(items), strict=True):
            self.article_ids[name] = stored

    def recheck_due(self, phase: int) -> None:
        """Re-check the due articles against what `phase` serves (new version, gone or same)."""
        by_stored = {stored: self.by_id[name] for name, stored in self.article_ids.items()}
        for item in self.store.due_rechecks(self.clock.now()):
            article, now = by_stored[item.article_id], self.clock.now()
            next_at, _ = next_check_time(item.first_seen, 0, self.settings.crawl.recheck_after, now)
            if article["versions"].get(str(phase), "") is None:
                self.store.mark_taken_down(item.article_id, now=now, status=410, next_check_at=None)
                continue
            page = self.page(article, phase)
            if page is not None and page.content_hash == item.content_hash:
                page = None
            self.store.save_recheck(item.article_id, now=now, next_check_at=next_at, page=page)

    def stages(self) -> None:
        """The crawl's stages after a pass: linking, then claims (each a fresh instance)."""
        now = self.clock.now()
        self.timed("linking", lambda: LinkingStage(self.settings.link).run(self.store, now))
        self.timed("claims", lambda: ClaimsStage(link=self.settings.link).run(self.store, now))
        self.clock.advance(PASS_GAP)

    def run(self) -> None:
        """The whole scenario: claims, phases 0-2, the focus claim and its correction, phase 3."""
        repo = ClaimRepo(self.engine)
        for number, claim in enumerate(self.truth["claims"][:CLAIMS]):
            repo.add_claim(f"claim-{number}", claim["text"], None, self.clock.now())
        for phase in (0, 1, 2):
            self.store_new(phase)
            self.recheck_due(phase)
            self.stages()
        focus = next(c for c in self.truth["claims"] if c["topic"] == self.truth["focus_topics"][0])
        correction = self.url(self.by_id[self.truth["correction"]])
        claims = Claims(self.store, self.clock, link=self.settings.link)
        self.timed("claims", lambda: claims.add("focus", focus["text"]))
        self.clock.advance(PASS_GAP)
        self.timed(
            "claims",
            lambda: claims.correct("focus", CorrectionKind.CORRECTION, url=correction),
        )
        self.clock.advance(PASS_GAP)
        self.store_new(3)
        self.recheck_due(3)
        self.stages()


def _rows(engine: Engine) -> dict[str, list[str]]:
    """The claims stage's answers, one JSON line each, ids replaced by URLs; sorted per table."""
    with engine.connect() as conn:
        urls = dict(conn.execute(text("select id, url from articles")).all())
        version_of = {
            vid: [urls[aid], seq]
            for vid, aid, seq in conn.execute(text("select id, article_id, seq from versions"))
        }
        slugs = dict(conn.execute(text("select id, slug from claims")).all())

        def lines(sql: str, shape: Callable[[Any], list[Any]]) -> list[str]:
            found = [json.dumps(shape(row), default=str) for row in conn.execute(text(sql))]
            return sorted(found)

        def floats(value: float | None) -> str | None:
            return None if value is None else repr(value)

        return {
            "mentions": lines(
                "select claim_id, version_id, article_id, start, end, sentence, stance, score"
                " from mentions",
                lambda r: [slugs[r[0]], version_of[r[1]], urls[r[2]], *r[3:7], floats(r[7])],
            ),
            "uptakes": lines(
                "select claim_id, article_id, role, stance, sentence, repeated_at, kind,"
                " event_at, lag_seconds, late, evidence, lags, checked_at, stale, computed_at"
                " from uptakes",
                lambda r: [slugs[r[0]], urls[r[1]], *r[2:8], floats(r[8]), *r[9:]],
            ),
            "edges": lines(
                'select source_id, target_id, kind, score, evidence, version_id, "primary",'
                " created_at from edges",
                lambda r: [
                    *(urls[r[0]], urls[r[1]], r[2], floats(r[3])),
                    *(_ids_to_urls(r[4], urls, version_of), version_of.get(r[5]), r[6], r[7]),
                ],
            ),
            "alert_events": lines(
                "select key, kind, claim_id, at, payload, created_at from alert_events",
                lambda r: [*r[0:2], slugs[r[2]], r[3], _ids_to_urls(r[4], urls, version_of), r[5]],
            ),
        }


def _ids_to_urls(raw: str | None, urls: dict[int, str], versions: dict[int, list[Any]]) -> Any:
    """A JSON column with its article ids as URLs and its version ids as [URL, sequence]."""

    def one(key: str, item: Any) -> Any:
        if not isinstance(item, int) or isinstance(item, bool):
            return walk(item)
        if key == "id" or key.endswith("article_id"):
            return urls.get(item, item)
        if key.endswith("version") or key.endswith("version_id"):
            return versions.get(item, item)
        return item

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: one(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(json.loads(raw)) if raw else raw


def main() -> None:
    """Replay the scenario once; print the stages' CPU and the digest of the answers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--dump", type=Path, help="write the digested rows here, one a line")
    args = parser.parse_args()
    folder: Path = args.folder
    if not (folder / "site.json").is_file() or not (folder / "truth.json").is_file():
        skipped("claims_stage_replay", f"scenario {folder} missing")
        return
    with tempfile.TemporaryDirectory() as scratch:
        started = time.monotonic()
        replay = Replay(folder, Path(scratch) / "replay.db")
        replay.run()
        wall = time.monotonic() - started
        rows = _rows(replay.engine)
        replay.engine.dispose()
    everything = [f"{table}\t{line}" for table, lines in rows.items() for line in lines]
    if args.dump:
        args.dump.write_text("".join(f"{line}\n" for line in everything))
    digest = hashlib.sha256("\n".join(everything).encode()).hexdigest()
    emit(
        "claims_stage_replay",
        {
            "claims_stage_cpu_s": round(replay.cpu["claims"], 3),
            "linking_stage_cpu_s": round(replay.cpu["linking"], 3),
            "wall_s": round(wall, 1),
            "rows": {table: len(lines) for table, lines in rows.items()},
            "digest": digest,
        },
    )


if __name__ == "__main__":
    main()
