"""The corrections the crawl found for a claim: stored notices and disputing sentences, ranked.

Shared by `tracker claims suggestions` (through the API) and the claims stage, which alerts on
suggestions it has not alerted on before.
"""

from __future__ import annotations

from collections.abc import Sequence

from tracker.claims.suggest import CandidateSource, CorrectionCandidate, Suggestion
from tracker.claims.suggest import suggest_corrections as rank_suggestions
from tracker.claims.uptake import notice_paragraphs
from tracker.domain import Claim, Correction
from tracker.domain.claims import ClaimInfo, CorrectionInfo
from tracker.store.claim_repo import ClaimRepo
from tracker.urls import outlet_domain

__all__ = ["suggestions_for"]


def suggestions_for(
    repo: ClaimRepo,
    claim: ClaimInfo,
    *,
    limit: int = 10,
    corrections: Sequence[CorrectionInfo] | None = None,
) -> tuple[Suggestion, ...]:
    """Corrections the crawl found for the claim (notices, disputing articles), best first.

    `corrections`: the claim's registered corrections when the caller read them already.
    """
    candidates: list[CorrectionCandidate] = []
    for article_id, version_id, url, seen, structured, body in repo.notices_of_claim(claim.id):
        texts = dict.fromkeys([*structured, *notice_paragraphs(body)])
        outlet = outlet_domain(url)
        candidates += [
            CorrectionCandidate(
                CandidateSource.NOTICE, note, seen, url, outlet, article_id, version_id
            )
            for note in texts
        ]
    for article_id, version_id, url, seen, sentence in repo.disputing_mentions(claim.id):
        candidates.append(
            CorrectionCandidate(
                CandidateSource.DISPUTING_ARTICLE,
                sentence,
                seen,
                url,
                outlet_domain(url),
                article_id,
                version_id,
            )
        )
    if corrections is None:
        corrections = repo.corrections(claim.id)
    registered = [_domain_correction(c) for c in corrections]
    origin = outlet_domain(claim.origin_url) if claim.origin_url else None
    domain_claim = Claim(claim.slug, claim.text, claim.origin_url)
    return rank_suggestions(
        domain_claim, candidates, registered=registered, origin_outlet=origin, limit=limit
    )


def _domain_correction(info: CorrectionInfo) -> Correction:
    """A stored correction as the domain record."""
    return Correction(info.claim_slug, info.kind, info.published, info.url, info.text)
