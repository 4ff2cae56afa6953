"""Memory of a crawl process, and linking per new article, as the store grows (issue 14).

One SQLite file grows through the sizes (1k, 10k and 100k stored articles by default). The
background articles are bulk-loaded as `benchmarks/scale.py` loads them (its `Database`: synth
texts, 400 outlets and the wire service, already linked with synthetic band hashes, 100
carriers of each of the three `synth.CLAIMS` among the first size's articles), the claims are
registered at the first size (matched against every stored article); at the later sizes the
full-text index is synced and the new background is marked as matched and counted by the
claims stage (its matching of 90k texts would not fit the run), so that each crawl finds only
its own new articles to do.

At each size a batch of new articles (`--stories` synth stories of 9 articles each: original,
copy, partial copy, paraphrase, chain, wire text and two copies, an independent report, under
the background's outlets) is served as HTML pages with one RSS feed per outlet from a local web
in its own process, and a fresh crawl process (`Tracker.crawl`, as `tracker crawl` runs it:
extraction workers, the default linking and claims stages) subscribes to the feeds and crawls
them once. That process reports its own peak resident memory (VmHWM) and that of each of its
extraction workers, its resident memory before the crawl (after importing and starting the
workers), and the wall and CPU seconds (of the store thread it runs on) of the linking stage
over the articles it stored. Between sizes the earlier batches' feeds are removed and their
articles' re-checks dropped, so every crawl does the same work.

Printed: per size, peak RSS of the crawl process and of each extraction worker, linking ms per
new article; then the ratios 100k/10k (peak RSS; goal <= 1.2) and last/first size (linking per
new article, wall and CPU; goal <= 1.5; CPU is the figure to read on a shared machine). Last
line JSON.

Usage: python benchmarks/crawl_memory.py [--sizes 1000,10000,100000] [--stories 20]
                                         [--data ../shared/data] [--seed 7]
"""

from __future__ import annotations

import argparse
import html
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import scale
import synth
from _report import emit, load
from sqlalchemy import Engine, text

from tracker.store import make_engine
from tracker.store.term_df import COUNTED_MARK
from tracker.testing.synthweb import SynthSpec, SynthWeb, rss_feed, serve_synth

ROOT = Path(__file__).resolve().parents[1]

# The crawl process: the real crawl with the default stages, the linking stage timed; every
# host name resolves to the local web. Prints one JSON line of its figures.
_CRAWL = r"""
import json, os, sys, time
from datetime import datetime
from pathlib import Path
from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.config import load_settings
from tracker.pipeline.stages import default_stages

def status(pid, key):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

def children(pid):
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out

class Timed:
    def __init__(self, inner):
        self.inner, self.name, self.seconds, self.cpu = inner, inner.name, 0.0, 0.0
    def run(self, store, now):
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return self.inner.run(store, now)
        finally:
            self.seconds += time.perf_counter() - started
            self.cpu += time.thread_time() - cpu

async def resolve(host, port):
    return ["127.0.0.1"]

job = json.loads(sys.argv[1])
settings = load_settings(environ={}, overrides=job["settings"])
stages = [Timed(stage) for stage in default_stages(settings)]
clock = ManualClock(datetime.fromisoformat(job["now"]))
with Tracker(settings, clock=clock, resolver=resolve, stages=stages) as tracker:
    tracker.warm_up()
    for url in job["feeds"]:
        tracker.add_feed(url)
    before = status("self", "VmRSS")
    started = time.perf_counter()
    report = tracker.crawl(send=False)
    wall = time.perf_counter() - started
    me = os.getpid()
    # The extraction workers sit under the forkserver, a child of this process.
    workers = [w for child in children(me) for w in children(child)]
    print(json.dumps({
        "counts": dict(report.counts), "crawl_s": wall,
        "stage_s": {stage.name: stage.seconds for stage in stages},
        "stage_cpu_s": {stage.name: stage.cpu for stage in stages},
        "rss_before_kib": before, "hwm_kib": status("self", "VmHWM"),
        "worker_hwm_kib": sorted(status(w, "VmHWM") for w in workers),
    }), flush=True)
"""


