"""What the claims stage costs a crawl: the dev scenario crawled with and without registered claims.

Usage: .venv/bin/python benchmarks/claims_cost.py [SCENARIO_DIR] [--claims 20] [--pairs 3]

Each run gets a fresh tracker home, serves the scenario's web (`serve.py` beside the scenario
folder) on a free port, subscribes to every outlet's feed, registers N claims (the scenario's
claim texts, cycled when N is larger) *before* crawling, so the claims stage of every crawl pass
matches every new version against all of them, and crawls the three phases of the web. The runs
alternate, without and with claims (the first of a pair alternating too, so a drift of the
machine's load does not favour one side), `--pairs` times; the CPU seconds of the crawl commands
(user plus system) are compared pair by pair. The CPU is the whole process tree's: on Linux this
process adopts orphans (`PR_SET_CHILD_SUBREAPER`), so the extraction workers, children of a
forkserver that the crawl does not wait for, are reaped here and counted too. Printed: each run
with the work its crawl reports counted (articles stored, linked, re-linked, versions matched,
sentences embedded...) and each stage's CPU as the crawl logged it, then one JSON line with
every pair's ratio and their median (with / without), the ratio counting only what the claims
stage logged more (`stage_ratios`), each side's median stage CPU, the work counts that differed
between runs of one side (`work_differs`), CPU and wall times and the machine's load. Skips
cleanly when the scenario folder is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _report import emit, skipped

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "scenario" / "dev"
# What the scenario's README says the tracker needs to crawl loopback hosts quickly.
ENV = {
    "TRACKER_HTTP_ALLOW_PRIVATE": "1",
    "TRACKER_HTTP_PER_HOST_INTERVAL": "0.05",
    "TRACKER_CRAWL_FEED_INTERVAL": "1",
}
PHASES = (0, 1, 2)
PR_SET_CHILD_SUBREAPER = 36  # prctl option (linux/prctl.h)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _adopt_orphans() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux); True if it is."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)


def _reap(keep: int) -> None:
    """Wait for every child of this process but `keep` (orphans adopted from a crawl)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = {
            int(pid)
            for task in Path(f"/proc/{os.getpid()}/task").iterdir()
            for pid in (task / "children").read_text().split()
        } - {keep}
        if not children:
            return
        for pid in children:
            with contextlib.suppress(ChildProcessError):  # reaped already, or not ours
                os.waitpid(pid, 0)


@dataclasses.dataclass(frozen=True, slots=True)
class Run:
    """One crawl of the scenario's phases: CPU and wall seconds, the passes' counts summed."""

    cpu_s: float
    wall_s: float
    work: dict[str, int]  # the crawl reports' outcome counts, with each stage's CPU ms

    def stage_s(self, stage: str) -> float:
        """The CPU seconds `stage` logged in the crawl reports (its thread's)."""
        return self.work.get(f"{stage}_cpu_ms", 0) / 1000


