"""Did an article that repeated a claim pick up its correction, how, and how late?

The versions of one article are compared pairwise, anchored on the claim sentence: the sentence
carrying the claim in version k is looked up in version k+1 (its counterpart is the most similar
sentence), and the change is classified as removed, negated, attributed (softened), a denial
added elsewhere, or unchanged. Correction notices ("Correction: ...", "Update: ...", or notices
the extractor found) added in a later version make it `noted`.

Precedence: the uptake is the *earliest* event (that is what the lag measures); events at the
same moment rank taken_down > edited > noted > followed_up, the more thorough change first (an
edit that also appends a note is `edited`, the note kept as evidence). Lags are measured from
each correction to that event and may be negative: the outlet changed before that correction.

A notice is about the claim when it names most of the claim's concepts, or when one of its
sentences restates the claim by the matcher's score (`Matcher.scores` at the mention threshold:
a notice that says what was wrong in other words, "an earlier version said the actress had
entered rehab"); a notice that names no claim at all counts once a correction was registered.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tracker.claims.match import DEFAULT_THRESHOLD, LexicalMatcher, Matcher, lexical_of, overlap
from tracker.claims.mentions import FoundSentence, find_in_sentences, found_at
from tracker.claims.stored_match import StoredSentences, find_in_stored
from tracker.domain import Claim, Correction, Stance, Uptake, UptakeKind, VersionRef
from tracker.text.sentences import Sentence, paragraphs, split_sentences
from tracker.text.stored import StoredSentence
from tracker.text.words import STOP_WORDS, tokenize

__all__ = [
    "ChangeKind",
    "FollowUp",
    "SentenceChange",
    "UptakeDecision",
    "decide_uptake",
    "notice_paragraphs",
]

COUNTERPART_MIN = 0.4  # content-word overlap for a sentence to be the same sentence reworded
# Share of the claim's concepts a notice must name to be about the claim: a notice about another
# claim of the same story names its setting too ("Parcelwise", "the outages": a third).
NOTICE_RECALL = 0.5
GENERIC_NOTICE_WORDS = 3  # a notice with at most this many words of its own names no claim
# Words every notice uses; what is left names what the notice is about.
_NOTICE_WORDS = frozenset(
    """correction corrections corrected clarification clarified update updates updated editor
    editors note article story report post version earlier previous changed amended revised
    include included response comment reflect additional information original originally
    repeated inaccurate inaccurately incorrect incorrectly account error erroneous erroneously
    mistakenly wrongly""".split()
)
_NOTICE = re.compile(
    r"^[\s*\[(]*(?:(?:corrections?|clarifications?|updates?|updated|editor['’]?s['’]?\s+note"
    r"|retraction)\b[^:\n]{0,60}[:—–-]|(?:this|the)\s+(?:article|story|report|post)\s+"
    r"(?:has\s+been|was)\s+(?:updated|corrected|amended|changed)|an\s+earlier\s+version\s+of\s+"
    r"this)",
    re.IGNORECASE,
)
_RANK = {
    UptakeKind.TAKEN_DOWN: 0,
    UptakeKind.EDITED: 1,
    UptakeKind.NOTED: 2,
    UptakeKind.FOLLOWED_UP: 3,
}
_LEVEL = {Stance.ASSERTS: 2, Stance.ATTRIBUTES: 1, Stance.DISPUTES: 0}


class ChangeKind(StrEnum):
    """What happened to the claim sentence between two versions."""

    REMOVED = "removed"
    NEGATED = "negated"
    ATTRIBUTED = "attributed"  # stated as fact before, reported as someone's claim (or hedged) now
    DISPUTE_ADDED = "dispute_added"  # the sentence stayed, a denial or correction joined it
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class SentenceChange:
    """The claim sentence before and after one edit (`after` is None when it was removed)."""

    kind: ChangeKind
    before_version_id: int
    after_version_id: int
    before: str
    after: str | None


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A later article of the same outlet and its stance towards the claim."""

    article_id: int
    seen_at: datetime
    stance: Stance


