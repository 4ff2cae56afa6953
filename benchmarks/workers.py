"""Ingest throughput of 1, 2 and 4 queue workers on PostgreSQL against a slow local web.

    python benchmarks/workers.py [--feeds 200] [--latency 0.5] [--workers 1,2,4]
        [--connections 16] [--concurrency 64] [--extractors 0]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

A generated web (one site per feed, 4 articles per feed) is served from a child process with
an artificial latency on every answer. For each worker count: a fresh PostgreSQL database, the
feeds added, one sweep (`tracker schedule`), then that many `tracker worker --until-idle`
processes started together; the time until the last one exits, the articles stored, and each
worker's peak memory (its own process, and its extraction processes) are printed, beside one
`tracker crawl` pass over the same web with the same connections. The post-fetch
stages are off, as in benchmarks/ingest.py: this is fetch, extract and store. Skips cleanly when
the PostgreSQL server is not reachable.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _report import emit, load, skipped
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tracker.api import Tracker
from tracker.config import load_settings
from tracker.queue import sweep_once
from tracker.testing.synthweb import SynthSpec, resolver, serve_synth_in_process

ROOT = Path(__file__).resolve().parents[1]

# One worker process: no stages, the generated web's resolver, peak memory printed at the end.
_WORKER = """
import json, resource, sys
from tracker.api import Tracker
from tracker.config import load_settings
from tracker.queue import run_worker
from tracker.testing.synthweb import resolver
settings = load_settings(environ={}, overrides=json.loads(sys.argv[1]))
with Tracker(settings, resolver=resolver(), stages=()) as tracker:
    tracker.warm_up()
    print("ready", flush=True)
    sys.stdin.readline()
    report = run_worker(tracker, name=sys.argv[2], until_idle=True)
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"jobs": report.jobs, "own_kib": own, "extractor_kib": children}), flush=True)
"""


def _overrides(url: str, data_dir: str, args: argparse.Namespace) -> dict[str, object]:
    http = {"allow_private": True, "per_host_interval": 0.0, "max_connections": args.connections}
    return {
        "database_url": url,
        "data_dir": data_dir,
        "http": http,
        "crawl": {"extract_workers": args.extractors},
        "queue": {"concurrency": args.concurrency, "heartbeat_interval": 1.0},
    }


def _fresh_database(admin: str) -> str:
    name = f"trk_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def _drop_database(admin: str, url: str) -> None:
    name = make_url(url).database
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _spec(args: argparse.Namespace) -> SynthSpec:
    return SynthSpec(
        sites=args.feeds, feeds_per_site=1, articles_per_feed=4, paragraphs=4, latency=args.latency
    )


def _ideal(args: argparse.Namespace, workers: int) -> float:
    requests = args.feeds * 6  # a feed, 4 articles and robots.txt per site
    return requests * args.latency / (args.connections * workers)


def bench_crawl(args: argparse.Namespace) -> dict[str, float]:
    """The baseline: one `tracker crawl` pass with the same connections, on PostgreSQL."""
    url = _fresh_database(args.postgres)
    try:
        with serve_synth_in_process(_spec(args)) as web, tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(environ={}, overrides=_overrides(url, tmp, args))
            with Tracker(settings, resolver=resolver(), stages=()) as tracker:
                for feed in web.feed_urls:
                    tracker.add_feed(feed)
                tracker.warm_up()
                started = time.perf_counter()
                report = tracker.crawl()
                elapsed = time.perf_counter() - started
    finally:
        _drop_database(args.postgres, url)
    articles = report.counts.get("article_new", 0)
    print(
        f"tracker crawl: {articles} articles in {elapsed:.2f} s = {articles / elapsed:.1f} "
        f"articles/s (latency-bound ideal {_ideal(args, 1):.2f} s)",
        flush=True,
    )
    return {
        "articles": articles,
        "seconds": round(elapsed, 2),
        "ideal_s": round(_ideal(args, 1), 2),
    }


def bench(args: argparse.Namespace, workers: int) -> dict[str, float]:
    """One measurement: `workers` worker processes over a fresh database."""
    admin = args.postgres
    url = _fresh_database(admin)
    try:
        with serve_synth_in_process(_spec(args)) as web, tempfile.TemporaryDirectory() as tmp:
            overrides = _overrides(url, tmp, args)
            settings = load_settings(environ={}, overrides=overrides)
            with Tracker(settings, resolver=resolver(), stages=()) as tracker:
                for feed in web.feed_urls:
                    tracker.add_feed(feed)
                sweep_once(tracker)
            procs = [
                subprocess.Popen(
                    [sys.executable, "-c", _WORKER, json.dumps(overrides), f"w{i}"],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                )
                for i in range(workers)
            ]
            for proc in procs:  # every worker started and warmed up: only the work is timed
                assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            started = time.perf_counter()
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            results = []
            for proc in procs:
                out, _ = proc.communicate(timeout=3600)
                results.append(json.loads(out.strip().splitlines()[-1]))
            elapsed = time.perf_counter() - started
            with Tracker(settings, stages=()) as tracker:
                articles = len(tracker.articles())
    finally:
        _drop_database(admin, url)
    ideal = _ideal(args, workers)
    peak_own = max(r["own_kib"] for r in results) / 1024
    peak_extractor = max(r["extractor_kib"] for r in results) / 1024
    fetches = [r["jobs"].get("fetch_article", 0) for r in results]
    print(
        f"{workers} worker(s): {articles} articles in {elapsed:.2f} s = "
        f"{articles / elapsed:.1f} articles/s (latency-bound ideal {ideal:.2f} s); "
        f"article jobs per worker {fetches}; peak memory per worker {peak_own:.0f} MiB "
        f"+ extraction process {peak_extractor:.0f} MiB",
        flush=True,
    )
    return {"articles": articles, "seconds": round(elapsed, 2), "ideal_s": round(ideal, 2),
            "peak_worker_mib": round(peak_own),
            "peak_extractor_mib": round(peak_extractor)}  # fmt: skip


def main() -> None:
    """Parse arguments and run each worker count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--connections", type=int, default=16, help="HTTP connections per worker")
    parser.add_argument("--concurrency", type=int, default=64, help="jobs in hand per worker")
    parser.add_argument(
        "--extractors", type=int, default=0, help="extraction processes per worker (0: per core)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    try:
        engine = create_engine(args.postgres)
        with engine.connect():
            pass
        engine.dispose()
    except OperationalError as exc:
        skipped("workers", f"PostgreSQL not reachable ({str(exc).splitlines()[0]})")
        return
    print(
        f"web: {args.feeds} feeds x 4 articles, {args.latency * 1000:.0f} ms per answer; "
        f"per worker {args.connections} connections, {args.concurrency} jobs in hand; "
        f"{os.cpu_count()} CPU cores"
    )
    load_before = load()
    figures: dict[str, object] = {"feeds": args.feeds, "crawl": bench_crawl(args)}
    for workers in (int(w) for w in args.workers.split(",")):
        figures[f"workers_{workers}"] = bench(args, workers)
    emit("workers", figures, load_before=load_before)


if __name__ == "__main__":
    main()
