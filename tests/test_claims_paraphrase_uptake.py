"""Stance and uptake of an article that reports a claim's event in its own words, on SQLite and
PostgreSQL, through the claims stage: asserts, attributes, disputes; edited, noted, followed up,
taken down and none. The paraphrase shares almost none of the claim's words (see
tests/test_claims_events.py, whose texts these are); so may a correction notice, which counts when
the matcher says it restates the claim."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.api.claims import Claims
from tracker.claims.match import LexicalMatcher
from tracker.claims.uptake import NOTICE_RECALL
from tracker.clock import ManualClock
from tracker.domain import CorrectionKind
from tracker.pipeline.claims_stage import ClaimsStage
from tracker.queries.claims import Repeat
from tracker.store import Store
from tracker.store.claim_tables import MentionRow

from .support.stored import store_texts
from .support.stored import stored_page as page
from .test_claims_events import CLAIM, PARA_LEAD, PARAPHRASE, TEXTS, store

__all__ = ["store"]  # the fixture, on each database

PARA = "para.test/help"
SLUG = "rehab"


def _register(store: Store, clock: ManualClock, texts: dict[str, str] = TEXTS) -> dict[str, int]:
    """Store the texts and register the claim; article ids by key."""
    ids = store_texts(store, clock, texts)
    Claims(store, clock).add(SLUG, CLAIM, origin="https://seed.test/rehab")
    return ids


def _row(store: Store, clock: ManualClock, article_id: int) -> Repeat:
    rows = {r.article_id: r for r in Claims(store, clock).who_repeated(SLUG).rows}
    return rows[article_id]


def _correct_then_recheck(
    store: Store, clock: ManualClock, ids: dict[str, int], text: str | None
) -> None:
    """Register a correction, then re-check the paraphrase: `text` is its new text (None: gone)."""
    Claims(store, clock).correct(
        SLUG, CorrectionKind.CORRECTION, url="https://seed.test/correction"
    )
    clock.advance(timedelta(hours=2))
    if text is None:
        store.mark_taken_down(ids[PARA], now=clock.now(), status=410, next_check_at=None)
    else:
        store.save_recheck(
            ids[PARA],
            now=clock.now(),
            next_check_at=None,
            page=page(f"https://{PARA}", text, clock.now()),
        )
    ClaimsStage().run(store, clock.now())


def _with_lead(lead: str) -> dict[str, str]:
    return {**TEXTS, PARA: PARAPHRASE.replace(PARA_LEAD, lead)}


def test_the_paraphrase_asserts_the_claim(store: Store, clock: ManualClock) -> None:
    plain = "The pop star entered a rehab facility in Malibu on Tuesday."
    ids = _register(store, clock, _with_lead(plain))
    row = _row(store, clock, ids[PARA])
    assert (row.role, row.stance, row.match) == ("repeater", "asserts", "event")


def test_a_paraphrase_that_reports_it_as_hearsay_attributes(
    store: Store, clock: ManualClock
) -> None:
    hearsay = "The pop star reportedly entered a rehab facility in Malibu on Tuesday."
    ids = _register(store, clock, _with_lead(hearsay))
    row = _row(store, clock, ids[PARA])
    assert (row.stance, row.match) == ("attributes", "event")


def test_a_paraphrase_that_denies_the_claim_disputes(store: Store, clock: ManualClock) -> None:
    denial = (
        "A representative denied to Variety that the pop star entered a rehab facility in Malibu"
        " on Tuesday."
    )
    ids = _register(store, clock, _with_lead(denial))
    with store.engine.connect() as conn:
        stances = dict(
            conn.execute(select(MentionRow.article_id, MentionRow.stance)).all()  # type: ignore[arg-type]
        )
    assert stances[ids[PARA]] == "disputes"
    (summary,) = Claims(store, clock).list()
    assert (summary.repeaters, summary.disputers) == (0, 1)  # the seed is the origin
    assert ids[PARA] not in {r.article_id for r in Claims(store, clock).who_repeated(SLUG).rows}


def test_a_negation_in_a_paraphrase_is_no_dispute(store: Store, clock: ManualClock) -> None:
    # The sentence standing for an article found by same-event expansion does not state the
    # claim: a negation there negates something else (on real reports: "pleaded not guilty",
    # "Internet Explorer 10 is not affected"), only a denial or correction cue disputes.
    aside = (
        "The pop star entered a rehab facility in Malibu on Tuesday; the label did not tell"
        " Variety for how long."
    )
    ids = _register(store, clock, _with_lead(aside))
    row = _row(store, clock, ids[PARA])
    assert (row.role, row.stance, row.match) == ("repeater", "asserts", "event")


def test_the_paraphrase_unchanged_after_the_correction_has_no_uptake(
    store: Store, clock: ManualClock
) -> None:
    ids = _register(store, clock)
    _correct_then_recheck(store, clock, ids, PARAPHRASE)
    row = _row(store, clock, ids[PARA])
    assert row.uptake == "none"
    assert row.checked_at == clock.now()


def test_the_paraphrase_edited_after_the_correction(store: Store, clock: ManualClock) -> None:
    ids = _register(store, clock)
    edited = PARAPHRASE.replace(
        PARA_LEAD,
        "The pop star did not enter a rehab facility in Malibu on Tuesday, contrary to earlier"
        " reports, a representative told Variety.",
    )
    _correct_then_recheck(store, clock, ids, edited)
    row = _row(store, clock, ids[PARA])
    assert row.uptake == "edited", row.evidence
    assert row.lag_seconds == pytest.approx(2 * 3600)


def test_the_paraphrase_with_a_correction_notice_is_noted(store: Store, clock: ManualClock) -> None:
    ids = _register(store, clock)
    notice = (
        "Correction: An earlier version of this story repeated an inaccurate account; it has"
        " been updated."
    )
    _correct_then_recheck(store, clock, ids, f"{PARAPHRASE}\n{notice}")
    row = _row(store, clock, ids[PARA])
    assert row.uptake == "noted", row.evidence


def test_the_paraphrase_taken_down_after_the_correction(store: Store, clock: ManualClock) -> None:
    ids = _register(store, clock)
    _correct_then_recheck(store, clock, ids, None)
    row = _row(store, clock, ids[PARA])
    assert row.uptake == "taken_down"
    assert row.lag_seconds == pytest.approx(2 * 3600)


def test_a_later_denial_by_the_paraphrasing_outlet_is_a_follow_up(
    store: Store, clock: ManualClock
) -> None:
    ids = _register(store, clock)
    Claims(store, clock).correct(SLUG, CorrectionKind.REBUTTAL, text="Her publicist denies it.")
    clock.advance(timedelta(hours=1))
    denial = (
        "Mara Lindqvist did not check into the Brookfield Recovery Center in Malibu on Tuesday,"
        " her publicist told Variety, denying earlier reports."
    )
    store_texts(store, clock, {"para.test/denial": denial})
    ClaimsStage().run(store, clock.now())
    row = _row(store, clock, ids[PARA])
    assert row.uptake == "followed_up", row.evidence


# A notice that says what was wrong in words of its own: the lexical matcher sees almost none of
# the claim in it (recall 0.12), a matcher that understands paraphrase says it restates the claim.
RESTATING = (
    "An earlier version of this story said the pop star had gone into a rehab facility in"
    " Malibu; she was visiting a friend who works there."
)
OTHER_NOTICE = (
    "Correction: An earlier version of this story misstated how many Northern Lights tour dates"
    " were called off; it was three, not four."
)


class Restates:
    """A matcher that knows which sentences restate the claim; the lexical score elsewhere.

    It stands for the paraphrase matcher behind the `Matcher.scores` interface the notice
    decision reads.
    """

    def __init__(self, *paraphrases: str) -> None:
        self.paraphrases = set(paraphrases)
        self.lexical = LexicalMatcher()

    def scores(self, claim: str, sentences: Sequence[str]) -> list[float]:
        known = self.lexical.scores(claim, sentences)
        return [1.0 if s in self.paraphrases else k for s, k in zip(sentences, known, strict=True)]


def _recheck_with_notice(
    store: Store, clock: ManualClock, ids: dict[str, int], notice: str, stage: ClaimsStage
) -> None:
    """Re-check the paraphrase with `notice` appended, before any correction is registered."""
    clock.advance(timedelta(hours=2))
    store.save_recheck(
        ids[PARA],
        now=clock.now(),
        next_check_at=None,
        page=page(f"https://{PARA}", f"{PARAPHRASE}\n{notice}", clock.now()),
    )
    stage.run(store, clock.now())


def test_a_notice_that_restates_the_claim_in_other_words_is_noted(
    store: Store, clock: ManualClock
) -> None:
    assert LexicalMatcher().detail(CLAIM, RESTATING).recall < NOTICE_RECALL
    ids = _register(store, clock)
    stage = ClaimsStage(Restates(RESTATING))
    stage.run(store, clock.now())
    _recheck_with_notice(store, clock, ids, f"Correction: {RESTATING}", stage)
    row = _row(store, clock, ids[PARA])
    assert row.uptake == "noted", row.evidence
    assert RESTATING in row.evidence
    assert row.lag_seconds is None and row.late is False  # no correction registered yet


def test_the_restating_notice_is_not_noted_without_the_paraphrase_signal(
    store: Store, clock: ManualClock
) -> None:
    """The lexical matcher alone does not see the claim in it, and no correction is registered
    that would make a notice count by itself."""
    ids = _register(store, clock)
    _recheck_with_notice(store, clock, ids, f"Correction: {RESTATING}", ClaimsStage())
    assert _row(store, clock, ids[PARA]).uptake == "none"


def test_a_notice_about_another_statement_of_the_story_is_not_noted(
    store: Store, clock: ManualClock
) -> None:
    ids = _register(store, clock)
    stage = ClaimsStage(Restates(RESTATING))
    stage.run(store, clock.now())
    _recheck_with_notice(store, clock, ids, OTHER_NOTICE, stage)
    assert _row(store, clock, ids[PARA]).uptake == "none"
