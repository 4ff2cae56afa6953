"""Ingest throughput of 1, 2 and 4 queue workers on PostgreSQL against a slow local web.

    python benchmarks/workers.py [--feeds 200] [--latency 0.5] [--workers 1,2,4]
        [--concurrency 16] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

A generated web (one site per feed, 4 articles per feed) is served from a child process with
an artificial latency on every answer. For each worker count: a fresh PostgreSQL database, the
feeds added, one sweep (`tracker schedule`), then that many `tracker worker --until-idle`
processes started together; the time until the last one exits, the articles stored, and each
worker's peak memory (its own process, and its extraction processes) are printed. The post-fetch
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


def _overrides(url: str, data_dir: str, concurrency: int) -> dict[str, object]:
    return {
        "database_url": url,
        "data_dir": data_dir,
        "http": {"allow_private": True, "per_host_interval": 0.0, "max_connections": concurrency},
        "crawl": {"extract_workers": 1},  # one extraction process per worker: workers scale out
        "queue": {"concurrency": concurrency, "heartbeat_interval": 1.0},
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


def bench(admin: str, feeds: int, latency: float, workers: int, concurrency: int) -> None:
    """One measurement: `workers` worker processes over a fresh database."""
    spec = SynthSpec(
        sites=feeds, feeds_per_site=1, articles_per_feed=4, paragraphs=4, latency=latency
    )
    url = _fresh_database(admin)
    try:
        with serve_synth_in_process(spec) as web, tempfile.TemporaryDirectory() as tmp:
            overrides = _overrides(url, tmp, concurrency)
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
    requests = feeds * 5 + feeds  # feed + 4 articles + robots.txt per site
    ideal = requests * latency / (concurrency * workers)
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


def main() -> None:
    """Parse arguments and run each worker count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--concurrency", type=int, default=16)
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
        print(f"skipped: PostgreSQL not reachable ({str(exc).splitlines()[0]})")
        return
    print(
        f"web: {args.feeds} feeds x 4 articles, {args.latency * 1000:.0f} ms per answer; "
        f"{args.concurrency} jobs at once per worker; {os.cpu_count()} CPU cores"
    )
    for workers in (int(w) for w in args.workers.split(",")):
        bench(args.postgres, args.feeds, args.latency, workers, args.concurrency)


if __name__ == "__main__":
    main()
