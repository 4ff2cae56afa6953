"""Records of claims imported in bulk from a file, and of registered claims ranked for a text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ClaimCandidate", "ClaimDraft", "ClaimMatch", "ImportSummary"]


@dataclass(frozen=True, slots=True)
class ClaimDraft:
    """A claim read from an import file, not stored yet; `where` is "file:line" for messages."""

    where: str
    slug: str
    text: str
    title: str = ""
    url: str | None = None
    # A ClaimReview's other fields (rating, author, item reviewed, the review's own page).
    review: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did: the slugs added, and those already there with the same text."""

    path: str
    format: str
    added: tuple[str, ...]
    existing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClaimCandidate:
    """A registered claim the store's index found for a text, with its BM25 score."""

    id: int
    slug: str
    text: str
    title: str
    origin_url: str | None
    bm25: float


@dataclass(frozen=True, slots=True)
class ClaimMatch:
    """A registered claim ranked for a text: the combined score and what it is made of."""

    slug: str
    text: str
    title: str
    origin_url: str | None
    score: float
    bm25: float  # the index's BM25 score (raw, unbounded)
    cosine: float  # sentence-embedding cosine of the text with the claim (or its title)
    coverage: float  # the claims matcher's soft-AND coverage of the claim by the text
    alignment: float  # token-to-token embedding alignment of the text with the claim and title
