"""One full-text interface over two backends: SQLite FTS5 and PostgreSQL text search.

Claims are matched sentence by sentence in Python; the index only narrows the versions worth
reading. A claim comes as concepts (weight, words): a version is a candidate when the words it
contains cover at least a share of the claim's weight. Each concept is one index lookup (an OR
of its words) and the weights are summed per version in SQL, so the index does the work and no
all-pairs scan happens.

- SQLite: an external-content FTS5 table `versions_fts` (porter stemming, unicode61; declared
  with content="versions" so Datasette's search finds it, migration 0006), filled
  from `versions` by `sync` (a stage mark records how far), since versions are never edited.
- PostgreSQL: a stored generated column `versions_fts_doc` = `to_tsvector('english', text)`
  with a GIN index `ix_versions_fts` (migration 0005); nothing to sync.

User text never reaches the query syntax: words are bound parameters, each double-quoted for
FTS5 (inner quotes doubled) or turned into `plainto_tsquery` for PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

from tracker.store.driver import driver_rows

__all__ = [
    "FTS_INDEX",
    "FTS_TABLE",
    "Concept",
    "Covered",
    "FullText",
    "PostgresFullText",
    "SqliteFullText",
    "candidates_at",
    "full_text_for",
    "include_object",
    "is_full_text_object",
    "match_expression",
]

FTS_TABLE = "versions_fts"  # SQLite FTS5 table (and, by prefix, its shadow tables)
FTS_INDEX = "ix_versions_fts"  # PostgreSQL GIN index over PG_DOCUMENT
PG_DOCUMENT = "versions_fts_doc"  # PostgreSQL stored tsvector column of versions.text
SYNC_MARK = "claims.fts_indexed_through"
MAX_WORDS_PER_CONCEPT = 60  # a concept's OR list is cut here (lexicon groups stay far below)
_PLAIN = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Concept:
    """A concept of a claim for the index: its weight and the words that stand for it."""

    weight: float
    words: tuple[str, ...]


class FullText(Protocol):
    """Candidate versions for a claim, from the database's own full-text index."""

    def sync(self, session: Session, upto: int) -> int:
        """Index versions up to id `upto` not indexed yet; return how many were added."""
        ...

    def candidates(
        self,
        session: Session,
        concepts: Sequence[Concept],
        *,
        min_share: float,
        after: int = 0,
        upto: int | None = None,
        limit: int | None = None,
    ) -> list[int]:
        """Ids of versions in (after, upto] whose words cover `min_share` of the claim's weight.

        Best covered first when `limit` cuts the list, else in id order.
        """
        ...

    def covered(
        self, session: Session, concepts: Sequence[Concept], *, min_share: float
    ) -> Covered:
        """Every version covering `min_share`, with its article and weight covered (one query)."""
        ...


