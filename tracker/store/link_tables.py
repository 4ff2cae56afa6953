"""Tables of the similarity stage: provenance edges, the LSH band index, boilerplate, progress."""

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
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tracker.store.base import Base

__all__ = ["BandRow", "EdgeRow", "LinkStateRow", "OutletTemplateRow", "ParagraphCountRow"]


class EdgeRow(Base):
    """A typed provenance edge: `target` took content from `source`, with its evidence."""

    __tablename__ = "edges"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", "kind", name="uq_edges_source_target_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # tracker.domain.EdgeKind
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The target's version whose text produced the edge.
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="SET NULL"))
    # True for the edge that names the target's immediate source (one per target at most).
    primary: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


Index("ix_edges_target", EdgeRow.target_id)
Index("ix_edges_source", EdgeRow.source_id)


class BandRow(Base):
    """One MinHash band hash of an article's linked text: the LSH index, shared by every worker."""

    __tablename__ = "link_bands"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))


# Candidates are looked up by (band, hash); the article id makes the index cover the lookup.
Index("ix_link_bands_lookup", BandRow.band, BandRow.hash, BandRow.article_id)


class ParagraphCountRow(Base):
    """How many of an outlet's articles carry a paragraph: what makes it boilerplate."""

    __tablename__ = "link_paragraphs"

    outlet_id: Mapped[int] = mapped_column(
        ForeignKey("outlets.id", ondelete="CASCADE"), primary_key=True
    )
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pages: Mapped[int] = mapped_column(Integer, default=0)


class OutletTemplateRow(Base):
    """What an outlet's home page carries, read once before its first article is linked.

    Its paragraph hashes are what an article's closing paragraphs are checked against (the
    outlet's footer); a failed fetch is kept too, with when to try again (never, for a refusal).
    """

    __tablename__ = "outlet_templates"

    outlet_id: Mapped[int] = mapped_column(
        ForeignKey("outlets.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(2000))  # the home page asked for
    fetched_at: Mapped[datetime]
    status: Mapped[int | None] = mapped_column(Integer)  # HTTP status; None when not fetched
    error: Mapped[str | None] = mapped_column(String(500))
    hashes: Mapped[list[int]] = mapped_column(JSON, default=list)
    retry_at: Mapped[datetime | None] = mapped_column(index=True)  # None: learned or refused


class LinkStateRow(Base):
    """Which version of an article was linked last, and what that linking needs to remember."""

    __tablename__ = "link_state"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), index=True
    )
    linked_at: Mapped[datetime]
    # Paragraph hashes blanked as boilerplate when this version was linked, so the same clean
    # text can be rebuilt whenever the article is a candidate, without counting again.
    boilerplate: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Credits of an outlet with no stored article on the story: {"outlet", "cue", "phrase"}.
    unresolved: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Set when a later-stored article turned out to precede this one: link it again.
    relink: Mapped[bool] = mapped_column(default=False, index=True)
