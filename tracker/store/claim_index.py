"""The claims' own BM25 index, and bulk import of claims: SQL only, SQLite and PostgreSQL alike.

Each claim's text and title are counted as content stems (`tracker.text.terms`, the stems the
claims matcher reads) into `claim_terms`, and its length into `claims.terms`. Ranking the claims
for a text is then one query per text: the idf of each query stem is computed from its posting
count (bound as numbers, no `ln()` needed in SQL), and BM25 is summed per claim in SQL, best
first. Both backends run the same SQL, so they rank alike; the full-text engines of the two
(FTS5 `bm25()`, `ts_rank_cd`) stem differently and only one of them weighs by rarity.

A claim stored by any path (`claims add`, an import, an older database) is indexed the next
time the index is read: `sync` picks the claims whose length is still NULL.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Engine, Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from tracker.domain.claim_sets import ClaimCandidate, ClaimDraft, ImportSummary
from tracker.errors import BadInput
from tracker.store.claim_repo import LINKED_MARK, MAX_CLAIM_CHARS, SLUG
from tracker.store.claim_tables import ClaimRow, ClaimTermRow, StageMarkRow
from tracker.store.db import transaction
from tracker.text.cleaning import plain_text
from tracker.text.terms import content_stems
from tracker.urls import canonical_url

__all__ = ["BM25_B", "BM25_K1", "MAX_QUERY_TERMS", "ClaimIndex", "claim_terms"]

# BM25's term saturation and length normalisation, chosen on CheckThat! 2020 task 2 dev (BM25
# alone, `benchmarks/clef_claims.py`): the usual 1.2 / 0.75 gave MAP@5 0.817, 1.6 / 0.5 0.825,
# 2.0 / 0.5 0.825, 1.6 / 0.75 0.818, 1.2 / 0.5 0.819. A claim's title repeats its text in other
# words, so longer claims are not padded and need less length normalisation.
BM25_K1 = 1.6
BM25_B = 0.5
MAX_QUERY_TERMS = 200  # a long text keeps its first distinct stems (each is one CASE branch)
MAX_TERM_CHARS = 100  # the column's width; longer "stems" are URLs or noise
MAX_TITLE_CHARS = 1000
SYNC_BATCH = 2_000  # claims indexed per query round
CLAIMS = cast(Table, ClaimRow.__table__)  # Core table: an executemany UPDATE by a bound key


def claim_terms(claim_text: str, title: str = "") -> Counter[str]:
    """The stems a claim is indexed under (text and title), with their counts."""
    stems = content_stems(f"{claim_text}\n{title}" if title else claim_text)
    return Counter(stem for stem in stems if len(stem) <= MAX_TERM_CHARS)


class ClaimIndex:
    """Reads and writes the claims' BM25 index; imports claims in one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------ import

    def import_claims(
        self, path: str, fmt: str, drafts: Sequence[ClaimDraft], now: datetime
    ) -> ImportSummary:
        """Store every draft not stored yet, all or nothing.

        A slug already stored with the same text is left as it is (so importing a file twice
        changes nothing); with another text it is an error, as is any malformed draft.
        """
        rows = [_checked(draft) for draft in drafts]
        added: list[str] = []
        existing: list[str] = []
        with transaction(self.engine) as s:
            stored: dict[str, str] = {}
            slugs = [row["slug"] for row in rows]
            for start in range(0, len(slugs), 500):
                query = select(ClaimRow.slug, ClaimRow.text).where(
                    ClaimRow.slug.in_(slugs[start : start + 500])
                )
                stored.update((slug, body) for slug, body in s.execute(query))
            fresh: list[dict[str, object]] = []
            for draft, row in zip(drafts, rows, strict=True):
                known = stored.get(str(row["slug"]))
                if known is None:
                    fresh.append({**row, "created_at": now, "matched_through": 0})
                    added.append(str(row["slug"]))
                elif known == row["text"]:
                    existing.append(str(row["slug"]))
                else:
                    raise BadInput(
                        f"{draft.where}: a claim named {row['slug']!r} exists already"
                        " with another text"
                    )
            if fresh:
                s.execute(insert(ClaimRow), fresh)
                # Ids freed by deleted claims may come back: their link marks must not carry over.
                marks = [f"{LINKED_MARK}{i}" for i in _ids_of(s, added)]
                for start in range(0, len(marks), 500):
                    s.execute(
                        delete(StageMarkRow).where(
                            StageMarkRow.name.in_(marks[start : start + 500])
                        )
                    )
                _sync(s)
        return ImportSummary(path, fmt, tuple(added), tuple(existing))

    # ------------------------------------------------------------ search

    def sync(self) -> int:
        """Index the claims not indexed yet; return how many."""
        with transaction(self.engine, write=False) as s:
            pending = s.scalar(select(ClaimRow.id).where(ClaimRow.terms.is_(None)).limit(1))
        if pending is None:
            return 0  # the usual case: no write transaction, nothing to wait for
        with transaction(self.engine) as s:
            return _sync(s)

    def search(self, query_text: str, limit: int, *, sync: bool = True) -> list[ClaimCandidate]:
        """The claims with the highest BM25 score for a text, best first (ties: lower id first).

        Claims not indexed yet are indexed first, unless `sync` is False (the caller did).
        """
        if sync:
            self.sync()
        terms = list(dict.fromkeys(claim_terms(query_text)))[:MAX_QUERY_TERMS]
        if not terms or limit <= 0:
            return []
        with transaction(self.engine, write=False) as s:
            documents, average = s.execute(
                select(func.count(ClaimRow.id), func.avg(ClaimRow.terms)).where(
                    ClaimRow.terms.is_not(None)
                )
            ).one()
            if not documents:
                return []
            postings = dict(
                s.execute(
                    select(ClaimTermRow.term, func.count())
                    .where(ClaimTermRow.term.in_(terms))
                    .group_by(ClaimTermRow.term)
                ).all()
            )
            present = [term for term in terms if term in postings]
            if not present:
                return []
            params: dict[str, object] = {
                "k1": BM25_K1,
                "k1b": BM25_K1 * (1.0 - BM25_B),
                "k1bavg": BM25_K1 * BM25_B / max(float(average or 1.0), 1e-9),
                "limit": int(limit),
            }
            branches = []
            for i, term in enumerate(present):
                df = postings[term]
                params[f"t{i}"] = term
                params[f"w{i}"] = math.log(1.0 + (documents - df + 0.5) / (df + 0.5))
                branches.append(f"WHEN :t{i} THEN :w{i}")
            idf = f"CASE t.term {' '.join(branches)} ELSE 0 END"
            # Only this module's own fragments are interpolated; the words are bound.
            sql = text(
                f"SELECT c.id, c.slug, c.text, c.title, c.origin_url, SUM({idf}"  # noqa: S608
                " * t.count * (:k1 + 1) / (t.count + :k1b + :k1bavg * c.terms)) AS score"
                " FROM claim_terms AS t JOIN claims AS c ON c.id = t.claim_id"
                " WHERE t.term IN :terms"
                " GROUP BY c.id, c.slug, c.text, c.title, c.origin_url"
                " ORDER BY score DESC, c.id LIMIT :limit"
            ).bindparams(bindparam("terms", expanding=True))
            params["terms"] = present
            return [
                ClaimCandidate(int(i), slug, body, title or "", origin, float(score))
                for i, slug, body, title, origin, score in s.execute(sql, params)
            ]


