"""term_df: in how many articles each content stem occurs, for same-event expansion of claims

Filled by the claims stage as it indexes versions (the first version of each article counts);
the stage mark `claims.df_counted_through` says how far. Starts empty: the next stage run
counts the versions already stored.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 02:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "term_df",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("docs", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_term_df")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("term_df")
    op.execute(
        "DELETE FROM stage_marks WHERE name IN ('claims.df_counted_through', 'claims.df_documents')"
    )
