"""linking: provenance edges, band index, boilerplate counts, link state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 16:13:00.872669
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "link_paragraphs",
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlets.id"],
            name=op.f("fk_link_paragraphs_outlet_id_outlets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outlet_id", "hash", name=op.f("pk_link_paragraphs")),
    )
    op.create_table(
        "edges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("primary", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["articles.id"],
            name=op.f("fk_edges_source_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["articles.id"],
            name=op.f("fk_edges_target_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_edges_version_id_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edges")),
        sa.UniqueConstraint("source_id", "target_id", "kind", name="uq_edges_source_target_kind"),
    )
    with op.batch_alter_table("edges", schema=None) as batch_op:
        batch_op.create_index("ix_edges_source", ["source_id"], unique=False)
        batch_op.create_index("ix_edges_target", ["target_id"], unique=False)

    op.create_table(
        "link_bands",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_link_bands_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_link_bands_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "band", name=op.f("pk_link_bands")),
    )
    with op.batch_alter_table("link_bands", schema=None) as batch_op:
        batch_op.create_index("ix_link_bands_lookup", ["band", "hash", "article_id"], unique=False)

    op.create_table(
        "link_state",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("boilerplate", sa.JSON(), nullable=False),
        sa.Column("unresolved", sa.JSON(), nullable=False),
        sa.Column("relink", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_link_state_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_link_state_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_link_state")),
    )
    with op.batch_alter_table("link_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_state_relink"), ["relink"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_state_version_id"), ["version_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("link_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_state_version_id"))
        batch_op.drop_index(batch_op.f("ix_link_state_relink"))

    op.drop_table("link_state")
    with op.batch_alter_table("link_bands", schema=None) as batch_op:
        batch_op.drop_index("ix_link_bands_lookup")

    op.drop_table("link_bands")
    with op.batch_alter_table("edges", schema=None) as batch_op:
        batch_op.drop_index("ix_edges_target")
        batch_op.drop_index("ix_edges_source")

    op.drop_table("edges")
    op.drop_table("link_paragraphs")
