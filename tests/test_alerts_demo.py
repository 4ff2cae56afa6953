"""The demo week, subscribed to every claim by a webhook and an e-mail address (both real, local).

The expected events come from the tracker's own answers at the end of the week (who repeated
each claim, late or not, and each repeater's uptake), not from a list written by hand; each must
reach each destination exactly once, signed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests.support.receivers import SmtpSink, WebhookReceiver
from tracker.api import Tracker
from tracker.config import load_settings
from tracker.demo.run import DemoSummary, crawl_demo_week, demo_settings
from tracker.queries.claims import WhoRepeated

SECRET = "demo-webhook-secret"


@dataclass(frozen=True)
class Week:
    summary: DemoSummary
    hooks: WebhookReceiver
    smtp: SmtpSink
    database: Path


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Week]:
    database = tmp_path_factory.mktemp("alerts-demo") / "demo.db"
    with WebhookReceiver() as hooks, SmtpSink() as smtp:
        base = load_settings(environ={"TRACKER_ALERTS_WEBHOOK_SECRET": SECRET})
        settings = replace(
            base,
            alerts=replace(base.alerts, smtp_host="127.0.0.1", smtp_port=smtp.port, timeout=5.0),
        )
        subscribed: list[bool] = []

        def one_pass(tracker: Tracker) -> Mapping[str, int]:
            if not subscribed:
                tracker.alerts().add(None, hooks.url())
                tracker.alerts().add(None, "mailto:desk@example.org")
                subscribed.append(True)
            report = tracker.crawl()
            assert tracker.dispatcher.wait(60)
            return report.counts

        summary = crawl_demo_week(database, settings=settings, crawl_pass=one_pass)
        with Tracker(demo_settings(database, settings)) as tracker:
            tracker.alerts().send()  # what corrections registered after the last pass made
        yield Week(summary, hooks, smtp, database)


def expected_events(answers: tuple[WhoRepeated, ...]) -> Counter[tuple[str, str, str]]:
    """(event, claim, article URL) implied by who repeated each claim and each uptake."""
    out: Counter[tuple[str, str, str]] = Counter()
    for answer in answers:
        for row in answer.rows:
            if row.role != "repeater":
                continue
            out[("late_repeat" if row.late else "new_repeat", answer.slug, row.url)] += 1
            if row.uptake not in (None, "none"):
                kind = "taken_down" if row.uptake == "taken_down" else "uptake_changed"
                out[(kind, answer.slug, row.url)] += 1
    return out


def test_the_week_alerts_exactly_what_the_answers_imply(week: Week) -> None:
    expected = expected_events(week.summary.claims)
    got = Counter(
        (r.json()["event"], r.json()["claim"]["slug"], r.json()["article"]["url"])
        for r in week.hooks.accepted()
        if r.json()["event"] != "correction_suggested"
    )
    assert got == expected
    kinds = Counter(kind for kind, _, _ in expected.elements())
    # The story has all three: repeats, a late repeat, uptakes (its manifest says so).
    assert kinds["new_repeat"] and kinds["late_repeat"] and kinds["uptake_changed"]


def test_every_correction_still_suggested_was_alerted_once(week: Week) -> None:
    # Suggestions come and go during the week (a registered correction is no longer one), so
    # the answer at the end bounds what was alerted from below.
    alerted = Counter(
        (r.json()["claim"]["slug"], r.json()["article"]["url"], r.json()["evidence"])
        for r in week.hooks.accepted()
        if r.json()["event"] == "correction_suggested"
    )
    assert all(n == 1 for n in alerted.values())
    with Tracker(demo_settings(week.database)) as tracker:
        claims = tracker.claims()
        final = {
            (answer.slug, s.candidate.url, f"{s.reason}: {s.candidate.text}")
            for answer in week.summary.claims
            for s in claims.suggestions(answer.slug)
        }
    assert final <= set(alerted)


def test_each_event_reaches_each_destination_once(week: Week) -> None:
    hooks = week.hooks.accepted()
    keys = [r.headers["X-Tracker-Delivery"] for r in hooks]
    assert len(keys) == len(set(keys))
    ids = [r.json()["id"] for r in hooks]
    assert len(ids) == len(set(ids))
    mails = week.smtp.messages
    assert sorted(m["X-Tracker-Delivery"].split("-")[0] for m in mails) == sorted(
        i[:32] for i in ids
    )
    assert len({m["Message-ID"] for m in mails}) == len(mails)


def test_webhooks_are_signed_with_the_secret(week: Week) -> None:
    for r in week.hooks.accepted():
        mac = hmac.new(SECRET.encode(), r.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(r.headers["X-Hub-Signature-256"], f"sha256={mac}")


def test_each_event_carries_claim_article_outlet_evidence_and_report(week: Week) -> None:
    for r in week.hooks.accepted():
        event = r.json()
        assert event["claim"]["text"] and event["article"]["url"] and event["outlet"]["name"]
        assert event["evidence"]
        assert event["claim"]["slug"] in event["report"]
        if event["event"] == "uptake_changed":
            assert event["uptake"] not in (None, "none")


def test_nothing_is_left_to_send_and_status_shows_the_destinations(week: Week) -> None:
    settings = demo_settings(week.database)
    with Tracker(settings) as tracker:
        health = tracker.status().alerts
        assert {h.pending for h in health} == {0}
        assert all(h.sent > 0 and not h.dead for h in health)
