"""Ingest throughput: the whole path (fetch, extract, store) beside bare extraction.

    python benchmarks/ingest.py [DATA_DIR] [--only aeb|synth|demo] [--feeds 500] [--latency 0.1]
                                [--stages] [--scenario SCENARIO_DIR] [--claims 20] [--rounds 1]

1. aeb: the 102 pages of DATA_DIR/extraction-aeb served on 127.0.0.1 (one host per page), ingested
   with `Tracker.add_urls` into a fresh SQLite file, beside bare `trafilatura.extract` over the same
   bytes in the same run, single process. Goal: ingest pages/s >= 0.8x bare pages/s.
   With --stages the pass also runs linking and claims as a user's crawl does, with --claims
   claims registered first (the first sentences of every k-th page); and the same is measured on
   the dev scenario's short news pages (the first version of every article in
   SCENARIO_DIR/site.json, its truth's claims cycled to --claims). Bare and tracker alternate
   (--rounds times, best kept), wall beside CPU (the tracker's CPU includes its extraction
   workers). Keys `ratio_stages` (aeb, goal >= 0.8) and `dev_ratio_stages` (goal >= 0.5).
2. synth: a generated web of N feeds (one site each, 4 articles per feed) served with an artificial
   latency; one crawl pass, beside the ideal requests x latency / concurrency. Goal: within 1.5x.
3. demo: one pass over the demo story's web at its last day (needs no data folder).
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from _procs import cpu_seconds, descendants
from _report import emit, load

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.config import load_settings
from tracker.pipeline.stages import Stage, default_stages
from tracker.store import Store
from tracker.testing.synthweb import SynthSpec, build_pages, resolver, serve_synth_in_process

ROOT = Path(__file__).resolve().parents[1]
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)  # a generated page's text paragraphs


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


def _bare(pages: Sequence[bytes]) -> tuple[float, float]:
    """Wall and CPU seconds of bare trafilatura.extract over the pages, in this process."""
    import trafilatura

    wall, cpu = time.perf_counter(), time.process_time()
    for body in pages:
        trafilatura.extract(body)
    return time.perf_counter() - wall, time.process_time() - cpu


def _ingest(
    pages: Mapping[str, bytes], claims: Sequence[str], stages: bool
) -> tuple[float, float, float, dict[str, int], int]:
    """Wall, CPU and worker CPU seconds of `Tracker.add_urls` over the pages served locally.

    CPU includes the workers' (their share given apart: the rest is the crawler's own process,
    whose store thread runs the stages).

    With `stages`, the claims are registered first and the pass runs linking and claims as a
    user's crawl does; the counts of the run and the number of articles stored come back too.
    """
    spec = SynthSpec(sites=0)
    extra: dict[tuple[str, str], bytes] = {}
    for key, body in pages.items():
        extra[(f"p{key}.test", "/robots.txt")] = b"User-agent: *\nAllow: /\n"
        extra[(f"p{key}.test", "/article.html")] = body
    with serve_synth_in_process(spec, extra) as web, tempfile.TemporaryDirectory() as tmp:
        urls = [f"http://p{key}.test:{web.port}/article.html" for key in pages]
        serving = set(descendants(os.getpid()))  # the web's process: not the tracker's CPU
        settings = _settings(Path(tmp) / "ingest.db")
        clock = ManualClock(spec.start)
        with Tracker(
            settings, clock=clock, resolver=resolver(), stages=None if stages else ()
        ) as tracker:
            if stages:
                registry = tracker.claims()
                for number, text in enumerate(claims):
                    registry.add(f"claim-{number}", text)
            tracker.warm_up()  # start the extraction workers before the clock runs
            workers = [p for p in descendants(os.getpid()) if p not in serving]
            cpu_workers = cpu_seconds(workers)
            wall, cpu = time.perf_counter(), time.process_time()
            report = tracker.add_urls(urls)
            wall = time.perf_counter() - wall
            in_workers = cpu_seconds(workers) - cpu_workers
            cpu = time.process_time() - cpu + in_workers
            stored = tracker.status().counts["articles"]
    counts = dict(report.run.counts) if report.run else {}
    return wall, cpu, in_workers, counts, stored


def _side_by_side(
    label: str, pages: Mapping[str, bytes], claims: Sequence[str], stages: bool, rounds: int
) -> Figures:
    """Bare extraction and the tracker's ingest, interleaved A B A B; best round of each."""
    bodies = list(pages.values())
    bare_w, bare_c, ingest_w, ingest_c, worker_c = [], [], [], [], []
    counts: dict[str, int] = {}
    stored = 0
    for _ in range(rounds):
        wall, cpu = _bare(bodies)
        bare_w.append(wall)
        bare_c.append(cpu)
        wall, cpu, in_workers, counts, stored = _ingest(pages, claims, stages)
        ingest_w.append(wall)
        ingest_c.append(cpu)
        worker_c.append(in_workers)
    n = len(bodies)
    bare, ingest = n / min(bare_w), n / min(ingest_w)
    bare_cpu, ingest_cpu = n / min(bare_c), n / min(ingest_c)
    best = ingest_c.index(min(ingest_c))
    workers_ms = worker_c[best] / n * 1000
    main_ms = (ingest_c[best] - worker_c[best]) / n * 1000
    what = "fetch+extract+store" + ("+linking+claims" if stages else "")
    print(f"{label}: {n} pages; stored {stored}; outcomes {counts}")
    print(f"{label}: bare trafilatura.extract {bare:7.1f} pages/s wall {bare_cpu:7.1f} CPU")
    print(f"{label}: tracker ({what}) {ingest:7.1f} pages/s wall {ingest_cpu:7.1f} CPU")
    print(f"{label}: tracker CPU per page: crawler {main_ms:.1f} ms, workers {workers_ms:.1f} ms")
    print(
        f"{label}: ratio tracker/bare wall {ingest / bare:.2f}, CPU {ingest_cpu / bare_cpu:.2f} "
        f"(best of {rounds} interleaved rounds; the tracker uses every core, bare one)"
    )
    return {f"{label}_pages": n, f"{label}_stored": stored, f"{label}_claims": len(claims),
            f"{label}_bare_pages_s": round(bare, 1), f"{label}_ingest_pages_s": round(ingest, 1),
            f"{label}_bare_pages_s_cpu": round(bare_cpu, 1),
            f"{label}_ingest_pages_s_cpu": round(ingest_cpu, 1),
            f"{label}_ratio": round(ingest / bare, 3),
            f"{label}_ratio_cpu": round(ingest_cpu / bare_cpu, 3),
            f"{label}_crawler_cpu_ms_page": round(main_ms, 1),
            f"{label}_workers_cpu_ms_page": round(workers_ms, 1)}  # fmt: skip


