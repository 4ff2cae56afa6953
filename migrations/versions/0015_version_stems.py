"""SQLite: versions_fts_stems, which versions carry each content stem (free-text expansion)

Free-text who-repeated tests, for every version of its wider net (~19k at 100k stored
articles), which of the claim's stems the version's stored terms carry: reading out and
scanning every one of those payloads was about a tenth of a question's CPU. This contentless
FTS5 table (no text kept, rowids only) holds one token per content stem of each analysed
version (`tracker.text.stored.stem_token`: a hash of the stem, so no tokenizer can split or
fold it), and each claim stem is one index lookup. Rows are written with the version's
analysis (`tracker.store.analyses`), so an existing database fills it when its versions are
analysed again for the new analysis format. PostgreSQL tests the stems in SQL as before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "versions_fts_stems"  # tracker.store.analyses.STEMS_TABLE at this revision
FORMAT_MARK = "claims.analysis_format"  # tracker.store.analyses.FORMAT_MARK at this revision


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5(stems, content='', detail=none, tokenize='ascii')"
    )
    # The index starts empty: whatever format the analyses are in (also after a downgrade and
    # an upgrade again), the next sync analyses every version again and indexes it.
    op.execute(f"UPDATE stage_marks SET value = 0 WHERE name = '{FORMAT_MARK}'")  # noqa: S608


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
