"""Rendering for the CLI: tables for people, JSON for programs, progress on stderr.

Data goes to stdout, messages (progress, notes, where a file was written) to stderr. On a
terminal a table is drawn; when stdout is not a terminal (a pipe, a file) it is written as
tab-separated lines with a header row, unfolded, as gh and sqlite-utils do, so `cut`, `sort`
and `awk -F'\t'` work; its title then goes to stderr, and tables after the first are set
apart by an empty line.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from pathlib import PurePath
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = [
    "echo",
    "err",
    "print_json",
    "print_table",
    "progress_bar",
    "start",
    "stdout_is_terminal",
    "to_plain",
]

_out = Console(soft_wrap=True)
_err = Console(stderr=True, soft_wrap=True)
_TSV_SPACE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


@dataclasses.dataclass(slots=True)
class _Written:
    """Whether this command has written to stdout yet (a table after output is set apart)."""

    anything: bool = False


# The one piece of state here: the terminal is one per process, and `start` resets it per command.
_written = _Written()


def start() -> None:
    """A new command begins (tests run many in one process)."""
    _written.anything = False


def stdout_is_terminal() -> bool:
    """True when stdout is a terminal (tables drawn), False for a pipe or a file (TSV)."""
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def to_plain(value: Any) -> Any:
    """Dataclasses, enums, datetimes and tuples as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, PurePath):
        return str(value)
    return value


def print_json(data: Any) -> None:
    """Write `data` as JSON to stdout."""
    sys.stdout.write(json.dumps(to_plain(data), indent=2, ensure_ascii=False, sort_keys=False))
    sys.stdout.write("\n")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def print_table(
    rows: Sequence[Any], columns: Sequence[tuple[str, Callable[[Any], Any]]], *, title: str = ""
) -> None:
    """A table on stdout; `columns` pairs a header with how to read the cell from a row.

    Drawn on a terminal; tab-separated with a header row otherwise.
    """
    if not stdout_is_terminal():
        _print_tsv(rows, columns, title=title)
        return
    table = Table(title=title or None, show_lines=False, header_style="bold")
    for header, _ in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(get(row)) for _, get in columns))
    _out.print(table)


def _tsv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return _cell(value).translate(_TSV_SPACE)


def _print_tsv(
    rows: Sequence[Any], columns: Sequence[tuple[str, Callable[[Any], Any]]], *, title: str
) -> None:
    if title:
        err(title)
    lines = ["\t".join(header.translate(_TSV_SPACE) for header, _ in columns)]
    lines.extend("\t".join(_tsv_cell(get(row)) for _, get in columns) for row in rows)
    if _written.anything:
        sys.stdout.write("\n")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    _written.anything = True


def echo(message: str) -> None:
    """A line for the user on stdout."""
    _out.print(message, highlight=False, markup=False, emoji=False)
    _written.anything = True


def err(message: str) -> None:
    """A line for the user on stderr."""
    _err.print(message, highlight=False, markup=False, emoji=False)


@contextmanager
def progress_bar(enabled: bool | None = None) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress callback drawing on stderr, or None when stderr is not a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    # Imported here: only commands that draw a bar on a terminal pay for it.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update