@dataclass(frozen=True, slots=True)
class UptakeDecision:
    """The uptake of one article for one claim, with the evidence an editor can check."""

    uptake: Uptake
    evidence: str
    repeated_at: datetime
    change: SentenceChange | None = None
    notice: str | None = None
    follow_up_id: int | None = None
    lags: tuple[tuple[Correction, float], ...] = ()  # seconds from each correction to the event
    event_at: datetime | None = None  # when the uptake was first seen (None: no uptake)


@dataclass(frozen=True, slots=True)
class _State:
    """How one version carries the claim."""

    version: VersionRef
    found: tuple[FoundSentence, ...]
    # Its sentences outside notices (as stored, when read from the stored analysis: only their
    # text and start are read, and most versions never change).
    body: Sequence[Sentence | StoredSentence]
    notices: frozenset[str]

    @property
    def level(self) -> int:
        """2 when some sentence asserts the claim, 1 when it is only attributed, else 0."""
        return max((_LEVEL[f.stance.stance] for f in self.found), default=0)

    @property
    def disputes(self) -> bool:
        """True when some sentence carries a denial or correction of the claim."""
        return any(f.stance.stance is Stance.DISPUTES for f in self.found)

    def strongest(self) -> FoundSentence:
        """The sentence that carries the claim most strongly (assumes level > 0)."""
        return max(self.found, key=lambda f: (_LEVEL[f.stance.stance], f.score))


@dataclass(frozen=True, slots=True)
class _Event:
    """One sign of uptake, with when it was first seen."""

    at: datetime
    kind: UptakeKind
    evidence: str
    change: SentenceChange | None = None
    notice: str | None = None
    follow_up_id: int | None = None


def notice_paragraphs(text: str) -> list[str]:
    """The paragraphs of `text` that are correction or update notices."""
    return [p.text for p in paragraphs(text) if _NOTICE.match(p.text)]


def decide_uptake(
    claim: Claim,
    article_id: int,
    versions: Sequence[VersionRef],
    corrections: Sequence[Correction],
    *,
    checked_at: datetime,
    first_seen: datetime | None = None,
    taken_down_at: datetime | None = None,
    follow_ups: Sequence[FollowUp] = (),
    matcher: Matcher | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    anchor: str | None = None,
    stored: StoredSentences | None = None,
) -> UptakeDecision | None:
    """Decide the uptake of `claim` by one article from its versions (oldest first).

    `anchor` is, for an article that reports the claim's event in its own words (an event-level
    mention), its own sentence standing for the claim: it is followed across versions as the
    claim's sentence is, so removing or negating it is an edit too.
    `stored` gives versions' sentences as analysed at ingest, with the cache to score them
    (same answers, no re-analysis); versions it lacks are read from their text.
    Returns None when no version of the article repeats the claim (asserts or attributes it).
    """
    # The matcher's own lexical one when it wraps one: the claims stage's remembers the
    # analyses of the sentences it just matched, which a new one would make again.
    lexical = lexical_of(matcher)
    readable = [v for v in versions if v.text.strip()]
    # One version: no two versions to compare, so only whether it carries the claim is read.
    settle = len(readable) == 1
    states = [
        _state(claim.text, v, matcher, lexical, threshold, anchor, stored, settle=settle)
        for v in readable
    ]
    start = next((i for i, state in enumerate(states) if state.level > 0), None)
    if start is None:
        return None
    repeated_at = states[start].version.fetched_at
    if start == 0 and first_seen is not None:
        repeated_at = min(first_seen, repeated_at)
    earliest = min((c.published for c in corrections), default=None)
    late = earliest is not None and repeated_at > earliest

    restates = _Restates(claim.text, matcher or lexical, threshold)
    events = _version_events(claim.text, states[start:], lexical, earliest, restates)
    if taken_down_at is not None:
        events.append(
            _Event(taken_down_at, UptakeKind.TAKEN_DOWN, "article gone (404/410/redirect)")
        )
    for follow in follow_ups:
        if follow.stance is Stance.DISPUTES and follow.seen_at > repeated_at:
            events.append(
                _Event(
                    follow.seen_at,
                    UptakeKind.FOLLOWED_UP,
                    f"later article {follow.article_id} of the same outlet disputes the claim",
                    follow_up_id=follow.article_id,
                )
            )
    if not events:
        last = states[-1].version
        uptake = Uptake(claim.slug, article_id, UptakeKind.NONE, checked_at, None, late)
        evidence = f"still carries the claim (version {last.id}, checked {checked_at.isoformat()})"
        return UptakeDecision(uptake, evidence, repeated_at)
    event = min(events, key=lambda e: (e.at, _RANK[e.kind]))
    lags = tuple((c, (event.at - c.published).total_seconds()) for c in corrections)
    lag = (event.at - earliest).total_seconds() if earliest is not None else None
    uptake = Uptake(claim.slug, article_id, event.kind, checked_at, lag, late)
    # An edit that appended a note at the same moment keeps the note as evidence.
    notice = event.notice or next((e.notice for e in events if e.at == event.at and e.notice), None)
    return UptakeDecision(
        uptake,
        event.evidence,
        repeated_at,
        event.change,
        notice,
        event.follow_up_id,
        lags,
        event.at,
    )


