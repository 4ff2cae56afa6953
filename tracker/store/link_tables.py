"""Tables of the similarity stage: provenance edges (and, added by the stage, its LSH index)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.store.models import Base

__all__ = ["EdgeRow"]


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
