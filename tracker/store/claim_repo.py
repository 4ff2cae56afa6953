"""The claims repository: one method per use case, each its own short transaction (or, inside
`ClaimRepo.held`, one transaction for a caller's whole block of them).

SQLite and PostgreSQL alike; user text only ever travels as bound parameters. The full-text
lookups go through `tracker.store.fulltext`, the one place that knows each backend's index.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    CursorResult,
    Engine,
    Result,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.domain import (
    MENTION_THRESHOLD,
    ArticleState,
    CorrectionKind,
    Link,
    Mention,
    Stance,
    VersionRef,
)
from tracker.domain.alerts import AlertEvent, UptakeChange, UptakeState
from tracker.domain.claims import (
    ArticleFacts,
    ClaimInfo,
    CorrectionInfo,
    IncomingEdge,
    MentionFact,
    StoredUptake,
    UptakeRecord,
)
from tracker.errors import BadInput, NotFound
from tracker.store import models as m
from tracker.store.alert_repo import record_events
from tracker.store.analyses import (
    StoredRow,
    analysed_rows,
    article_versions,
    id_list,
    stem_presence,
    sync_analyses,
    terms_of,
)
from tracker.store.claim_tables import (
    ClaimRow,
    CorrectionRow,
    MentionRow,
    StageMarkRow,
    UptakeRow,
)
from tracker.store.db import transaction
from tracker.store.driver import driver_rows
from tracker.store.fulltext import Concept, Covered, candidates_at, full_text_for
from tracker.store.link_tables import EdgeRow
from tracker.store.term_df import (
    RememberedFrequencies,
    count_new_versions,
    document_frequencies,
)
from tracker.text.cleaning import plain_text
from tracker.text.words import Analyzer
from tracker.urls import canonical_url

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["LINKED_MARK", "MAX_CLAIM_CHARS", "ClaimRepo"]

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
MAX_CLAIM_CHARS = 1000  # a claim is a statement, not a document
# Per claim id, the highest version id whose mentions were linked by claim (the claims stage).
LINKED_MARK = "claims.linked_through."
# Per claim id, the claim's match mark when its carriers were last sorted into one event or
# another (the claims stage): its mentions have not changed since while the two are equal.
EVENT_MARK = "claims.event_sorted_through."
_IN_CHUNK = 500  # ids per IN (...) list, well under every backend's parameter limit
_SET_MARK = (
    "INSERT INTO stage_marks (name, value) VALUES (:name, :value) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)


class ClaimRepo:
    """Reads and writes the claims tables; every method is one transaction (see `held`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.full_text = full_text_for(engine.dialect.name)
        self._analyzer: Analyzer | None = None
        # The transaction of `held`, per thread: another thread's calls (the API serves
        # several) keep their own transactions.
        self._local = threading.local()

    def _tx(self) -> AbstractContextManager[Session]:
        held: Session | None = getattr(self._local, "held", None)
        if held is not None:
            # Objects a statement of an earlier call changed behind the ORM are read afresh.
            held.expire_all()
            return nullcontext(held)
        return transaction(self.engine)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run this repository's calls in the block in one transaction, committed at its end.

        The claims stage makes ~25 small calls per claim, and a transaction of its own added
        ~0.1 ms of CPU to each. The block must not write through another connection (another
        repository) meanwhile: on SQLite this transaction holds the write lock from its start
        (`BEGIN IMMEDIATE`) to its end, so keep blocks short. Calls that go to the engine
        themselves (document frequencies, the stems' counts) still read in their own
        transactions, and so do other threads' calls. Nested: the outer block's transaction.
        """
        if getattr(self._local, "held", None) is not None:
            yield
            return
        with transaction(self.engine) as session:
            self._local.held = session
            try:
                yield
            finally:
                self._local.held = None

    # ------------------------------------------------------------ claims

    def add_claim(self, slug: str, text: str, origin_url: str | None, now: datetime) -> ClaimInfo:
        """Register a claim; BadInput when the slug is malformed or taken, or the text unusable."""
        if not SLUG.match(slug):
            raise BadInput(
                f"not a claim slug: {slug[:60]!r} (lower-case letters, digits and dashes)"
            )
        text = plain_text(text)
        if not text:
            raise BadInput("the claim text is empty")
        if len(text) > MAX_CLAIM_CHARS:
            raise BadInput(f"a claim is one statement: at most {MAX_CLAIM_CHARS} characters")
        origin = canonical_url(origin_url) if origin_url else None
        with self._tx() as s:
            if s.scalar(select(ClaimRow.id).where(ClaimRow.slug == slug)) is not None:
                raise BadInput(f"a claim named {slug!r} exists already")
            row = ClaimRow(
                slug=slug, text=text, origin_url=origin, created_at=now, matched_through=0
            )
            s.add(row)
            try:
                with s.begin_nested():
                    s.flush()
            except IntegrityError:
                raise BadInput(f"a claim named {slug!r} exists already") from None
            # An id freed by a deleted claim may come back: its mark must not carry over.
            s.execute(delete(StageMarkRow).where(StageMarkRow.name == f"{LINKED_MARK}{row.id}"))
            return _claim_info(row)

    def claim(self, slug: str) -> ClaimInfo:
        """A claim by its slug."""
        with self._tx() as s:
            row = (
                s.scalar(select(ClaimRow).where(ClaimRow.slug == slug))
                if SLUG.match(slug)
                else None
            )
            if row is None:
                raise NotFound(f"no claim named {slug[:100]!r} (see `tracker claims list`)")
            return _claim_info(row)

    def find_claim(self, slug: str) -> ClaimInfo | None:
        """A claim by its slug, or None (also for what cannot be a slug)."""
        if not SLUG.match(slug):
            return None
        with self._tx() as s:
            row = s.scalar(select(ClaimRow).where(ClaimRow.slug == slug))
            return _claim_info(row) if row is not None else None

    def claims(self) -> list[ClaimInfo]:
        """Every claim, by slug."""
        with self._tx() as s:
            return [_claim_info(r) for r in s.scalars(select(ClaimRow).order_by(ClaimRow.slug))]

    def role_counts(self) -> dict[int, dict[str, int]]:
        """Per claim id, how many articles play each role."""
        with self._tx() as s:
            rows = s.execute(
                select(UptakeRow.claim_id, UptakeRow.role, func.count()).group_by(
                    UptakeRow.claim_id, UptakeRow.role
                )
            )
            out: dict[int, dict[str, int]] = {}
            for claim_id, role, count in rows:
                out.setdefault(claim_id, {})[role] = count
            return out

    # ------------------------------------------------------------ corrections

    def add_correction(
        self,
        claim_id: int,
        kind: CorrectionKind,
        *,
        published: datetime,
        url: str | None,
        text: str,
        now: datetime,
    ) -> tuple[CorrectionInfo, int]:
        """Register a correction and re-check every live article that mentions the claim now.

        Returns the correction and how many articles were scheduled; the crawler's re-check
        picks them up at its next pass and the decaying schedule resumes after it.
        """
        with self._tx() as s:
            claim = s.get_one(ClaimRow, claim_id)
            row = CorrectionRow(
                claim_id=claim_id,
                kind=kind.value,
                published=published,
                url=url,
                text=text,
                created_at=now,
            )
            s.add(row)
            mentioning = select(MentionRow.article_id).where(MentionRow.claim_id == claim_id)
            scheduled = _rowcount(
                s.execute(
                    update(m.Article)
                    .where(m.Article.id.in_(mentioning), m.Article.state == ArticleState.LIVE)
                    .values(next_check_at=now)
                )
            )
            s.execute(update(UptakeRow).where(UptakeRow.claim_id == claim_id).values(stale=True))
            s.flush()
            return _correction_info(row, claim.slug), scheduled

    def corrections(self, claim_id: int) -> list[CorrectionInfo]:
        """The corrections of a claim, earliest first."""
        with self._tx() as s:
            slug = s.get_one(ClaimRow, claim_id).slug
            rows = s.scalars(
                select(CorrectionRow)
                .where(CorrectionRow.claim_id == claim_id)
                .order_by(CorrectionRow.published, CorrectionRow.id)
            )
            return [_correction_info(r, slug) for r in rows]

    # ------------------------------------------------------------ matching

    def max_version_id(self) -> int:
        """The highest version id stored (0 when none)."""
        with self._tx() as s:
            return int(s.scalar(select(func.max(m.Version.id))) or 0)

    def sync_full_text(self, upto: int) -> int:
        """Index versions up to `upto`: full-text search (SQLite) and the stems' frequencies.

        Returns how many versions the full-text index took in (PostgreSQL's needs nothing).
        The count needs each text's distinct stems only, which the linking stage's fingerprints
        leave in memory (`tracker.text.words.distinct_stems`).
        """
        with self._tx() as s:
            added = self.full_text.sync(s, upto)
        count_new_versions(self.engine, upto)
        return added

    def sync_analyses(self, upto: int) -> int:
        """Store the analysis of every version up to `upto` not analysed yet (free text reads it).

        Only free-text questions read these, so they are made when a question comes, not by the
        crawl: done in the claims stage they added about a fifth to a crawl's CPU
        (`benchmarks/claims_cost.py`), more than the whole rest of the stage.
        """
        if self._analyzer is None:
            self._analyzer = Analyzer()
        return sync_analyses(self.engine, upto, self._analyzer)

    def stem_presence(
        self,
        article_ids: Sequence[int],
        stems: Sequence[str],
        read: dict[int, str] | None = None,
        *,
        carrying_only: bool = False,
    ) -> list[tuple[int, int, int | None]]:
        """Every version of these articles with a bit mask of the `stems` its terms hold.

        `read`, when given, takes the terms payloads the backend read out (`stem_presence`);
        with `carrying_only`, versions carrying none of the stems may be left out.
        """
        return stem_presence(self.engine, article_ids, stems, read, carrying_only=carrying_only)

    def article_versions(self, article_ids: Sequence[int]) -> list[tuple[int, int]]:
        """Every version of these articles as (version id, article id), by version id."""
        return article_versions(self.engine, article_ids)

    def terms_of(self, version_ids: Sequence[int]) -> dict[int, str]:
        """The stored terms of these versions (those analysed), by version id."""
        return terms_of(self.engine, version_ids)

    def analysed_rows(
        self, version_ids: Sequence[int], *, of_articles: bool = False
    ) -> dict[int, StoredRow]:
        """These versions' texts and titles with their stored sentences, by version id.

        With `of_articles`, the ids are articles' and every version of each is read.
        """
        return analysed_rows(self.engine, version_ids, of_articles=of_articles)

    def document_frequencies(self, stems: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many stored articles carry each of `stems` (absent: none), and how many there are."""
        return document_frequencies(self.engine, stems)

    def remembered_frequencies(self) -> RememberedFrequencies:
        """`document_frequencies` that reads each stem once while no article is counted."""
        return RememberedFrequencies(self.engine)

    def candidate_versions(
        self,
        concepts: Sequence[Concept],
        *,
        min_share: float,
        after: int = 0,
        upto: int | None = None,
        limit: int | None = None,
    ) -> list[int]:
        """Ids of versions whose words cover `min_share` of a claim's concepts."""
        with self._tx() as s:
            return self.full_text.candidates(
                s, concepts, min_share=min_share, after=after, upto=upto, limit=limit
            )

    def candidate_versions_at(
        self, concepts: Sequence[Concept], *, shares: Sequence[float], after: int, upto: int
    ) -> list[list[int]]:
        """`candidate_versions` at each of `shares`, in id order, from one index query."""
        with self._tx() as s:
            return candidates_at(self.full_text, s, concepts, shares=shares, after=after, upto=upto)

    def covered_versions(self, concepts: Sequence[Concept], *, min_share: float) -> Covered:
        """Every version covering `min_share` of a claim's concepts, with article and weight."""
        with self._tx() as s:
            return self.full_text.covered(s, concepts, min_share=min_share)

    def version_articles(self, ids: Sequence[int]) -> dict[int, int]:
        """The article of each of these versions, by version id."""
        out: dict[int, int] = {}
        with self._tx() as s:
            for chunk in _chunks(sorted(set(ids))):
                query = select(m.Version.id, m.Version.article_id).where(m.Version.id.in_(chunk))
                out.update((int(v), int(a)) for v, a in s.execute(query))
        return out

    def versions_by_id(self, ids: Sequence[int]) -> list[VersionRef]:
        """The versions with these ids, in id order."""
        out: list[VersionRef] = []
        with self._tx() as s:
            for chunk in _chunks(sorted(set(ids))):
                rows = s.execute(select(*_REF_COLUMNS).where(m.Version.id.in_(chunk)))
                out.extend(_version_ref(v) for v in rows)
        return sorted(out, key=lambda v: v.id)

    def save_mentions(
        self, claim_id: int, version_ids: Sequence[int], mentions: Sequence[Mention], upto: int
    ) -> int:
        """Replace the claim's mentions in these versions and move its match mark to `upto`.

        Replacing (not adding) keeps a repeated run idempotent. Returns how many were stored.
        """
        by_version = {mention.version_id for mention in mentions}
        with self._tx() as s:
            for chunk in _chunks(sorted(set(version_ids) | by_version)):
                s.execute(
                    delete(MentionRow).where(
                        MentionRow.claim_id == claim_id, MentionRow.version_id.in_(chunk)
                    )
                )
            articles: dict[int, int] = {}
            for chunk in _chunks(sorted(by_version)):
                pairs = s.execute(
                    select(m.Version.id, m.Version.article_id).where(m.Version.id.in_(chunk))
                )
                articles.update((version_id, article_id) for version_id, article_id in pairs)
            rows = [
                {
                    "claim_id": claim_id,
                    "version_id": mention.version_id,
                    "article_id": articles[mention.version_id],
                    "start": mention.start,
                    "end": mention.end,
                    "sentence": mention.sentence,
                    "stance": mention.stance.value,
                    "score": mention.score,
                }
                for mention in mentions
                if mention.version_id in articles
            ]
            if rows:
                s.execute(insert(MentionRow), rows)
            s.execute(
                update(ClaimRow)
                .where(ClaimRow.id == claim_id, ClaimRow.matched_through < upto)
                .values(matched_through=upto)
            )
            return len(rows)

    def mentioning_articles(self, claim_id: int, after: int, upto: int) -> list[int]:
        """Articles with a mention of the claim in versions (after, upto] (claim, version index)."""
        with self._tx() as s:
            query = select(MentionRow.article_id).where(
                MentionRow.claim_id == claim_id,
                MentionRow.version_id > after,
                MentionRow.version_id <= upto,
            )
            return sorted(set(s.scalars(query)))

    def seed_versions(self, claim_id: int, limit: int) -> list[int]:
        """The first version carrying the claim in a sentence of each article, first `limit`.

        Sentence-level mentions only (event-level ones score below the threshold), the earliest
        stored first: these are the seeds same-event expansion compares candidates with.
        """
        with self._tx() as s:
            first = func.min(MentionRow.version_id)
            query = (
                select(first)
                .where(MentionRow.claim_id == claim_id, MentionRow.score >= MENTION_THRESHOLD)
                .group_by(MentionRow.article_id)
                .order_by(first)
                .limit(limit)
            )
            return [int(v) for v in s.scalars(query)]

    def best_mention_scores(self, claim_id: int) -> dict[int, float]:
        """Per article mentioning the claim, the score of its best mention."""
        with self._tx() as s:
            query = (
                select(MentionRow.article_id, func.max(MentionRow.score))
                .where(MentionRow.claim_id == claim_id)
                .group_by(MentionRow.article_id)
            )
            return {int(article): float(score) for article, score in s.execute(query)}

    def version_mention_scores(self, claim_id: int, version_ids: Sequence[int]) -> dict[int, float]:
        """Per version of `version_ids` that mentions the claim, the score of its best mention."""
        out: dict[int, float] = {}
        with self._tx() as s:
            for chunk in _chunks(sorted(set(version_ids))):
                query = (
                    select(MentionRow.version_id, func.max(MentionRow.score))
                    .where(MentionRow.claim_id == claim_id, MentionRow.version_id.in_(chunk))
                    .group_by(MentionRow.version_id)
                )
                out.update((int(version), float(score)) for version, score in s.execute(query))
        return out

    def first_versions(self, article_ids: Sequence[int]) -> dict[int, VersionRef]:
        """The oldest stored version of each of these articles, by article id."""
        out: dict[int, VersionRef] = {}
        with self._tx() as s:
            for chunk in _chunks(sorted(set(article_ids))):
                first = (
                    select(func.min(m.Version.id))
                    .where(m.Version.article_id.in_(chunk))
                    .group_by(m.Version.article_id)
                )
                rows = s.execute(select(*_REF_COLUMNS).where(m.Version.id.in_(first)))
                out.update((v.article_id, _version_ref(v)) for v in rows)
        return out

    def articles_carrying(self, claim_id: int, article_ids: Sequence[int]) -> set[int]:
        """Those of `article_ids` with a sentence-level mention of the claim in any version."""
        out: set[int] = set()
        with self._tx() as s:
            for chunk in _chunks(sorted(set(article_ids))):
                query = select(MentionRow.article_id).where(
                    MentionRow.claim_id == claim_id,
                    MentionRow.score >= MENTION_THRESHOLD,
                    MentionRow.article_id.in_(chunk),
                )
                out.update(s.scalars(query))
        return out

    # ------------------------------------------------------------ stage marks

    def marks(self, prefix: str) -> dict[str, int]:
        """Every stage mark whose name starts with `prefix`."""
        with self._tx() as s:
            rows = s.execute(
                select(StageMarkRow.name, StageMarkRow.value).where(
                    StageMarkRow.name.startswith(prefix, autoescape=True)
                )
            )
            return {name: int(value) for name, value in rows}

    def set_marks(self, values: Mapping[str, int], *, drop: Sequence[str] = ()) -> None:
        """Set these stage marks and delete the `drop` ones, in one transaction."""
        with self._tx() as s:
            if drop:
                s.execute(delete(StageMarkRow).where(StageMarkRow.name.in_(list(drop))))
            if values:
                # One executemany (the same SQL on both backends), not a read and a write each.
                s.connection().execute(
                    text(_SET_MARK), [{"name": n, "value": v} for n, v in values.items()]
                )

    # ------------------------------------------------------------ uptake

    def dirty_articles(self, claim_id: int) -> list[int]:
        """Articles mentioning the claim whose uptake is missing, stale or older than a check."""
        with self._tx() as s:
            query = (
                select(MentionRow.article_id)
                .distinct()
                .join(m.Article, m.Article.id == MentionRow.article_id)
                .join(
                    UptakeRow,
                    and_(
                        UptakeRow.claim_id == MentionRow.claim_id,
                        UptakeRow.article_id == MentionRow.article_id,
                    ),
                    isouter=True,
                )
                .where(
                    MentionRow.claim_id == claim_id,
                    or_(
                        UptakeRow.id.is_(None),
                        UptakeRow.stale.is_(True),
                        and_(
                            m.Article.last_checked_at.is_not(None),
                            or_(
                                UptakeRow.checked_at.is_(None),
                                m.Article.last_checked_at > UptakeRow.checked_at,
                            ),
                        ),
                    ),
                )
                .order_by(MentionRow.article_id)
            )
            return list(s.scalars(query))

    def article_facts(self, claim_id: int | None, article_ids: Sequence[int]) -> list[ArticleFacts]:
        """Each article with its versions (oldest first) and its mentions of the claim.

        Without a claim (free text matched on the fly) the mentions are left empty.
        """
        out: list[ArticleFacts] = []
        wanted = sorted(set(article_ids))
        if not wanted:
            return out
        with self._tx() as s:
            # The articles and their versions on the driver's cursor, one bound id list each,
            # their values made by the columns' own result processors (the same values as
            # SQLAlchemy's rows): a free-text question reads ~3,000 articles, and the Core rows
            # and their `IN` chunks cost more than the reading (~half of this method).
            conn = s.connection()
            articles, versions = _facts_rows(s, conn, wanted)
            mentions: dict[int, list[MentionFact]] = {}
            for chunk in _chunks(wanted) if claim_id is not None else ():
                stored = (
                    select(MentionRow)
                    .where(MentionRow.claim_id == claim_id, MentionRow.article_id.in_(chunk))
                    .order_by(MentionRow.version_id, MentionRow.start)
                )
                for row in s.scalars(stored):
                    mentions.setdefault(row.article_id, []).append(
                        MentionFact(row.version_id, Stance(row.stance), row.sentence, row.score)
                    )
            for article_id in wanted:
                a = articles.get(article_id)
                if a is None:
                    continue
                out.append(
                    ArticleFacts(
                        article_id=a[0],
                        url=a[1],
                        outlet_id=a[2],
                        first_seen=a[3],
                        state=a[4],
                        taken_down_at=a[5],
                        last_checked_at=a[6],
                        versions=tuple(versions.get(article_id, ())),
                        mentions=tuple(mentions.get(article_id, ())),
                    )
                )
        return out

    def outlet_mentions(
        self, claim_id: int, outlet_ids: Sequence[int]
    ) -> list[tuple[int, int, datetime, int, Stance]]:
        """(article, outlet, first seen, version seq, stance) of every mention by these outlets."""
        out: list[tuple[int, int, datetime, int, Stance]] = []
        with self._tx() as s:
            for chunk in _chunks(sorted(set(outlet_ids))):
                rows = s.execute(
                    select(
                        MentionRow.article_id,
                        m.Article.outlet_id,
                        m.Article.first_seen,
                        m.Version.seq,
                        MentionRow.stance,
                    )
                    .join(m.Article, m.Article.id == MentionRow.article_id)
                    .join(m.Version, m.Version.id == MentionRow.version_id)
                    .where(MentionRow.claim_id == claim_id, m.Article.outlet_id.in_(chunk))
                )
                out.extend((a, o, f, q, Stance(st)) for a, o, f, q, st in rows if o is not None)
        return out

    def article_for_url(self, url: str | None) -> int | None:
        """The stored article a URL leads to, if any."""
        if not url:
            return None
        try:
            form = canonical_url(url)
        except BadInput:
            return None
        with self._tx() as s:
            return s.scalar(select(m.ArticleUrl.article_id).where(m.ArticleUrl.url == form))

    def save_uptakes(
        self,
        claim_id: int,
        records: Sequence[UptakeRecord],
        now: datetime,
        *,
        alerts: Callable[[Sequence[UptakeChange]], Sequence[AlertEvent]] | None = None,
    ) -> int:
        """Store (replace) the uptakes of these articles for the claim.

        `alerts` turns the changes (old state against new) into events, which are stored and
        queued for their destinations in the same transaction as the uptakes.
        """
        if not records:
            return 0
        with self._tx() as s:
            if alerts is not None:
                record_events(s, alerts(_changes(s, claim_id, records)), now)
            for chunk in _chunks(sorted({r.article_id for r in records})):
                s.execute(
                    delete(UptakeRow).where(
                        UptakeRow.claim_id == claim_id, UptakeRow.article_id.in_(chunk)
                    )
                )
            s.execute(
                insert(UptakeRow),
                [
                    {
                        "claim_id": claim_id,
                        "article_id": r.article_id,
                        "role": r.role,
                        "stance": r.stance,
                        "sentence": r.sentence,
                        "repeated_at": r.repeated_at,
                        "kind": r.kind,
                        "event_at": r.event_at,
                        "lag_seconds": r.lag_seconds,
                        "late": r.late,
                        "evidence": r.evidence,
                        "lags": [dict(lag) for lag in r.lags],
                        "checked_at": r.checked_at,
                        "stale": False,
                        "computed_at": now,
                    }
                    for r in records
                ],
            )
            return len(records)

    def mark_outlets_stale(
        self, claim_id: int, outlet_ids: Sequence[int], *, keep_role: str | None = None
    ) -> int:
        """Have the uptakes of these outlets' articles (but those in `keep_role`) recomputed."""
        if not outlet_ids:
            return 0
        with self._tx() as s:
            of_outlets = select(m.Article.id).where(m.Article.outlet_id.in_(list(outlet_ids)))
            query = update(UptakeRow).where(
                UptakeRow.claim_id == claim_id, UptakeRow.article_id.in_(of_outlets)
            )
            if keep_role is not None:
                query = query.where(UptakeRow.role != keep_role)
            return _rowcount(s.execute(query.values(stale=True)))

    def roles_of(self, claim_id: int, article_ids: Sequence[int]) -> dict[int, str]:
        """The stored role of each of these articles, where there is one."""
        out: dict[int, str] = {}
        with self._tx() as s:
            for chunk in _chunks(sorted(set(article_ids))):
                rows = s.execute(
                    select(UptakeRow.article_id, UptakeRow.role).where(
                        UptakeRow.claim_id == claim_id, UptakeRow.article_id.in_(chunk)
                    )
                )
                out.update(list(rows))
        return out

    # ------------------------------------------------------------ read side

    def stored_uptakes(
        self,
        claim_id: int,
        *,
        roles: Sequence[str],
        since: datetime | None = None,
        until: datetime | None = None,
        outlet: str | None = None,
    ) -> list[StoredUptake]:
        """The claim's articles in these roles, first repeat first, filtered."""
        best_score = (  # per article, over the ix_mentions_claim_article index
            select(func.max(MentionRow.score))
            .where(MentionRow.claim_id == claim_id, MentionRow.article_id == m.Article.id)
            .scalar_subquery()
        )
        with self._tx() as s:
            # Columns, not entities: thousands of rows, and the ORM's identity map is not needed.
            query = (
                select(
                    m.Article.id,
                    m.Article.url,
                    m.Article.title,
                    m.Outlet.name,
                    m.Outlet.domain,
                    m.Article.first_seen,
                    m.Article.state,
                    UptakeRow.role,
                    UptakeRow.stance,
                    UptakeRow.sentence,
                    UptakeRow.repeated_at,
                    UptakeRow.kind,
                    UptakeRow.event_at,
                    UptakeRow.lag_seconds,
                    UptakeRow.late,
                    UptakeRow.evidence,
                    UptakeRow.lags,
                    UptakeRow.checked_at,
                    best_score,
                )
                .select_from(UptakeRow)
                .join(m.Article, m.Article.id == UptakeRow.article_id)
                .join(m.Outlet, m.Outlet.id == m.Article.outlet_id, isouter=True)
                .where(UptakeRow.claim_id == claim_id, UptakeRow.role.in_(list(roles)))
            )
            when = func.coalesce(UptakeRow.repeated_at, m.Article.first_seen)
            if since is not None:
                query = query.where(when >= since)
            if until is not None:
                query = query.where(when <= until)
            if outlet:
                wanted = outlet.strip().lower()
                query = query.where(
                    or_(func.lower(m.Outlet.name) == wanted, func.lower(m.Outlet.domain) == wanted)
                )
            query = query.order_by(when, m.Article.id)
            return [
                StoredUptake(
                    article_id=article_id,
                    url=url,
                    title=title,
                    outlet=name or domain or "?",
                    outlet_domain=domain or "",
                    first_seen=first_seen,
                    state=state,
                    role=role,
                    stance=stance,
                    sentence=sentence,
                    repeated_at=repeated_at,
                    kind=kind,
                    event_at=event_at,
                    lag_seconds=lag_seconds,
                    late=late,
                    evidence=evidence,
                    lags=tuple(lags or ()),
                    checked_at=checked_at,
                    best_score=score,
                )
                for (
                    article_id,
                    url,
                    title,
                    name,
                    domain,
                    first_seen,
                    state,
                    role,
                    stance,
                    sentence,
                    repeated_at,
                    kind,
                    event_at,
                    lag_seconds,
                    late,
                    evidence,
                    lags,
                    checked_at,
                    score,
                ) in s.execute(query)
            ]

    def edges_into(self, article_ids: Sequence[int]) -> dict[int, IncomingEdge]:
        """The provenance edge into each article: the primary one, else the best scored."""
        best: dict[int, IncomingEdge] = {}
        with self._tx() as s:
            for chunk in _chunks(sorted(set(article_ids))):
                rows = s.execute(
                    select(EdgeRow, m.Article.url, m.Outlet.name)
                    .join(m.Article, m.Article.id == EdgeRow.source_id)
                    .join(m.Outlet, m.Outlet.id == m.Article.outlet_id, isouter=True)
                    .where(EdgeRow.target_id.in_(chunk))
                    .order_by(EdgeRow.target_id, EdgeRow.primary.desc(), EdgeRow.score.desc())
                )
                for edge, url, outlet in rows:
                    if edge.target_id not in best:
                        best[edge.target_id] = IncomingEdge(
                            edge.target_id,
                            edge.source_id,
                            url,
                            outlet,
                            edge.kind,
                            edge.score,
                            edge.primary,
                            dict(edge.evidence or {}),
                        )
        return best

    def article_outlets(self, article_ids: Sequence[int]) -> dict[int, tuple[str, str, str, str]]:
        """Per article: (url, title, outlet name, outlet domain)."""
        out: dict[int, tuple[str, str, str, str]] = {}
        if not article_ids:
            return out
        with self._tx() as s:
            where, ids = id_list(s, "a.id", article_ids)
            # On the driver's cursor (plain strings): a free-text question names ~3,000.
            rows = driver_rows(
                s.connection(),
                "SELECT a.id, a.url, a.title, o.name, o.domain FROM articles a"  # noqa: S608
                f" LEFT OUTER JOIN outlets o ON o.id = a.outlet_id WHERE {where}",
                {"ids": ids},
            )
            for article_id, url, title, name, domain in rows:
                out[article_id] = (url, title, name or domain or "?", domain or "")
        return out

    def notices_of_claim(
        self, claim_id: int
    ) -> list[tuple[int, int, str, datetime, tuple[str, ...], str]]:
        """(article, version, url, fetched, structured notices, text) of mentioning articles."""
        with self._tx() as s:
            mentioning = select(MentionRow.article_id).where(MentionRow.claim_id == claim_id)
            rows = s.execute(
                select(
                    m.Version.article_id,
                    m.Version.id,
                    m.Article.url,
                    m.Version.fetched_at,
                    m.Version.corrections,
                    m.Version.text,
                )
                .join(m.Article, m.Article.id == m.Version.article_id)
                .where(m.Version.article_id.in_(mentioning))
                .order_by(m.Version.id)
            )
            return [(a, v, u, f, tuple(c or ()), t) for a, v, u, f, c, t in rows]

    def disputing_mentions(self, claim_id: int) -> list[tuple[int, int, str, datetime, str]]:
        """(article, version, url, fetched, sentence) of every mention that disputes the claim."""
        with self._tx() as s:
            rows = s.execute(
                select(
                    MentionRow.article_id,
                    MentionRow.version_id,
                    m.Article.url,
                    m.Version.fetched_at,
                    MentionRow.sentence,
                )
                .join(m.Article, m.Article.id == MentionRow.article_id)
                .join(m.Version, m.Version.id == MentionRow.version_id)
                .where(MentionRow.claim_id == claim_id, MentionRow.stance == Stance.DISPUTES.value)
                .order_by(MentionRow.version_id, MentionRow.start)
            )
            return list(rows)


# ---------------------------------------------------------------- helpers


def _changes(s: Session, claim_id: int, records: Sequence[UptakeRecord]) -> list[UptakeChange]:
    """Each record against the stored uptake it replaces, with its claim, article and outlet."""
    claim = s.get(ClaimRow, claim_id)
    if claim is None:
        return []
    before: dict[int, UptakeState] = {}
    about: dict[int, tuple[str, str, str, str]] = {}
    for chunk in _chunks(sorted({r.article_id for r in records})):
        for row in s.scalars(
            select(UptakeRow).where(UptakeRow.claim_id == claim_id, UptakeRow.article_id.in_(chunk))
        ):
            before[row.article_id] = UptakeState(
                row.role, row.kind, row.late, row.lag_seconds, row.event_at
            )
        rows = s.execute(
            select(m.Article.id, m.Article.url, m.Article.title, m.Outlet.name, m.Outlet.domain)
            .join(m.Outlet, m.Outlet.id == m.Article.outlet_id, isouter=True)
            .where(m.Article.id.in_(chunk))
        )
        for article_id, url, title, name, domain in rows:
            about[article_id] = (url, title, name or domain or "?", domain or "")
    return [
        UptakeChange(
            claim_id=claim_id,
            claim_slug=claim.slug,
            claim_text=claim.text,
            article_id=r.article_id,
            url=about.get(r.article_id, ("", "", "?", ""))[0],
            title=about.get(r.article_id, ("", "", "?", ""))[1],
            outlet=about.get(r.article_id, ("", "", "?", ""))[2],
            outlet_domain=about.get(r.article_id, ("", "", "?", ""))[3],
            before=before.get(r.article_id),
            after=UptakeState(r.role, r.kind, r.late, r.lag_seconds, r.event_at),
            sentence=r.sentence,
            evidence=r.evidence,
            repeated_at=r.repeated_at,
        )
        for r in records
    ]


def _rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or INSERT touched (a DML result is always a cursor result)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield list(ids[start : start + _IN_CHUNK])


def _claim_info(row: ClaimRow) -> ClaimInfo:
    return ClaimInfo(
        row.id, row.slug, row.text, row.origin_url, row.created_at, row.matched_through
    )


def _correction_info(row: CorrectionRow, slug: str) -> CorrectionInfo:
    return CorrectionInfo(
        row.id,
        slug,
        CorrectionKind(row.kind),
        row.published,
        row.url,
        row.text,
        row.created_at,
    )


def _processor(conn: Connection, column: Any) -> Callable[[Any], Any]:
    """What SQLAlchemy makes of `column`'s values read on this connection's driver."""
    dialect = conn.dialect
    made = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return made if made is not None else _as_read


def _as_read(value: Any) -> Any:
    """A value the driver reads as SQLAlchemy hands it on (no processor)."""
    return value


def _facts_rows(
    s: Session, conn: Connection, article_ids: Sequence[int]
) -> tuple[dict[int, tuple[Any, ...]], dict[int, list[VersionRef]]]:
    """`article_facts`' article rows and their versions (oldest first), by article id."""
    where, ids = id_list(s, "id", article_ids)
    article = m.Article.__table__.c
    when = _processor(conn, article.first_seen)
    articles = {
        row[0]: (row[0], row[1], row[2], when(row[3]), row[4], when(row[5]), when(row[6]))
        for row in driver_rows(
            conn,
            "SELECT id, url, outlet_id, first_seen, state, taken_down_at, last_checked_at"  # noqa: S608
            f" FROM articles WHERE {where}",
            {"ids": ids},
        )
    }
    version = m.Version.__table__.c
    fetched = _processor(conn, version.fetched_at)
    links = _processor(conn, version.links)
    corrections = _processor(conn, version.corrections)
    where, ids = id_list(s, "article_id", article_ids)
    versions: dict[int, list[VersionRef]] = {}
    for version_id, article_id, text_, fetched_at, title, links_, corrections_ in driver_rows(
        conn,
        "SELECT id, article_id, text, fetched_at, title, links, corrections FROM versions"  # noqa: S608
        f" WHERE {where} ORDER BY article_id, seq",
        {"ids": ids},
    ):
        versions.setdefault(article_id, []).append(
            VersionRef(
                id=version_id,
                article_id=article_id,
                text=text_,
                fetched_at=fetched(fetched_at),
                title=title,
                links=tuple(Link(d["url"], d.get("text", "")) for d in links(links_) or ()),
                corrections=tuple(corrections(corrections_) or ()),
            )
        )
    return articles, versions


# What a VersionRef is made of: read as columns, not as the ORM's `Version` (whose other
# columns hold the compressed page, and whose objects the session would track).
_REF_COLUMNS = (
    m.Version.id,
    m.Version.article_id,
    m.Version.text,
    m.Version.fetched_at,
    m.Version.title,
    m.Version.links,
    m.Version.corrections,
)


def _version_ref(v: Any) -> VersionRef:
    """A version (ORM object or Core row with the same attribute names) as a VersionRef."""
    return VersionRef(
        id=v.id,
        article_id=v.article_id,
        text=v.text,
        fetched_at=v.fetched_at,
        title=v.title,
        links=tuple(Link(d["url"], d.get("text", "")) for d in v.links or ()),
        corrections=tuple(v.corrections or ()),
    )
