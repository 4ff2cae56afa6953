"""Free-text who-repeated, this checkout against another (e.g. main), side by side on one database.

    python benchmarks/who_repeated_ab.py (--db FILE | --url URL) --baseline /path/to/other/checkout
                                         [--rounds 2] [--baseline-db OTHER_FILE]
                                         [--baseline-url OTHER_URL]

FILE is a SQLite database kept by `who_repeated.py --sqlite-db FILE` (built and analysed by this
checkout). Each round runs, one after the other, a process importing the baseline's `tracker`
and one importing this checkout's (A B A B ...); each process asks the benchmark's free-text
claim twice and reports the second answer's wall and CPU seconds, and a digest of its rows
(every field of every row), which must be equal between the two. The database is only read (the
index sync finds nothing to do).
`--url` names the database by URL instead, e.g. the PostgreSQL one kept by `who_repeated.py
--no-sqlite --postgres-db NAME`.

When the two checkouts store their analyses in different formats, each needs its own copy of the
database (`cp FILE OTHER_FILE`, then one question with each checkout to bring its copy up to
date): `--baseline-db OTHER_FILE` gives the baseline its copy, `--baseline-url OTHER_URL` a
copy named by URL (on PostgreSQL: `CREATE DATABASE OTHER TEMPLATE NAME`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _report import emit, load

HERE = Path(__file__).resolve().parent
_CHILD = """
import hashlib, json, sys, time
from datetime import UTC, datetime
sys.path.insert(0, {bench!r})
from synth import CLAIMS
from tracker.api.claims import Claims
from tracker.clock import ManualClock
from tracker.store import Store, make_engine
claims = Claims(Store(make_engine({url!r})), ManualClock(datetime(2026, 6, 1, tzinfo=UTC)))
claims.who_repeated(CLAIMS[0].free_text)
wall, cpu = time.perf_counter(), time.process_time()
answer = claims.who_repeated(CLAIMS[0].free_text)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
# The whole answer: every field of every row (their repr), in article order, and `complete`.
rows = sorted(answer.rows, key=lambda r: r.article_id)
digest = hashlib.sha256(repr((rows, answer.complete)).encode()).hexdigest()
print(json.dumps({{"wall": wall, "cpu": cpu, "rows": len(rows), "digest": digest}}))
"""


def _run(checkout: Path, url: str) -> dict[str, float]:
    """One process importing `checkout`'s tracker: the second query's figures."""
    code = _CHILD.format(bench=str(HERE), url=url)
    env = {**os.environ, "PYTHONPATH": str(checkout), "PYTHONHASHSEED": "0"}
    # Run from the checkout: `python -c` puts the working directory first on sys.path.
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Interleave the two checkouts and print wall and CPU medians and their ratio."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="a kept SQLite database")
    where.add_argument("--url", help="a kept database by URL (the baseline reads it too)")
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--baseline-db", type=Path, help="the baseline's copy (default: --db)")
    parser.add_argument("--baseline-url", help="the baseline's copy by URL (default: --url)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    load_before = load()
    this = HERE.parent
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "this": []}
    url = args.url or f"sqlite:///{args.db}"
    baseline_url = args.baseline_url or (
        f"sqlite:///{args.baseline_db}" if args.baseline_db else url
    )
    for _ in range(args.rounds):
        runs["baseline"].append(_run(args.baseline, baseline_url))
        runs["this"].append(_run(this, url))
    figures: dict[str, object] = {}
    for name, items in runs.items():
        figures[name] = {
            "wall_p50_s": round(statistics.median(i["wall"] for i in items), 3),
            "cpu_p50_s": round(statistics.median(i["cpu"] for i in items), 3),
            "rows": items[0]["rows"],
        }
        print(f"{name:9} {figures[name]}")
    digests = {i["digest"] for items in runs.values() for i in items}
    figures["same_rows"] = len(digests) == 1
    base, new = figures["baseline"], figures["this"]
    assert isinstance(base, dict) and isinstance(new, dict)
    figures["cpu_ratio"] = round(base["cpu_p50_s"] / max(new["cpu_p50_s"], 1e-9), 1)
    figures["wall_ratio"] = round(base["wall_p50_s"] / max(new["wall_p50_s"], 1e-9), 1)
    emit("who_repeated_ab", figures, load_before=load_before)


if __name__ == "__main__":
    main()
