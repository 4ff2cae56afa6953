"""Robustness of feed parsing on real feeds: every file of DATA_DIR/feeds-real through parse_feed.

    python benchmarks/feeds_real.py [DATA_DIR]      (default: ../shared/data beside the repository)

Prints one row per file (file, format, entries, outcome, milliseconds) and totals. The goal is
no outcome other than entries or NotAFeed; an ERROR row is a bug in tracker.web.feeds.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from _report import emit, skipped

from tracker.errors import NotAFeed
from tracker.web.feeds import parse_feed

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=ROOT.parent / "shared" / "data")
    folder = parser.parse_args().data_dir / "feeds-real"
    if not folder.is_dir():
        return skipped("feeds_real", f"data folder missing ({folder})")

    files = sorted(path for path in folder.rglob("*") if path.is_file())
    outcomes: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    entries_total = bytes_total = 0
    started = time.perf_counter()
    print(f"{'file':55} {'format':8} {'entries':>7}  {'ms':>6}  outcome")
    for path in files:
        name = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        bytes_total += len(data)
        begin = time.perf_counter()
        fmt, count = "-", 0
        try:
            feed = parse_feed(data, url=f"https://feeds-real.example/{name}")
        except NotAFeed as exc:
            outcome, detail = "not_a_feed", str(exc)
        except Exception as exc:  # anything else is the bug this benchmark exists to find
            outcome, detail = "ERROR", f"{type(exc).__name__}: {exc}"
        else:
            fmt, count = feed.format or "?", len(feed.entries)
            outcome = "entries" if count else "empty_feed"
            detail = f"warning: {feed.warning}" if feed.warning else ""
            formats[fmt] += 1
        elapsed_ms = (time.perf_counter() - begin) * 1000
        outcomes[outcome] += 1
        entries_total += count
        print(f"{name:55} {fmt:8} {count:7d}  {elapsed_ms:6.1f}  {outcome} {detail[:90]}")

    seconds = time.perf_counter() - started
    print()
    print(f"files: {len(files)}  " + "  ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))
    print("formats: " + "  ".join(f"{k}: {v}" for k, v in formats.most_common()))
    print(
        f"entries: {entries_total}  time: {seconds:.2f} s  "
        f"({len(files) / seconds:.0f} files/s, {bytes_total / seconds / 1e6:.1f} MB/s)"
    )
    emit("feeds_real", {"files": len(files), **dict(sorted(outcomes.items())),
                        "entries": entries_total, "seconds": round(seconds, 2),
                        "files_per_s": round(len(files) / seconds, 1)})  # fmt: skip
    return 1 if outcomes["ERROR"] else 0


if __name__ == "__main__":
    sys.exit(main())
