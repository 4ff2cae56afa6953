"""Benchmarks end with one JSON line naming them and the load, and skip cleanly without data."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
# Libraries the benchmarks share, not benchmarks themselves.
LIBRARIES = {"ecbplus.py", "synth.py"}
SCRIPTS = sorted(
    p.name
    for p in BENCHMARKS.glob("*.py")
    if not p.name.startswith("_") and p.name not in LIBRARIES
)
# The benchmarks whose first argument is the evaluation data (or scenario) folder.
DATA_FOLDER_FIRST = [
    "claims_cost.py",
    "claims_paraphrase.py",
    "claims_stage_replay.py",
    "clef_claims.py",
    "credits.py",
    "dates.py",
    "derivations.py",
    "embeddings.py",
    "events.py",
    "extraction.py",
    "feeds_real.py",
    "linking_replay.py",
    "minhash.py",
    "one_event.py",
    "paraphrase_probe.py",
    "reuse.py",
    "scenario.py",
    "scenario_draws.py",
]


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_benchmark_has_a_main_that_ends_with_the_json_line(name: str) -> None:
    tree = ast.parse((BENCHMARKS / name).read_text(encoding="utf-8"))
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "main" in functions, name
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    # benchmarks/_report.py: the figures as one JSON object with the name and the load average.
    assert "emit" in called, f"{name} does not print its figures through _report.emit"


@pytest.mark.parametrize("name", DATA_FOLDER_FIRST)
def test_a_missing_data_folder_is_a_clean_skip(name: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / name), str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        check=False,
        cwd=BENCHMARKS.parent,
    )
    assert done.returncode == 0, done.stderr
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert last["skipped"] is True and last["name"] == name.removesuffix(".py")
    assert len(last["load"]) == 3
