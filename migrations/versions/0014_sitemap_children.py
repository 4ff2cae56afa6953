"""sitemap_children: the validators of a sitemap index's children; stale index validators cleared

A sitemap index is polled in full each time (its own bytes may stay the same while the news
sitemaps it lists change under their URLs), and each child it leads to is now fetched with the
ETag and Last-Modified it answered last time, kept here per (feed, child URL): an unchanged child
costs a 304 and no parsing. Rows are replaced at every successful poll of the index.

Before the index stopped keeping its own validators, a database stored them in `feeds`, and such
an index answers 304 (and so brings nothing of its children) until its own bytes change. The
feeds table never recorded which feeds are sitemap indexes, so the validators are cleared from
every feed that may be one: a feed none of whose stored entries has a guid (sitemaps give none;
RSS and Atom items nearly always do). A feed wrongly included only pays one unconditional fetch
before its validators are stored again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "sitemap_children",
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["feeds.id"],
            name=op.f("fk_sitemap_children_feed_id_feeds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("feed_id", "url", name=op.f("pk_sitemap_children")),
    )
    op.execute(
        "UPDATE feeds SET etag = NULL, last_modified = NULL "
        "WHERE (etag IS NOT NULL OR last_modified IS NOT NULL) AND NOT EXISTS "
        "(SELECT 1 FROM entries WHERE entries.feed_id = feeds.id AND entries.guid IS NOT NULL)"
    )


def downgrade() -> None:
    """Revert this revision (cleared validators are not restored: the next poll fetches anew)."""
    op.drop_table("sitemap_children")
