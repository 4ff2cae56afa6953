"""The alerts outbox against real local destinations: retries, kills, dead and slow destinations.

Articles are stored straight into a real database (SQLite, then PostgreSQL); registering a claim
runs the claims stage, which records the events and queues them in the same transaction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import make_settings
from tests.support.receivers import SmtpSink, WebhookReceiver
from tests.support.stored import store_texts
from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.config import Settings
from tracker.store.alert_repo import AlertRepo
from tracker.store.alert_tables import AlertDeliveryRow

ROOT = Path(__file__).resolve().parents[1]
CLAIM = "AI-written code caused the outages at Parcelwise"
TEXTS = {
    "paper.example/story": (
        "The Harbor Ledger has learned that AI-written code caused the outages at Parcelwise "
        "last week, according to two engineers who worked on the systems."
    ),
    "blog.example/post": (
        "Parcelwise had a bad week. AI-written code caused the outages at Parcelwise, two "
        "engineers told the Harbor Ledger on Monday."
    ),
    "wire.example/item": (
        "Shares fell after reports that AI-written code caused the outages at Parcelwise, "
        "as engineers described to a newspaper."
    ),
}


def _settings(database_url: str, tmp_path: Path, **alerts: Any) -> Settings:
    settings = make_settings(database_url, tmp_path)
    values = {"timeout": 2.0, "retry_base": 60.0, **alerts}
    return replace(settings, alerts=replace(settings.alerts, **values))


@pytest.fixture
def hooks() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def _story(tracker: Tracker, clock: ManualClock, texts: dict[str, str] | None = None) -> None:
    """Store the texts and register the claim: the stage records the repeats' events."""
    store_texts(tracker.store, clock, texts or TEXTS)
    tracker.claims().add("ai-code", CLAIM, origin="https://paper.example/story")


def _pending(tracker: Tracker) -> int:
    with tracker.engine.connect() as conn:
        return int(
            conn.scalar(select(func.count()).where(AlertDeliveryRow.state == "pending")) or 0
        )


def test_events_are_queued_with_the_change_and_sent_once(
    database_url: str, tmp_path: Path, clock: ManualClock, hooks: WebhookReceiver
) -> None:
    with Tracker(_settings(database_url, tmp_path), clock=clock) as tracker:
        tracker.alerts().add(None, hooks.url())
        tracker.alerts().add(None, hooks.url())  # the same destination twice: one delivery
        _story(tracker, clock)
        repeats = {e.payload["article"]["url"] for e in tracker.alerts().events("ai-code")}
        assert repeats == {"https://blog.example/post", "https://wire.example/item"}
        assert _pending(tracker) == 2 and not hooks.received  # committed, nothing sent yet
        assert tracker.alerts().send() == {"alerts_sent": 2}
        assert tracker.alerts().send() == {}
        tracker.claims().refresh()  # recomputing the same state queues nothing again
        assert tracker.alerts().send() == {}
    assert sorted(r.json()["article"]["url"] for r in hooks.accepted()) == sorted(repeats)


