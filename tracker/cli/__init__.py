"""The `tracker` command: a thin typer layer over tracker.api."""

from __future__ import annotations

import sys

from tracker.cli import claims as _claims  # noqa: F401  (registers the commands)
from tracker.cli import demo as _demo  # noqa: F401  (registers the command)
from tracker.cli import graph as _graph  # noqa: F401  (registers the commands)
from tracker.cli import link as _link  # noqa: F401  (registers the commands)
from tracker.cli import queue as _queue  # noqa: F401  (registers the commands)
from tracker.cli.app import app
from tracker.errors import TrackerError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: every tracker error becomes one readable line and exit code 2."""
    try:
        # Usage errors, --help and Ctrl-C are handled by typer itself (exit 2, 0 and 1).
        app()
    except TrackerError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
