"""Uptake of a correction by one article, judged on the claim sentence across its versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.claims.uptake import (
    ChangeKind,
    FollowUp,
    UptakeDecision,
    decide_uptake,
    notice_paragraphs,
)
from tracker.domain import (
    Claim,
    Correction,
    CorrectionKind,
    Stance,
    UptakeKind,
    VersionRef,
)

CLAIM = Claim("ai-code-outages", "AI-written code caused the outages")
OTHER_CLAIM = Claim("cloud-division", "the cloud division was involved")
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the article is first seen
CORRECTED = T0 + timedelta(days=1, hours=3)  # the originator's correction
REBUTTED = T0 + timedelta(days=1, hours=6)  # the company's denial
CHECKED = T0 + timedelta(days=5)
CORRECTIONS = (
    Correction(CLAIM.slug, CorrectionKind.CORRECTION, CORRECTED, "https://ledger.example/fix"),
    Correction(CLAIM.slug, CorrectionKind.REBUTTAL, REBUTTED, None, "Parcelwise denies it."),
)

LEAD = "Parcelwise, the online retailer, was down for six hours on Monday."
CLAIM_SENTENCE = "AI-written code caused the outages."
CLOUD = "Engineers in the cloud division were involved, two staff members said."
TAIL = "Shoppers could not track their parcels. The company apologised."


def body(*middle: str) -> str:
    return "\n".join([LEAD, *middle, TAIL])


def version(n: int, text: str, at: datetime, corrections: tuple[str, ...] = ()) -> VersionRef:
    return VersionRef(100 + n, 42, text, at, corrections=corrections)


def decide(
    versions: list[VersionRef],
    *,
    claim: Claim = CLAIM,
    corrections: tuple[Correction, ...] = CORRECTIONS,
    first_seen: datetime | None = None,
    taken_down_at: datetime | None = None,
    follow_ups: tuple[FollowUp, ...] = (),
) -> UptakeDecision:
    decision = decide_uptake(
        claim,
        42,
        versions,
        corrections,
        checked_at=CHECKED,
        first_seen=first_seen,
        taken_down_at=taken_down_at,
        follow_ups=follow_ups,
    )
    assert decision is not None
    return decision


def original(corrections: tuple[str, ...] = ()) -> VersionRef:
    return version(1, body(CLAIM_SENTENCE, CLOUD), T0, corrections)


EDIT_AT = T0 + timedelta(days=2)


def test_sentence_removed_is_edited_with_lag_from_the_first_correction() -> None:
    decision = decide([original(), version(2, body(CLOUD), EDIT_AT)])
    assert decision.uptake.kind is UptakeKind.EDITED
    assert decision.change is not None and decision.change.kind is ChangeKind.REMOVED
    assert decision.change.before == CLAIM_SENTENCE and decision.change.after is None
    assert decision.uptake.lag_seconds == (EDIT_AT - CORRECTED).total_seconds()
    assert decision.uptake.late is False
    assert [lag for _, lag in decision.lags] == [
        (EDIT_AT - CORRECTED).total_seconds(),
        (EDIT_AT - REBUTTED).total_seconds(),
    ]


def test_sentence_attributed_is_a_softening_edit() -> None:
    softened = "AI-written code caused the outages, The Ledger reported."
    decision = decide([original(), version(2, body(softened, CLOUD), EDIT_AT)])
    assert decision.uptake.kind is UptakeKind.EDITED
    assert decision.change is not None and decision.change.kind is ChangeKind.ATTRIBUTED
    assert decision.change.after == softened


def test_sentence_negated_is_an_edit() -> None:
    negated = "AI-written code did not cause the outages, Parcelwise said."
    decision = decide([original(), version(2, body(negated, CLOUD), EDIT_AT)])
    assert decision.change is not None and decision.change.kind is ChangeKind.NEGATED
    assert decision.change.after == negated


def test_sentence_reworded_without_the_claim_is_removed_with_its_counterpart() -> None:
    reworded = "The cause of the outages is still being investigated."
    decision = decide([original(), version(2, body(reworded, CLOUD), EDIT_AT)])
    assert decision.change is not None and decision.change.kind is ChangeKind.REMOVED
    assert decision.change.after == reworded


def test_denial_added_while_the_sentence_stays_is_an_edit() -> None:
    denial = "Parcelwise denied that AI-generated code was behind the downtime."
    decision = decide([original(), version(2, body(CLAIM_SENTENCE, denial, CLOUD), EDIT_AT)])
    assert decision.change is not None and decision.change.kind is ChangeKind.DISPUTE_ADDED
    assert decision.change.after == denial


def test_correction_notice_appended_is_noted() -> None:
    note = "Correction: An earlier version of this article said AI-written code caused the outages."
    later = version(2, body(CLAIM_SENTENCE, CLOUD) + "\n" + note, EDIT_AT)
    decision = decide([original(), later])
    assert decision.uptake.kind is UptakeKind.NOTED
    assert decision.notice == note and decision.change is None


def test_structured_notice_that_names_the_claim_is_noted() -> None:
    schema_note = "This story was updated: AI tools were not behind the outages, Parcelwise says."
    later = version(2, body(CLAIM_SENTENCE, CLOUD), EDIT_AT, corrections=(schema_note,))
    assert decide([original(), later]).uptake.kind is UptakeKind.NOTED


def test_generic_update_counts_only_after_a_correction() -> None:
    generic = "Update: This article has been updated."
    early = T0 + timedelta(hours=2)  # before any correction
    before = decide([original(), version(2, body(CLAIM_SENTENCE, CLOUD) + "\n" + generic, early)])
    assert before.uptake.kind is UptakeKind.NONE
    after = decide([original(), version(2, body(CLAIM_SENTENCE, CLOUD) + "\n" + generic, EDIT_AT)])
    assert after.uptake.kind is UptakeKind.NOTED


def test_a_notice_naming_only_the_correcting_outlet_is_generic() -> None:
    notice = (
        "Correction: The Ledger has corrected its original report; an earlier version of this"
        " story repeated an inaccurate account."
    )
    later = version(2, body(CLAIM_SENTENCE, CLOUD) + "\n" + notice, EDIT_AT)
    assert decide([original(), later]).uptake.kind is UptakeKind.NOTED
    # A notice about another statement of the story still names it and is not taken.
    other = "Correction: An earlier version incorrectly said the cloud division hired 40 staff."
    later = version(2, body(CLAIM_SENTENCE, CLOUD) + "\n" + other, EDIT_AT)
    assert decide([original(), later]).uptake.kind is UptakeKind.NONE


def test_edit_and_note_in_one_version_is_edited_and_keeps_the_note() -> None:
    note = "Correction: An earlier version wrongly said AI-written code caused the outages."
    decision = decide([original(), version(2, body(CLOUD) + "\n" + note, EDIT_AT)])
    assert decision.uptake.kind is UptakeKind.EDITED
    assert decision.change is not None and decision.change.kind is ChangeKind.REMOVED
    assert decision.notice == note


def test_the_earliest_sign_of_uptake_wins() -> None:
    note = "Update: Parcelwise says AI-written code did not cause the outages."
    noted_at, removed_at = EDIT_AT, EDIT_AT + timedelta(days=1)
    decision = decide(
        [
            original(),
            version(2, body(CLAIM_SENTENCE, CLOUD) + "\n" + note, noted_at),
            version(3, body(CLOUD) + "\n" + note, removed_at),
        ]
    )
    assert decision.uptake.kind is UptakeKind.NOTED
    assert decision.uptake.lag_seconds == (noted_at - CORRECTED).total_seconds()


def test_unchanged_article_has_no_uptake_at_the_last_check() -> None:
    same = version(2, body(CLAIM_SENTENCE, CLOUD) + "\nShares fell 3%.", EDIT_AT)
    decision = decide([original(), same])
    assert decision.uptake.kind is UptakeKind.NONE
    assert decision.uptake.checked_at == CHECKED and decision.uptake.lag_seconds is None
    assert "still carries" in decision.evidence


def test_one_of_two_claim_sentences_removed_still_carries_it() -> None:
    twice = version(
        1, body(CLAIM_SENTENCE, CLOUD, "Again: AI-generated code caused the outages."), T0
    )
    once = version(2, body(CLOUD, "Again: AI-generated code caused the outages."), EDIT_AT)
    assert decide([twice, once]).uptake.kind is UptakeKind.NONE


def test_taken_down_article() -> None:
    gone_at = T0 + timedelta(days=3)
    decision = decide([original()], taken_down_at=gone_at)
    assert decision.uptake.kind is UptakeKind.TAKEN_DOWN
    assert decision.uptake.lag_seconds == (gone_at - CORRECTED).total_seconds()


def test_follow_up_that_disputes_the_claim() -> None:
    follow_at = T0 + timedelta(days=2, hours=5)
    follow_ups = (
        FollowUp(77, T0 + timedelta(hours=5), Stance.ASSERTS),  # repeats it: no uptake
        FollowUp(78, follow_at, Stance.DISPUTES),
    )
    decision = decide([original()], follow_ups=follow_ups)
    assert decision.uptake.kind is UptakeKind.FOLLOWED_UP
    assert decision.follow_up_id == 78
    assert decision.uptake.lag_seconds == (follow_at - CORRECTED).total_seconds()


def test_disputing_article_published_before_the_repeat_is_no_follow_up() -> None:
    follow_ups = (FollowUp(79, T0 - timedelta(hours=1), Stance.DISPUTES),)
    assert decide([original()], follow_ups=follow_ups).uptake.kind is UptakeKind.NONE


def test_late_repeater_first_seen_after_the_correction() -> None:
    late_at = CORRECTED + timedelta(hours=1)
    decision = decide([version(1, body(CLAIM_SENTENCE), late_at)], first_seen=late_at)
    assert decision.uptake.late is True and decision.uptake.kind is UptakeKind.NONE
    early = decide([original()], first_seen=T0)
    assert early.uptake.late is False


def test_no_corrections_yet_means_no_lag_and_not_late() -> None:
    decision = decide([original(), version(2, body(CLOUD), EDIT_AT)], corrections=())
    assert decision.uptake.kind is UptakeKind.EDITED
    assert decision.uptake.lag_seconds is None and decision.uptake.late is False


def test_claims_are_judged_one_by_one() -> None:
    # The edit drops the AI claim but keeps the cloud division claim.
    versions = [original(), version(2, body(CLOUD), EDIT_AT)]
    assert decide(versions).uptake.kind is UptakeKind.EDITED
    kept = decide(versions, claim=OTHER_CLAIM, corrections=())
    assert kept.uptake.kind is UptakeKind.NONE and kept.uptake.claim_slug == OTHER_CLAIM.slug


def test_a_sentence_that_leans_on_its_headline_is_read_with_it_in_every_version() -> None:
    # The claims stage finds this sentence with the headline lending "Brightmoor checkout"; the
    # uptake must read each version the same way, or the repeat has no uptake at all.
    claim = Claim(
        "contractor-code",
        "Untested code written by contractors caused the Brightmoor checkout outages.",
    )
    title = "Brightmoor checkout: what we know"
    said = "Engineers say untested code written by contractors caused three outages in February."
    denied = "Brightmoor denied that untested code written by contractors caused any outage."
    tail = "Shoppers could not pay for their orders."
    first = VersionRef(101, 42, f"{said} {tail}", T0, title=title)
    later = VersionRef(102, 42, f"{said} {denied} {tail}", EDIT_AT, title=title)
    decision = decide([first, later], claim=claim)
    assert decision.uptake.kind is UptakeKind.EDITED
    assert decision.change is not None and decision.change.kind is ChangeKind.DISPUTE_ADDED


def test_article_that_never_repeated_the_claim_has_no_uptake() -> None:
    denial_only = body("Parcelwise denied that AI-written code caused the outages.")
    assert (
        decide_uptake(CLAIM, 42, [version(1, denial_only, T0)], CORRECTIONS, checked_at=CHECKED)
        is None
    )
    assert decide_uptake(CLAIM, 42, [], CORRECTIONS, checked_at=CHECKED) is None


def test_notice_paragraphs_are_found() -> None:
    text = (
        "Story text.\nCorrection (March 3): We misstated the cause.\nEditor's note: Updated.\nMore."
    )
    assert notice_paragraphs(text) == [
        "Correction (March 3): We misstated the cause.",
        "Editor's note: Updated.",
    ]
