"""Versions analysed once, at ingest: write and read `version_analyses` (see `text.stored`).

`sync_analyses` analyses the versions stored since its stage mark, in batches, each batch and
the mark's move in one transaction; it runs with the full-text sync of the claims stage (after
every crawl pass, `claims add`, and before a free-text question), so an existing database is
backfilled by the first such run. Rows of another `ANALYSIS_FORMAT` are ignored by the readers,
which then analyse the version on the fly as before, and made again: the stage mark
`claims.analysis_format` holds the format the rows up to the mark were made in, and when it is
not the current one the sync starts again from the first version, replacing the rows.

On SQLite each analysed version's content stems also go into `STEMS_TABLE` (a contentless FTS5
table, migration 0015), in the same transaction as its analysis and the mark's move: every
version up to the mark, in the mark's format, is in it, and `stem_presence` looks the claim's
stems up there instead of reading every version's terms.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import orjson
from sqlalchemy import Engine, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tracker.store import models as m
from tracker.store.claim_tables import StageMarkRow, VersionAnalysisRow
from tracker.store.db import transaction
from tracker.store.driver import driver_rows
from tracker.text.stored import ANALYSIS_FORMAT, analyse_version, stem_needle, stem_token
from tracker.text.words import Analyzer

__all__ = [
    "ANALYSED_MARK",
    "FORMAT_MARK",
    "STEMS_TABLE",
    "StoredRow",
    "analysed_rows",
    "article_versions",
    "id_list",
    "stem_presence",
    "sync_analyses",
    "terms_of",
]

ANALYSED_MARK = "claims.analysed_through"
_MASK_BITS = 62  # needles per mask column, below the 63 value bits of a signed 64-bit integer
FORMAT_MARK = "claims.analysis_format"  # the format of the rows up to ANALYSED_MARK (0: before)
BATCH = 1_000  # versions analysed per transaction
STEMS_TABLE = "versions_fts_stems"  # SQLite: the versions carrying each stem (`stem_token`)


@dataclass(frozen=True, slots=True)
class StoredRow:
    """A version's text and title with its stored analysis (`sentences` None: not analysed)."""

    version_id: int
    article_id: int
    text: str
    title: str
    sentences: bytes | None


def _insert(s: Session) -> type[sqlite.Insert] | type[postgresql.Insert]:
    return postgresql.Insert if s.get_bind().dialect.name == "postgresql" else sqlite.Insert


class _Raced(Exception):
    """Another run moved the mark first: this batch is rolled back and the mark read again."""


def sync_analyses(engine: Engine, upto: int, analyzer: Analyzer) -> int:
    """Analyse and store the versions (mark, upto]; return how many were analysed."""
    done = 0
    while True:
        with transaction(engine) as s:
            for name in (ANALYSED_MARK, FORMAT_MARK):
                s.execute(
                    _insert(s)(StageMarkRow).values(name=name, value=0).on_conflict_do_nothing()
                )
            rows = s.execute(
                select(StageMarkRow.name, StageMarkRow.value).where(
                    StageMarkRow.name.in_((ANALYSED_MARK, FORMAT_MARK))
                )
            )
            marks = {str(name): int(value or 0) for name, value in rows}
            if marks[FORMAT_MARK] != ANALYSIS_FORMAT:
                _restart(s, marks[FORMAT_MARK])
                continue
            start = marks[ANALYSED_MARK]
        if start >= upto:
            return done
        end = min(upto, start + BATCH)
        try:
            with transaction(engine) as s:
                done += _analyse_batch(s, start, end, analyzer)
        except _Raced:
            continue


def _restart(s: Session, old: int) -> None:
    """Rows of another format: analyse every version again, from the first (once, if raced)."""
    moved = s.execute(
        text("UPDATE stage_marks SET value = :new WHERE name = :name AND value = :old"),
        {"new": ANALYSIS_FORMAT, "name": FORMAT_MARK, "old": old},
    )
    if getattr(moved, "rowcount", 0) == 1:
        s.execute(
            text("UPDATE stage_marks SET value = 0 WHERE name = :name"), {"name": ANALYSED_MARK}
        )
        if s.get_bind().dialect.name == "sqlite":  # indexed again with the analyses
            clear = f"INSERT INTO {STEMS_TABLE}({STEMS_TABLE}) VALUES ('delete-all')"  # noqa: S608
            s.execute(text(clear))


