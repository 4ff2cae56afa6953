"""The alerts API: subscriptions, a test message, sending the outbox, destination health."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from tracker.clock import Clock
from tracker.config import AlertSettings
from tracker.domain.alerts import (
    AlertEvent,
    DeliveryTask,
    DestinationHealth,
    Digest,
    EventKind,
    SendResult,
    Subscription,
)
from tracker.errors import BadInput
from tracker.pipeline.alerts.digest import message_of
from tracker.pipeline.alerts.events import event_key, report_link
from tracker.pipeline.alerts.outbox import Dispatcher
from tracker.pipeline.alerts.senders import Senders, check_destination, redact
from tracker.store import Store
from tracker.store.alert_repo import AlertRepo

__all__ = ["Alerts", "ShownSubscription", "parse_events"]


@dataclass(frozen=True, slots=True)
class ShownSubscription:
    """A subscription as it may be shown: its destination redacted."""

    id: int
    claim: str | None  # None: every claim
    destination: str
    events: tuple[str, ...]  # empty: every kind
    digest: str


def parse_events(names: Sequence[str]) -> tuple[EventKind, ...]:
    """Event kinds from names (comma-separated allowed); BadInput for an unknown one."""
    out: list[EventKind] = []
    for name in (n.strip() for item in names for n in item.split(",")):
        if not name:
            continue
        try:
            out.append(EventKind(name))
        except ValueError:
            known = ", ".join(k.value for k in EventKind)
            raise BadInput(f"unknown event {name!r}; one of: {known}") from None
    return tuple(dict.fromkeys(out))


class Alerts:
    """Who is told of what, and the outbox that tells them."""

    def __init__(
        self, store: Store, clock: Clock, settings: AlertSettings, dispatcher: Dispatcher
    ) -> None:
        self.repo = AlertRepo(store.engine)
        self.clock = clock
        self.settings = settings
        self.dispatcher = dispatcher

    def add(
        self,
        claim: str | None,
        destination: str,
        *,
        events: Sequence[str] = (),
        digest: str = Digest.NONE.value,
    ) -> ShownSubscription:
        """Subscribe `destination` to a claim's events (every claim: None)."""
        try:
            mode = Digest(digest)
        except ValueError:
            raise BadInput(f"unknown digest {digest!r}; one of: daily, none") from None
        sub = self.repo.add_subscription(
            claim, check_destination(destination), parse_events(events), mode, self.clock.now()
        )
        return _shown(sub)

    def subscriptions(self) -> list[ShownSubscription]:
        """Every subscription, destinations redacted."""
        return [_shown(s) for s in self.repo.subscriptions()]

    def remove(self, subscription_id: int) -> ShownSubscription:
        """Remove a subscription by its id (as listed)."""
        return _shown(self.repo.remove_subscription(subscription_id))

    def test(self, destination: str) -> SendResult:
        """Send a sample event to a destination now; what it answered."""
        destination = check_destination(destination)
        now = self.clock.now()
        key = event_key(EventKind.NEW_REPEAT, "test", now.isoformat())
        payload: Mapping[str, object] = {
            "id": key,
            "event": EventKind.NEW_REPEAT.value,
            "test": True,
            "at": now.isoformat(),
            "claim": {"slug": "example", "text": "A sample claim (this is a test alert)."},
            "article": {"id": 0, "url": "https://example.org/story", "title": "Sample"},
            "outlet": {"name": "Example", "domain": "example.org"},
            "evidence": "A sample sentence that repeats the claim.",
            "uptake": None,
            "lag_seconds": None,
            "late": False,
            "report": report_link(self.settings.report_url, "example"),
        }
        event = AlertEvent(key, EventKind.NEW_REPEAT, 0, "example", now, payload)
        task = DeliveryTask(f"test-{key[:32]}", destination, (), (event,))
        return self.dispatcher.senders.send(destination, message_of(task))

    def send(self) -> dict[str, int]:
        """Send the due deliveries now, in this thread; counts of sent, failed and deferred."""
        return dict(self.dispatcher.deliver_due())

    def events(self, claim: str | None = None) -> list[AlertEvent]:
        """The events recorded so far (of one claim, or of all), oldest first."""
        return self.repo.events(claim)

    def health(self) -> list[DestinationHealth]:
        """Delivery per destination (redacted): pending, failing, sent, last error, dead."""
        return [
            replace(h, destination=redact(h.destination))
            for h in self.repo.health(self.settings.dead_after)
        ]


def dispatcher_for(store: Store, clock: Clock, settings: AlertSettings) -> Dispatcher:
    """A dispatcher sending the store's outbox with these settings."""
    return Dispatcher(AlertRepo(store.engine), Senders(settings), clock, settings)


def _shown(sub: Subscription) -> ShownSubscription:
    return ShownSubscription(
        sub.id,
        sub.claim_slug,
        redact(sub.destination),
        tuple(e.value for e in sub.events),
        sub.digest.value,
    )