def _page(doc: synth.Doc) -> bytes:
    """An article page as an outlet serves it."""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in doc.text.split("\n") if p.strip())
    title = html.escape(doc.text[: doc.text.find(".") + 1][:120])
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{doc.seen.isoformat()}"></head>'
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}"
        "</article><footer>Contact us</footer></body></html>"
    ).encode()


def _publish(web: SynthWeb, docs: Sequence[synth.Doc], tag: str) -> list[str]:
    """Put the batch's pages and one feed per outlet on the web; returns the feed URLs."""
    by_host: dict[str, list[tuple[str, str, datetime]]] = {}
    for number, doc in enumerate(docs):
        path = f"/{tag}/{doc.kind}-{doc.story}-{number}.html"
        web.put(doc.host, path, _page(doc))
        web.put(doc.host, "/robots.txt", b"User-agent: *\nAllow: /\n")
        title = doc.text[: doc.text.find(".") + 1][:120]
        by_host.setdefault(doc.host, []).append(
            (title, f"http://{doc.host}:{web.port}{path}", doc.seen)
        )
    feeds = []
    for host, items in by_host.items():
        web.put(host, f"/feed-{tag}.xml", rss_feed(host, items))
        feeds.append(f"http://{host}:{web.port}/feed-{tag}.xml")
    return feeds


def crawl_batch(db: scale.Database, folder: Path, size: int, stories: int) -> dict[str, Any]:
    """Serve one batch of new stories and crawl it in a fresh process; its figures."""
    when = db.now() + timedelta(hours=1)
    docs = synth.stories(
        db.model, db.outlets, stories, seed=db.seed, start=when - timedelta(days=1),
        first=db.next_story, spacing=timedelta(minutes=20),
    )  # fmt: skip
    db.next_story += stories
    # Served from a thread of this process, which only waits for the crawl process meanwhile.
    with serve_synth(SynthSpec(sites=0)) as web:
        feeds = _publish(web, docs, str(size))
        job = {
            "settings": {
                "database_url": str(db.engine.url),
                "data_dir": str(folder),
                "http": {"allow_private": True, "per_host_interval": 0.0},
            },
            "now": when.isoformat(),
            "feeds": feeds,
        }
        done = subprocess.run(
            [sys.executable, "-c", _CRAWL, json.dumps(job)],
            capture_output=True, text=True, check=False, cwd=ROOT,
        )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"the crawl process failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["new_pages"] = len(docs)
    return figures


def _skip_background(engine: Engine) -> None:
    """Mark the bulk-loaded background as matched against every claim and counted.

    The claims stage would otherwise do it inside the next crawl (its matching and its word
    counts over 90k texts take tens of minutes here), which a store grown by crawls has done
    crawl by crawl; the background's carriers are all in the first size, matched for real.
    """
    with engine.begin() as conn:
        last = conn.execute(text("select max(id) from versions")).scalar_one()
        conn.execute(text("update claims set matched_through = :v"), {"v": last})
        conn.execute(
            text("update stage_marks set value = :v where name = :n"),
            {"v": last, "n": COUNTED_MARK},
        )


def _mib(kib: float) -> float:
    return round(kib / 1024, 1)


