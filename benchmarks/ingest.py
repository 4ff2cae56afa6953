"""Ingest throughput: the whole path (fetch, extract, store) beside bare extraction.

    python benchmarks/ingest.py [DATA_DIR] [--only aeb|synth|demo] [--feeds 500] [--latency 0.1]

1. aeb: the 102 pages of DATA_DIR/extraction-aeb served on 127.0.0.1 (one host per page), ingested
   with `Tracker.add_urls` into a fresh SQLite file, beside bare `trafilatura.extract` over the same
   bytes in the same run, single process. Goal: ingest pages/s >= 0.8x bare pages/s.
2. synth: a generated web of N feeds (one site each, 4 articles per feed) served with an artificial
   latency; one crawl pass, beside the ideal requests x latency / concurrency. Goal: within 1.5x.
3. demo: one pass over the demo story's web at its last day (needs no data folder).
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
import time
from pathlib import Path

from _report import emit, load

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.config import load_settings
from tracker.testing.synthweb import SynthSpec, resolver, serve_synth_in_process

ROOT = Path(__file__).resolve().parents[1]


def _settings(db: Path, **http: object):  # type: ignore[no-untyped-def]
    return load_settings(
        environ={},
        overrides={
            "database_url": f"sqlite:///{db}",
            "data_dir": str(db.parent),
            "http": {"allow_private": True, "per_host_interval": 0.0, **http},
        },
    )


Figures = dict[str, object]


def bench_aeb(data: Path) -> Figures:
    folder = data / "extraction-aeb"
    if not folder.is_dir():
        print(f"aeb: skipped: {folder} missing")
        return {"aeb_skipped": True}
    import trafilatura

    pages = {
        p.name.split(".")[0]: gzip.decompress(p.read_bytes())
        for p in sorted((folder / "html").glob("*.html.gz"))
    }
    start = time.perf_counter()
    for body in pages.values():
        trafilatura.extract(body)
    bare = len(pages) / (time.perf_counter() - start)

    spec = SynthSpec(sites=0)
    extra: dict[tuple[str, str], bytes] = {}
    for key, body in pages.items():
        extra[(f"p{key}.test", "/robots.txt")] = b"User-agent: *\nAllow: /\n"
        extra[(f"p{key}.test", "/article.html")] = body
    with serve_synth_in_process(spec, extra) as web, tempfile.TemporaryDirectory() as tmp:
        urls = [f"http://p{key}.test:{web.port}/article.html" for key in pages]
        settings = _settings(Path(tmp) / "aeb.db")
        clock = ManualClock(spec.start)
        with Tracker(settings, clock=clock, resolver=resolver(), stages=()) as tracker:
            tracker.warm_up()  # start the extraction workers before the clock runs
            start = time.perf_counter()
            report = tracker.add_urls(urls)
            elapsed = time.perf_counter() - start
            stored = tracker.status().counts["articles"]
    ingest = len(pages) / elapsed
    print(f"aeb: {len(pages)} pages; outcomes {report.counts}; stored {stored}")
    print(f"aeb: bare trafilatura.extract  {bare:7.1f} pages/s (1 process)")
    print(
        f"aeb: tracker ingest            {ingest:7.1f} pages/s (fetch+extract+store, "
        f"{settings.crawl.extract_workers or 'all'} cores)"
    )
    print(f"aeb: ratio ingest/bare         {ingest / bare:7.2f}  (goal >= 0.80)")
    return {"aeb_pages": len(pages), "aeb_bare_pages_s": round(bare, 1),
            "aeb_ingest_pages_s": round(ingest, 1),
            "aeb_ratio": round(ingest / bare, 3)}  # fmt: skip


def bench_synth(feeds: int, latency: float, concurrency: int, stages: bool = False) -> Figures:
    spec = SynthSpec(
        sites=feeds, feeds_per_site=1, articles_per_feed=4, paragraphs=4, latency=latency
    )
    with serve_synth_in_process(spec) as web, tempfile.TemporaryDirectory() as tmp:
        settings = _settings(Path(tmp) / "synth.db", max_connections=concurrency)
        clock = ManualClock(spec.start)
        # The ingest alone (fetch, extract, store) unless --stages: linking and claims then run
        # after the fetching, inside the same pass.
        chosen = None if stages else ()
        with Tracker(settings, clock=clock, resolver=resolver(), stages=chosen) as tracker:
            tracker.warm_up()  # start the extraction workers before the clock runs
            for url in web.feed_urls:
                tracker.add_feed(url)
            start = time.perf_counter()
            report = tracker.crawl()
            elapsed = time.perf_counter() - start
    requests = web.requests()
    ideal = requests * latency / concurrency
    print(
        f"synth: {feeds} feeds, {requests} requests, latency {latency * 1000:.0f} ms, "
        f"concurrency {concurrency}, post-crawl stages {'on' if stages else 'off'}"
    )
    print(f"synth: outcomes {report.counts}")
    print(
        f"synth: crawl {elapsed:.2f} s; ideal {ideal:.2f} s; "
        f"ratio {elapsed / ideal:.2f} (goal <= 1.5)"
    )
    print(f"synth: {report.counts.get('article_new', 0) / elapsed:.1f} articles/s")
    return {"synth_feeds": feeds, "synth_stages": stages, "synth_crawl_s": round(elapsed, 2),
            "synth_ideal_s": round(ideal, 2), "synth_ratio": round(elapsed / ideal, 3),
            "synth_articles_s": round(report.counts.get("article_new", 0) / elapsed, 1),
            }  # fmt: skip


def bench_demo() -> Figures:
    try:
        from tracker.demo.run import crawl_demo_week
    except ImportError as exc:
        print(f"demo: skipped: {exc}")
        return {"demo_skipped": True}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = crawl_demo_week(Path(tmp) / "demo.db")
        elapsed = time.perf_counter() - start
    print(
        f"demo: {summary.passes} passes over the story's week, {summary.outcomes} item outcomes, "
        f"{summary.articles} articles, {summary.versions} versions in {elapsed:.2f} s "
        f"({elapsed / summary.passes * 1000:.0f} ms per pass, outcomes {summary.counts})"
    )
    return {"demo_passes": summary.passes, "demo_s": round(elapsed, 2),
            "demo_ms_per_pass": round(elapsed / summary.passes * 1000)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", nargs="?", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--only", choices=["aeb", "synth", "demo"])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--stages", action="store_true", help="also run linking and claims inside the pass"
    )
    args = parser.parse_args()
    data = Path(args.data)
    load_before = load()
    figures: Figures = {}
    if args.only in (None, "aeb"):
        figures |= bench_aeb(data)
    if args.only in (None, "synth"):
        figures |= bench_synth(args.feeds, args.latency, args.concurrency, args.stages)
    if args.only in (None, "demo"):
        figures |= bench_demo()
    emit("ingest", figures, load_before=load_before)


if __name__ == "__main__":
    main()
