"""Tables of the job queue's own state: shared host turns and quarantined items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.store.base import Base, UTCDateTime

__all__ = ["HostTurnRow", "QuarantineRow"]


class HostTurnRow(Base):
    """When the next request to one host:port may start, shared by every worker."""

    __tablename__ = "host_turns"

    host: Mapped[str] = mapped_column(String(300), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuarantineRow(Base):
    """A job's item that failed too often: kept out of the queue until released."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("kind", "item", name="uq_quarantine_kind_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # tracker.queue.JobKind
    item: Mapped[str] = mapped_column(String(2000))  # the job's key: feed id, URL, article id
    reason: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    quarantined_at: Mapped[datetime] = mapped_column(UTCDateTime)
