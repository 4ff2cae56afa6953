"""The UTC offset an article's page states for its publication time; each version's standfirst

`articles.published` is stored in UTC; the offset (minutes east of UTC) keeps the day the outlet
published on, which a time near midnight loses in UTC. Null for existing rows and for pages that
state no zone (their wall time is stored as UTC, so the UTC day is their local day).
`versions.standfirst` holds the summary under the headline, now taken off the top of the text;
null for versions stored before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("articles", sa.Column("published_offset", sa.Integer(), nullable=True))
    op.add_column("versions", sa.Column("standfirst", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not batch mode: batch mode copies and
    # drops `articles`, and with foreign keys on the drop cascades into versions and URLs.
    op.execute("ALTER TABLE versions DROP COLUMN standfirst")
    op.execute("ALTER TABLE articles DROP COLUMN published_offset")