def _wait_for(hosts: list[str], port: int) -> None:
    """Wait until the scenario's server listens on every outlet's host (a fixed sleep failed)."""
    deadline = time.monotonic() + 30
    for host in hosts:
        while True:
            try:
                with socket.create_connection((host, port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(folder: Path, claims: list[str], adopted: bool) -> Run:
    """One crawl of the scenario's phases with `claims` registered first; CPU and wall seconds.

    `adopted`: this process reaps the crawls' orphans, so their CPU is counted after each crawl.
    """
    site = json.loads((folder / "site.json").read_text())
    tracker = str(Path(sys.executable).with_name("tracker"))
    with tempfile.TemporaryDirectory() as home:
        env = dict(
            os.environ,
            HOME=home,
            XDG_DATA_HOME=f"{home}/data",
            XDG_CONFIG_HOME=f"{home}/config",
            **ENV,
        )
        phase = Path(home) / "phase"
        phase.write_text("0")
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, str(folder.parent / "serve.py"), str(folder), str(port), str(phase)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for([outlet["host"] for outlet in site["outlets"]], port)

            def call(*args: str) -> str:
                return subprocess.run(
                    [tracker, *args], env=env, cwd=home, check=True, capture_output=True, text=True
                ).stdout

            for outlet in site["outlets"]:
                call("feeds", "add", f"http://{outlet['host']}:{port}/feed.xml")
            for number, text in enumerate(claims):
                call("claims", "add", f"claim-{number}", text)
            cpu_before, started = _cpu(), time.monotonic()
            work: Counter[str] = Counter()
            for value in PHASES:
                phase.write_text(str(value))
                work.update(json.loads(call("crawl", "--json"))["counts"])
                if adopted:
                    _reap(keep=server.pid)
            cpu, wall = _cpu() - cpu_before, time.monotonic() - started
            return Run(round(cpu, 2), round(wall, 1), dict(sorted(work.items())))
        finally:
            server.terminate()
            server.wait()


def main() -> None:
    """Alternate crawls without and with claims; print each, then the paired CPU ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--claims", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    folder: Path = args.folder
    if not (folder / "site.json").is_file() or not (folder.parent / "serve.py").is_file():
        skipped("claims_cost", f"scenario {folder} missing")
        return
    texts = [c["text"] for c in json.loads((folder / "truth.json").read_text())["claims"]]
    claims = [texts[i % len(texts)] for i in range(args.claims)]
    load = os.getloadavg()[0]
    adopted = _adopt_orphans()
    ratios, runs = [], []
    for pair in range(1, args.pairs + 1):
        done: dict[bool, Run] = {}
        for with_them in (False, True) if pair % 2 else (True, False):
            done[with_them] = run = run_once(folder, claims if with_them else [], adopted)
            said = f"with {len(claims)} claims" if with_them else "without claims"
            print(f"pair {pair} {said}: {json.dumps(dataclasses.asdict(run))}", flush=True)
        bare, with_claims = done[False], done[True]
        ratios.append(with_claims.cpu_s / bare.cpu_s)
        runs.append((bare, with_claims))
    emit(
        "claims_cost",
        {
            "claims": len(claims),
            "pairs": len(ratios),
            "cpu_ratios": [round(r, 3) for r in ratios],
            "orphans_counted": adopted,
            "cpu_ratio_with_claims": round(statistics.median(ratios), 3),
            "stage_ratios": [round(_stage_ratio(*r), 3) for r in runs],
            "cpu_s_without": round(statistics.median(r[0].cpu_s for r in runs), 1),
            "cpu_s_with": round(statistics.median(r[1].cpu_s for r in runs), 1),
            **_stages(runs),
            "work_differs": _differing(runs),
            "wall_s_without": round(statistics.median(r[0].wall_s for r in runs), 1),
            "wall_s_with": round(statistics.median(r[1].wall_s for r in runs), 1),
            "load_1min_at_start": round(load, 2),
        },
    )


def _stage_ratio(bare: Run, with_claims: Run) -> float:
    """The pair's ratio counting only what the claims stage logged more: 1 + extra / bare CPU.

    The crawl outside the claims stage (fetching, extraction, linking) does the same work with
    and without claims but varies by a fifth from run to run (the order pages arrive in changes
    what linking does again); this leaves that variation out of the numerator. 0 when the crawl
    does not log its stages' CPU (an older tracker).
    """
    if "claims_cpu_ms" not in with_claims.work:
        return 0.0
    return 1 + (with_claims.stage_s("claims") - bare.stage_s("claims")) / bare.cpu_s


def _stages(runs: list[tuple[Run, Run]]) -> dict[str, object]:
    """Each side's median stage CPU, and the CPU outside the stages (fetching, extraction...)."""
    out: dict[str, object] = {}
    for side, name in ((0, "without"), (1, "with")):
        for stage in ("linking", "claims"):
            out[f"{stage}_cpu_s_{name}"] = round(
                statistics.median(r[side].stage_s(stage) for r in runs), 2
            )
        out[f"other_cpu_s_{name}"] = round(
            statistics.median(
                r[side].cpu_s - r[side].stage_s("linking") - r[side].stage_s("claims") for r in runs
            ),
            2,
        )
    return out


def _differing(runs: list[tuple[Run, Run]]) -> dict[str, list[int]]:
    """The work counts that differ between the runs of one side: {name: [each run's count]}."""
    out: dict[str, list[int]] = {}
    for side, name in ((0, "without"), (1, "with")):
        sides = [r[side].work for r in runs]
        for key in sorted(set().union(*sides)):
            if key.endswith("_cpu_ms"):
                continue
            values = [w.get(key, 0) for w in sides]
            if len(set(values)) > 1:
                out[f"{name}:{key}"] = values
    return out


if __name__ == "__main__":
    main()
