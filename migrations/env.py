"""Alembic environment: runs against the engine handed over by tracker.store.db, or the config's."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from tracker.store.models import Base

target_metadata = Base.metadata


def _engine() -> Engine:
    engine = context.config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    # Run from the alembic command line: use the tracker's own settings.
    from tracker.config import load_settings
    from tracker.store.db import make_engine

    return make_engine(load_settings().database_url)


def run_migrations_online() -> None:
    """Apply migrations on a live connection (batch mode so SQLite can alter tables)."""
    with _engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
