"""The declarative base every table derives from: stable constraint names, aware UTC datetimes.

Its own module so that the table modules (`models`, `claim_tables`, `link_tables`,
`queue_tables`) import it and `models` imports them, with no cycle between them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from tracker.store.types import UTCDateTime

__all__ = ["NAMING", "Base", "UTCDateTime"]

# Stable constraint names, so migrations on SQLite (batch mode) and PostgreSQL agree.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}