def _first_sentence(text: str) -> str:
    """The first sentence of a text (up to the first full stop after 40 characters)."""
    cut = text.find(". ", 40)
    return (text if cut < 0 else text[: cut + 1]).strip()


def aeb_claims(pages: Mapping[str, bytes], n: int) -> list[str]:
    """N claims: the first sentence of every k-th page's text (as bare trafilatura reads it)."""
    import trafilatura

    firsts = [_first_sentence(trafilatura.extract(body) or "") for body in pages.values()]
    firsts = [s for s in firsts if 40 <= len(s) <= 400]  # a one-statement claim
    step = max(1, len(firsts) // n)
    return firsts[::step][:n]


def bench_aeb(data: Path, stages: bool = False, claims: int = 20, rounds: int = 1) -> Figures:
    folder = data / "extraction-aeb"
    if not folder.is_dir():
        print(f"aeb: skipped: {folder} missing")
        return {"aeb_skipped": True}
    pages = {
        p.name.split(".")[0]: gzip.decompress(p.read_bytes())
        for p in sorted((folder / "html").glob("*.html.gz"))
    }
    chosen = aeb_claims(pages, claims) if stages else []
    figures = _side_by_side("aeb", pages, chosen, stages, rounds)
    if stages:
        figures["ratio_stages"] = figures["aeb_ratio"]
    return figures


def bench_dev(scenario: Path, claims: int = 20, rounds: int = 1) -> Figures:
    """The dev scenario's short news pages (first versions), with its claims registered."""
    if not (scenario / "site.json").is_file():
        print(f"dev: skipped: {scenario}/site.json missing")
        return {"dev_skipped": True}
    site = json.loads((scenario / "site.json").read_text())
    pages: dict[str, bytes] = {}
    for number, article in enumerate(site["articles"]):
        first = article["versions"].get("0") or next(
            (v for v in article["versions"].values() if v), None
        )
        if first:
            pages[f"d{number}"] = first.encode()
    texts = [c["text"] for c in json.loads((scenario / "truth.json").read_text())["claims"]]
    chosen = [texts[i % len(texts)] for i in range(claims)]
    figures = _side_by_side("dev", pages, chosen, True, rounds)
    figures["dev_ratio_stages"] = figures["dev_ratio"]
    return figures


@dataclass
class _Timed:
    """A stage whose every run is timed: wall span (perf_counter) and CPU of its thread."""

    stage: Stage
    spans: list[tuple[float, float, float]] = field(default_factory=list)  # start, end, CPU s

    @property
    def name(self) -> str:
        """The wrapped stage's name."""
        return self.stage.name

    def run(self, store: Store, now: datetime) -> Mapping[str, int]:
        """Run the stage, noting when and at what CPU cost."""
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return self.stage.run(store, now)
        finally:
            self.spans.append((start, time.perf_counter(), time.thread_time() - cpu))


def synth_claims(spec: SynthSpec, n: int) -> list[str]:
    """N claims: the first sentence of every k-th generated article (the web's own text)."""
    pages, _ = build_pages(spec, 0)
    firsts = []
    for (_host, path), body in sorted(pages.items()):
        if path.endswith(".html"):
            found = _PARAGRAPH.search(body.decode())
            if found:
                firsts.append(_first_sentence(html.unescape(found.group(1))))
    step = max(1, len(firsts) // max(1, n))
    return firsts[::step][:n]


def synth_ideal(spec: SynthSpec, requests: int, concurrency: int, interval: float) -> float:
    """The latency-bound ideal: every request waits its latency, `concurrency` in flight at
    once, and one host answers one request at a time, its starts `interval` apart."""
    per_host = math.ceil(requests / max(1, spec.sites))
    host_chain = (per_host - 1) * max(spec.latency, interval) + spec.latency
    return max(requests * spec.latency / concurrency, host_chain)


def bench_synth(
    feeds: int,
    latency: float,
    concurrency: int,
    stages: bool = False,
    claims: int = 20,
    interval: float = 0.0,
) -> Figures:
    """One crawl pass over the generated web; with `stages`, linking and claims as a user's
    crawl runs them (`claims` claims registered first), each stage run timed."""
    spec = SynthSpec(
        sites=feeds, feeds_per_site=1, articles_per_feed=4, paragraphs=4, latency=latency
    )
    chosen = synth_claims(spec, claims) if stages else []
    with serve_synth_in_process(spec) as web, tempfile.TemporaryDirectory() as tmp:
        serving = set(descendants(os.getpid()))  # the web's process: not the tracker's CPU
        settings = _settings(
            Path(tmp) / "synth.db", max_connections=concurrency, per_host_interval=interval
        )
        clock = ManualClock(spec.start)
        timed = [_Timed(stage) for stage in default_stages(settings)] if stages else []
        marks: dict[str, float] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "articles" and done == total:
                marks["fetched"] = time.perf_counter()  # the last article fetched and stored

        with Tracker(settings, clock=clock, resolver=resolver(), stages=timed) as tracker:
            registry = tracker.claims()
            for number, text in enumerate(chosen):
                registry.add(f"claim-{number}", text)
            tracker.warm_up()  # start the extraction workers before the clock runs
            for url in web.feed_urls:
                tracker.add_feed(url)
            workers = [p for p in descendants(os.getpid()) if p not in serving]
            cpu_workers = cpu_seconds(workers)
            start, cpu = time.perf_counter(), time.process_time()
            report = tracker.crawl(progress=progress, send=False)
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu
            in_workers = cpu_seconds(workers) - cpu_workers
    requests = web.requests()
    ideal = synth_ideal(spec, requests, concurrency, interval)
    fetched = marks.get("fetched", start + elapsed) - start
    spans = sorted((span, stage.name) for stage in timed for span in stage.spans)
    stage_wall = {s.name: sum(end - begin for begin, end, _ in s.spans) for s in timed}
    stage_cpu = {s.name: sum(c for _, _, c in s.spans) for s in timed}
    overlap = sum(max(0.0, min(end, start + fetched) - begin) for (begin, end, _), _ in spans)
    print(
        f"synth: {feeds} feeds, {requests} requests, latency {latency * 1000:.0f} ms, "
        f"concurrency {concurrency}, per-host interval {interval:g} s, stages "
        f"{'on (' + str(len(chosen)) + ' claims)' if stages else 'off'}"
    )
    print(f"synth: outcomes {report.counts}")
    print(
        f"synth: crawl {elapsed:.2f} s; ideal {ideal:.2f} s; "
        f"ratio {elapsed / ideal:.2f} (goal <= 1.5)"
    )
    print(
        f"synth: last article stored at {fetched:.2f} s; CPU crawler process {cpu:.1f} s, "
        f"extraction workers {in_workers:.1f} s"
    )
    for stage in timed:
        runs, name = stage.spans, stage.name
        print(
            f"synth: stage {name}: {len(runs)} runs, {stage_wall[name]:.2f} s wall, "
            f"{stage_cpu[name]:.2f} s CPU, from {runs[0][0] - start:.2f} s to "
            f"{runs[-1][1] - start:.2f} s of the crawl"
            if runs
            else f"synth: stage {name}: no run"
        )
    if timed:
        print(f"synth: stage time while articles were still being fetched: {overlap:.2f} s")
    print(f"synth: {report.counts.get('article_new', 0) / elapsed:.1f} articles/s")
    return {"synth_feeds": feeds, "synth_latency": latency, "synth_concurrency": concurrency,
            "synth_per_host_interval": interval, "synth_stages": stages,
            "synth_claims": len(chosen), "synth_requests": requests,
            "synth_crawl_s": round(elapsed, 2), "synth_ideal_s": round(ideal, 2),
            "synth_ratio": round(elapsed / ideal, 3), "synth_fetched_s": round(fetched, 2),
            "synth_cpu_s": round(cpu, 1), "synth_workers_cpu_s": round(in_workers, 1),
            "synth_stage_wall_s": {k: round(v, 2) for k, v in stage_wall.items()},
            "synth_stage_cpu_s": {k: round(v, 2) for k, v in stage_cpu.items()},
            "synth_stage_overlap_s": round(overlap, 2),
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
    parser.add_argument(
        "--scenario",
        default=str(ROOT.parent / "shared" / "scenario" / "dev"),
        help="with --stages, the scenario whose pages aeb is also measured on",
    )
    parser.add_argument("--claims", type=int, default=20, help="claims registered (--stages)")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds (best kept)")
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--per-host-interval",
        type=float,
        default=0.0,
        help="synth: seconds between two requests to one host (the ideal counts it)",
    )
    parser.add_argument(
        "--stages", action="store_true", help="also run linking and claims inside the pass"
    )
    args = parser.parse_args()
    data = Path(args.data)
    load_before = load()
    figures: Figures = {}
    if args.only in (None, "aeb"):
        figures |= bench_aeb(data, args.stages, args.claims, args.rounds)
        if args.stages:
            figures |= bench_dev(Path(args.scenario), args.claims, args.rounds)
    if args.only in (None, "synth"):
        figures |= bench_synth(
            args.feeds,
            args.latency,
            args.concurrency,
            args.stages,
            args.claims,
            args.per_host_interval,
        )
    if args.only in (None, "demo"):
        figures |= bench_demo()
    emit("ingest", figures, load_before=load_before)


if __name__ == "__main__":
    main()