def is_full_text_object(name: str | None) -> bool:
    """True for the index objects this module owns (kept out of the ORM metadata)."""
    return bool(name) and (str(name).startswith(FTS_TABLE) or name == FTS_INDEX)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: leave the full-text objects (raw DDL, not in the models) alone."""
    return not is_full_text_object(name)


def match_expression(words: Sequence[str]) -> str:
    """An FTS5 query that matches any of `words`, each a quoted string (no operators)."""
    quoted = ['"' + word.replace('"', '""') + '"' for word in words if word.strip()]
    return " OR ".join(quoted)


def _plain_words(words: Sequence[str]) -> list[str]:
    """Letters and digits only; everything else separates words (defence in depth)."""
    out: dict[str, None] = {}
    for word in words:
        for part in _PLAIN.findall(word.lower()):
            out[part] = None
    return list(out)[:MAX_WORDS_PER_CONCEPT]


def _scored_query(lookups: list[str], min_share: float, total: float, limit: int | None) -> str:
    """Sum the weights of the concept lookups per version and keep the well covered ones."""
    union = "\n UNION ALL ".join(lookups)
    order = "covered DESC, id" if limit is not None else "id"
    cut = f" LIMIT {int(limit)}" if limit is not None else ""
    threshold = repr(float(min_share * total))
    # Only this module's own SQL fragments and numbers are interpolated; words are bound.
    return (
        f"SELECT id, SUM(w) AS covered FROM ({union}) AS hits GROUP BY id"  # noqa: S608
        f" HAVING SUM(w) >= {threshold} ORDER BY {order}{cut}"
    )


Lookup = Callable[[int, list[str], dict[str, object], str], str]


@dataclass(frozen=True, slots=True)
class Covered:
    """Versions covering a share of a claim: (version id, article id, weight covered), by id.

    `total` is the claim's whole weight: a version covers a share `x` when its weight covered
    is at least `x * total` (the comparison the SQL of `FullText.candidates` makes).
    """

    total: float
    rows: list[tuple[int, int, float]]

    def ids(self, min_share: float) -> list[int]:
        """The ids of the versions covering at least `min_share`, in id order."""
        threshold = float(min_share * self.total)
        return [version_id for version_id, _, covered in self.rows if covered >= threshold]


def _lookups(
    concepts: Sequence[Concept], upto: int | None, id_column: str, lookup: Lookup, after: int
) -> tuple[list[str], dict[str, object], float]:
    """Each concept's lookup SQL, their parameters, and the claim's whole weight."""
    params: dict[str, object] = {}
    bound = ""
    # No lower bound when there is none: PostgreSQL would AND a scan of the whole primary key
    # into every concept's bitmap (~30-60 ms each at 100k versions).
    if after > 0:
        params["after"], bound = after, f" AND {id_column} > :after"
    if upto is not None:
        params["upto"] = upto
        bound += f" AND {id_column} <= :upto"
    lookups: list[str] = []
    total = 0.0
    for i, concept in enumerate(concepts):
        total += concept.weight
        words = _plain_words(concept.words)
        if not words:
            continue
        params[f"w{i}"] = concept.weight
        lookups.append(lookup(i, words, params, bound))
    return lookups, params, total


def _candidates(
    session: Session,
    concepts: Sequence[Concept],
    min_share: float,
    after: int,
    upto: int | None,
    limit: int | None,
    id_column: str,
    lookup: Lookup,
) -> list[int]:
    """Versions whose concepts' weights reach `min_share`; `lookup` writes one concept's SQL."""
    lookups, params, total = _lookups(concepts, upto, id_column, lookup, after)
    if not lookups:
        return []
    sql = _scored_query(lookups, min_share, total, limit)
    return [int(row[0]) for row in session.execute(text(sql), params)]


def candidates_at(
    full_text: FullText,
    session: Session,
    concepts: Sequence[Concept],
    *,
    shares: Sequence[float],
    after: int = 0,
    upto: int | None = None,
) -> list[list[int]]:
    """`FullText.candidates` at each of `shares` (no limit), in id order, from one query.

    The query keeps the least of the shares; a version's weight covered is then compared with
    `share * total` as that query's SQL compares it (`_scored_query`), on the same sum: the
    lists are those one query per share gives.
    """
    if isinstance(full_text, PostgresFullText):
        _through_the_index(session)
        id_column, lookup = "id", _pg_lookup
    else:
        id_column, lookup = "rowid", _fts5_lookup
    lookups, params, total = _lookups(concepts, upto, id_column, lookup, after)
    if not lookups or not shares:
        return [[] for _ in shares]
    sql = _scored_query(lookups, min(shares), total, None)
    rows = [(int(i), float(w)) for i, w in session.execute(text(sql), params)]
    return [[i for i, w in rows if w >= float(share * total)] for share in shares]


def _covered(
    session: Session,
    concepts: Sequence[Concept],
    min_share: float,
    id_column: str,
    lookup: Lookup,
) -> Covered:
    """`_candidates` without a limit, with each version's article and weight covered."""
    lookups, params, total = _lookups(concepts, None, id_column, lookup, 0)
    if not lookups:
        return Covered(total, [])
    scored = _scored_query(lookups, min_share, total, None)
    sql = (
        f"SELECT c.id, v.article_id, c.covered FROM ({scored}) AS c"  # noqa: S608
        " JOIN versions v ON v.id = c.id ORDER BY c.id"
    )
    # Through the driver's cursor (`driver_rows`): ~22k rows at 100k stored articles, which
    # SQLAlchemy wrapped one by one (about a quarter of the time).
    # The rows as sqlite3 reads them, not converted again: ids are integers and `covered` a sum
    # of the bound float weights, a float (converting the ~22k rows took ~4.5 ms).
    return Covered(total, driver_rows(session.connection(), sql, params))


def _covered_in_place(
    session: Session, concepts: Sequence[Concept], min_share: float, lookup: Lookup
) -> Covered:
    """`_covered` with lookups that read each version's article themselves (id, article, w).

    PostgreSQL's lookups read the version rows anyway (the bitmap heap scans), so the article
    comes with them: joining `versions` again cost one index probe per version covered (~30 %
    of the query with ~22k versions over the wider net's share).
    """
    lookups, params, total = _lookups(concepts, None, "id", lookup, 0)
    if not lookups:
        return Covered(total, [])
    union = "\n UNION ALL ".join(lookups)
    threshold = repr(float(min_share * total))
    sql = (
        f"SELECT id, article_id, SUM(w) AS covered FROM ({union}) AS hits"  # noqa: S608
        f" GROUP BY id, article_id HAVING SUM(w) >= {threshold} ORDER BY id"
    )
    rows = [(int(i), int(a), float(w)) for i, a, w in session.execute(text(sql), params).all()]
    return Covered(total, rows)


