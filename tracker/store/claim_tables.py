"""Tables of the claims stage: claims, their mentions, corrections, uptakes and match state.

The full-text index (SQLite FTS5 table `versions_fts`, PostgreSQL expression index
`ix_versions_fts`) is created by the migration and kept out of these models on purpose: neither
backend's reflection describes it the way SQLAlchemy would, so `tracker.store.fulltext` owns it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tracker.store.base import Base

__all__ = [
    "ClaimRow",
    "ClaimTermRow",
    "CorrectionRow",
    "MentionRow",
    "StageMarkRow",
    "TermDfRow",
    "UptakeRow",
    "VersionAnalysisRow",
]


class ClaimRow(Base):
    """A tracked statement and how far the versions have been matched against it."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    text: Mapped[str] = mapped_column(Text)
    origin_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(Text, default="", server_default="")  # e.g. a fact-check's
    # What a ClaimReview says beyond the claim (rating, author, item reviewed), as imported.
    review: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The claim's length in stems for BM25 (`tracker.store.claim_index`); NULL until indexed.
    terms: Mapped[int | None] = mapped_column(Integer)
    # Every version with an id up to this one has been matched against the claim.
    matched_through: Mapped[int] = mapped_column(BigInteger, default=0)


class MentionRow(Base):
    """A sentence of a stored version that carries a claim, with its stance."""

    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("claim_id", "version_id", "start", name="uq_mentions_claim_version_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), index=True
    )
    # The version's article, kept here so that per-article questions need no join.
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    sentence: Mapped[str] = mapped_column(Text)
    stance: Mapped[str] = mapped_column(String(20))  # tracker.domain.Stance
    score: Mapped[float] = mapped_column(Float)


class CorrectionRow(Base):
    """A correction, rebuttal or retraction of a claim, as registered by the user."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # tracker.domain.CorrectionKind
    published: Mapped[datetime]
    url: Mapped[str | None] = mapped_column(String(2000))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class UptakeRow(Base):
    """How one article relates to a claim and, if it repeated it, whether it took up corrections."""

    __tablename__ = "uptakes"
    __table_args__ = (UniqueConstraint("claim_id", "article_id", name="uq_uptakes_claim_article"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))  # tracker.claims.roles.Role
    stance: Mapped[str | None] = mapped_column(String(20))  # as the article first carried it
    sentence: Mapped[str] = mapped_column(Text, default="")  # the sentence that carried it
    repeated_at: Mapped[datetime | None]
    kind: Mapped[str | None] = mapped_column(String(20))  # tracker.domain.UptakeKind
    event_at: Mapped[datetime | None]  # when the uptake was first seen
    lag_seconds: Mapped[float | None] = mapped_column(Float)
    late: Mapped[bool] = mapped_column(default=False)
    evidence: Mapped[str] = mapped_column(Text, default="")
    lags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # per correction
    checked_at: Mapped[datetime | None]  # the article's last check this uptake reflects
    stale: Mapped[bool] = mapped_column(default=False)  # recompute at the next stage run
    computed_at: Mapped[datetime]


class StageMarkRow(Base):
    """A named high-water mark of a stage (e.g. the last version indexed for full-text search)."""

    __tablename__ = "stage_marks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class TermDfRow(Base):
    """In how many stored articles a content stem occurs (the rarity same-event expansion uses).

    Articles, not versions, are counted: each article once, by its first version, so an article
    edited ten times weighs as much as one never edited. The count of articles is the stage mark
    `claims.df_documents`.
    """

    __tablename__ = "term_df"

    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    docs: Mapped[int] = mapped_column(BigInteger, default=0)


class ClaimTermRow(Base):
    """How often a content stem occurs in a claim's text and title (the claims' BM25 index)."""

    __tablename__ = "claim_terms"

    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    count: Mapped[int] = mapped_column(Integer)


class VersionAnalysisRow(Base):
    """A version's text as analysed at ingest: content stems and sentences (`text.stored`)."""

    __tablename__ = "version_analyses"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[int] = mapped_column(Integer)
    terms: Mapped[str] = mapped_column(Text)
    sentences: Mapped[bytes] = mapped_column(LargeBinary)


Index("ix_mentions_claim_article", MentionRow.claim_id, MentionRow.article_id)
