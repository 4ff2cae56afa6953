"""Versions imported from a WARC file keep the archive's record id and file name as evidence

`versions.warc_record_id` is the WARC-Record-ID of the response record a version was read
from (unique: an import that is run again, or resumed, skips the records it already stored);
`versions.warc_file` the name of the file it came from. Both are null for fetched versions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("versions", sa.Column("warc_record_id", sa.String(length=200), nullable=True))
    op.add_column("versions", sa.Column("warc_file", sa.String(length=1000), nullable=True))
    op.create_index("ix_versions_warc_record_id", "versions", ["warc_record_id"], unique=True)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_versions_warc_record_id", table_name="versions")
    # Plain DROP COLUMN (SQLite 3.35+), not batch mode: see 0007.
    op.execute("ALTER TABLE versions DROP COLUMN warc_file")
    op.execute("ALTER TABLE versions DROP COLUMN warc_record_id")