def _fts5_lookup(i: int, words: list[str], params: dict[str, object], bound: str) -> str:
    """One concept's FTS5 lookup: the rows matching any of its words, with its weight."""
    params[f"q{i}"] = match_expression(words)
    return (
        f"SELECT rowid AS id, :w{i} AS w FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q{i}"  # noqa: S608
        f"{bound}"
    )


def _pg_lookup(i: int, words: list[str], params: dict[str, object], bound: str) -> str:
    """One concept's text-search lookup: the rows matching any of its words, with its weight."""
    return _pg_select("id", i, words, params, bound)


def _pg_article_lookup(i: int, words: list[str], params: dict[str, object], bound: str) -> str:
    """`_pg_lookup` with each version's article: (id, article_id, w)."""
    return _pg_select("id, article_id", i, words, params, bound)


def _pg_select(
    columns: str, i: int, words: list[str], params: dict[str, object], bound: str
) -> str:
    """The versions matching any of the concept's words: `columns` and the concept's weight."""
    query = " || ".join(f"plainto_tsquery('english', :q{i}_{j})" for j in range(len(words)))
    params.update({f"q{i}_{j}": word for j, word in enumerate(words)})
    # The stored column (migration 0005): rechecks read it instead of recomputing it.
    return (
        f"SELECT {columns}, CAST(:w{i} AS double precision) AS w FROM versions"  # noqa: S608
        f" WHERE {PG_DOCUMENT} @@ ({query}){bound}"
    )


class SqliteFullText:
    """FTS5, external content over `versions`."""

    def sync(self, session: Session, upto: int) -> int:
        """Add versions (mark, upto] to the index and move the mark, in the caller's transaction."""
        mark = session.execute(
            text("SELECT value FROM stage_marks WHERE name = :name"), {"name": SYNC_MARK}
        ).scalar()
        start = int(mark or 0)
        if upto <= start:
            return 0
        added = cast(
            CursorResult[Any],
            session.execute(
                text(
                    f"INSERT INTO {FTS_TABLE}(rowid, text) SELECT id, text FROM versions"  # noqa: S608
                    " WHERE id > :start AND id <= :upto ORDER BY id"
                ),
                {"start": start, "upto": upto},
            ),
        ).rowcount
        if mark is None:
            session.execute(
                text("INSERT INTO stage_marks(name, value) VALUES (:name, :value)"),
                {"name": SYNC_MARK, "value": upto},
            )
        else:
            session.execute(
                text("UPDATE stage_marks SET value = :value WHERE name = :name"),
                {"name": SYNC_MARK, "value": upto},
            )
        return int(added or 0)

    def candidates(
        self,
        session: Session,
        concepts: Sequence[Concept],
        *,
        min_share: float,
        after: int = 0,
        upto: int | None = None,
        limit: int | None = None,
    ) -> list[int]:
        """See FullText.candidates."""

        return _candidates(session, concepts, min_share, after, upto, limit, "rowid", _fts5_lookup)

    def covered(
        self, session: Session, concepts: Sequence[Concept], *, min_share: float
    ) -> Covered:
        """See FullText.covered."""
        return _covered(session, concepts, min_share, "rowid", _fts5_lookup)


class PostgresFullText:
    """PostgreSQL text search over the stored tsvector column; always in sync."""

    def sync(self, session: Session, upto: int) -> int:
        """Nothing to do: the generated column and its index follow the table."""
        return 0

    def candidates(
        self,
        session: Session,
        concepts: Sequence[Concept],
        *,
        min_share: float,
        after: int = 0,
        upto: int | None = None,
        limit: int | None = None,
    ) -> list[int]:
        """See FullText.candidates."""
        _through_the_index(session)
        return _candidates(session, concepts, min_share, after, upto, limit, "id", _pg_lookup)

    def covered(
        self, session: Session, concepts: Sequence[Concept], *, min_share: float
    ) -> Covered:
        """See FullText.covered."""
        _through_the_index(session)
        return _covered_in_place(session, concepts, min_share, _pg_article_lookup)


def _through_the_index(session: Session) -> None:
    """Keep the planner on the GIN index for the rest of this transaction (the lookups' only).

    With table statistics (autovacuum's), a concept of common words ("closed", "software": ~45%
    of the generated versions) was planned as a sequential scan testing every stored tsvector,
    ~0.4-0.8 s each at 100k versions against ~0.1 s for the bitmap scan of the index; the free
    text's full-text query took 2.1-2.5 s instead of 0.6-1.4 s (benchmarks/who_repeated.py's
    database after ANALYZE, load ~12). Without statistics the planner chose the index anyway.
    """
    session.execute(text("SET LOCAL enable_seqscan = off"))


def full_text_for(dialect: str) -> FullText:
    """The full-text backend of a database dialect ("sqlite" or "postgresql")."""
    if dialect == "postgresql":
        return PostgresFullText()
    return SqliteFullText()