def test_a_destination_answering_500_then_200_gets_the_event_once(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with WebhookReceiver(statuses=[500]) as hooks:
        settings = _settings(database_url, tmp_path)
        with Tracker(settings, clock=clock) as tracker:
            store_texts(tracker.store, clock, dict(list(TEXTS.items())[:2]))
            tracker.claims().add("ai-code", CLAIM, origin="https://paper.example/story")
            tracker.alerts().add("ai-code", hooks.url())
            tracker.claims().refresh()
            assert _pending(tracker) == 0  # subscribed after the event: nothing for it
            store_texts(tracker.store, clock, dict(list(TEXTS.items())[2:]))
            tracker.claims().refresh()
            assert tracker.alerts().send() == {"alerts_failed": 1}
            (health,) = tracker.status().alerts
            assert (health.pending, health.failing, health.last_error) == (1, 1, "HTTP 500")
            assert tracker.alerts().send() == {}  # not yet: backing off
            clock.advance(timedelta(seconds=settings.alerts.retry_base + 1))
            assert tracker.alerts().send() == {"alerts_sent": 1}
            clock.advance(timedelta(hours=2))
            assert tracker.alerts().send() == {}
        assert [r.status for r in hooks.received] == [500, 200]
        first, second = hooks.received
        assert first.headers["X-Tracker-Delivery"] == second.headers["X-Tracker-Delivery"]
        assert len(hooks.accepted()) == 1


def test_a_crawl_killed_after_commit_delivers_on_the_next_run_once(
    database_url: str, tmp_path: Path, clock: ManualClock, hooks: WebhookReceiver
) -> None:
    settings = _settings(database_url, tmp_path)
    with Tracker(settings, clock=clock) as tracker:
        tracker.alerts().add(None, hooks.url())
        _story(tracker, clock)
        # Killed after the commit, in the middle of sending: the rows are leased, not sent.
        leased = AlertRepo(tracker.engine).take_due(clock.now(), lease=60.0)
        assert len(leased) == 2
    with Tracker(settings, clock=clock) as tracker:  # the next run, before the lease ran out
        tracker.crawl()
        assert tracker.dispatcher.wait(10)
        assert not hooks.received
        clock.advance(timedelta(seconds=61))
        tracker.crawl()
        assert tracker.dispatcher.wait(10)
        tracker.crawl()
        assert tracker.dispatcher.wait(10)
    urls = sorted(r.json()["article"]["url"] for r in hooks.received)
    assert urls == ["https://blog.example/post", "https://wire.example/item"]


def test_a_destination_that_never_answers_does_not_hold_up_the_crawl(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with WebhookReceiver(hang=True) as silent:
        settings = _settings(database_url, tmp_path, timeout=20.0)
        with Tracker(settings, clock=clock) as tracker:
            tracker.alerts().add(None, silent.url())
            store_texts(tracker.store, clock, dict(list(TEXTS.items())[:2]))
            tracker.claims().add("ai-code", CLAIM, origin="https://paper.example/story")
            tracker.crawl()
            assert silent.arrived.wait(10)  # the sender is stuck in the silent destination...
            store_texts(tracker.store, clock, dict(list(TEXTS.items())[2:]))
            tracker.crawl()  # ... and the next pass runs and records its events meanwhile
            assert len(tracker.alerts().events()) == 2
            assert not tracker.dispatcher.wait(0)  # still stuck: the pass did not wait for it
            silent.release.set()  # the destination hangs up without an answer
            assert tracker.dispatcher.wait(15)
            (health,) = tracker.status().alerts
            assert health.pending == 2 and health.sent == 0 and health.failing >= 1
    assert not silent.received


def test_a_send_to_a_silent_destination_gives_up_after_its_timeout(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with WebhookReceiver(hang=True) as silent:
        settings = _settings(database_url, tmp_path, timeout=1.0)
        with Tracker(settings, clock=clock) as tracker:
            tracker.alerts().add(None, silent.url())
            _story(tracker, clock)
            # One timeout for the destination, its other message deferred: not one per message.
            assert tracker.alerts().send() == {"alerts_failed": 1, "alerts_deferred": 1}
            assert not silent.release.is_set()  # it had not answered when the send gave up
            (health,) = tracker.status().alerts
            assert health.last_error == "timed out after 1 s"
        silent.release.set()


def test_a_dead_destination_shows_in_status(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    settings = _settings(database_url, tmp_path, dead_after=2, retry_base=1.0)
    with Tracker(settings, clock=clock) as tracker:
        tracker.alerts().add(None, "http://127.0.0.1:9/closed-port")
        _story(tracker, clock)
        for _ in range(3):
            tracker.alerts().send()
            clock.advance(timedelta(minutes=5))
        (health,) = tracker.status().alerts
        assert health.dead and health.pending == 2 and health.sent == 0
        assert health.destination.startswith("http://127.0.0.1:9/")
        assert "closed-port" not in health.destination  # a webhook's path may be its secret


def test_a_daily_digest_is_one_message_per_day_grouped_by_claim(
    database_url: str, tmp_path: Path, clock: ManualClock, hooks: WebhookReceiver
) -> None:
    with Tracker(_settings(database_url, tmp_path), clock=clock) as tracker:
        tracker.alerts().add(None, hooks.url(), digest="daily")
        store_texts(tracker.store, clock, TEXTS)
        tracker.claims().add("ai-code", CLAIM, origin="https://paper.example/story")
        tracker.claims().add("engineers", "two engineers told the Harbor Ledger", origin=None)
        assert tracker.alerts().send() == {}  # the day is not over
        clock.advance(timedelta(days=1))
        assert tracker.alerts().send() == {"alerts_sent": 1}
        assert tracker.alerts().send() == {}
        events = tracker.alerts().events()
    (message,) = hooks.accepted()
    digest = message.json()
    assert digest["event"] == "digest"
    by_claim = {c["slug"]: len(c["events"]) for c in digest["claims"]}
    expected: dict[str, int] = {}
    for event in events:
        expected[event.claim_slug] = expected.get(event.claim_slug, 0) + 1
    assert by_claim == expected and len(by_claim) == 2


def test_email_goes_through_a_real_smtp_server_once(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with SmtpSink() as smtp:
        settings = _settings(database_url, tmp_path, smtp_host="127.0.0.1", smtp_port=smtp.port)
        with Tracker(settings, clock=clock) as tracker:
            tracker.alerts().add(None, "mailto:desk@example.org")
            _story(tracker, clock)
            assert tracker.alerts().send() == {"alerts_sent": 2}
            assert tracker.alerts().send() == {}
        mails = smtp.messages
    assert len(mails) == 2
    assert {m["To"] for m in mails} == {"desk@example.org"}
    assert all("ai-code" in m["Subject"] and "evidence:" in m.get_payload() for m in mails)


def test_apprise_urls_go_through_apprise(
    database_url: str, tmp_path: Path, clock: ManualClock, hooks: WebhookReceiver
) -> None:
    # Apprise's json:// posts a JSON notification: the local receiver stands in for a service.
    target = hooks.url("/apprise").replace("http://", "json://")
    with Tracker(_settings(database_url, tmp_path), clock=clock) as tracker:
        result = tracker.alerts().test(target)
    assert result.ok, result.detail
    (received,) = hooks.accepted()
    assert received.path == "/apprise"
    assert "sample claim" in received.json()["message"]


def test_the_test_command_reports_what_the_destination_answered(
    tmp_path: Path, clock: ManualClock
) -> None:
    with WebhookReceiver(statuses=[503]) as hooks:
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
        with Tracker(_settings(url, tmp_path, webhook_secret="s3cret"), clock=clock) as tracker:
            first = tracker.alerts().test(hooks.url())
            second = tracker.alerts().test(hooks.url())
    assert (first.ok, first.detail) == (False, "HTTP 503")
    assert (second.ok, second.detail) == (True, "HTTP 200")
    assert hooks.received[1].json()["test"] is True


def test_two_senders_never_take_the_same_delivery(
    database_url: str, tmp_path: Path, clock: ManualClock, hooks: WebhookReceiver
) -> None:
    with Tracker(_settings(database_url, tmp_path), clock=clock) as tracker:
        tracker.alerts().add(None, hooks.url())
        _story(tracker, clock)
        repo = AlertRepo(tracker.engine)
        taken: list[int] = []
        lock = threading.Lock()

        def take() -> None:
            got = repo.take_due(clock.now(), lease=60.0)
            with lock:
                taken.extend(i for task in got for i in task.delivery_ids)

        threads = [threading.Thread(target=take) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(taken) == len(set(taken)) == 2


def test_a_crawl_process_killed_while_sending_delivers_on_the_next_run_once(
    tmp_path: Path, clock: ManualClock
) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    settings = _settings(url, tmp_path)
    with WebhookReceiver(hang=True) as hooks:
        with Tracker(settings, clock=clock) as tracker:
            tracker.alerts().add(None, hooks.url())
            _story(tracker, clock)  # the events are committed, nothing is sent yet
        env = {
            **os.environ,
            "TRACKER_DATA_DIR": str(tmp_path),
            "TRACKER_ALERTS_TIMEOUT": "30",
        }
        child = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--db", url, "crawl"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            assert hooks.arrived.wait(60), "the crawl never started sending"
            child.send_signal(signal.SIGKILL)  # killed after the commit, before an answer
        finally:
            child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
        hooks.hang = False
        hooks.release.set()
        assert not hooks.received
        # The next run, once the killed sender's lease ran out (it used the real clock).
        later = ManualClock(datetime.now(UTC) + timedelta(minutes=10))
        with Tracker(settings, clock=later) as tracker:
            tracker.crawl()
            assert tracker.dispatcher.wait(20)
            tracker.crawl()
            assert tracker.dispatcher.wait(20)
            assert [h.pending for h in tracker.status().alerts] == [0]
        urls = sorted(r.json()["article"]["url"] for r in hooks.accepted())
    assert urls == ["https://blog.example/post", "https://wire.example/item"]
