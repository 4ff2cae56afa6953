"""The alerts repository: subscriptions, the outbox written with its cause, delivery bookkeeping.

`record_events` runs inside the caller's transaction (the one storing the change that caused
the events), so a change and its alerts commit together or not at all. Senders take due
deliveries with a lease (a conditional update), so two processes never send the same one at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from tracker.domain.alerts import (
    AlertEvent,
    DeliveryTask,
    DestinationHealth,
    Digest,
    EventKind,
    Subscription,
)
from tracker.errors import BadInput, NotFound
from tracker.store import status_read
from tracker.store.alert_tables import AlertDeliveryRow, AlertEventRow, AlertSubscriptionRow
from tracker.store.claim_tables import ClaimRow
from tracker.store.db import transaction

__all__ = ["AlertRepo", "destination_key", "record_events"]

PENDING, SENT = status_read.PENDING, status_read.SENT


def destination_key(destination: str) -> str:
    """The stable key of a destination (its digest: URLs can be long and carry tokens)."""
    return hashlib.sha256(destination.encode()).hexdigest()


def record_events(session: Session, events: Sequence[AlertEvent], now: datetime) -> int:
    """Store new events and queue each for the destinations that want it; how many were new.

    An event whose key is already stored is left alone: recomputing a state already alerted on
    queues nothing again.
    """
    if not events:
        return 0
    keys = [e.key for e in events]
    known = set(session.scalars(select(AlertEventRow.key).where(AlertEventRow.key.in_(keys))))
    fresh = [e for e in dict((e.key, e) for e in events).values() if e.key not in known]
    if not fresh:
        return 0
    claim_ids = sorted({e.claim_id for e in fresh})
    subs = [
        (row.claim_id, _subscription(row, slug))
        for row, slug in session.execute(
            select(AlertSubscriptionRow, ClaimRow.slug)
            .join(ClaimRow, ClaimRow.id == AlertSubscriptionRow.claim_id, isouter=True)
            .where(
                or_(
                    AlertSubscriptionRow.claim_id.is_(None),
                    AlertSubscriptionRow.claim_id.in_(claim_ids),
                )
            )
            .order_by(AlertSubscriptionRow.id)
        )
    ]
    if not subs:
        # No delivery needs an event's id: the rows go in with one executemany, in this order
        # (a flush of ORM objects sends one INSERT each, to learn the ids).
        session.execute(
            insert(AlertEventRow),
            [
                {
                    "key": event.key,
                    "kind": event.kind.value,
                    "claim_id": event.claim_id,
                    "at": event.at,
                    "payload": dict(event.payload),
                    "created_at": now,
                }
                for event in fresh
            ],
        )
        return len(fresh)
    for event in fresh:
        row = AlertEventRow(
            key=event.key,
            kind=event.kind.value,
            claim_id=event.claim_id,
            at=event.at,
            payload=dict(event.payload),
            created_at=now,
        )
        session.add(row)
        session.flush()
        queued: set[str] = set()
        for claim_id, sub in subs:
            if claim_id not in (None, event.claim_id) or not sub.wants(event.kind):
                continue
            key = destination_key(sub.destination)
            if key in queued:  # two subscriptions, one destination: one delivery
                continue
            queued.add(key)
            day = now.date().isoformat() if sub.digest is Digest.DAILY else None
            session.add(
                AlertDeliveryRow(
                    event_id=row.id,
                    destination=sub.destination,
                    dest_key=key,
                    digest_day=day,
                    state=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    return len(fresh)


class AlertRepo:
    """Reads and writes the alert tables; every method is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _tx(self) -> AbstractContextManager[Session]:
        return transaction(self.engine)

    # ------------------------------------------------------------ subscriptions

    def add_subscription(
        self,
        claim_slug: str | None,
        destination: str,
        events: Sequence[EventKind],
        digest: Digest,
        now: datetime,
    ) -> Subscription:
        """Subscribe a destination to a claim's events (all claims: None); replaces its old one."""
        with self._tx() as s:
            claim_id = None
            if claim_slug is not None:
                claim_id = s.scalar(select(ClaimRow.id).where(ClaimRow.slug == claim_slug))
                if claim_id is None:
                    raise NotFound(f"no claim {claim_slug!r}")
            same = AlertSubscriptionRow.destination == destination
            scope = (
                AlertSubscriptionRow.claim_id.is_(None)
                if claim_id is None
                else AlertSubscriptionRow.claim_id == claim_id
            )
            s.execute(delete(AlertSubscriptionRow).where(same, scope))
            row = AlertSubscriptionRow(
                claim_id=claim_id,
                destination=destination,
                events=sorted(e.value for e in events),
                digest=digest.value,
                created_at=now,
            )
            s.add(row)
            s.flush()
            return _subscription(row, claim_slug)

    def subscriptions(self) -> list[Subscription]:
        """Every subscription, oldest first."""
        with self._tx() as s:
            rows = s.execute(
                select(AlertSubscriptionRow, ClaimRow.slug)
                .join(ClaimRow, ClaimRow.id == AlertSubscriptionRow.claim_id, isouter=True)
                .order_by(AlertSubscriptionRow.id)
            )
            return [_subscription(row, slug) for row, slug in rows]

    def remove_subscription(self, subscription_id: int) -> Subscription:
        """Remove one subscription (its queued deliveries stay and are still sent)."""
        with self._tx() as s:
            found = s.execute(
                select(AlertSubscriptionRow, ClaimRow.slug)
                .join(ClaimRow, ClaimRow.id == AlertSubscriptionRow.claim_id, isouter=True)
                .where(AlertSubscriptionRow.id == subscription_id)
            ).first()
            if found is None:
                raise NotFound(f"no subscription {subscription_id}")
            sub = _subscription(found[0], found[1])
            s.execute(
                delete(AlertSubscriptionRow).where(AlertSubscriptionRow.id == subscription_id)
            )
            return sub

    # ------------------------------------------------------------ events

    def record(self, events: Sequence[AlertEvent], now: datetime) -> int:
        """Store new events (and queue them) in a transaction of their own."""
        with self._tx() as s:
            return record_events(s, events, now)

    def events(self, claim_slug: str | None = None) -> list[AlertEvent]:
        """Stored events, oldest first (of one claim, or of all)."""
        with self._tx() as s:
            query = select(AlertEventRow, ClaimRow.slug).join(
                ClaimRow, ClaimRow.id == AlertEventRow.claim_id
            )
            if claim_slug is not None:
                query = query.where(ClaimRow.slug == claim_slug)
            rows = s.execute(query.order_by(AlertEventRow.id))
            return [_event(row, slug) for row, slug in rows]

    # ------------------------------------------------------------ delivery

    def take_due(self, now: datetime, lease: float, limit: int = 200) -> list[DeliveryTask]:
        """Lease the deliveries due now: single events, and digests of days already over."""
        today = now.date().isoformat()
        with self._tx() as s:
            rows = s.execute(
                select(AlertDeliveryRow, AlertEventRow, ClaimRow.slug)
                .join(AlertEventRow, AlertEventRow.id == AlertDeliveryRow.event_id)
                .join(ClaimRow, ClaimRow.id == AlertEventRow.claim_id)
                .where(
                    AlertDeliveryRow.state == PENDING,
                    AlertDeliveryRow.next_attempt_at <= now,
                    or_(AlertDeliveryRow.lease_until.is_(None), AlertDeliveryRow.lease_until < now),
                    or_(AlertDeliveryRow.digest_day.is_(None), AlertDeliveryRow.digest_day < today),
                )
                .order_by(AlertDeliveryRow.id)
                .limit(limit)
            ).all()
            groups: dict[tuple[str, str], list[tuple[AlertDeliveryRow, AlertEvent]]] = {}
            for delivery, event, slug in rows:
                group = (delivery.dest_key, delivery.digest_day or f"#{delivery.id}")
                groups.setdefault(group, []).append((delivery, _event(event, slug)))
            tasks: list[DeliveryTask] = []
            until = now + timedelta(seconds=lease)
            for (dest_key, _), items in groups.items():
                # Leased row by row: a row another sender holds stays out of this message.
                held = [
                    (d, e)
                    for d, e in items
                    if _rowcount(
                        s.execute(
                            update(AlertDeliveryRow)
                            .where(
                                AlertDeliveryRow.id == d.id,
                                AlertDeliveryRow.state == PENDING,
                                or_(
                                    AlertDeliveryRow.lease_until.is_(None),
                                    AlertDeliveryRow.lease_until < now,
                                ),
                            )
                            .values(lease_until=until)
                        )
                    )
                    == 1
                ]
                if not held:
                    continue
                first = held[0][0]
                digest_day = first.digest_day
                # A day's digest is one message unless more than `limit` rows wait: the rest
                # goes in another, whose key (its first row) differs.
                key = (
                    f"digest-{digest_day}-{dest_key[:16]}-{first.id}"
                    if digest_day
                    else f"{held[0][1].key[:32]}-{dest_key[:16]}"
                )
                tasks.append(
                    DeliveryTask(
                        key=key,
                        destination=first.destination,
                        delivery_ids=tuple(d.id for d, _ in held),
                        events=tuple(e for _, e in held),
                        digest_day=digest_day,
                        attempts=max(d.attempts for d, _ in held),
                    )
                )
            return tasks

    def mark_sent(self, ids: Sequence[int], now: datetime) -> None:
        """The destination accepted these deliveries."""
        with self._tx() as s:
            s.execute(
                update(AlertDeliveryRow)
                .where(AlertDeliveryRow.id.in_(list(ids)))
                .values(
                    state=SENT,
                    sent_at=now,
                    last_attempt_at=now,
                    lease_until=None,
                    attempts=AlertDeliveryRow.attempts + 1,
                )
            )

    def release(self, ids: Sequence[int]) -> None:
        """Give these deliveries back unsent, without counting an attempt."""
        with self._tx() as s:
            s.execute(
                update(AlertDeliveryRow)
                .where(AlertDeliveryRow.id.in_(list(ids)))
                .values(lease_until=None)
            )

    def mark_failed(
        self, ids: Sequence[int], now: datetime, error: str, retry_at: datetime
    ) -> None:
        """The destination failed; try again at `retry_at`."""
        with self._tx() as s:
            s.execute(
                update(AlertDeliveryRow)
                .where(AlertDeliveryRow.id.in_(list(ids)), AlertDeliveryRow.state == PENDING)
                .values(
                    last_attempt_at=now,
                    last_error=error[:1000],
                    next_attempt_at=retry_at,
                    lease_until=None,
                    attempts=AlertDeliveryRow.attempts + 1,
                )
            )

    def health(self, dead_after: int) -> list[DestinationHealth]:
        """Per destination: pending, failing and sent deliveries, its last error and success."""
        with self._tx() as s:
            return status_read.destination_health(s.connection(), dead_after)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _subscription(row: AlertSubscriptionRow, slug: str | None) -> Subscription:
    try:
        kinds = tuple(EventKind(k) for k in row.events or ())
        digest = Digest(row.digest)
    except ValueError as exc:  # a row written by a newer version of the tracker
        raise BadInput(f"subscription {row.id} has an unknown setting: {exc}") from None
    return Subscription(row.id, slug, row.destination, kinds, digest, row.created_at)


def _event(row: AlertEventRow, slug: str) -> AlertEvent:
    return AlertEvent(row.key, EventKind(row.kind), row.claim_id, slug, row.at, row.payload)
