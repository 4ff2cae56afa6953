"""The `tracker` command: a thin typer layer over tracker.api."""

from __future__ import annotations

import sys

import typer.main

from tracker.api import readable_errors
from tracker.cli import alerts as _alerts  # noqa: F401  (registers the commands)
from tracker.cli import claim_sets as _claim_sets  # noqa: F401  (registers the commands)
from tracker.cli import claims as _claims  # noqa: F401  (registers the commands)
from tracker.cli import demo as _demo  # noqa: F401  (registers the command)
from tracker.cli import graph as _graph  # noqa: F401  (registers the commands)
from tracker.cli import link as _link  # noqa: F401  (registers the commands)
from tracker.cli import queue as _queue  # noqa: F401  (registers the commands)
from tracker.cli import settings as _settings  # noqa: F401  (registers the command)
from tracker.cli import warc as _warc  # noqa: F401  (registers the commands)
from tracker.cli.app import app
from tracker.cli.plain_options import skip_validation_of_plain_values
from tracker.errors import BadInput, TrackerError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: every tracker error becomes one readable line and exit code 2."""
    try:
        _check_arguments(sys.argv[1:])
        # Usage errors, --help and Ctrl-C are handled by typer itself (exit 2, 0 and 1).
        with readable_errors():  # a database failure anywhere: one line, not a traceback
            command = typer.main.get_command(app)
            skip_validation_of_plain_values(command)  # no pydantic for unset options (status)
            command(prog_name="tracker")  # the same name (and completion) under python -m
    except TrackerError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)


def _check_arguments(arguments: list[str]) -> None:
    """Refuse arguments that are not valid UTF-8 (Python keeps their bytes as surrogates)."""
    for argument in arguments:
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            shown = argument.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            raise BadInput(f"argument {shown!r} is not valid UTF-8") from None
