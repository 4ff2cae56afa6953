"""PostgreSQL full-text search on a stored tsvector column instead of an expression index

The GIN expression index of 0003 made PostgreSQL recompute `to_tsvector(text)` for every row of
every heap page a common word touches (a bitmap too big for work_mem turns lossy and each row is
rechecked): one claim lookup over a million versions took minutes. A stored generated column is
computed once per version, and the recheck reads it. Adding it rewrites `versions` once. SQLite's
FTS5 table is unchanged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Named with the full-text prefix, so schema comparisons leave it to this migration.
COLUMN = "versions_fts_doc"


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_versions_fts")
    op.execute(
        f"ALTER TABLE versions ADD COLUMN {COLUMN} tsvector"
        " GENERATED ALWAYS AS (to_tsvector('english', text)) STORED"
    )
    op.execute(f"CREATE INDEX ix_versions_fts ON versions USING gin ({COLUMN})")


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_versions_fts")
    op.execute(f"ALTER TABLE versions DROP COLUMN IF EXISTS {COLUMN}")
    op.execute("CREATE INDEX ix_versions_fts ON versions USING gin (to_tsvector('english', text))")
