"""outlet_templates: what each outlet's home page carries, read before its first article is linked

The linker blanks the paragraphs that close an article and that its outlet's home page carries
too (a subscription pitch, a newsletter line), so even an outlet's first article has its footer
recognised. One row per outlet: the home page asked for, when, its HTTP status or the error, its
paragraph hashes, and when to ask again (only after a transient failure). Rows are written by the
crawl before linking; an existing database gets them for outlets whose articles arrive later.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "outlet_templates",
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("hashes", sa.JSON(), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlets.id"],
            name=op.f("fk_outlet_templates_outlet_id_outlets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outlet_id", name=op.f("pk_outlet_templates")),
    )
    op.create_index(
        op.f("ix_outlet_templates_retry_at"), "outlet_templates", ["retry_at"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_outlet_templates_retry_at"), table_name="outlet_templates")
    op.drop_table("outlet_templates")
