"""queue: shared host turns, quarantined items, and the job queue's schema on PostgreSQL

The job queue (procrastinate) exists only on PostgreSQL; its tables, types and functions come
from the installed procrastinate package's own schema file, applied here so that `tracker db
upgrade` sets up everything. They are left out of the models (migrations/env.py filters them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "host_turns",
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_host_turns")),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("item", sa.String(length=2000), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
        sa.UniqueConstraint("kind", "item", name="uq_quarantine_kind_item"),
    )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        from procrastinate.schema import SchemaManager
    except ModuleNotFoundError:  # the `postgres` extra brings it; without it no worker can run
        return
    exists = bind.exec_driver_sql("select to_regclass('procrastinate_jobs') is not null").scalar()
    if not exists:
        # The driver reads % as a placeholder mark; the schema's own % signs are literal.
        bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    """Revert this revision."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _drop_queue_schema(bind)
    op.drop_table("quarantine")
    op.drop_table("host_turns")


def _drop_queue_schema(bind: sa.Connection) -> None:
    """Drop every procrastinate object (tables, then functions, then types)."""
    tables = bind.exec_driver_sql(
        "select tablename from pg_tables where schemaname = current_schema() "
        "and tablename like 'procrastinate%%'"
    ).scalars()
    for name in list(tables):
        bind.exec_driver_sql(f'drop table if exists "{name}" cascade')
    functions = bind.exec_driver_sql(
        "select p.oid::regprocedure::text from pg_proc p join pg_namespace n "
        "on n.oid = p.pronamespace where n.nspname = current_schema() "
        "and p.proname like 'procrastinate%%'"
    ).scalars()
    for signature in list(functions):
        bind.exec_driver_sql(f"drop function if exists {signature} cascade")
    types = bind.exec_driver_sql(
        "select t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace "
        "where n.nspname = current_schema() and t.typname like 'procrastinate%%' "
        "and t.typtype in ('e', 'c')"
    ).scalars()
    for name in list(types):
        bind.exec_driver_sql(f'drop type if exists "{name}" cascade')