def _state(
    claim: str,
    version: VersionRef,
    matcher: Matcher | None,
    lexical: LexicalMatcher,
    threshold: float,
    anchor: str | None = None,
    stored: StoredSentences | None = None,
    *,
    settle: bool = False,
) -> _State:
    """Read one version: its claim sentences (and the anchor's) outside notices, its notices.

    The claim is read with the version's headline as context, as the claims stage found it: a
    sentence that leans on its headline for a name carries the claim in both readings or none.
    With `settle`, only `level > 0` will be read: when the anchor's own sentence asserts or
    attributes it, that sentence alone is returned as found, and nothing else is scored (the
    version's other sentences against the claim and the anchor, the model's lift among them).
    """
    notices = {_normal(n) for n in version.corrections if n.strip()}
    notice_spans = [p for p in paragraphs(version.text) if _NOTICE.match(p.text)]
    notices.update(_normal(p.text) for p in notice_spans)
    kept = stored.texts.get(version.id) if stored is not None else None
    if stored is not None and kept is not None:
        own = (
            tuple(
                s
                for s in kept.sentences
                if not any(p.start <= s.start < p.end for p in notice_spans)
                and not any(s.text in n for n in version.corrections)
            )
            if notice_spans or version.corrections
            else kept.sentences  # most versions: no notice to leave out
        )
        found = find_in_stored(
            claim, own, kept.title_keys, stored.cache, matcher=matcher, threshold=threshold
        )
        if anchor:
            starts = {f.sentence.start for f in found}
            extra = find_in_stored(anchor, own, None, stored.cache, threshold=threshold)
            found = sorted(
                [*found, *(f for f in extra if f.sentence.start not in starts)],
                key=lambda f: f.sentence.start,
            )
        return _State(version, tuple(found), own, frozenset(notices))
    body = tuple(
        s
        for s in lexical.sentences(version.text)
        if not any(p.start <= s.start < p.end for p in notice_spans)
        and not any(s.text in n for n in version.corrections)
    )
    if settle and anchor:
        for i, sentence in enumerate(body):
            if sentence.text != anchor:
                continue
            itself = found_at(anchor, body, i, lexical, threshold)
            if itself is not None and itself.stance.stance is not Stance.DISPUTES:
                return _State(version, (itself,), body, frozenset(notices))
    found = find_in_sentences(
        claim, body, matcher=matcher, lexical=lexical, threshold=threshold, title=version.title
    )
    if anchor:
        # The anchor is matched lexically, as a claim of its own: it is one of the article's
        # sentences, so its counterpart in another version shares its words.
        starts = {f.sentence.start for f in found}
        extra = find_in_sentences(anchor, body, lexical=lexical, threshold=threshold)
        found = sorted(
            [*found, *(f for f in extra if f.sentence.start not in starts)],
            key=lambda f: f.sentence.start,
        )
    return _State(version, tuple(found), body, frozenset(notices))


@dataclass(frozen=True, slots=True)
class _Restates:
    """Whether a text restates the claim, by the matcher's sentence scores."""

    claim: str
    matcher: Matcher
    threshold: float

    def __call__(self, text: str) -> bool:
        """True when some sentence of `text` (a notice's label left out) carries the claim."""
        label = _NOTICE.match(text)
        body = text[label.end() :] if label else text
        sentences = [s.text for s in split_sentences(body)]
        if not sentences:
            return False
        return max(self.matcher.scores(self.claim, sentences)) >= self.threshold


