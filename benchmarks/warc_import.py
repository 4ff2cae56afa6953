"""Backfill from WARC: import speed beside bare trafilatura, and memory over a large archive.

    python benchmarks/warc_import.py [DATA_DIR | generated] [--size 1G] [--filler 200K]
                                     [--pages 300] [--rounds 5] [--keep]

1. speed: the real pages of DATA_DIR/extraction-aeb and DATA_DIR/dates-mediacloud2020 (or, with
   `generated` or when they are missing, `--pages` generated pages) written as one .warc.gz and
   imported with `Tracker.import_warc` into a fresh SQLite file (extraction on every core, store,
   linking and claims stages), beside bare `trafilatura.extract` over the same bytes in one
   process, in the same run. Wall and CPU time (the tracker's CPU includes its extraction worker
   processes), and the linking and claims stages' own CPU per page, in --rounds rounds taken in
   turn (the ratios within each round, their median reported). Goal: import pages/s >= 0.8x
   bare pages/s.
2. memory (with --size): an archive of about SIZE bytes generated in a temporary folder (pages
   under new URLs, each followed by a --filler-byte image record, as crawls keep images),
   imported the same way; the importing process's resident memory sampled as the file is read.
   Flat means the peak after a tenth of the file is no higher than the peak at its end, within
   noise. The file is deleted afterwards unless --keep.

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura
from _procs import cpu_seconds, descendants
from _report import emit

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.config import load_settings
from tracker.testing.warcs import generated_pages, write_generated_warc

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _settings(db: Path):  # type: ignore[no-untyped-def]
    return load_settings(
        environ={}, overrides={"database_url": f"sqlite:///{db}", "data_dir": str(db.parent)}
    )


def real_pages(data: Path) -> list[bytes]:
    """The real news pages of the data folder (extraction-aeb, dates-mediacloud2020)."""
    pages: list[bytes] = []
    for folder in ("extraction-aeb/html", "dates-mediacloud2020/html"):
        for path in sorted((data / folder).glob("*.gz")):
            pages.append(gzip.decompress(path.read_bytes()))
    return pages


def _rss_kib(pid: int | str = "self") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def bare(pages: list[bytes]) -> tuple[float, float]:
    """Wall and CPU seconds of bare trafilatura.extract over the pages, one process."""
    wall, cpu = time.perf_counter(), time.process_time()
    for page in pages:
        trafilatura.extract(page)
    return time.perf_counter() - wall, time.process_time() - cpu


def tracked_import(
    archive: Path,
    db: Path,
    on_progress: Callable[[str, int, int], None] | None = None,
    *,
    stages: bool = True,
) -> tuple[float, float, dict[str, int]]:
    """Wall and CPU seconds of `Tracker.import_warc` (workers warmed up first), and its counts."""
    clock = ManualClock(time_now())
    with Tracker(_settings(db), clock=clock, stages=None if stages else ()) as tracker:
        tracker.warm_up()  # worker start-up is paid once per process, not per import
        workers = descendants(os.getpid())
        before_workers = cpu_seconds(workers)
        wall, cpu = time.perf_counter(), time.process_time()
        done = tracker.import_warc([archive], progress=on_progress)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu + cpu_seconds(workers) - before_workers
    return wall, cpu, dict(done.run.counts)


def time_now():  # type: ignore[no-untyped-def]
    """Now, for the tracker's clock (its runs are stamped with it)."""
    from datetime import UTC, datetime

    return datetime.now(UTC)


