"""The end-to-end scenario drawn again: its derived articles on other topics, other dates.

Usage: .venv/bin/python benchmarks/scenario_draws.py [SCENARIO_ROOT] [--draws 1:3,2:6,3:9]
                                                      [--ecbplus DIR]

`../shared/scenario/dev` is one draw of the scenario's generator (`build.py` beside it, seed
20261128): the derived articles (a copy, a partial copy and a chain through it, a credit, a link;
the correction and the eight uptake cases) sit on the three ECB+ topics with most articles, and
every page's date comes from the seed. The held-out figure comes from the same generator over
other topics, so a rule that holds on dev only because of which topics carry those articles, or
of the order their dates fall in, fails there. This script builds other draws from the same
development texts (`../shared/data/events-ecbplus`): each SEED:OFFSET draws the dates from SEED
and puts the derived articles on the topics ranked OFFSET+1 to OFFSET+3. `build.py` is read,
its seed and its choice of topics made arguments (two lines replaced; nothing else of it
changes), and run into a temporary folder with `run.py` and `serve.py` linked beside it; the
scenario then runs as `benchmarks/scenario.py` runs it, with this environment's `tracker`.
`20261128:0` builds dev itself again (checked: the same files).

Printed: each draw's figures, then one JSON line with every draw's and how many drew all five
goals. Skips cleanly when the scenario or the ECB+ folder is missing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _report import emit, skipped
from scenario import NUMERIC, run_once

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ROOT = ROOT.parent / "shared" / "scenario"
DEFAULT_ECBPLUS = ROOT.parent / "shared" / "data" / "events-ecbplus"
DEV_SEED = 20261128
# The two lines of `build.py` that fix the draw, and what replaces them.
SEED_LINE = f"rng = random.Random({DEV_SEED})"
FOCUS_LINE = 'focus = sorted(claims, key=lambda c: -len(c["repeaters"]))[:3]'


def build(generator: Path, ecbplus: Path, out: Path, seed: int, offset: int) -> None:
    """Build the draw SEED:OFFSET of the scenario into `out` (run.py and serve.py beside it)."""
    source = generator.read_text()
    if source.count(SEED_LINE) != 1 or source.count(FOCUS_LINE) != 1:
        raise SystemExit(f"{generator} no longer has the lines this script replaces")
    source = source.replace(SEED_LINE, f"rng = random.Random({seed})").replace(
        FOCUS_LINE, f"{FOCUS_LINE.removesuffix('[:3]')}[{offset}:{offset + 3}]"
    )
    for script in ("run.py", "serve.py"):
        (out.parent / script).symlink_to(generator.with_name(script))
    done = subprocess.run(
        [sys.executable, "-c", source, str(ecbplus), str(out)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"building draw {seed}:{offset} failed: {done.stderr.strip()[-300:]}")


def _draws(value: str) -> list[tuple[int, int]]:
    """The SEED:OFFSET pairs of `value`, as whole numbers (ValueError when one is not)."""
    draws = []
    for item in value.split(","):
        seed, colon, offset = item.strip().partition(":")
        if not colon:
            raise ValueError(item)
        draws.append((int(seed), int(offset)))
    return draws


def main() -> None:
    """Build and run each draw; print its figures, then all of them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--draws", default="1:3,2:6,3:9", help="SEED:OFFSET, comma-separated")
    parser.add_argument("--ecbplus", type=Path, default=DEFAULT_ECBPLUS)
    args = parser.parse_args()
    generator: Path = args.root / "build.py"
    if not generator.is_file() or not (args.root / "run.py").is_file():
        skipped("scenario_draws", f"scenario generator {generator} missing")
        return
    if not args.ecbplus.is_dir():
        skipped("scenario_draws", f"ECB+ texts {args.ecbplus} missing")
        return
    try:
        draws = _draws(args.draws)
    except ValueError:
        parser.error(f"--draws takes SEED:OFFSET pairs of whole numbers, not {args.draws!r}")
    results: dict[str, dict[str, object]] = {}
    for seed, offset in draws:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / "draw"
            build(generator, args.ecbplus, folder, seed, offset)
            figures = run_once(folder)
            if (seed, offset) == (DEV_SEED, 0):
                dev = args.root / "dev"
                figures["same_as_dev"] = all(
                    (folder / name).read_bytes() == (dev / name).read_bytes()
                    for name in ("site.json", "truth.json")
                )
        kept = {key: figures[key] for key in (*NUMERIC, "late_flagged", "goals", "cpu_s")}
        if "same_as_dev" in figures:
            kept["same_as_dev"] = figures["same_as_dev"]
        results[f"{seed}:{offset}"] = kept
        print(f"draw {seed}:{offset}: {json.dumps(kept)}", flush=True)
    emit(
        "scenario_draws",
        {
            "draws": results,
            "all_goals": sum(1 for r in results.values() if r["goals"] == "5/5 goals hold"),
        },
    )


if __name__ == "__main__":
    main()
