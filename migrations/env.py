"""Alembic environment: runs against the engine handed over by tracker.store.db, or the config's."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, text

from tracker.store.foreign import include_object
from tracker.store.models import Base

target_metadata = Base.metadata
_LOCK_KEY = 0x7472_6163_6B65_726D  # "trackerm": any fixed number other than the crawl lock's


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
        if connection.dialect.name == "sqlite":
            # Alembic runs each migration in a transaction of its own on SQLite (it takes its DDL
            # for non-transactional), so two processes opening a fresh file at once interleaved
            # them and the second created a table the first had made ("table host_turns already
            # exists"). One outer BEGIN IMMEDIATE, taken before Alembic reads the version, holds
            # the write lock over the whole upgrade: the second waits, then finds it done.
            connection.begin()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Processes opening a fresh database at once would all create the same tables
                # and all but one fail; the first migrates while the others wait, then find it
                # done. (SQLite's BEGIN IMMEDIATE already queues them.)
                connection.execute(text("select pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            context.run_migrations()
        if connection.in_transaction():
            connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
