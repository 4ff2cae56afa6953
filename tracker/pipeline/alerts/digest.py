"""The message a delivery sends (pure): one event, or one day's events grouped by claim."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.domain.alerts import AlertEvent, DeliveryTask

__all__ = ["Message", "message_of"]

_TITLES = {
    "new_repeat": "New repeat",
    "late_repeat": "Repeated after the correction",
    "uptake_changed": "Uptake changed",
    "correction_suggested": "Correction to review",
    "taken_down": "Taken down",
}


@dataclass(frozen=True, slots=True)
class Message:
    """What is sent: a subject and text for people, a JSON document for machines."""

    key: str  # the idempotency key (webhook header, e-mail Message-ID)
    event: str  # the event kind, or "digest"
    subject: str
    text: str
    document: Mapping[str, Any] = field(hash=False, compare=False)


def message_of(task: DeliveryTask) -> Message:
    """The message for a delivery task."""
    if task.digest_day is None and len(task.events) == 1:
        return _single(task.key, task.events[0])
    return _digest(task.key, task.digest_day or "", task.events)


def _single(key: str, event: AlertEvent) -> Message:
    p = event.payload
    subject = f"[{event.claim_slug}] {_TITLES.get(event.kind.value, event.kind.value)}: " + str(
        p.get("outlet", {}).get("name", "")
    )
    document = {**p, "delivery": key}
    return Message(key, event.kind.value, subject, "\n".join(_lines(p)) + "\n", document)


def _digest(key: str, day: str, events: Sequence[AlertEvent]) -> Message:
    by_claim: dict[str, list[AlertEvent]] = {}
    for event in sorted(events, key=lambda e: (e.claim_slug, e.at, e.key)):
        by_claim.setdefault(event.claim_slug, []).append(event)
    lines = [f"{len(events)} event(s) on {day}, by claim.", ""]
    claims = []
    for slug, items in by_claim.items():
        text = str(items[0].payload.get("claim", {}).get("text", ""))
        lines += [f"== {slug}: {text}", ""]
        for event in items:
            lines += [*_lines(event.payload), ""]
        claims.append({"slug": slug, "text": text, "events": [dict(e.payload) for e in items]})
    subject = f"Claim alerts for {day}: {len(events)} event(s) on {len(by_claim)} claim(s)"
    document = {"event": "digest", "day": day, "delivery": key, "claims": claims}
    return Message(key, "digest", subject, "\n".join(lines), document)


def _lines(p: Mapping[str, Any]) -> list[str]:
    """An event as a few readable lines."""
    kind = str(p.get("event", ""))
    lines = [
        f"{_TITLES.get(kind, kind)} ({kind}) at {p.get('at', '')}",
        f"claim: {p.get('claim', {}).get('slug', '')}: {p.get('claim', {}).get('text', '')}",
        f"outlet: {p.get('outlet', {}).get('name', '')}",
        f"article: {p.get('article', {}).get('url', '')}",
    ]
    if p.get("uptake") and kind in ("uptake_changed", "taken_down"):
        lag = p.get("lag_seconds")
        lag_text = f", {float(lag) / 3600:.1f} h after the correction" if lag is not None else ""
        lines.append(f"uptake: {p['uptake']}{lag_text}")
    lines += [f"evidence: {p.get('evidence', '')}", f"report: {p.get('report', '')}"]
    return lines
