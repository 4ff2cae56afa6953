"""The end-to-end scenario on real texts, as a benchmark: drive the installed tracker through it.

Usage: .venv/bin/python benchmarks/scenario.py [SCENARIO_DIR] [--runs N]

SCENARIO_DIR defaults to ../shared/scenario/dev beside the repository; the scenario's own driver
(`run.py` in the folder above it) feeds the tracker a local web of real news texts, registers a
claim and a correction, crawls again, and scores who-repeated, sources and uptake against the
truth. This script runs it with the `tracker` of this environment (the one a user installs),
the settings the scenario's README names, and prints each run's figures, the CPU time the
tracker's processes used, the machine's load, and last one JSON line (the medians over runs).
Skips cleanly when the scenario folder is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _report import emit, skipped

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "scenario" / "dev"
# What the scenario's README says the tracker needs to crawl loopback hosts quickly.
SCENARIO_ENV = (
    "TRACKER_HTTP_ALLOW_PRIVATE=1 TRACKER_HTTP_PER_HOST_INTERVAL=0.05 TRACKER_CRAWL_FEED_INTERVAL=1"
)
NUMERIC = (
    "who_repeated_precision",
    "who_repeated_recall",
    "source_and_type_accuracy",
    "uptake_accuracy",
    "wall_s",
)


def run_once(folder: Path) -> dict[str, object]:
    """One scenario run; its figures plus the CPU seconds of every process it started."""
    driver = folder.parent / "run.py"
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    env.setdefault("SCENARIO_ENV", SCENARIO_ENV)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(driver), str(folder)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise SystemExit(f"the scenario printed no figures (exit {done.returncode}): {tail}")
    figures: dict[str, object] = json.loads(lines[-1])
    goals = [line for line in done.stdout.splitlines() if line.startswith("scenario:")]
    figures["goals"] = goals[-1].removeprefix("scenario: ") if goals else "?"
    figures["cpu_s"] = round(
        (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1
    )
    figures["elapsed_s"] = round(time.monotonic() - started, 1)
    return figures


def main() -> None:
    """Run the scenario N times and print each run and the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    folder: Path = args.folder
    if not (folder / "site.json").is_file() or not (folder.parent / "run.py").is_file():
        skipped("scenario", f"scenario {folder} missing")
        return
    load = os.getloadavg()[0]
    runs = []
    for number in range(1, args.runs + 1):
        figures = run_once(folder)
        runs.append(figures)
        print(f"run {number}: {json.dumps(figures)}", flush=True)
    summary: dict[str, object] = {"folder": str(folder), "runs": len(runs)}
    for key in (*NUMERIC, "cpu_s"):
        values = [float(r[key]) for r in runs if isinstance(r.get(key), int | float)]
        if values:
            summary[key] = round(statistics.median(values), 3)
    summary["late_flagged"] = [r.get("late_flagged") for r in runs]
    summary["goals"] = [r.get("goals") for r in runs]
    summary["load_1min_at_start"] = round(load, 2)
    emit("scenario", summary)


if __name__ == "__main__":
    main()
