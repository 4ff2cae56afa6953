"""Hot statements run on the database driver's own cursor, inside SQLAlchemy's transaction.

For the few statements run for every article or that read tens of thousands of rows: through
SQLAlchemy, its own work on each (parameters, result metadata, a row object per row) cost two
to three times the database's (py-spy of `benchmarks/linking_replay.py` and of a free-text
question at 100k stored articles). The statement is plain SQL with `:name` parameters, run in
the connection's transaction; errors come out as SQLAlchemy's (a unique violation is its
IntegrityError), so callers handle them as any other. Drivers other than sqlite3 and psycopg
take the ordinary path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

__all__ = ["driver_rows"]

_NAMED = re.compile(r"(?<!:):(\w+)")


@functools.cache
def _driver_sql(sql: str, pyformat: bool) -> str:
    """`sql` with its `:name` parameters as the driver takes them (`%(name)s` for psycopg)."""
    return _NAMED.sub(r"%(\1)s", sql) if pyformat else sql


def driver_rows(
    conn: Connection, sql: str, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> list[Any]:
    """Run `sql` on the driver's cursor and return the rows it reads (tuples; none for writes).

    A list of parameter sets is one executemany.
    """
    dialect = conn.dialect
    pyformat = dialect.name == "postgresql" and dialect.paramstyle == "pyformat"
    if dialect.name != "sqlite" and not pyformat:
        result = conn.execute(text(sql), params)
        return [tuple(row) for row in result] if result.returns_rows else []
    statement = _driver_sql(sql, pyformat)
    dbapi = dialect.loaded_dbapi
    cursor = conn.connection.cursor()
    try:
        if isinstance(params, Mapping):
            cursor.execute(statement, params)
        else:
            cursor.executemany(statement, params)
        return list(cursor.fetchall()) if cursor.description is not None else []
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, params, exc, dbapi.Error) from exc
    finally:
        cursor.close()