def main(argv: Sequence[str] | None = None) -> int:
    """Grow the store through the sizes, crawl a batch at each; print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--stories", type=int, default=20, help="9 new articles each, per size")
    parser.add_argument("--data", type=Path, default=None, help="learn the text model from here")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    load_before = load()
    # 1,000 background articles per transaction (scale.py loads 5,000), so that 1k is a size.
    scale.CHUNK = min(scale.CHUNK, min(sizes))
    model = synth.model_for(args.data, args.seed)
    print(f"text model: {model.source}; sizes {sizes}; new articles per crawl: "
          f"{9 * args.stories}")  # fmt: skip
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="trk_crawl_memory_") as tmp:
        folder = Path(tmp)
        engine = make_engine(f"sqlite:///{folder / 'store.db'}")
        per_claim = min(100, sizes[0] // 20)
        plan = scale._plan(sizes[0], per_claim, args.seed)
        db = scale.Database("SQLite", engine, model, args.seed, plan, 0)
        db.setup()
        with engine.begin() as conn:
            conn.execute(text("delete from feeds"))  # the crawl polls only the batch's feeds
        print(f"{'stored':>8}{'load s':>8}{'claims s':>9}{'crawl s':>8}{'new':>5}"
              f"{'RSS before':>11}{'peak RSS':>9}{'workers peak RSS':>20}"
              f"{'link ms/new (CPU)':>20}")  # fmt: skip
        for size in sizes:
            load_s = db.grow(size)
            claims_s = db.claims_step()
            if size != sizes[0]:
                _skip_background(engine)
            stored = db.stored()
            got = crawl_batch(db, folder, size, args.stories)
            with engine.begin() as conn:
                # The next crawl does only its own batch: the earlier batches' feeds are left
                # and their articles' re-checks dropped (their pages are no longer served).
                conn.execute(text("update feeds set state = 'removed'"))
                conn.execute(text("update articles set next_check_at = null"))
            new = got["counts"].get("article_new", 0)
            link_ms = 1000 * got["stage_s"].get("linking", 0.0) / max(1, new)
            link_cpu_ms = 1000 * got["stage_cpu_s"].get("linking", 0.0) / max(1, new)
            row = {
                "stored_before_crawl": stored,
                "load_s": round(load_s, 1),
                "claims_catch_up_s": round(claims_s, 1),
                "crawl_s": round(got["crawl_s"], 1),
                "new_articles": new,
                "rss_before_mib": _mib(got["rss_before_kib"]),
                "peak_rss_mib": _mib(got["hwm_kib"]),
                "worker_peak_rss_mib": [_mib(k) for k in got["worker_hwm_kib"]],
                "linking_ms_per_new": round(link_ms, 1),
                "linking_cpu_ms_per_new": round(link_cpu_ms, 1),
                "claims_stage_s": round(got["stage_s"].get("claims", 0.0), 1),
                "counts": got["counts"],
            }
            rows[str(size)] = row
            workers = "/".join(f"{m:.0f}" for m in row["worker_peak_rss_mib"])
            print(
                f"{stored:>8}{load_s:>8.1f}{claims_s:>9.1f}{got['crawl_s']:>8.1f}{new:>5}"
                f"{row['rss_before_mib']:>11.0f}{row['peak_rss_mib']:>9.0f}{workers:>20}"
                f"{f'{link_ms:.1f} ({link_cpu_ms:.1f})':>20}",
                flush=True,
            )
        engine.dispose()
    figures: dict[str, Any] = {"sizes": rows, "new_per_crawl": 9 * args.stories}
    big = str(max(sizes))
    if "10000" in rows and big != "10000":
        a, b = rows["10000"], rows[big]
        figures["peak_rss_ratio"] = round(b["peak_rss_mib"] / a["peak_rss_mib"], 3)
        figures["worker_peak_rss_ratio"] = round(
            max(b["worker_peak_rss_mib"], default=0) / max(a["worker_peak_rss_mib"], default=1), 3
        )
        print(f"peak RSS at {big} / at 10000: crawl process {figures['peak_rss_ratio']:.2f}x, "
              f"largest worker {figures['worker_peak_rss_ratio']:.2f}x (goal <= 1.2)")  # fmt: skip
    first = str(min(sizes))
    if big != first and rows[first]["linking_cpu_ms_per_new"] > 0:
        figures["linking_ratio"] = round(
            rows[big]["linking_ms_per_new"] / rows[first]["linking_ms_per_new"], 3
        )
        figures["linking_cpu_ratio"] = round(
            rows[big]["linking_cpu_ms_per_new"] / rows[first]["linking_cpu_ms_per_new"], 3
        )
        print(f"linking per new article at {big} / at {first}: wall "
              f"{figures['linking_ratio']:.2f}x, CPU {figures['linking_cpu_ratio']:.2f}x "
              "(goal <= 1.5)")  # fmt: skip
    emit("crawl_memory", figures, load_before=load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
