"""Shared fixtures: real SQLite files and real PostgreSQL databases, a movable clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tracker.clock import ManualClock
from tracker.config import Settings, load_settings

POSTGRES_URL = os.environ.get(
    "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _postgres_admin_url() -> str:
    return POSTGRES_URL


def _postgres_available() -> str | None:
    try:
        engine = create_engine(_postgres_admin_url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except (OperationalError, ModuleNotFoundError) as exc:
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(autouse=True)
def _no_user_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Settings files in the tester's own ~/.config never reach a test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-user-config"))


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of the PostgreSQL server; skipped locally, required in CI."""
    problem = _postgres_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    return _postgres_admin_url()


def fresh_postgres_database(admin_url: str) -> Iterator[str]:
    """Create an empty database for one test and drop it afterwards."""
    name = f"trk_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    admin = request.getfixturevalue("postgres_server")
    yield from fresh_postgres_database(admin)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file (for tests that are about SQLite itself)."""
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def clock() -> ManualClock:
    """A clock at the demo story's start, moved only by the test."""
    return ManualClock(START)


def make_settings(database_url: str, tmp_path: Path, **http: object) -> Settings:
    """Settings for tests: loopback allowed, no politeness delay, one extraction worker."""
    overrides: dict[str, object] = {
        "database_url": database_url,
        "data_dir": str(tmp_path),
        "http": {"allow_private": True, "per_host_interval": 0.0, **http},
        "crawl": {"extract_workers": 1},
    }
    return load_settings(environ={}, overrides=overrides)
