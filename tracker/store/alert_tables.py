"""Tables of alerts: subscriptions, the events the claims stage found, and their outbox.

An event is written in the transaction that stored the change causing it, with one delivery row
per destination that wants it (the outbox). Deliveries are sent after the commit and marked sent
one by one; (event, destination) is unique, so no event is queued twice for one destination.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.store.base import Base

__all__ = ["AlertDeliveryRow", "AlertEventRow", "AlertSubscriptionRow"]


class AlertSubscriptionRow(Base):
    """Who wants the events of a claim (or of every claim: no claim), and how."""

    __tablename__ = "alert_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), index=True
    )
    destination: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every kind
    digest: Mapped[str] = mapped_column(String(10), default="none")  # tracker.domain.alerts.Digest
    created_at: Mapped[datetime]


class AlertEventRow(Base):
    """One event found by the claims stage, keyed so that it is recorded once."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # tracker.domain.alerts.EventKind
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class AlertDeliveryRow(Base):
    """The outbox: one event for one destination, pending until the destination accepted it."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "dest_key", name="uq_alert_deliveries_event_dest"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("alert_events.id", ondelete="CASCADE"))
    destination: Mapped[str] = mapped_column(String(2000))
    dest_key: Mapped[str] = mapped_column(String(64))  # sha256 of the destination
    digest_day: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD for a daily digest
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]  # a sender holds it until then
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


Index("ix_alert_deliveries_state_next", AlertDeliveryRow.state, AlertDeliveryRow.next_attempt_at)
