"""The one CSV dialect of every CSV the tool writes (graph files and the commands' --csv).

One header row, then one row per record, "\\n" line ends, minimal quoting. Cells: booleans
`true`/`false`; times ISO 8601 in UTC to the second with a `Z`; numbers as Python writes them
(NaN and infinity left empty); enums by their value; lists, dicts and records as JSON text; None
empty. Text that a spreadsheet would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from tracker.export.graph import iso

__all__ = ["csv_cell", "write_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def _plain(value: object) -> Any:
    """A value inside a JSON cell: the same forms as the cells themselves."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return value


def csv_cell(value: object) -> str:
    """One value as a CSV cell, in the dialect above."""
    if isinstance(value, Enum):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        # A number is data, never a formula, even when negative.
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(_plain(value), ensure_ascii=False, allow_nan=False, sort_keys=True)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def write_csv(
    stream: _Writable, rows: Sequence[Mapping[str, object]], columns: Sequence[str]
) -> None:
    """`rows` as CSV on `stream`: the header, then each row's cells in `columns` order."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
