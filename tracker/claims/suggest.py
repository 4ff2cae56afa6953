"""Suggest corrections of a claim from what the crawl already holds: notices and disputing articles.

Pure ranking: the store hands over candidate notices (correction/update paragraphs and
schema.org `correction` texts of stored versions) and sentences of articles that dispute the
claim; this module keeps those about the claim, guesses their kind, drops what the user already
registered, and ranks the rest, the originator's own notices first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tracker.claims.match import DEFAULT_THRESHOLD, LexicalMatcher, overlap
from tracker.claims.stance import claim_negations, stance_of
from tracker.domain import Claim, Correction, CorrectionKind, Stance

__all__ = ["CandidateSource", "CorrectionCandidate", "Suggestion", "suggest_corrections"]

ORIGIN_BOOST = 1.5  # the originator's own notice is the correction everyone should pick up
SAME_TEXT = 0.8  # overlap at which a candidate repeats a registered correction
# A notice that names this share of the claim is worth proposing: lower than what uptake needs,
# since the user confirms every suggestion.
NOTICE_RECALL = 0.3
_RETRACTION = re.compile(r"\bretract(?:s|ed|ing|ion)?\b|\bwithdr[ae]w[n]?\b", re.IGNORECASE)
_DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied|ial)|refut(?:e|es|ed)|reject(?:s|ed)|rebut(?:s|ted|tal)?"
    r"|disput(?:e|es|ed))\b",
    re.IGNORECASE,
)


class CandidateSource(StrEnum):
    """Where a candidate correction was found."""

    NOTICE = "notice"  # a correction or update notice of a stored version
    DISPUTING_ARTICLE = "disputing_article"  # a stored article's sentence that disputes the claim


@dataclass(frozen=True, slots=True)
class CorrectionCandidate:
    """A notice or disputing sentence found in the crawl, with where and when it was seen."""

    source: CandidateSource
    text: str
    seen_at: datetime
    url: str | None = None
    outlet: str = ""
    article_id: int | None = None
    version_id: int | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed correction of the claim, its ranking score, and why it was proposed."""

    correction: Correction
    score: float
    reason: str
    candidate: CorrectionCandidate


def suggest_corrections(
    claim: Claim,
    candidates: Sequence[CorrectionCandidate],
    *,
    registered: Sequence[Correction] = (),
    origin_outlet: str | None = None,
    lexical: LexicalMatcher | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 10,
) -> tuple[Suggestion, ...]:
    """Rank candidate corrections of `claim`, best first, leaving out registered ones."""
    lexical = lexical or LexicalMatcher()
    best: dict[str, Suggestion] = {}
    for candidate in candidates:
        suggestion = _suggest(claim, candidate, lexical, threshold, origin_outlet)
        if suggestion is None or _registered(candidate, registered):
            continue
        key = candidate.url or " ".join(candidate.text.lower().split())
        kept = best.get(key)
        if kept is None or _order(suggestion) < _order(kept):
            best[key] = suggestion
    return tuple(sorted(best.values(), key=_order)[:limit])


def _suggest(
    claim: Claim,
    candidate: CorrectionCandidate,
    lexical: LexicalMatcher,
    threshold: float,
    origin_outlet: str | None,
) -> Suggestion | None:
    """Score one candidate, or None when it is not about the claim or does not dispute it."""
    detail = lexical.detail(claim.text, candidate.text)
    if candidate.source is CandidateSource.NOTICE:
        if detail.recall < NOTICE_RECALL:
            return None
        relevance = detail.recall
        kind = CorrectionKind.CORRECTION
        reason = f"correction notice of {candidate.outlet or 'a stored article'}"
    else:
        if detail.score < threshold:
            return None
        stance = stance_of(candidate.text, detail.spans, negations=claim_negations(claim.text))
        if stance.stance is not Stance.DISPUTES:
            return None
        relevance = detail.score
        kind = (
            CorrectionKind.REBUTTAL if _DENIAL.search(candidate.text) else CorrectionKind.CORRECTION
        )
        reason = f"{candidate.outlet or 'a stored article'} disputes it ({stance.cue})"
    if _RETRACTION.search(candidate.text):
        kind = CorrectionKind.RETRACTION
    is_origin = origin_outlet is not None and candidate.outlet == origin_outlet
    score = relevance * (ORIGIN_BOOST if is_origin else 1.0)
    if is_origin:
        reason += " (the originator)"
    correction = Correction(claim.slug, kind, candidate.seen_at, candidate.url, candidate.text)
    return Suggestion(correction, round(score, 4), reason, candidate)


def _registered(candidate: CorrectionCandidate, registered: Sequence[Correction]) -> bool:
    """True when the user already registered this correction (same URL or the same text)."""
    for correction in registered:
        if candidate.url is not None and correction.url == candidate.url:
            return True
        if correction.text and overlap(correction.text, candidate.text) >= SAME_TEXT:
            return True
    return False


def _order(suggestion: Suggestion) -> tuple[float, datetime]:
    """Sort key: higher score first, then the earlier one."""
    return (-suggestion.score, suggestion.candidate.seen_at)
