"""Records of provenance that cross the store boundary: what linking reads, writes and shows."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker.domain.kinds import EdgeKind, Stance
from tracker.domain.records import ArticleRef, Edge, Link

__all__ = [
    "CLAIM_BASIS",
    "ArticleBrief",
    "ClaimMention",
    "EdgeInfo",
    "LinkTarget",
    "LinkWrite",
    "LinkedArticle",
]

# `evidence["basis"]` of an edge inferred from a shared tracked claim rather than from the texts
# (`tracker.linking.claimed`): linking never follows such an edge up a chain, and rewrites it
# whenever it writes the article's edges.
CLAIM_BASIS = "claim"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """A version to link: its article, text, links, and what was linked for it before."""

    ref: ArticleRef
    outlet_id: int | None
    version_id: int
    text: str
    links: tuple[Link, ...]
    previous_text: str | None  # the text of the version linked before; None on a first linking
    boilerplate: frozenset[int]  # hashes blanked when this version was linked (relinks only)
    # The paragraph hashes of its outlet's home page (none when it was not read), read with it.
    site: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class LinkedArticle:
    """An already linked article, as a candidate source: which version and which boilerplate."""

    ref: ArticleRef
    version_id: int
    boilerplate: frozenset[int]


@dataclass(frozen=True, slots=True)
class LinkWrite:
    """Everything one linking writes, in one transaction."""

    article_id: int
    version_id: int
    edges: Sequence[Edge]
    primary: int | None
    now: datetime
    bands: Sequence[tuple[int, int]] = ()
    outlet_id: int | None = None
    counted: Collection[int] = ()  # paragraph hashes this article adds to its outlet's counts
    boilerplate: Collection[int] = ()
    unresolved: Sequence[Mapping[str, Any]] = ()
    relink: Collection[int] = ()  # articles to link again: this one turned out to precede them
    relinking: bool = False  # only the edges change (a relink of the same version)
    first: bool = False  # no version of it was linked before: it has no bands to forget
    # Claim-based edges, primary first: written only if the article ends with no textual edge.
    claim_edges: Sequence[Edge] = ()


@dataclass(frozen=True, slots=True)
class ClaimMention:
    """A stored mention that carries a claim (asserts or attributes), with its article."""

    claim_id: int
    slug: str
    article: ArticleRef
    version_id: int
    fetched_at: datetime  # when that version was fetched
    start: int
    end: int
    sentence: str
    stance: Stance


@dataclass(frozen=True, slots=True)
class ArticleBrief:
    """An article as the read side shows it."""

    id: int
    url: str
    outlet: str | None  # the outlet's name
    title: str
    first_seen: datetime
    published: datetime | None


@dataclass(frozen=True, slots=True)
class EdgeInfo:
    """A stored provenance edge."""

    source_id: int
    target_id: int
    kind: EdgeKind
    score: float
    evidence: Mapping[str, Any]
    version_id: int | None
    primary: bool
