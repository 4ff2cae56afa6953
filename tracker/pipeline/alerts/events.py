"""Which alerts a change of stored uptakes makes (pure): old state against new, per article.

- An article that becomes a repeater is a `new_repeat`, or a `late_repeat` when it repeated
  the claim after a correction was published; a repeater that turns late (a correction dated
  before its repeat was registered afterwards) is a `late_repeat` then.
- A repeater whose uptake changes to a new kind is an `uptake_changed` (with the new uptake and
  lag), or a `taken_down` when the article is gone.

Origins and disputers make no events: they are not repeats. Each event has a key made of what
it says (kind, claim, article, the new state), so recomputing an unchanged state, or a rerun of a
killed stage, makes the same key, which the outbox stores once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tracker.claims.roles import Role
from tracker.domain import UptakeKind
from tracker.domain.alerts import AlertEvent, EventKind, UptakeChange, UptakeState
from tracker.domain.claims import ClaimInfo

if TYPE_CHECKING:  # a type only: the suggestion finder is not needed to read events
    from tracker.claims.suggest import Suggestion

__all__ = ["event_key", "events_of_changes", "report_link", "suggestion_events"]


def event_key(kind: EventKind, *parts: object) -> str:
    """The idempotency key of an event: a digest of its kind and what identifies it."""
    text = "\x1f".join([kind.value, *(str(p) for p in parts)])
    return hashlib.sha256(text.encode()).hexdigest()


def report_link(template: str, slug: str) -> str:
    """Where the claim's report is: the configured URL, or the command that writes it."""
    if template:
        return template.replace("{slug}", slug)
    return f"tracker report {slug} -o {slug}.html"


def events_of_changes(
    changes: Iterable[UptakeChange], now: datetime, report_url: str = ""
) -> list[AlertEvent]:
    """The events made by these changes, in the order of the changes."""
    return [event for change in changes for event in _events(change, now, report_url)]


def suggestion_events(
    claim: ClaimInfo, suggestions: Iterable[Suggestion], report_url: str = ""
) -> list[AlertEvent]:
    """One `correction_suggested` per suggestion (keyed by its page, or its text)."""
    out: list[AlertEvent] = []
    for suggestion in suggestions:
        found = suggestion.candidate
        ident = found.url or " ".join(found.text.lower().split())
        key = event_key(EventKind.CORRECTION_SUGGESTED, claim.id, ident)
        correction = suggestion.correction
        payload: Mapping[str, Any] = {
            "id": key,
            "event": EventKind.CORRECTION_SUGGESTED.value,
            "at": found.seen_at.isoformat(),
            "claim": {"slug": claim.slug, "text": claim.text},
            "article": {"id": found.article_id, "url": found.url, "title": ""},
            "outlet": {"name": found.outlet, "domain": found.outlet},
            "evidence": f"{suggestion.reason}: {found.text}",
            "suggested_kind": correction.kind.value,
            "uptake": None,
            "lag_seconds": None,
            "late": False,
            "report": report_link(report_url, claim.slug),
        }
        kind = EventKind.CORRECTION_SUGGESTED
        out.append(AlertEvent(key, kind, claim.id, claim.slug, found.seen_at, payload))
    return out


def _events(change: UptakeChange, now: datetime, report_url: str) -> list[AlertEvent]:
    after, before = change.after, change.before
    if after.role != Role.REPEATER.value:
        return []
    was_repeater = before is not None and before.role == Role.REPEATER.value
    out: list[AlertEvent] = []
    if not was_repeater or (after.late and before is not None and not before.late):
        kind = EventKind.LATE_REPEAT if after.late else EventKind.NEW_REPEAT
        at = change.repeated_at or now
        out.append(_event(change, kind, at, change.sentence, report_url, ()))
    new_kind = _uptake(after)
    old_kind = _uptake(before) if was_repeater else None
    if new_kind is not None and new_kind != old_kind:
        kind = (
            EventKind.TAKEN_DOWN
            if new_kind == UptakeKind.TAKEN_DOWN.value
            else EventKind.UPTAKE_CHANGED
        )
        at = after.event_at or now
        state = (new_kind, at.isoformat())
        out.append(_event(change, kind, at, change.evidence, report_url, state))
    return out


def _uptake(state: UptakeState | None) -> str | None:
    """The uptake kind of a state, None when there is none (yet)."""
    if state is None or state.kind in (None, UptakeKind.NONE.value):
        return None
    return state.kind


def _event(
    change: UptakeChange,
    kind: EventKind,
    at: datetime,
    evidence: str,
    report_url: str,
    state: tuple[str, ...],
) -> AlertEvent:
    key = event_key(kind, change.claim_id, change.article_id, *state)
    payload: Mapping[str, Any] = {
        "id": key,
        "event": kind.value,
        "at": at.isoformat(),
        "claim": {"slug": change.claim_slug, "text": change.claim_text},
        "article": {"id": change.article_id, "url": change.url, "title": change.title},
        "outlet": {"name": change.outlet, "domain": change.outlet_domain},
        "evidence": evidence,
        "uptake": change.after.kind,
        "lag_seconds": change.after.lag_seconds,
        "late": change.after.late,
        "report": report_link(report_url, change.claim_slug),
    }
    return AlertEvent(key, kind, change.claim_id, change.claim_slug, at, payload)
