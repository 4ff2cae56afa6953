"""claim_terms: a BM25 index over the claims, and a claim's title and fact-check review

`tracker claims match` ranks the registered claims for a text: candidates come from this table
(content stems of each claim's text and title with their counts), scored with BM25 in plain SQL
so SQLite and PostgreSQL rank alike. `claims.terms` is the claim's length in stems, NULL until
the claim is indexed (claims already stored are indexed at the first match). `claims.title`
and `claims.review` keep what an imported file gives beyond the text (a fact-check's headline,
and its ClaimReview rating, author and reviewed item).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 04:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("review", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("terms", sa.Integer(), nullable=True))
    op.create_table(
        "claim_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_terms_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term", "claim_id", name=op.f("pk_claim_terms")),
    )
    with op.batch_alter_table("claim_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_terms_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("claim_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_terms_claim_id"))
    op.drop_table("claim_terms")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("terms")
        batch_op.drop_column("review")
        batch_op.drop_column("title")
