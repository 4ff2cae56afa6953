"""Records of alerts: what changed for a claim, who wants to hear of it, and how delivery went."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "AlertEvent",
    "DeliveryTask",
    "DestinationHealth",
    "Digest",
    "EventKind",
    "SendResult",
    "Subscription",
    "UptakeChange",
    "UptakeState",
]


class EventKind(StrEnum):
    """What happened to a tracked claim."""

    NEW_REPEAT = "new_repeat"  # an outlet repeated the claim
    LATE_REPEAT = "late_repeat"  # ... after a correction of it was published
    UPTAKE_CHANGED = "uptake_changed"  # a repeater edited, noted or followed up (new uptake, lag)
    CORRECTION_SUGGESTED = "correction_suggested"  # the crawl found a correction to review
    TAKEN_DOWN = "taken_down"  # a repeat is gone


class Digest(StrEnum):
    """How a subscription wants its events: one message each, or one per day."""

    NONE = "none"
    DAILY = "daily"


@dataclass(frozen=True, slots=True)
class UptakeState:
    """The stored relation of one article to a claim, as far as alerts compare it."""

    role: str
    kind: str | None
    late: bool
    lag_seconds: float | None
    event_at: datetime | None


@dataclass(frozen=True, slots=True)
class UptakeChange:
    """One article's relation to a claim before and after a recomputation, with its context."""

    claim_id: int
    claim_slug: str
    claim_text: str
    article_id: int
    url: str
    title: str
    outlet: str
    outlet_domain: str
    before: UptakeState | None  # None: the article had no stored relation to the claim
    after: UptakeState
    sentence: str  # the sentence that carried the claim
    evidence: str  # the uptake's evidence line
    repeated_at: datetime | None


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One event for the outbox: its idempotency key, kind, claim and the JSON it is sent as."""

    key: str
    kind: EventKind
    claim_id: int
    claim_slug: str
    at: datetime
    payload: Mapping[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Subscription:
    """Who wants which events of a claim (or of all claims, `claim_slug` None), and how."""

    id: int
    claim_slug: str | None
    destination: str  # as the user gave it; shown only through `redact`
    events: tuple[EventKind, ...]  # empty: every kind
    digest: Digest
    created_at: datetime

    def wants(self, kind: EventKind) -> bool:
        """True when this subscription asked for events of `kind`."""
        return not self.events or kind in self.events


@dataclass(frozen=True, slots=True)
class DeliveryTask:
    """Events due to be sent to one destination in one message (one event, or a day's digest)."""

    key: str  # the idempotency key of this message: event x destination, or day x destination
    destination: str
    delivery_ids: tuple[int, ...]
    events: tuple[AlertEvent, ...]
    digest_day: str | None = None
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a destination answered."""

    ok: bool
    detail: str  # e.g. "HTTP 200", "250 OK", "timed out after 10 s"
    retryable: bool = True


@dataclass(frozen=True, slots=True)
class DestinationHealth:
    """Delivery to one destination: what is waiting, what failed, when it last worked."""

    destination: str  # redacted
    pending: int
    failing: int  # pending deliveries whose last attempt failed
    sent: int
    last_error: str | None
    last_sent_at: datetime | None
    oldest_pending_at: datetime | None
    dead: bool  # failing for at least the configured number of attempts