def _ids_of(s: Session, slugs: Sequence[str]) -> list[int]:
    """The ids of the claims with these slugs."""
    ids: list[int] = []
    for start in range(0, len(slugs), 500):
        query = select(ClaimRow.id).where(ClaimRow.slug.in_(slugs[start : start + 500]))
        ids.extend(s.scalars(query))
    return ids


def _checked(draft: ClaimDraft) -> dict[str, object]:
    """A draft as a claims row, or BadInput naming where it came from."""
    if not SLUG.match(draft.slug):
        raise BadInput(
            f"{draft.where}: not a claim slug: {draft.slug[:60]!r}"
            " (lower-case letters, digits and dashes)"
        )
    body = plain_text(draft.text)
    if not body:
        raise BadInput(f"{draft.where}: the claim text is empty")
    if len(body) > MAX_CLAIM_CHARS:
        raise BadInput(
            f"{draft.where}: a claim is one statement: at most {MAX_CLAIM_CHARS} characters"
        )
    title = plain_text(draft.title)
    if len(title) > MAX_TITLE_CHARS:
        raise BadInput(f"{draft.where}: the title is longer than {MAX_TITLE_CHARS} characters")
    try:
        origin = canonical_url(draft.url) if draft.url else None
    except BadInput as exc:
        raise BadInput(f"{draft.where}: {exc}") from None
    review = dict(draft.review) if draft.review is not None else None
    return {
        "slug": draft.slug,
        "text": body,
        "title": title,
        "origin_url": origin,
        "review": review,
    }


def _sync(s: Session) -> int:
    """Index, in this transaction, every claim whose length is still NULL."""
    indexed = 0
    while True:
        pending = s.execute(
            select(ClaimRow.id, ClaimRow.text, ClaimRow.title)
            .where(ClaimRow.terms.is_(None))
            .order_by(ClaimRow.id)
            .limit(SYNC_BATCH)
            # PostgreSQL: two first matches at once index different claims, not the same twice.
            .with_for_update(skip_locked=True)
        ).all()
        if not pending:
            return indexed
        ids = [claim_id for claim_id, _, _ in pending]
        s.execute(delete(ClaimTermRow).where(ClaimTermRow.claim_id.in_(ids)))
        rows: list[dict[str, object]] = []
        lengths: list[dict[str, object]] = []
        for claim_id, body, title in pending:
            counts = claim_terms(body, title or "")
            rows += [{"term": t, "claim_id": claim_id, "count": n} for t, n in counts.items()]
            lengths.append({"key": claim_id, "terms": sum(counts.values())})
        if rows:
            s.execute(insert(ClaimTermRow), rows)
        s.execute(
            update(CLAIMS).where(CLAIMS.c.id == bindparam("key")).values(terms=bindparam("terms")),
            lengths,
        )
        indexed += len(pending)
