"""The end-to-end scenario on real texts, as a benchmark: drive the installed tracker through it.

Usage: .venv/bin/python benchmarks/scenario.py [SCENARIO_DIR] [--runs N] [--swapped]
                                                [--home HOME --port PORT]

SCENARIO_DIR defaults to ../shared/scenario/dev beside the repository; the scenario's own driver
(`run.py` in the folder above it) feeds the tracker a local web of real news texts, registers a
claim and a correction, crawls again, and scores who-repeated, sources and uptake against the
truth. This script runs it with the `tracker` of this environment (the one a user installs),
the settings the scenario's README names, and prints each run's figures, the CPU time the
tracker's processes used, the machine's load, and last one JSON line (the medians over runs).
Skips cleanly when the scenario folder is missing.

`--swapped` also asks who-repeated, on each run's crawled home, the claims the truth does not
hold: each topic's other event as the claim (the first paragraph of ten words or more of its
first article; the scenario's claims are the first sentence of event A's first article), its
articles as the repeaters and event A's as the hard negatives. The tracker was never tuned on
these claims, so the pair of figures says how far dev's tuning carries to other claims on the
same texts. `--home HOME --port PORT` scores a home crawled before (run.py names both on stderr)
without crawling again.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _report import emit, skipped
from lxml import html as lxml_html

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


def run_once(folder: Path, home: str | None = None, port: str | None = None) -> dict[str, object]:
    """One scenario run (a rescore of `home` when given); its figures, CPU seconds and home."""
    driver = folder.parent / "run.py"
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    env.setdefault("SCENARIO_ENV", SCENARIO_ENV)
    if home is not None and port is not None:
        env |= {"SCENARIO_HOME": home, "SCENARIO_PORT": port}
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
    named = re.search(r"^home (\S+) port (\d+)$", done.stderr, re.M)
    if named:
        figures["home"], figures["port"] = named[1], named[2]
    return figures


def _first_statement(page: str) -> str | None:
    """The first paragraph of ten words or more of a scenario page's article (not a dateline)."""
    for paragraph in lxml_html.fromstring(page).xpath("//article//p"):
        text = " ".join(paragraph.text_content().split())
        if len(text.split()) >= 10:
            return text
    return None


def swapped_claims(folder: Path) -> list[tuple[str, str, set[str]]]:
    """Per topic: its event B as the claim (topic, text, the ids of event B's articles)."""
    site = json.loads((folder / "site.json").read_text())
    articles = {a["id"]: a for a in site["articles"]}
    out = []
    for topic in sorted({a["topic"] for a in site["articles"]}):
        first = articles.get(f"t{topic}-B-0")
        text = _first_statement(first["versions"]["0"]) if first else None
        if text is None:
            continue
        ids = {a["id"] for a in site["articles"] if a["topic"] == topic and a["event"] == "B"}
        out.append((topic, text, ids))
    return out


def score_swapped(folder: Path, home: str, port: str) -> dict[str, object]:
    """Who-repeated precision and recall on the swapped claims, asked of the crawled `home`."""
    site = json.loads((folder / "site.json").read_text())
    url_of = {
        a["id"]: a["url"].replace("{port}", port).split("://", 1)[-1] for a in site["articles"]
    }
    env = dict(
        os.environ, HOME=home, XDG_DATA_HOME=f"{home}/data", XDG_CONFIG_HOME=f"{home}/config"
    )
    for pair in os.environ.get("SCENARIO_ENV", SCENARIO_ENV).split():
        name, _, value = pair.partition("=")
        env[name] = value
    tracker = str(Path(sys.executable).parent / "tracker")
    true_positives = false_positives = false_negatives = 0
    claims = swapped_claims(folder)
    for _topic, text, ids in claims:
        done = subprocess.run(
            [tracker, "who-repeated", text, "--json"],
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"who-repeated failed on {home}: {done.stderr.strip()[-300:]}")
        got = {row["url"].split("://", 1)[-1] for row in json.loads(done.stdout)["rows"]}
        want = {url_of[i] for i in ids}
        true_positives += len(got & want)
        false_positives += len(got - want)
        false_negatives += len(want - got)
    return {
        "swapped_claims": len(claims),
        "swapped_precision": round(true_positives / max(true_positives + false_positives, 1), 3),
        "swapped_recall": round(true_positives / max(true_positives + false_negatives, 1), 3),
    }


def main() -> None:
    """Run the scenario N times and print each run and the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--swapped", action="store_true", help="also each topic's other event")
    parser.add_argument("--home", help="score this crawled home again (with --port)")
    parser.add_argument("--port", help="the port the home was crawled on")
    args = parser.parse_args()
    if (args.home is None) != (args.port is None):
        parser.error("--home and --port go together (run.py names both on stderr)")
    folder: Path = args.folder
    if not (folder / "site.json").is_file() or not (folder.parent / "run.py").is_file():
        skipped("scenario", f"scenario {folder} missing")
        return
    load = os.getloadavg()[0]
    runs = []
    for number in range(1, args.runs + 1):
        figures = run_once(folder, args.home, args.port)
        if args.swapped and "home" in figures:
            figures |= score_swapped(folder, str(figures["home"]), str(figures["port"]))
        runs.append(figures)
        print(f"run {number}: {json.dumps(figures)}", flush=True)
    summary: dict[str, object] = {"folder": str(folder), "runs": len(runs)}
    for key in (*NUMERIC, "cpu_s", "swapped_precision", "swapped_recall"):
        values = [float(r[key]) for r in runs if isinstance(r.get(key), int | float)]
        if values:
            summary[key] = round(statistics.median(values), 3)
    summary["late_flagged"] = [r.get("late_flagged") for r in runs]
    summary["goals"] = [r.get("goals") for r in runs]
    summary["load_1min_at_start"] = round(load, 2)
    emit("scenario", summary)


if __name__ == "__main__":
    main()
