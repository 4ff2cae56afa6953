"""version_analyses: each version's sentences and content stems, analysed once at ingest

A free-text who-repeated read every candidate version's text and split, tokenised and stemmed it
again (twice: for the match, then for the uptake), and the content stems of every version in
same-event expansion's wider net. `version_analyses` keeps, per version, what those steps need
(`tracker.text.stored`): `terms`, the title and text's content stems with counts and which are
names (JSON), and `sentences`, each sentence's span, token offsets, concepts and joined stems
(zlib-compressed JSON). Rows are written by the claims stage's index sync (stage mark
`claims.analysed_through`), so an existing database is backfilled by the first claims stage run
after this upgrade (a crawl pass, `claims add`, or a free-text question), not here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "version_analyses",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("sentences", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_version_analyses_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_version_analyses")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("version_analyses")
