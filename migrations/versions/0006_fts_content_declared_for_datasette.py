"""SQLite: the full-text table declared with content="versions", so Datasette finds it

Datasette detects a table's full-text index by the text of its CREATE statement and looks for
content="versions" (double quotes, or brackets); 0003 wrote content='versions', so
`?_search=` on versions was ignored. An FTS5 table cannot be altered: it is dropped and made
again with the same columns, options and tokenizer, and filled again with exactly the versions
the old one held (those up to the full-text stage mark), so the stage goes on where it was.
PostgreSQL has no such table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "versions_fts"
SYNC_MARK = "claims.fts_indexed_through"  # tracker.store.fulltext.SYNC_MARK at this revision


def _recreate(quote: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
    op.execute(
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5(text, content={quote}versions{quote},"
        f" content_rowid={quote}id{quote}, tokenize='porter unicode61')"
    )
    # Only this module's constants are interpolated.
    op.execute(
        f"INSERT INTO {TABLE}(rowid, text) SELECT id, text FROM versions"  # noqa: S608
        " WHERE id <= COALESCE("
        f"(SELECT CAST(value AS INTEGER) FROM stage_marks WHERE name = '{SYNC_MARK}'), 0)"
        " ORDER BY id"
    )


def upgrade() -> None:
    """Apply this revision."""
    _recreate('"')


def downgrade() -> None:
    """Revert this revision."""
    _recreate("'")
