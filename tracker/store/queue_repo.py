"""Quarantined job items: what failed too often, why, and since when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from tracker.store.db import transaction
from tracker.store.queue_tables import QuarantineRow

__all__ = ["QuarantineStore", "Quarantined"]


@dataclass(frozen=True, slots=True)
class Quarantined:
    """One item kept out of the queue."""

    kind: str
    item: str
    reason: str
    attempts: int
    quarantined_at: datetime


class QuarantineStore:
    """Reads and writes the `quarantine` table; every method is one transaction."""

    def __init__(self, engine: Engine) -> None:
        """Use `engine`."""
        self.engine = engine

    def add(self, kind: str, item: str, *, reason: str, attempts: int, now: datetime) -> bool:
        """Quarantine an item; False when it already was (another worker got there first)."""
        try:
            with transaction(self.engine) as s:
                s.add(
                    QuarantineRow(
                        kind=kind,
                        item=item[:2000],
                        reason=reason[:4000],
                        attempts=attempts,
                        quarantined_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def items(self, kind: str) -> set[str]:
        """The quarantined items of one kind of job."""
        with transaction(self.engine, write=False) as s:
            return set(s.scalars(select(QuarantineRow.item).where(QuarantineRow.kind == kind)))

    def list(self) -> list[Quarantined]:
        """Every quarantined item, newest first."""
        with transaction(self.engine, write=False) as s:
            rows = s.scalars(
                select(QuarantineRow).order_by(
                    QuarantineRow.quarantined_at.desc(), QuarantineRow.id.desc()
                )
            )
            return [
                Quarantined(r.kind, r.item, r.reason, r.attempts, r.quarantined_at) for r in rows
            ]

    def release(self, kind: str, item: str) -> bool:
        """Let an item back into the queue; False when it was not quarantined."""
        with transaction(self.engine) as s:
            result = s.execute(
                delete(QuarantineRow).where(QuarantineRow.kind == kind, QuarantineRow.item == item)
            )
            return bool(getattr(result, "rowcount", 0))