def bench_speed(pages: list[bytes], folder: Path, source: str, rounds: int) -> dict[str, object]:
    archive = folder / "speed.warc.gz"
    write_generated_warc(archive, pages)
    # Rounds in turn (bare, import, import without the stages), each ratio taken within its
    # round and the median reported: single rounds of one code gave CPU ratios from 0.59 to
    # 1.06 on 2 otherwise idle cores (the CPU a page of either side moves by up to a third).
    runs: list[dict[str, float]] = []
    stored = 0
    for turn in range(rounds):
        bare_wall, bare_cpu = bare(pages)
        wall, cpu, counts = tracked_import(archive, folder / f"speed{turn}.db")
        stored = counts.get("warc_article_new", 0)
        # The same import without the linking and claims stages: what extraction and storing cost.
        alone_wall, alone_cpu, _ = tracked_import(archive, folder / f"alone{turn}.db", stages=False)
        runs.append(
            {
                "bare_wall": bare_wall,
                "bare_cpu": bare_cpu,
                "wall": wall,
                "cpu": cpu,
                "alone_wall": alone_wall,
                "alone_cpu": alone_cpu,
                "ratio_wall": bare_wall / wall,
                "ratio_cpu": bare_cpu / cpu,
                "no_stages_ratio_wall": bare_wall / alone_wall,
                "no_stages_ratio_cpu": bare_cpu / alone_cpu,
                # The stages' own CPU (their thread's, summed over the import's stage runs).
                "linking_cpu_ms": counts.get("linking_cpu_ms", 0),
                "claims_cpu_ms": counts.get("claims_cpu_ms", 0),
            }
        )
        print(
            f"  round {turn + 1}: ratio CPU {runs[-1]['ratio_cpu']:.2f} (without the stages "
            f"{runs[-1]['no_stages_ratio_cpu']:.2f}), wall {runs[-1]['ratio_wall']:.2f}; CPU ms a"
            f" page: bare {1000 * bare_cpu / len(pages):.1f}, import {1000 * cpu / len(pages):.1f},"
            f" without the stages {1000 * alone_cpu / len(pages):.1f}",
            file=sys.stderr,
        )

    def mid(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    n = len(pages)
    figures = {
        "source": source,
        "pages": n,
        "stored": stored,
        "rounds": rounds,
        "bare_pages_per_s_wall": round(n / mid("bare_wall"), 1),
        "bare_pages_per_s_cpu": round(n / mid("bare_cpu"), 1),
        "import_pages_per_s_wall": round(n / mid("wall"), 1),
        "import_pages_per_s_cpu": round(n / mid("cpu"), 1),
        "ratio_wall": round(mid("ratio_wall"), 2),
        "ratio_cpu": round(mid("ratio_cpu"), 2),
        "ratio_cpu_rounds": [round(run["ratio_cpu"], 2) for run in runs],
        "no_stages_pages_per_s_wall": round(n / mid("alone_wall"), 1),
        "no_stages_ratio_wall": round(mid("no_stages_ratio_wall"), 2),
        "no_stages_ratio_cpu": round(mid("no_stages_ratio_cpu"), 2),
        "linking_cpu_ms_page": round(mid("linking_cpu_ms") / n, 2),
        "claims_cpu_ms_page": round(mid("claims_cpu_ms") / n, 2),
        "cores": os.cpu_count(),
    }
    print(
        f"speed ({source}, {n} pages, {stored} stored; medians of {rounds} rounds, the ratios"
        f" taken within each round):\n"
        f"  bare trafilatura.extract, 1 process: {figures['bare_pages_per_s_wall']} pages/s wall,"
        f" {figures['bare_pages_per_s_cpu']} pages/s CPU\n"
        f"  tracker import (extract on {os.cpu_count()} cores + store + linking + claims): "
        f"{figures['import_pages_per_s_wall']} pages/s wall, "
        f"{figures['import_pages_per_s_cpu']} pages/s CPU\n"
        f"  ratio import/bare: wall {figures['ratio_wall']}, CPU {figures['ratio_cpu']}"
        f" (goal >= 0.8; by round {figures['ratio_cpu_rounds']})\n"
        f"  without the linking and claims stages: {figures['no_stages_pages_per_s_wall']} "
        f"pages/s wall, ratio wall {figures['no_stages_ratio_wall']}, "
        f"CPU {figures['no_stages_ratio_cpu']}\n"
        f"  the stages' CPU per page: linking {figures['linking_cpu_ms_page']} ms, "
        f"claims {figures['claims_cpu_ms_page']} ms"
    )
    return figures


def bench_memory(
    size: int, filler: int, folder: Path, keep: bool, *, stages: bool = True
) -> dict[str, object]:
    # Outside the run's scratch folder, so that --keep can keep it.
    archive = Path(tempfile.gettempdir()) / f"warc_import_bench_{size}.warc.gz"
    started = time.perf_counter()
    write_generated_warc(archive, generated_pages(2000, seed=11), size=size, filler=filler)
    written = archive.stat().st_size
    print(f"memory: generated {written / 2**20:.0f} MiB in {time.perf_counter() - started:.0f} s")
    # (share of the file read, seconds since the start, RSS KiB of the importing process,
    # largest RSS KiB of one extraction worker)
    samples: list[tuple[float, float, int, int]] = []
    last = [-1.0]
    began = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        if share - last[0] >= 0.01 or done == total:
            last[0] = share
            workers = [_rss_kib(pid) for pid in descendants(os.getpid())]
            samples.append(
                (share, time.perf_counter() - began, _rss_kib(), max(workers, default=0))
            )

    try:
        wall, _, counts = tracked_import(archive, folder / "large.db", progress, stages=stages)
    finally:
        if not keep:
            archive.unlink(missing_ok=True)
    peak_total = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    by_tenth: dict[int, int] = {}
    workers_by_tenth: dict[int, int] = {}
    minutes: dict[int, int] = {}  # RSS by minute of the import, to read it over time
    for share, seconds, rss, worker in samples:
        tenth = min(10, int(share * 10))
        by_tenth[tenth] = max(by_tenth.get(tenth, 0), rss)
        workers_by_tenth[tenth] = max(workers_by_tenth.get(tenth, 0), worker)
        minutes[int(seconds // 60)] = max(minutes.get(int(seconds // 60), 0), rss)
    early = max(rss for share, _, rss, _ in samples if share <= 0.1)
    late = max(rss for share, _, rss, _ in samples if share > 0.1)
    figures = {
        "archive_mib": round(written / 2**20),
        "pages": counts.get("warc_article_new", 0),
        "import_s": round(wall, 1),
        "stages": stages,
        "rss_mib_peak_first_tenth": round(early / 1024),
        "rss_mib_peak_rest": round(late / 1024),
        "rss_mib_by_tenth": {k / 10: round(v / 1024) for k, v in sorted(by_tenth.items())},
        "worker_rss_mib_by_tenth": {
            k / 10: round(v / 1024) for k, v in sorted(workers_by_tenth.items())
        },
        "rss_mib_by_minute": {k: round(v / 1024) for k, v in sorted(minutes.items())},
        "pages_per_s": round(counts.get("warc_article_new", 0) / wall, 2),
        "max_rss_mib_process": round(peak_total / 1024),
    }
    print(
        f"memory: imported {figures['pages']} pages from {figures['archive_mib']} MiB in "
        f"{figures['import_s']} s; RSS peak in the first tenth "
        f"{figures['rss_mib_peak_first_tenth']} MiB, after it {figures['rss_mib_peak_rest']} MiB;"
        f" by tenth of the file: "
        f"{figures['rss_mib_by_tenth']}; largest extraction worker by tenth: "
        f"{figures['worker_rss_mib_by_tenth']}; {figures['pages_per_s']} pages/s"
    )
    return figures


def _size(text: str) -> int:
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    parser.add_argument("--size", default="", help="also import a generated archive this big")
    parser.add_argument("--filler", default="200K", help="image record after each page (--size)")
    parser.add_argument("--pages", type=int, default=300, help="generated pages for speed")
    parser.add_argument("--keep", action="store_true", help="keep the generated archive")
    parser.add_argument(
        "--no-stages", action="store_true", help="memory run without linking and claims"
    )
    parser.add_argument("--no-speed", action="store_true", help="skip the speed comparison")
    parser.add_argument(
        "--rounds", type=int, default=5, help="speed rounds in turn (the median is reported)"
    )
    args = parser.parse_args()
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="warc-bench-") as tmp:
        folder = Path(tmp)
        pages: list[bytes] = []
        source = "generated"
        if args.data != "generated":
            pages = real_pages(Path(args.data))
            if pages:
                source = "real pages of " + args.data
            else:
                print(f"real pages: skipped: {args.data} has none; using generated pages")
        if not pages:
            pages = generated_pages(args.pages)
        if not args.no_speed:
            figures["speed"] = bench_speed(pages, folder, source, max(1, args.rounds))
        if args.size:
            figures["memory"] = bench_memory(
                _size(args.size),
                _size(args.filler),
                folder,
                args.keep,
                stages=not args.no_stages,
            )
    sys.stdout.flush()
    emit("warc_import", figures)


if __name__ == "__main__":
    main()
