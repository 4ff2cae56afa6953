"""The one way a benchmark ends: its figures as one JSON line, with the load it ran under.

Kept apart from `_common.py` (which imports SQLAlchemy and the pipeline) so that every benchmark,
the light ones included, can use it without paying for those imports.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

__all__ = ["emit", "load", "skipped"]


def load() -> list[float]:
    """The 1, 5 and 15 minute load averages, rounded."""
    return [round(value, 2) for value in os.getloadavg()]


def emit(name: str, figures: Mapping[str, Any], **extra: Any) -> None:
    """Print the figures last, as one JSON object with the benchmark's name and the load now."""
    print(json.dumps({"name": name, **figures, **extra, "load": load()}), flush=True)


def skipped(name: str, reason: str) -> int:
    """Say why nothing was measured (one readable line, then the JSON line); exit code 0."""
    print(f"skipped: {reason}")
    emit(name, {"skipped": True, "reason": reason})
    return 0
