"""Suggested corrections: notices and disputing articles about the claim, ranked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.claims.suggest import (
    CandidateSource,
    CorrectionCandidate,
    suggest_corrections,
)
from tracker.domain import Claim, Correction, CorrectionKind

CLAIM = Claim("ai-code-outages", "AI-written code caused the outages")
T0 = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)


def notice(text: str, outlet: str, url: str, hours: int = 0) -> CorrectionCandidate:
    return CorrectionCandidate(
        CandidateSource.NOTICE, text, T0 + timedelta(hours=hours), url, outlet
    )


def disputing(text: str, outlet: str, url: str, hours: int = 0) -> CorrectionCandidate:
    return CorrectionCandidate(
        CandidateSource.DISPUTING_ARTICLE, text, T0 + timedelta(hours=hours), url, outlet
    )


CANDIDATES = [
    disputing(
        "Parcelwise denied that AI-generated code caused the outages.",
        "wire.example",
        "https://wire.example/denial",
        hours=2,
    ),
    notice(
        "Correction: An earlier version of this story said AI-written code caused the outages.",
        "ledger.example",
        "https://ledger.example/story",
        hours=5,
    ),
    notice("Correction: A photo caption misspelled a name.", "ledger.example", "https://l/x"),
    disputing(
        "AI-written code caused the outages, The Ledger reported.",
        "copy.example",
        "https://copy.example/a",
    ),
    disputing("Parcelwise denied it was hacked.", "wire.example", "https://wire.example/hack"),
]


def test_originators_notice_ranks_first_then_the_rebuttal() -> None:
    found = suggest_corrections(CLAIM, CANDIDATES, origin_outlet="ledger.example")
    assert [s.candidate.url for s in found] == [
        "https://ledger.example/story",
        "https://wire.example/denial",
    ]
    correction, rebuttal = (s.correction for s in found)
    assert correction.kind is CorrectionKind.CORRECTION
    assert rebuttal.kind is CorrectionKind.REBUTTAL
    assert rebuttal.published == T0 + timedelta(hours=2)
    assert all(s.correction.claim_slug == CLAIM.slug for s in found)
    assert "originator" in found[0].reason


def test_registered_corrections_are_not_suggested_again() -> None:
    registered = [
        Correction(CLAIM.slug, CorrectionKind.CORRECTION, T0, "https://ledger.example/story"),
        Correction(
            CLAIM.slug,
            CorrectionKind.REBUTTAL,
            T0,
            None,
            "Parcelwise denied that AI-generated code caused the outages.",
        ),
    ]
    assert suggest_corrections(CLAIM, CANDIDATES, registered=registered) == ()


def test_retraction_is_recognised_and_duplicates_keep_the_best() -> None:
    retraction = notice(
        "Editor's note: We have retracted the report that AI-written code caused the outages.",
        "ledger.example",
        "https://ledger.example/story",
        hours=9,
    )
    weaker = notice(
        "Update: the cause of the outages is under review.",
        "ledger.example",
        "https://ledger.example/story",
    )
    assert suggest_corrections(CLAIM, [weaker])[0].correction.kind is CorrectionKind.CORRECTION
    found = suggest_corrections(CLAIM, [weaker, retraction])
    assert len(found) == 1
    assert found[0].correction.kind is CorrectionKind.RETRACTION


def test_limit_caps_the_list() -> None:
    assert len(suggest_corrections(CLAIM, CANDIDATES, limit=1)) == 1
