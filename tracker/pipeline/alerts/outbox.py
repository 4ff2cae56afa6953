"""Sending the outbox after the commit: due deliveries out, retried with backoff, off the crawl.

The claims stage only writes the outbox (in its own transactions); this module sends it, on a
thread of its own, so a destination that is slow or gone never holds up a crawl pass. Each
delivery is leased while it is sent and marked sent when the destination accepted it, so a
process killed in between leaves it pending for the next run (once its lease ran out).
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from datetime import datetime, timedelta

from tracker.clock import Clock
from tracker.config import AlertSettings
from tracker.domain.alerts import DeliveryTask, SendResult
from tracker.errors import TrackerError
from tracker.pipeline.alerts.digest import message_of
from tracker.pipeline.alerts.senders import Senders
from tracker.store.alert_repo import AlertRepo

__all__ = ["Dispatcher", "retry_delay"]

MAX_TASKS = 500  # messages taken per round; the rest waits for the next round


def retry_delay(attempts: int, settings: AlertSettings) -> float:
    """Seconds before retrying a delivery that failed `attempts` times (exponential, capped)."""
    return float(min(settings.retry_max, settings.retry_base * 2 ** max(0, attempts - 1)))


class Dispatcher:
    """Delivers due outbox rows, in the caller's thread or on a background thread."""

    def __init__(self, repo: AlertRepo, senders: Senders, clock: Clock, settings: AlertSettings):
        self.repo = repo
        self.senders = senders
        self.clock = clock
        self.settings = settings
        self._thread: threading.Thread | None = None
        self._again = threading.Event()
        self._lock = threading.Lock()

    def deliver_due(self) -> Counter[str]:
        """Send every due delivery once; counts of sent, failed and deferred messages."""
        counts: Counter[str] = Counter()
        now = self.clock.now()
        # A lease outlives the longest send, so no other sender takes a row being sent.
        lease = 3 * self.settings.timeout + 60.0
        failed_destinations: set[str] = set()
        for task in self.repo.take_due(now, lease, MAX_TASKS):
            if task.destination in failed_destinations:
                # Failed a moment ago: its other messages wait for its next turn, so that one
                # dead destination costs one timeout per round, not one per message.
                self.repo.release(task.delivery_ids)
                counts["alerts_deferred"] += 1
                continue
            result = self.senders.send(task.destination, message_of(task))
            if result.ok:
                self.repo.mark_sent(task.delivery_ids, self.clock.now())
                counts["alerts_sent"] += 1
            else:
                failed_destinations.add(task.destination)
                self._failed(task, self.clock.now(), result)
                counts["alerts_failed"] += 1
        return counts

    def _failed(self, task: DeliveryTask, now: datetime, result: SendResult) -> None:
        delay = retry_delay(task.attempts + 1, self.settings)
        self.repo.mark_failed(task.delivery_ids, now, result.detail, now + timedelta(seconds=delay))

    # ------------------------------------------------------------ in the background

    def start(self) -> None:
        """Deliver on a background thread now (and once more if one is already running)."""
        with self._lock:
            if self._thread is not None:
                self._again.set()
                return
            self._thread = threading.Thread(target=self._run, name="alerts", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._again.clear()
            # The database refused (busy, gone): the rows stay pending for the next round.
            with contextlib.suppress(TrackerError):
                self.deliver_due()
            with self._lock:
                if not self._again.is_set():
                    self._thread = None
                    return

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for background delivery to finish; False when it had not."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(max(0.0, seconds))
        return not thread.is_alive()