def _analyse_batch(s: Session, start: int, end: int, analyzer: Analyzer) -> int:
    """Analyse versions (start, end] and move the mark from `start` to `end` (or raise _Raced)."""
    moved = s.execute(
        text("UPDATE stage_marks SET value = :end WHERE name = :name AND value = :start"),
        {"end": end, "name": ANALYSED_MARK, "start": start},
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise _Raced
    rows = s.execute(
        select(m.Version.id, m.Version.title, m.Version.text).where(
            m.Version.id > start, m.Version.id <= end
        )
    ).all()
    values = []
    for version_id, title, body in rows:
        terms, sentences = analyse_version(title or "", body or "", analyzer)
        values.append(
            {
                "version_id": version_id,
                "format": ANALYSIS_FORMAT,
                "terms": terms,
                "sentences": sentences,
            }
        )
    if values:
        insert = _insert(s)(VersionAnalysisRow)
        replaced = {c: insert.excluded[c] for c in ("format", "terms", "sentences")}
        s.execute(
            insert.on_conflict_do_update(index_elements=["version_id"], set_=replaced), values
        )
        if s.get_bind().dialect.name == "sqlite":
            stems = [
                {"id": v["version_id"], "stems": " ".join(map(stem_token, _stems(v["terms"])))}
                for v in values
            ]
            s.execute(
                text(f"INSERT INTO {STEMS_TABLE}(rowid, stems) VALUES (:id, :stems)"),  # noqa: S608
                stems,
            )
    return len(values)


def _stems(terms: object) -> list[str]:
    """The content stems of a stored `terms` payload (its counts' keys)."""
    counts, _ = orjson.loads(str(terms))
    return list(counts)


def stem_presence(
    engine: Engine,
    article_ids: Sequence[int],
    stems: Sequence[str],
    read: dict[int, str] | None = None,
    *,
    carrying_only: bool = False,
) -> list[tuple[int, int, int | None]]:
    """Each version of these articles with which `stems` its stored terms hold, by version id.

    Rows are (version id, article id, a bit mask: bit i set when the terms hold stem i), the
    mask None when the version is not analysed yet. A free-text question's wider net holds tens
    of thousands of versions, and reading out all their terms cost more than the rest of its
    SQL: on SQLite each stem is looked up in `STEMS_TABLE` (a bit may then be set for a stem
    whose token another stem shares: ~2^-64 odds, and callers test the terms they read again);
    on PostgreSQL the substring tests (`has_stem`'s) are made in SQL. Where the terms are read
    out to be tested here instead (SQLite rows of another format), they are put in `read` when
    given, by version id, so that a caller needing some of them does not read them again
    (`terms_of`). With `carrying_only`, analysed versions whose terms hold none of the stems
    (mask 0) may be left out.
    """
    if not article_ids:
        return []
    needles = [stem_needle(stem) for stem in stems]
    with transaction(engine, write=False) as s:
        if s.get_bind().dialect.name != "postgresql":
            through = _indexed_through(s)
            if through is None:
                return _stem_presence_read(s, article_ids, needles, read)
            return _stem_presence_indexed(s, article_ids, stems, through, carrying_only)
        where, ids = id_list(s, "v.article_id", article_ids)
        find = "strpos"
        params: dict[str, object] = {"ids": ids, "format": ANALYSIS_FORMAT}
        # One mask column per _MASK_BITS needles: a long free-text claim has more distinct stems
        # than a 64-bit integer has bits (SQLite and PostgreSQL add the bits as 64-bit integers).
        masks = []
        for start in range(0, max(1, len(needles)), _MASK_BITS):
            bits = []
            for i, needle in enumerate(needles[start : start + _MASK_BITS], start):
                params[f"n{i}"] = needle
                bit = 1 << (i - start)
                bits.append(f"(CASE WHEN {find}(a.terms, :n{i}) > 0 THEN {bit} ELSE 0 END)")
            # Not analysed (no terms): NULL, not the 0 of terms that carry none of the needles.
            masks.append(f"CASE WHEN a.terms IS NULL THEN NULL ELSE {' + '.join(bits) or '0'} END")
        rows = s.execute(
            text(
                f"SELECT v.id, v.article_id, {', '.join(masks)} FROM versions v"  # noqa: S608
                " LEFT JOIN version_analyses a ON a.version_id = v.id AND a.format = :format"
                f" WHERE {where} ORDER BY v.id"
            ),
            params,
        ).all()
        found: list[tuple[int, int, int | None]] = []
        for version, article, *parts in rows:
            if parts[0] is None:
                found.append((int(version), int(article), None))
            else:
                mask = sum(int(part) << (n * _MASK_BITS) for n, part in enumerate(parts))
                found.append((int(version), int(article), mask))
        return found


def _indexed_through(s: Session) -> int | None:
    """The last version id in `STEMS_TABLE` (SQLite), None when its rows are of another format.

    The stems of a batch of versions are indexed in the transaction that analyses them and
    moves the mark, so every version up to the mark is in the index, in the mark's format.
    """
    rows = s.execute(
        select(StageMarkRow.name, StageMarkRow.value).where(
            StageMarkRow.name.in_((ANALYSED_MARK, FORMAT_MARK))
        )
    )
    marks = {str(name): int(value or 0) for name, value in rows}
    if marks.get(FORMAT_MARK) != ANALYSIS_FORMAT:
        return None
    return marks.get(ANALYSED_MARK, 0)


def _stem_presence_indexed(
    s: Session, article_ids: Sequence[int], stems: Sequence[str], through: int, carrying_only: bool
) -> list[tuple[int, int, int | None]]:
    """`stem_presence` on SQLite from the stem index: one lookup per stem, no terms read.

    Each stem's lookup reads the ids of the versions carrying it, over the whole store (a few
    thousand for a claim's rarer stems). With `carrying_only`, when those are fewer than the
    articles, only they are read with their articles (and the versions not analysed yet);
    else every version of the articles is listed from the article index. Versions past
    `through` are not analysed yet (mask None).
    """
    conn = s.connection()
    bits: dict[str, int] = {}
    for i, stem in enumerate(stems):
        token = stem_token(stem)
        bits[token] = bits.get(token, 0) | 1 << i
    carried: dict[int, int] = {}
    for token, bit in bits.items():
        rows = driver_rows(
            conn,
            f"SELECT rowid FROM {STEMS_TABLE} WHERE {STEMS_TABLE} MATCH :token",  # noqa: S608
            {"token": f'"{token}"'},
        )
        for (version,) in rows:
            carried[version] = carried.get(version, 0) | bit
    if carrying_only and len(carried) < len(article_ids):
        wanted = set(article_ids)
        where, ids = id_list(s, "id", list(carried))
        listed = [
            (version, article)
            for version, article in driver_rows(
                conn,
                f"SELECT id, article_id FROM versions WHERE {where} OR id > :through",  # noqa: S608
                {"ids": ids, "through": through},
            )
            if article in wanted
        ]
    else:
        where, ids = id_list(s, "article_id", article_ids)
        listed = driver_rows(
            conn,
            f"SELECT id, article_id FROM versions WHERE {where}",  # noqa: S608
            {"ids": ids},
        )
    get = carried.get
    return [
        (version, article, None if version > through else get(version, 0))
        for version, article in sorted(listed)  # by version id (unique)
    ]


def _stem_presence_read(
    s: Session, article_ids: Sequence[int], needles: Sequence[str], read: dict[int, str] | None
) -> list[tuple[int, int, int | None]]:
    """`stem_presence` on SQLite: the terms read out and tested here.

    SQLite's `instr` took about three times as long as reading the terms and testing them with
    Python's substring search (~19k versions, eight needles).
    """
    where, ids = id_list(s, "v.article_id", article_ids)
    # Through the driver's cursor (`driver_rows`), unordered, sorted here: the rows are ~19k
    # versions with their terms (~9 MB), which SQLite copied into a sorter for ORDER BY and
    # SQLAlchemy wrapped row by row (together about a third of this query's time).
    found = driver_rows(
        s.connection(),
        "SELECT v.id, v.article_id, a.terms FROM versions v"  # noqa: S608
        " LEFT JOIN version_analyses a ON a.version_id = v.id AND a.format = :format"
        f" WHERE {where}",
        {"ids": ids, "format": ANALYSIS_FORMAT},
    )
    rows = sorted(found, key=itemgetter(0))  # by version id (unique)
    if read is not None:
        read.update((version, terms) for version, _, terms in rows if terms is not None)
    # One scan of each payload for all the needles: a needle is `"stem":` with a stem of letters,
    # digits and apostrophes, so two needles' matches never overlap and at one place at most one
    # matches; `findall` then finds exactly the needles the terms hold (in under half the time of
    # one substring test per needle).
    bit: dict[str, int] = {}
    for i, needle in enumerate(needles):
        bit[needle] = bit.get(needle, 0) | 1 << i
    search = re.compile("|".join(map(re.escape, bit)) or "(?!)").findall
    get = bit.__getitem__
    return [
        (version, article, None if terms is None else sum(map(get, set(search(terms)))))
        for version, article, terms in rows
    ]


def article_versions(engine: Engine, article_ids: Sequence[int]) -> list[tuple[int, int]]:
    """Every version of these articles as (version id, article id), by version id."""
    if not article_ids:
        return []
    with transaction(engine, write=False) as s:
        where, ids = id_list(s, "article_id", article_ids)
        rows = s.execute(
            text(f"SELECT id, article_id FROM versions WHERE {where} ORDER BY id"),  # noqa: S608
            {"ids": ids},
        ).all()
        return [(int(version_id), int(article_id)) for version_id, article_id in rows]


def terms_of(engine: Engine, version_ids: Sequence[int]) -> dict[int, str]:
    """The stored terms of these versions, by version id (those not analysed yet left out)."""
    if not version_ids:
        return {}
    with transaction(engine, write=False) as s:
        where, ids = id_list(s, "version_id", version_ids)
        rows = s.execute(
            text(
                "SELECT version_id, terms FROM version_analyses"  # noqa: S608
                f" WHERE format = :format AND {where}"
            ),
            {"ids": ids, "format": ANALYSIS_FORMAT},
        ).all()
        return {int(version_id): terms for version_id, terms in rows}


def id_list(s: Session, column: str, ids: Sequence[int]) -> tuple[str, object]:
    """An SQL test that `column` is one of `ids`, and the one parameter it binds (:ids).

    One bound value however many ids (a JSON array on SQLite, an array on PostgreSQL): no
    chunks under SQLite's bound-parameter limit and no statement compiled per chunk.
    """
    if s.get_bind().dialect.name == "postgresql":
        return f"{column} = ANY(:ids)", sorted(set(ids))
    return f"{column} IN (SELECT value FROM json_each(:ids))", json.dumps(sorted(set(ids)))  # noqa: S608


def analysed_rows(
    engine: Engine, version_ids: Sequence[int], *, of_articles: bool = False
) -> dict[int, StoredRow]:
    """These versions' texts and titles with their stored sentences, by version id.

    With `of_articles`, the ids are articles' and every version of each is read.
    """
    out: dict[int, StoredRow] = {}
    if not version_ids:
        return out
    with transaction(engine, write=False) as s:
        where, ids = id_list(s, "v.article_id" if of_articles else "v.id", version_ids)
        # Through the driver's cursor (`driver_rows`): thousands of versions per free-text
        # question, untyped columns, so the same values without SQLAlchemy's row per row.
        rows = driver_rows(
            s.connection(),
            "SELECT v.id, v.article_id, v.text, v.title, a.sentences FROM versions v"  # noqa: S608
            " LEFT JOIN version_analyses a ON a.version_id = v.id AND a.format = :format"
            f" WHERE {where}",
            {"ids": ids, "format": ANALYSIS_FORMAT},
        )
        for version_id, article_id, body, title, sentences in rows:
            out[int(version_id)] = StoredRow(
                int(version_id), int(article_id), body or "", title or "", sentences
            )
    return out
