"""Run the `tracker` command in the test process and capture what it printed."""

from __future__ import annotations

import sys

import pytest

from tracker.cli import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run `tracker ARGS` in this process; returns exit code, stdout, stderr."""
    old = sys.argv
    sys.argv = ["tracker", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    out, err = capsys.readouterr()
    return code, out, err
