"""Document frequencies of content stems over the stored articles, kept as versions arrive.

Same-event expansion (`tracker.claims.events`) weighs words by how rare they are in the whole
store: a rarity taken from one claim's candidates only was clearly worse. The full-text indexes
cannot give it on both backends without scanning (PostgreSQL's `ts_stat` reads every row) and
stem differently from the claims analyser, so the claims stage counts its own: each article
once, by its first version (the distinct content stems of its title and text, as
`tracker.text.terms.term_stats` of the two joined by a line break counts them), one upsert per
batch.

A stage mark says up to which version id the counting went and is moved with a compare-and-set
in the same transaction as the counts, so two stage runs at once cannot count a batch twice (the
second one's batch rolls back and it moves on). Deleted articles are not taken off the counts:
rarity only needs to be about right.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import Engine, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tracker.store.claim_tables import StageMarkRow, TermDfRow
from tracker.store.db import transaction
from tracker.store.driver import driver_rows
from tracker.text.words import content_stem_set, distinct_stems

__all__ = [
    "COUNTED_MARK",
    "DOCUMENTS_MARK",
    "RememberedFrequencies",
    "count_new_versions",
    "counted_stems",
    "document_frequencies",
]

COUNTED_MARK = "claims.df_counted_through"  # versions up to this id are counted
DOCUMENTS_MARK = "claims.df_documents"  # how many articles are counted
BATCH_VERSIONS = 2_000  # versions read, tokenised and counted per transaction
MAX_TERM_CHARS = 100  # the column's width; longer "stems" are URLs or noise
_IN_CHUNK = 500  # stems per IN (...) list


# SQLite (3.24 and later) and PostgreSQL both take this upsert as written.
_UPSERT_DOCS = (
    "INSERT INTO term_df (term, docs) VALUES (:term, :docs)"
    " ON CONFLICT (term) DO UPDATE SET docs = term_df.docs + excluded.docs"
)


class _Raced(Exception):
    """Another run counted this batch first: roll it back."""


def count_new_versions(engine: Engine, upto: int) -> int:
    """Count the first versions of articles among versions (mark, upto]; return how many."""
    counted = 0
    while True:
        with transaction(engine) as s:
            start = _mark(s, COUNTED_MARK)
        if start >= upto:
            return counted
        end = min(upto, start + BATCH_VERSIONS)
        try:
            with transaction(engine) as s:
                counted += _count_batch(s, start, end)
        except _Raced:
            continue  # the mark moved under us: read it again


def counted_stems(title: str, body: str) -> set[str]:
    """The stems an article counts: those of `term_stats(f"{title}\\n{body}")`, found apart.

    No word spans the line break that joins them, so the two sets' union is the joined text's.
    The text's were most likely remembered by the linking stage's fingerprint of it just now
    (`distinct_stems`), which saves tokenising it a second time.
    """
    stems = content_stem_set(title)
    stems.update(distinct_stems(body, remember=False))
    return stems


def _mark(s: Session, name: str) -> int:
    value = s.scalar(select(StageMarkRow.value).where(StageMarkRow.name == name))
    return int(value or 0)


def _insert(s: Session) -> type[sqlite.Insert] | type[postgresql.Insert]:
    return postgresql.Insert if s.get_bind().dialect.name == "postgresql" else sqlite.Insert


def _count_batch(s: Session, start: int, end: int) -> int:
    """Count one batch and move the mark from `start` to `end` (or raise _Raced)."""
    insert = _insert(s)
    for name in (COUNTED_MARK, DOCUMENTS_MARK):
        s.execute(insert(StageMarkRow).values(name=name, value=0).on_conflict_do_nothing())
    moved = s.execute(
        text("UPDATE stage_marks SET value = :end WHERE name = :name AND value = :start"),
        {"end": end, "name": COUNTED_MARK, "start": start},
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise _Raced
    # An article counts once: by the version with no earlier one (the (article_id, seq) index).
    rows = s.execute(
        text(
            "SELECT v.title, v.text FROM versions v WHERE v.id > :start AND v.id <= :end"
            " AND NOT EXISTS (SELECT 1 FROM versions w"
            " WHERE w.article_id = v.article_id AND w.seq < v.seq)"
        ),
        {"start": start, "end": end},
    )
    docs: Counter[str] = Counter()
    articles = 0
    for title, body in rows:
        articles += 1
        docs.update(t for t in counted_stems(title, body) if len(t) <= MAX_TERM_CHARS)
    if docs:
        # On the driver's cursor: through SQLAlchemy's executemany its own work on each row's
        # parameters cost four times the database's upserts (a batch counts ~5,000 stems).
        driver_rows(
            s.connection(),
            _UPSERT_DOCS,
            [{"term": term, "docs": n} for term, n in sorted(docs.items())],
        )
    if articles:
        s.execute(
            text("UPDATE stage_marks SET value = value + :n WHERE name = :name"),
            {"n": articles, "name": DOCUMENTS_MARK},
        )
    return articles


def document_frequencies(engine: Engine, stems: Sequence[str]) -> tuple[dict[str, int], int]:
    """The stored counts of these stems (absent: 0) and the number of articles counted."""
    wanted = sorted({s for s in stems if len(s) <= MAX_TERM_CHARS})
    docs: dict[str, int] = {}
    with transaction(engine, write=False) as s:
        total = _mark(s, DOCUMENTS_MARK)
        for i in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[i : i + _IN_CHUNK]
            rows = s.execute(
                select(TermDfRow.term, TermDfRow.docs).where(TermDfRow.term.in_(chunk))
            )
            docs.update({str(term): int(n) for term, n in rows})
    return docs, total


class RememberedFrequencies:
    """`document_frequencies` that looks each stem up once while the articles counted stay put.

    The claims stage asks for the stems of every claim's seeds and candidates, most of them the
    same words again (one run read ~3,000 stems per claim). A batch's counts and the number of
    articles counted move in one transaction and that number only grows, so while it reads as
    when a stem was looked up, the stem's count is still the stored one: each call reads the
    number again and forgets every count when it moved.
    """

    def __init__(self, engine: Engine) -> None:
        """Nothing looked up yet."""
        self.engine = engine
        self._docs: dict[str, int] = {}  # 0: not stored
        self._total: int | None = None

    def __call__(self, stems: Sequence[str]) -> tuple[dict[str, int], int]:
        """The stored counts of these stems (absent: 0) and the number of articles counted."""
        wanted = sorted({s for s in stems if len(s) <= MAX_TERM_CHARS})
        with transaction(self.engine, write=False) as s:
            total = _mark(s, DOCUMENTS_MARK)
            if total != self._total:
                self._docs, self._total = {}, total
            known = self._docs
            missing = [stem for stem in wanted if stem not in known]
            for i in range(0, len(missing), _IN_CHUNK):
                chunk = missing[i : i + _IN_CHUNK]
                rows = s.execute(
                    select(TermDfRow.term, TermDfRow.docs).where(TermDfRow.term.in_(chunk))
                )
                found = {str(term): int(n) for term, n in rows}
                known.update((stem, found.get(stem, 0)) for stem in chunk)
        return {stem: n for stem in wanted if (n := known[stem])}, total