def _version_events(
    claim: str,
    states: Sequence[_State],
    lexical: LexicalMatcher,
    earliest: datetime | None,
    restates: Callable[[str], bool],
) -> list[_Event]:
    """The first edit and the first relevant notice among consecutive versions."""
    events: list[_Event] = []
    for before, after in itertools.pairwise(states):
        at = after.version.fetched_at
        if not any(e.kind is UptakeKind.NOTED for e in events):
            notice = _new_notice(claim, before, after, lexical, earliest, restates)
            if notice is not None:
                events.append(
                    _Event(at, UptakeKind.NOTED, f"notice added: {notice}", notice=notice)
                )
        if not any(e.kind is UptakeKind.EDITED for e in events):
            change = _change(before, after)
            if change.kind is not ChangeKind.UNCHANGED:
                evidence = (
                    f"claim sentence {change.kind.value}: {change.before!r} -> {change.after!r}"
                )
                events.append(_Event(at, UptakeKind.EDITED, evidence, change=change))
        if len(events) == 2:
            break
    return events


def _new_notice(
    claim: str,
    before: _State,
    after: _State,
    lexical: LexicalMatcher,
    earliest: datetime | None,
    restates: Callable[[str], bool],
) -> str | None:
    """A notice new in `after` that names or restates the claim, or a late generic one."""
    for notice in sorted(after.notices - before.notices):
        if lexical.detail(claim, notice).recall >= NOTICE_RECALL or restates(notice):
            return notice
    added = [notice for notice in sorted(after.notices - before.notices) if _generic(notice)]
    if added and earliest is not None and after.version.fetched_at >= earliest:
        return added[0]  # a generic "This article has been updated." after the correction
    return None


def _change(before: _State, after: _State) -> SentenceChange:
    """Classify what happened to the claim between two versions, anchored on its sentence."""
    if before.level == 0:  # nothing left to change (already edited away)
        return SentenceChange(ChangeKind.UNCHANGED, before.version.id, after.version.id, "", None)
    anchor = before.strongest().sentence.text
    ids = (before.version.id, after.version.id)
    counterpart = max(after.body, key=lambda s: overlap(anchor, s.text), default=None)
    if counterpart is not None and overlap(anchor, counterpart.text) < COUNTERPART_MIN:
        counterpart = None
    found_after = {f.sentence.start: f for f in after.found}
    if after.level < before.level:
        if after.level > 0:
            softened = max(
                (f for f in after.found if f.stance.stance is Stance.ATTRIBUTES),
                key=lambda f: overlap(anchor, f.sentence.text),
            )
            return SentenceChange(ChangeKind.ATTRIBUTED, *ids, anchor, softened.sentence.text)
        denial = found_after.get(counterpart.start) if counterpart is not None else None
        if denial is None and not before.disputes:
            denial = next((f for f in after.found if f.stance.stance is Stance.DISPUTES), None)
        if denial is not None and denial.stance.stance is Stance.DISPUTES:
            return SentenceChange(ChangeKind.NEGATED, *ids, anchor, denial.sentence.text)
        after_text = counterpart.text if counterpart is not None else None
        return SentenceChange(ChangeKind.REMOVED, *ids, anchor, after_text)
    if after.disputes and not before.disputes:
        denial_text = next(
            f.sentence.text for f in after.found if f.stance.stance is Stance.DISPUTES
        )
        return SentenceChange(ChangeKind.DISPUTE_ADDED, *ids, anchor, denial_text)
    after_text = counterpart.text if counterpart is not None else None
    return SentenceChange(ChangeKind.UNCHANGED, *ids, anchor, after_text)


def _generic(notice: str) -> bool:
    """True when a notice says only that the article changed, not what it is about."""
    own = [t for t in tokenize(notice) if t.word not in STOP_WORDS and t.word not in _NOTICE_WORDS]
    return len(own) <= GENERIC_NOTICE_WORDS


def _normal(text: str) -> str:
    """A notice's text with white space collapsed, to compare notices across versions."""
    return " ".join(text.split())
