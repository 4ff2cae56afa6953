"""The linking and claims stages over the dev scenario's pages in a fixed order: CPU and a digest.

    python benchmarks/linking_replay.py [DATA_DIR] [--scenario DIR] [--profile N]

Every version of every article of SCENARIO_DIR/site.json (default: the dev scenario beside
DATA_DIR, `../shared/scenario/dev`) is extracted in this process as a crawl extracts it, and
stored in the order of its publication time (later versions as re-checks, one day on), with the
scenario's claims registered; then the default stages run once over all of it, as one crawl
pass would, each stage timed (CPU of this thread). Printed: CPU ms per article of each stage,
and a SHA-256 digest of what linking wrote (edges with their kind, score, evidence and primary
flag, link state, bands, paragraph counts), keyed by URLs, not ids. Two checkouts that link
alike print the same digests: run it on each to show that a change to linking's speed left its
outputs alone. `--profile N` prints the N costliest functions of the stages (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pstats
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from _report import emit, load, skipped
from sqlalchemy import text

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.config import load_settings
from tracker.domain.crawl import NewArticle, StoredPage
from tracker.pipeline.stages import default_stages
from tracker.web.extract import extract_page

ROOT = Path(__file__).resolve().parents[1]

# What linking wrote, keyed by URLs (ids depend on the order rows were inserted in, not on
# what linking decided); floats as stored.
_TABLES = {
    "edges": """
        SELECT t.url, s.url, e.kind, e.score, e.evidence, e."primary", v.seq
        FROM edges e JOIN articles t ON t.id = e.target_id JOIN articles s ON s.id = e.source_id
        LEFT JOIN versions v ON v.id = e.version_id""",
    "state": """
        SELECT a.url, v.seq, l.boilerplate, l.unresolved, l.relink
        FROM link_state l JOIN articles a ON a.id = l.article_id
        JOIN versions v ON v.id = l.version_id""",
    "bands": """
        SELECT a.url, b.band, b.hash, v.seq FROM link_bands b
        JOIN articles a ON a.id = b.article_id JOIN versions v ON v.id = b.version_id""",
    "paragraphs": """
        SELECT o.domain, p.hash, p.pages FROM link_paragraphs p
        JOIN outlets o ON o.id = p.outlet_id""",
}


def _pages(scenario: Path) -> list[tuple[datetime, str, str, int]]:
    """(time, URL, HTML, seq) of every version, in the order they are stored."""
    site = json.loads((scenario / "site.json").read_text())
    out = []
    for number, article in enumerate(site["articles"]):
        url = article["url"].replace("{port}", "80")
        published = datetime.fromisoformat(article["published"])
        for seq, (_phase, body) in enumerate(
            sorted((int(p), b) for p, b in article["versions"].items() if b)
        ):
            out.append((published + timedelta(days=seq, seconds=number), url, body, seq))
    return sorted(out, key=lambda item: (item[0], item[1]))


def _page(url: str, body: str, when: datetime, settings: Any) -> StoredPage | None:
    extracted = extract_page(body.encode(), url, settings=settings.extract, now=when)
    if extracted is None:
        return None
    return StoredPage(url, url, 200, when, extracted, uuid.uuid4().hex, b"", None, None)


def digest(engine: Any) -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of each link table's rows, sorted, keyed by URL."""
    out = {}
    with engine.connect() as conn:
        for name, query in _TABLES.items():
            rows = sorted(
                json.dumps([_plain(v) for v in row], sort_keys=True)
                for row in conn.execute(text(query))
            )
            out[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
            out[f"{name}_rows"] = str(len(rows))
    return out


def _plain(value: Any) -> Any:
    """A column value as JSON text reads it back (JSON columns come as text on SQLite)."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", nargs="?", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--scenario", default=None)
    parser.add_argument("--profile", type=int, default=0)
    args = parser.parse_args()
    scenario = Path(args.scenario) if args.scenario else Path(args.data).parent / "scenario" / "dev"
    if not (scenario / "site.json").is_file():
        skipped("linking_replay", f"{scenario}/site.json missing")
        return
    load_before = load()
    claims = [c["text"] for c in json.loads((scenario / "truth.json").read_text())["claims"]]
    pages = _pages(scenario)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "replay.db"
        settings = load_settings(
            environ={},
            overrides={"database_url": f"sqlite:///{db}", "data_dir": tmp},
        )
        clock = ManualClock(pages[0][0])
        with Tracker(settings, clock=clock, stages=()) as tracker:
            store = tracker.store
            for number, claim in enumerate(claims):
                tracker.claims().add(f"claim-{number}", claim)
            ids: dict[str, int] = {}
            articles = 0
            for when, url, body, seq in pages:
                page = _page(url, body, when, settings)
                if page is None:
                    continue
                if seq == 0 or url not in ids:
                    item = NewArticle(url, page, page.extracted.published, None, when)
                    ids[url] = store.save_new_articles([item])[0][0]
                    articles += 1
                else:
                    store.save_recheck(ids[url], now=when, next_check_at=None, page=page)
            now = pages[-1][0] + timedelta(days=1)
            profiler = cProfile.Profile() if args.profile else None
            cpu: dict[str, float] = {}
            for stage in default_stages(settings):
                started = time.thread_time()
                if profiler:
                    profiler.enable()
                counts = stage.run(store, now)
                if profiler:
                    profiler.disable()
                cpu[stage.name] = time.thread_time() - started
                print(f"{stage.name}: {cpu[stage.name]:.2f} s CPU, {dict(sorted(counts.items()))}")
            sums = digest(store.engine)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
    print(f"{len(pages)} versions of {articles} articles; digests {sums}")
    figures: dict[str, object] = {"versions": len(pages), "articles": articles}
    for name, seconds in cpu.items():
        figures[f"{name}_cpu_ms_article"] = round(seconds / articles * 1000, 2)
    figures |= {f"digest_{k}": v for k, v in sums.items()}
    emit("linking_replay", figures, load_before=load_before)


if __name__ == "__main__":
    main()
