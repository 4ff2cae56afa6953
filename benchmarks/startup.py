"""How long the `tracker` command takes to start, against `python -c "import typer"`.

Three commands, run as separate processes in one run: the baseline `python -c "import typer"`,
`python -m tracker --help`, and `python -m tracker --db FILE status` on an empty SQLite database
(schema at head, no rows; made once beforehand with `tracker db upgrade`). Each round runs
baseline, help, baseline, status: two adjacent pairs, whose ratio cancels the load of that moment
(the machine is shared). Figures: the median over rounds of each pair's ratio of wall time, and of
CPU time (user + system of the child); median wall and CPU seconds of each command.
Goals (issue 14): help <= 4x, status <= 8x.

Usage: python benchmarks/startup.py [rounds]   (default 15)
Another commit's code: PYTHONPATH=/path/to/its/checkout python benchmarks/startup.py
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import emit, load

BASELINE = [sys.executable, "-c", "import typer"]


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `command` (it must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # Run in the scratch folder (HOME): the current folder comes first on sys.path, so a checkout
    # there would shadow the installed tracker (or the one PYTHONPATH names, to compare commits).
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, cwd=env["HOME"])
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    """Run the rounds and print the figures."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    load_before = load()
    with tempfile.TemporaryDirectory(prefix="trk_startup_") as folder:
        # No config file or TRACKER_* variable of this machine may change what is measured.
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        env["HOME"] = folder
        database = str(Path(folder) / "empty.db")
        tracker = [sys.executable, "-m", "tracker"]
        commands = {"help": [*tracker, "--help"], "status": [*tracker, "--db", database, "status"]}
        subprocess.run([*tracker, "--db", database, "db", "upgrade"], env=env, check=True,
                       stdout=subprocess.DEVNULL, cwd=folder)  # fmt: skip
        for command in [BASELINE, *commands.values()]:  # warm the bytecode caches
            _run(command, env)
        wall: dict[str, list[float]] = {"baseline": [], "help": [], "status": []}
        cpu: dict[str, list[float]] = {"baseline": [], "help": [], "status": []}
        kinds = ("help", "status", "help_cpu", "status_cpu")
        ratios: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(rounds):
            for name, command in commands.items():
                base_wall, base_cpu = _run(BASELINE, env)
                own_wall, own_cpu = _run(command, env)
                wall["baseline"].append(base_wall)
                cpu["baseline"].append(base_cpu)
                wall[name].append(own_wall)
                cpu[name].append(own_cpu)
                ratios[name].append(own_wall / base_wall)
                ratios[f"{name}_cpu"].append(own_cpu / base_cpu if base_cpu else float("nan"))
    figures: dict[str, float | int] = {"rounds": rounds}
    for name, values in ratios.items():
        figures[f"{name}_ratio"] = round(statistics.median(values), 2)
    for name in wall:
        figures[f"{name}_wall_s"] = round(statistics.median(wall[name]), 3)
        figures[f"{name}_cpu_s"] = round(statistics.median(cpu[name]), 3)
    print(f"{rounds} rounds, median of paired ratios (goal: help <= 4, status <= 8)")
    for name in ("help", "status"):
        print(f"  {name:>6}: wall {figures[f'{name}_ratio']}x  cpu {figures[f'{name}_cpu_ratio']}x"
              f"  ({figures[f'{name}_wall_s']} s wall, {figures[f'{name}_cpu_s']} s cpu;"
              f" baseline {figures['baseline_wall_s']} s)")  # fmt: skip
    emit("startup", figures, load_before=load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
