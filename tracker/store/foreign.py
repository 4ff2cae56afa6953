"""Database objects the models do not describe, which schema comparisons must leave alone."""

from __future__ import annotations

from tracker.store.fulltext import is_full_text_object

__all__ = ["include_object", "is_foreign_object"]

# The job queue's tables, types and functions come from procrastinate's own schema file.
QUEUE_PREFIX = "procrastinate"


def is_foreign_object(name: str | None) -> bool:
    """True for the full-text index objects and the job queue's tables."""
    return is_full_text_object(name) or bool(name and str(name).startswith(QUEUE_PREFIX))


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: compare only the objects the models own."""
    return not is_foreign_object(name)
