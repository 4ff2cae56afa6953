"""Pieces the database benchmarks share: a scratch PostgreSQL database, bulk rows, timings."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tracker.config import LinkSettings
from tracker.pipeline.linking_stage import LinkingStage
from tracker.store import make_engine

POSTGRES_URL = os.environ.get(
    "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def scratch_postgres(
    admin_url: str = POSTGRES_URL, prefix: str = "trk_bench_"
) -> Iterator[Engine | None]:
    """A new PostgreSQL database (dropped after), or None with a message when unreachable."""
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except (OperationalError, ModuleNotFoundError) as exc:
        print(f"\nPostgreSQL skipped: not reachable ({str(exc).splitlines()[0]})")
        yield None
        return
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'create database "{name}"'))
    engine = make_engine(make_url(admin_url).set(database=name).render_as_string(False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@contextmanager
def kept_postgres(admin_url: str, name: str) -> Iterator[tuple[Engine | None, bool]]:
    """The PostgreSQL database `name`, created when missing and kept; True when it existed."""
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            existed = bool(
                conn.execute(
                    text("select 1 from pg_database where datname = :name"), {"name": name}
                ).scalar()
            )
            if not existed:
                conn.execute(text(f'create database "{name}"'))
    except (OperationalError, ModuleNotFoundError) as exc:
        print(f"\nPostgreSQL skipped: not reachable ({str(exc).splitlines()[0]})")
        yield None, False
        return
    admin.dispose()
    engine = make_engine(make_url(admin_url).set(database=name).render_as_string(False))
    try:
        yield engine, existed
    finally:
        engine.dispose()


def sqlite_cell(cell: Any) -> Any:
    """A value as SQLAlchemy stores it in SQLite (datetimes as naive UTC text)."""
    if isinstance(cell, datetime):
        return cell.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return cell


def write_rows(conn: Connection, table: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert rows with the driver's fastest path: COPY on PostgreSQL, executemany on SQLite."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if conn.dialect.name == "postgresql":
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    values = [tuple(sqlite_cell(cell) for cell in row) for row in rows]
    if values:
        marks = ", ".join("?" * len(values[0]))
        cursor.executemany(f"insert into {table} ({columns}) values ({marks})", values)


def move_sequences(conn: Connection, tables: Iterable[str]) -> None:
    """PostgreSQL: move the id sequences past rows inserted with explicit ids."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(
            text(f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                 f"(select coalesce(max(id), 1) from {table}))")
        )  # fmt: skip


class CountingStage(LinkingStage):
    """The linking stage, counting the candidates it compares and timing each article."""

    def __init__(self, settings: LinkSettings) -> None:
        super().__init__(settings)
        self.compared: list[int] = []
        self.seconds: list[float] = []

    def _candidates(self, *args: Any, **kwargs: Any) -> Any:
        found = super()._candidates(*args, **kwargs)
        self.compared.append(len(found[0]))
        return found

    def _link(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return super()._link(*args, **kwargs)
        finally:
            self.seconds.append(time.perf_counter() - started)


def timed(call: Callable[[], object], repeats: int) -> list[float]:
    """Seconds of each of `repeats` calls."""
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def percentile(values: list[float], q: float) -> float:
    """The `q` quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
