"""One article's record for one claim, decided from its stored facts: role, stance, uptake (pure).

Shared by the claims stage, which stores the records, and the read side, which decides them on
the fly for free text that is not a registered claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tracker.claims.events import is_event_level
from tracker.claims.match import Matcher
from tracker.claims.roles import Role, first_stances, role_of, shown_stance
from tracker.claims.stored_match import StoredSentences
from tracker.claims.uptake import FollowUp, decide_uptake
from tracker.domain import Claim, Correction, Stance
from tracker.domain.claims import ArticleFacts, ClaimInfo, CorrectionInfo, UptakeRecord

__all__ = [
    "CANDIDATE_SHARE",
    "EXPANSION_SHARE",
    "decide_record",
    "follow_ups_by_outlet",
    "other_event_record",
]

# A version is read sentence by sentence when its words cover this share of the claim's concept
# weight. A text carrying the claim covers nearly all of it (a sentence may leave out a concept
# or two, the rest of the article names them); 0.5 leaves room for misspellings and paraphrases
# the index cannot see.
CANDIDATE_SHARE = 0.5
# The wider net for same-event expansion: an article reporting the claim's event in its own words
# may share few of its words. On the dev scenario (22 claims, 217 true repeaters) the index keeps
# 214 of them as candidates at 0.25 (206 at 0.3, 181 at 0.5), for 871 candidate articles in all
# (320 at 0.5); 0.2 keeps 216 for 1,302. A share of the claim's weight asks more of a report of a
# long claim (a sentence of 40 words, most of them asides its repeats leave out) than of a short
# one; the event comparison with the seeds, not this net, is what keeps other events out. Who-
# repeated on one crawled dev home, the scenario's claims and its swapped ones (precision /
# recall; with `CLAIM_BAG_MIN`): 0.25 and 0.2 0.966 / 0.908 and 0.945 / 0.817; 0.2 and 0.15
# 0.966 / 0.908, 0.946 / 0.839; 0.15 and 0.15 0.966 / 0.912, 0.947 / 0.853 (0.12: the same;
# 0.1 and 0.1 0.966 / 0.912, 0.947 / 0.850). The claims stage reads ~5 % more (docs/benchmarks.md).
EXPANSION_SHARE = 0.15


def follow_ups_by_outlet(
    mentions: Sequence[tuple[int, int, datetime, int, Stance]],
) -> dict[int, tuple[FollowUp, ...]]:
    """Per outlet, its articles whose first mentioning version disputes the claim."""
    firsts: dict[int, tuple[int, int, datetime, set[Stance]]] = {}
    for article_id, outlet_id, first_seen, seq, stance in mentions:
        kept = firsts.get(article_id)
        if kept is None or seq < kept[1]:
            firsts[article_id] = (outlet_id, seq, first_seen, {stance})
        elif seq == kept[1]:
            kept[3].add(stance)
    out: dict[int, list[FollowUp]] = {}
    for article_id, (outlet_id, _, first_seen, stances) in firsts.items():
        if role_of(stances, origin=False) is Role.DISPUTER:
            out.setdefault(outlet_id, []).append(FollowUp(article_id, first_seen, Stance.DISPUTES))
    return {outlet: tuple(items) for outlet, items in out.items()}


def decide_record(
    claim: ClaimInfo,
    facts: ArticleFacts,
    corrections: Sequence[CorrectionInfo],
    origin_id: int | None,
    follow_ups: Sequence[FollowUp],
    matcher: Matcher,
    stored: StoredSentences | None = None,
) -> UptakeRecord:
    """The role, first stance and uptake of one article for one claim."""
    order = [v.id for v in facts.versions]
    stances: dict[int, set[Stance]] = {}
    for mention in facts.mentions:
        stances.setdefault(mention.version_id, set()).add(mention.stance)
    first = first_stances(order, stances)
    role = role_of(first, origin=facts.article_id == origin_id) or Role.DISPUTER
    stance = shown_stance(first)
    sentence = next(
        (
            mention.sentence
            for version_id in order
            for mention in facts.mentions
            if mention.version_id == version_id and mention.stance == stance
        ),
        "",
    )
    base = _bare_record(facts, role, stance.value if stance else None, sentence)
    if role is Role.DISPUTER:
        return base
    domain = Claim(claim.slug, claim.text, claim.origin_url)
    # An article found by same-event expansion: its own sentence stands for the claim.
    anchor = next(
        (
            mention.sentence
            for version_id in order
            for mention in facts.mentions
            if mention.version_id == version_id and is_event_level(mention.score)
        ),
        None,
    )
    registered = [Correction(claim.slug, c.kind, c.published, c.url, c.text) for c in corrections]
    decision = decide_uptake(
        domain,
        facts.article_id,
        facts.versions,
        registered,
        checked_at=facts.last_checked_at or facts.first_seen,
        first_seen=facts.first_seen,
        taken_down_at=facts.taken_down_at,
        follow_ups=follow_ups,
        matcher=matcher,
        anchor=anchor,
        stored=stored,
    )
    if decision is None:  # only a notice or the stance rules disagree: keep the stored stance
        return base
    uptake = decision.uptake
    lags = tuple(
        {"correction_id": c.id, "kind": c.kind.value, "seconds": seconds}
        # No lags when nothing was taken up yet; else one per correction, in the same order.
        for c, (_, seconds) in zip(corrections, decision.lags, strict=False)
    )
    evidence = decision.evidence
    if decision.notice and decision.notice not in evidence:
        evidence += f" (notice: {decision.notice})"
    return UptakeRecord(
        article_id=facts.article_id,
        role=role.value,
        stance=base.stance,
        sentence=sentence,
        repeated_at=decision.repeated_at,
        kind=uptake.kind.value,
        event_at=decision.event_at,
        lag_seconds=uptake.lag_seconds,
        late=uptake.late,
        evidence=evidence,
        lags=lags,
        checked_at=facts.last_checked_at,
    )


def other_event_record(facts: ArticleFacts) -> UptakeRecord:
    """The record of an article that matches the claim but reports another event: no uptake."""
    return _bare_record(facts, Role.OTHER_EVENT, None, "")


def _bare_record(
    facts: ArticleFacts, role: Role, stance: str | None, sentence: str
) -> UptakeRecord:
    """A record with a role and no uptake (nothing repeated, no event, no lag)."""
    return UptakeRecord(
        article_id=facts.article_id,
        role=role.value,
        stance=stance,
        sentence=sentence,
        repeated_at=None,
        kind=None,
        event_at=None,
        lag_seconds=None,
        late=False,
        evidence="",
        lags=(),
        checked_at=facts.last_checked_at,
    )
