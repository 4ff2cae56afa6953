"""Engines, connection settings and the schema's migrations."""

from __future__ import annotations

import ast
import importlib.resources
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.pool import StaticPool

from tracker.config import default_data_dir
from tracker.errors import BadInput, DatabaseProblem, StoreBusy

# Alembic is imported only where the schema changes: loading it (and every migration script) costs
# a third of a second that `tracker status` and every other command would otherwise pay.
if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from sqlalchemy.orm import Session

__all__ = [
    "current_revision",
    "downgrade",
    "head_revision",
    "make_engine",
    "migrations_path",
    "readable_errors",
    "transaction",
    "upgrade",
]

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "tracker_read_only"  # execution option: the transaction only reads


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on during a crawl; busy_timeout turns "database is locked" into a wait;
    # foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    _enable_wal(cursor)
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # A read-only file: no journal-mode switch (a write); a busy timeout still helps readers.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _enable_wal(cursor: Any) -> None:
    # WAL is stored in the file, so only the first connection to a new file switches it on.
    # The switch needs an exclusive lock and SQLite does not always wait on busy_timeout for it
    # (two processes opening a fresh file at once get "database is locked" at once), so retry.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() in ("wal", "memory"):
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One transaction (committed at the end); a database that stays locked is StoreBusy."""
    from sqlalchemy.orm import Session  # the ORM only where sessions are used: not `status`

    bind = engine if write else engine.execution_options(**{READ_ONLY: True})
    try:
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session
    except OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise StoreBusy("the database stayed locked; another process holds it") from exc
        raise


def _reason(exc: DBAPIError) -> str:
    """The driver's first line, without SQLAlchemy's statement, parameters and links."""
    lines = str(exc.orig).strip().splitlines() if exc.orig is not None else []
    return lines[0] if lines else type(exc).__name__


@contextmanager
def readable_errors() -> Iterator[None]:
    """Turn a database failure that reaches a command into one readable line (DatabaseProblem)."""
    try:
        yield
    except DBAPIError as exc:
        reason = _reason(exc)
        if "readonly" in reason.replace("-", "").replace(" ", "").lower():
            raise DatabaseProblem(
                "the database is read-only: reading commands work, this one writes"
            ) from None
        raise DatabaseProblem(f"database problem: {reason}") from None


def _database_folder(path: Path) -> None:
    """The folder of a SQLite file must exist; only the user's default data folder is made."""
    folder = path.parent
    if folder.is_dir():
        return
    # A path the user typed with a missing folder is more likely a typo than a wish.
    if folder.absolute() != default_data_dir().absolute():
        raise BadInput(f"the database folder {folder} does not exist")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create the folder of {path}: {exc.strerror}") from None


def make_engine(url: str, *, echo: bool = False, pool_size: int | None = None) -> Engine:
    """An engine for SQLite (a file, created with its folder) or PostgreSQL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BadInput(f"not a database URL: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        read_only = False
        if database and database != ":memory:":
            path = Path(database).expanduser()
            if path.is_dir():
                raise BadInput(f"{path} is a folder, not a database file")
            _database_folder(path)
            # A file we may read but not write is opened read-only: reading commands work.
            read_only = path.exists() and not os.access(path, os.W_OK)
            if read_only:
                # Reading a WAL database needs its -shm file; when there is none (no writer
                # has it open) and none can be made, only an immutable read is possible.
                shm = path.with_name(path.name + "-shm").exists()
                options = "mode=ro" if shm else "mode=ro&immutable=1"
                parsed = parsed.set(database=f"file:{path.resolve()}?{options}").update_query_dict(
                    {"uri": "true"}
                )
        # One in-memory database must be one connection; files use the default pool.
        in_memory = {"poolclass": StaticPool} if database in ("", ":memory:") else {}
        engine = create_engine(
            parsed,
            echo=echo,
            **in_memory,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
        )
        event.listen(engine, "connect", _sqlite_read_only_pragmas if read_only else _sqlite_pragmas)

        # pysqlite's own transaction handling is off (isolation_level=None); begin explicitly,
        # IMMEDIATE so that two writers queue on the busy timeout instead of failing on upgrade.
        # Read-only work (execution option READ_ONLY) begins DEFERRED: under WAL it then never
        # takes the write lock, so a busy reader cannot starve a crawl's writes, nor wait on them.
        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            reading = read_only or conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN DEFERRED" if reading else "BEGIN IMMEDIATE")

        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        try:
            sizes = {"pool_size": pool_size, "max_overflow": 2} if pool_size else {}
            return create_engine(parsed, echo=echo, pool_pre_ping=True, **sizes)
        except ModuleNotFoundError:
            raise BadInput(
                "PostgreSQL needs the 'postgres' extra: pip install 'propagation-tracker[postgres]'"
            ) from None
    raise BadInput(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def migrations_path() -> Path:
    """The Alembic script folder: inside the installed wheel, or the source checkout's."""
    packaged = importlib.resources.files("tracker") / "_migrations"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "migrations"


def _alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_path()))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (idempotent)."""
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), revision)
    except OperationalError as exc:
        if "locked" in str(exc).lower():
            raise StoreBusy("the database is busy (another process holds it); try again") from exc
        raise


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema down to `revision`."""
    from alembic import command

    command.downgrade(_alembic_config(engine), revision)


_VERSION_TABLE = "alembic_version"  # Alembic's default; migrations/env.py keeps it
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+)$", re.MULTILINE)


def head_revision() -> str:
    """The newest revision the code knows."""
    # Read from the scripts' text, not through Alembic, which imports itself and every script
    # (every command checks the schema when it opens the database). Anything but one plain chain
    # of literals is left to Alembic; a test checks both agree.
    heads = _heads_from_text(migrations_path() / "versions")
    if heads is not None and len(heads) == 1:
        return heads[0]
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(migrations_path())).get_current_head()
    assert head is not None, "no migrations found"
    return head


def _heads_from_text(folder: Path) -> list[str] | None:
    """The revisions no script revises, read from `revision = "..."` lines; None if unsure."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in folder.glob("*.py"):
        found = dict(_ASSIGNMENT.findall(script.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found.get("down_revision", "None"))
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str) or not (down is None or isinstance(down, str)):
            return None
        revisions.add(revision)
        if down is not None:
            revised.add(down)
    return sorted(revisions - revised) or None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    # What Alembic's MigrationContext.get_current_revision reads, without importing Alembic.
    with engine.connect() as conn:
        if not inspect(conn).has_table(_VERSION_TABLE):
            return None
        versions = conn.execute(text("select version_num from alembic_version")).scalars().all()
    if len(versions) > 1:
        raise DatabaseProblem(f"the database is at several schema heads: {', '.join(versions)}")
    return versions[0] if versions else None
