"""One readable line for a database failure that reaches a command, without importing SQL early."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["readable_errors"]


@contextmanager
def readable_errors() -> Iterator[None]:
    """Turn a database failure inside the block into DatabaseProblem (one line, no traceback)."""
    try:
        yield
    except Exception:
        # A database failure is SQLAlchemy's DBAPIError, so SQLAlchemy is loaded when one comes;
        # when it is not, this error is something else. Checking first keeps `--help` and the
        # other commands without a database from importing SQLAlchemy just to wrap them.
        if "sqlalchemy" not in sys.modules:
            raise
        from tracker.store.db import readable_errors as translate

        with translate():
            raise
