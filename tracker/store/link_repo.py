"""The similarity stage's SQL: pending versions, band lookups, candidates, and writing edges.

Every method is one short transaction on the store's engine, or, inside `LinkRepo.batch()`, a
part of a transaction shared by a few dozen linkings; all of it runs unchanged on SQLite and
PostgreSQL. Only articles with a `link_state` row (linked at least once) are ever offered as
candidates or link targets, so linking sees the store as it was when each article's turn came,
and a rebuild that replays the versions in the same order writes the same edges.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from tracker.domain import MENTION_THRESHOLD, ArticleRef, Edge, EdgeKind, Link, Outlet, Stance
from tracker.domain.links import (
    CLAIM_BASIS,
    ArticleBrief,
    ClaimMention,
    EdgeInfo,
    LinkedArticle,
    LinkTarget,
    LinkWrite,
)
from tracker.errors import BadInput
from tracker.store import models as m
from tracker.store.claim_tables import ClaimRow, MentionRow
from tracker.store.db import transaction
from tracker.store.driver import driver_rows
from tracker.store.link_tables import (
    BandRow,
    EdgeRow,
    LinkStateRow,
    OutletTemplateRow,
    ParagraphCountRow,
)
from tracker.store.repo import Store
from tracker.urls import canonical_url, outlet_domain

__all__ = ["LinkConflict", "LinkRepo"]

# Versions below the newest linked one by more than this are not looked at by an incremental
# pass: the pending lookup stays a short index range however large the store grows. Versions
# committed that much out of order (concurrent writers only) are caught by `pending(full=True)`.
LOOKBACK_VERSIONS = 1000
_STRENGTH = tuple(
    kind.value
    for kind in (
        EdgeKind.LINKS_TO,
        EdgeKind.CREDITS,
        EdgeKind.COMMON_SOURCE,
        EdgeKind.COPIES,
        EdgeKind.PARAPHRASES,
    )
)


_CARRYING = (Stance.ASSERTS.value, Stance.ATTRIBUTES.value)
# Inside `LinkRepo.batch()`, linkings are committed together, at most this many or after this
# long: one transaction instead of a dozen per article, yet SQLite's write lock is never held
# for long (another writer waits up to its busy timeout), and a killed pass loses little.
GROUP_SAVES = 50
GROUP_SECONDS = 1.0


def _by_claim() -> ColumnElement[bool]:
    """True for edges inferred from a shared claim (JSON path: same SQL shape on both backends)."""
    return func.coalesce(EdgeRow.evidence["basis"].as_string(), "") == CLAIM_BASIS


_IN_CHUNK = 500  # ids per IN (...) list, well under every backend's parameter limit


class LinkConflict(Exception):
    """Another process wrote the same article's edges at the same moment (skip it this pass)."""


@functools.cache
def _bucket_query(size: int) -> str:
    """One statement reading the newest members of `size` (band, hash) buckets."""
    parts = [
        f"SELECT * FROM (SELECT article_id, band FROM link_bands WHERE band = :b{i} AND "  # noqa: S608
        f"hash = :h{i} ORDER BY article_id DESC LIMIT :k) AS q{i}"
        for i in range(size)
    ]
    return " UNION ALL ".join(parts)


@functools.lru_cache(maxsize=256)
def _paragraph_counts_query(size: int) -> str:
    """How many of one outlet's (`:outlet`) articles carry each of `size` hashes (`:h0`...)."""
    listed = ", ".join(f":h{i}" for i in range(size))
    return (
        "SELECT hash, pages FROM link_paragraphs "  # noqa: S608 (numbered parameters only)
        f"WHERE outlet_id = :outlet AND hash IN ({listed})"
    )


_INSERT_BANDS = (
    "INSERT INTO link_bands (article_id, band, hash, version_id) VALUES (:article, :band, :hash, "
    ":version)"
)
# One more page for each paragraph hash of an outlet (an upsert, the same SQL on both databases).
_COUNT_PARAGRAPH = (
    "INSERT INTO link_paragraphs (outlet_id, hash, pages) VALUES (:outlet, :hash, 1) "
    "ON CONFLICT (outlet_id, hash) DO UPDATE SET pages = link_paragraphs.pages + 1"
)


class LinkRepo:
    """Reads and writes of the linking stage over one store's engine."""

    def __init__(self, store: Store) -> None:
        self.engine: Engine = store.engine
        self.store = store
        self._group: _Group | None = None

    def _tx(self) -> AbstractContextManager[Session]:
        if self._group is None:
            return transaction(self.engine)
        return self._group.session()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Run the reads and writes inside in shared transactions (see GROUP_SAVES).

        The reads see the writes before them, as they would have one transaction each. A
        conflict in a `save`, and whatever else raises out of the block, rolls back what is
        not committed yet: linked again later in the pass, or on the next one.
        """
        if self._group is not None:
            yield
            return
        self._group = _Group(self.engine)
        try:
            yield
        except BaseException as exc:
            self._group.close(exc)
            raise
        else:
            self._group.close(None)
        finally:
            self._group = None

    # ------------------------------------------------------------ work to do

    def pending(self, limit: int, *, full: bool = False) -> list[int]:
        """Ids of versions newer than their article's linked one, oldest first."""
        with self._tx() as s:
            floor = 0
            if not full:
                newest = s.scalar(select(func.max(LinkStateRow.version_id))) or 0
                floor = newest - LOOKBACK_VERSIONS
            query = (
                select(m.Version.id)
                .join(LinkStateRow, LinkStateRow.article_id == m.Version.article_id, isouter=True)
                .where(
                    m.Version.id > floor,
                    LinkStateRow.version_id.is_(None) | (LinkStateRow.version_id < m.Version.id),
                )
                .order_by(m.Version.id)
                .limit(limit)
            )
            return list(s.scalars(query))

    def refs_of_versions(self, version_ids: Collection[int]) -> dict[int, ArticleRef]:
        """The article of each of these versions, as linking orders them (by version id)."""
        ids = sorted(set(version_ids))
        out: dict[int, ArticleRef] = {}
        with self._tx() as s:
            conn = s.connection()
            for start in range(0, len(ids), _IN_CHUNK):
                rows = conn.execute(_refs_query(), {"ids": ids[start : start + _IN_CHUNK]})
                out.update((row.id, _article_ref(row)) for row in rows)
        return out

    def flagged(self) -> list[int]:
        """Articles waiting to be linked again, lowest id first."""
        with self._tx() as s:
            query = select(LinkStateRow.article_id).where(LinkStateRow.relink.is_(True))
            return list(s.scalars(query.order_by(LinkStateRow.article_id)))

    def target(self, version_id: int) -> LinkTarget | None:
        """The version to link, or None when it is gone or its article is linked past it."""
        with self._tx() as s:
            conn = s.connection()
            row = conn.execute(_target_by_version(), {"version": version_id}).first()
            if row is None:
                return None
            linked = row.linked_version
            if linked is not None and linked >= version_id:
                return None
            previous = None
            if linked is not None:
                previous = conn.execute(_seq_and_text(), {"version": linked}).first()
            if previous is not None and previous.seq > row.seq:
                # An older text backfilled from an archive: the later text stays the linked one
                # (the import flags the article for a relink, which weighs its earlier sighting).
                return None
            return _target(row, previous.text if previous else None, frozenset())

    def relink_target(self, article_id: int) -> LinkTarget | None:
        """The linked version of a flagged article, with the boilerplate found back then."""
        with self._tx() as s:
            query = _target_query(LinkStateRow.boilerplate).where(
                LinkStateRow.article_id == article_id,
                m.Version.id == LinkStateRow.version_id,
            )
            row = s.execute(query).first()
            if row is None:
                return None
            return _target(row, row.text, frozenset(row.boilerplate or ()))

    def outlets(self) -> list[Outlet]:
        """Every known outlet with the names it is credited under."""
        return [Outlet(o.name, o.domain, o.aliases) for o in self.store.list_outlets()]

    # ------------------------------------------------------------ candidates

    def paragraph_counts(self, outlet_id: int, hashes: Collection[int]) -> dict[int, int]:
        """How many of the outlet's articles carry each of these paragraph hashes."""
        if not hashes:
            return {}
        wanted = sorted(hashes)
        out: dict[int, int] = {}
        with self._tx() as s:
            conn = s.connection()
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                params: dict[str, int] = {"outlet": outlet_id}
                params.update((f"h{i}", digest) for i, digest in enumerate(chunk))
                out.update(driver_rows(conn, _paragraph_counts_query(len(chunk)), params))
        return out

    def outlet_template(self, outlet_id: int) -> frozenset[int]:
        """The paragraph hashes of the outlet's home page (none when it was not read)."""
        with self._tx() as s:
            query = select(OutletTemplateRow.hashes).where(OutletTemplateRow.outlet_id == outlet_id)
            return frozenset(s.scalar(query) or ())

    def band_hits(self, bands: Sequence[tuple[int, int]], per_bucket: int) -> list[tuple[int, int]]:
        """(article id, band) of the newest `per_bucket` articles in each of these buckets."""
        if not bands:
            return []
        params: dict[str, int] = {"k": per_bucket}
        for i, (band, digest) in enumerate(bands):
            params[f"b{i}"], params[f"h{i}"] = band, digest
        with self._tx() as s:
            # Rows as both drivers give them: tuples of Python ints.
            return driver_rows(s.connection(), _bucket_query(len(bands)), params)

    def linked(self, ids: Iterable[int]) -> dict[int, LinkedArticle]:
        """The linked articles among `ids`, with their refs."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self._tx() as s:
            return {
                row.id: LinkedArticle(
                    _ref(row, row.domain), row.version_id, frozenset(row.boilerplate or ())
                )
                for row in s.connection().execute(_linked_query(), {"ids": wanted})
            }

    def versions(self, ids: Iterable[int]) -> dict[int, list[tuple[int, datetime]]]:
        """(version id, fetched at) of each of these articles' versions, oldest first."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self._tx() as s:
            out: dict[int, list[tuple[int, datetime]]] = {}
            for article, version, fetched in s.connection().execute(
                _versions_query(), {"ids": wanted}
            ):
                out.setdefault(article, []).append((version, fetched))
            return out

    def texts(self, version_ids: Iterable[int]) -> dict[int, str]:
        """The stored texts of these versions."""
        wanted = sorted(set(version_ids))
        if not wanted:
            return {}
        with self._tx() as s:
            rows = s.connection().execute(_texts_query(), {"ids": wanted})
            return {vid: body for vid, body in rows}

    def resolve_links(self, urls: Iterable[str]) -> dict[str, int]:
        """Linked articles that these URLs lead to, through every known alias (href -> id)."""
        canonical: dict[str, str] = {}
        for url in urls:
            try:
                canonical.setdefault(canonical_url(url), url)
            except BadInput:
                continue
        if not canonical:
            return {}
        with self._tx() as s:
            rows = s.connection().execute(_resolve_query(), {"urls": list(canonical)})
            return {canonical[url]: article for url, article in rows}

    def outlet_headlines(
        self, domain: str, since: datetime, until: datetime, limit: int
    ) -> list[tuple[int, str]]:
        """The outlet's newest linked articles first seen within [since, until], with titles."""
        with self._tx() as s:
            query = (
                select(m.Article.id, m.Article.title)
                .join(m.Outlet, m.Outlet.id == m.Article.outlet_id)
                .join(LinkStateRow, LinkStateRow.article_id == m.Article.id)
                .where(
                    m.Outlet.domain == domain,
                    m.Article.first_seen >= since,
                    m.Article.first_seen <= until,
                )
                .order_by(m.Article.first_seen.desc(), m.Article.id.desc())
                .limit(limit)
            )
            return [(article_id, title) for article_id, title in s.execute(query)]

    def outlet_band_hits(
        self,
        domain: str,
        bands: Sequence[tuple[int, int]],
        since: datetime,
        until: datetime,
        limit: int,
    ) -> list[int]:
        """The outlet's linked articles first seen within [since, until] sharing most of `bands`.

        One index lookup per (band, hash) bucket, as the candidate search does, then kept to
        one outlet's articles: however many other articles it published since, the one whose
        text matches is found (the buckets' size, not the outlet's, sets the cost). The hits
        are counted in a grouped subquery first: written as one join, SQLite walked the
        outlet's articles of the window and every band row of each (90 days of a credited
        outlet), which grew with the store (`benchmarks/linking_cost.py`).
        """
        if not bands:
            return []
        buckets = or_(
            *(and_(BandRow.band == band, BandRow.hash == digest) for band, digest in bands)
        )
        counted = (
            select(BandRow.article_id.label("article_id"), func.count().label("hits"))
            .where(buckets)
            .group_by(BandRow.article_id)
            .subquery()
        )
        query = (
            select(counted.c.article_id, counted.c.hits)
            .join(m.Article, m.Article.id == counted.c.article_id)
            .join(m.Outlet, m.Outlet.id == m.Article.outlet_id)
            .where(
                m.Outlet.domain == domain,
                m.Article.first_seen >= since,
                m.Article.first_seen <= until,
            )
            .order_by(counted.c.hits.desc(), counted.c.article_id.desc())
            .limit(limit)
        )
        with self._tx() as s:
            return [int(article) for article, _ in s.execute(query)]

    def sources(self, ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
        """The sources linking chose from the texts of these articles, the primary one first."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self._tx() as s:
            out: dict[int, list[int]] = {}
            for target, source in s.connection().execute(_sources_query(), {"ids": wanted}):
                out.setdefault(target, []).append(source)
            return {target: tuple(sources) for target, sources in out.items()}

    # ------------------------------------------------------------ writing

    def save(self, work: LinkWrite) -> None:
        """Write one linking: edges, and unless relinking, bands, counts and progress."""
        with self._writing(work.article_id) as s:
            conn = s.connection()
            _write_edges(conn, work)
            if work.relinking:
                conn.execute(_relinked(), {"article": work.article_id})
                return
            if not work.first:
                conn.execute(_delete_bands(), {"article": work.article_id})
            if work.bands:
                article, version = work.article_id, work.version_id
                driver_rows(
                    conn,
                    _INSERT_BANDS,
                    [
                        {"article": article, "band": band, "hash": digest, "version": version}
                        for band, digest in work.bands
                    ],
                )
            if work.outlet_id is not None and work.counted:
                _count_paragraphs(conn, work.outlet_id, work.counted)
            conn.execute(
                _upsert_state(conn.dialect.name),
                {
                    "article_id": work.article_id,
                    "version_id": work.version_id,
                    "linked_at": work.now,
                    "boilerplate": sorted(work.boilerplate),
                    "unresolved": [dict(item) for item in work.unresolved],
                    "relink": False,
                },
            )
            relink = sorted(set(work.relink) - {work.article_id})
            if relink:
                conn.execute(
                    update(LinkStateRow)
                    .where(LinkStateRow.article_id.in_(relink))
                    .values(relink=True)
                )

    @contextmanager
    def _writing(self, article_id: int) -> Iterator[Session]:
        """One article's writes: its own transaction, or a part of the batch's.

        No savepoint per article inside a batch (they cost a sixth of every write): a conflict
        rolls the batch's uncommitted writes back, and the pass links those versions again
        (they are pending once more), as it would after being killed.
        """
        group = self._group
        try:
            with self._tx() as s:
                try:
                    yield s
                finally:
                    if group is not None:
                        # Rows are written through Core: no ORM object may outlive its write.
                        s.expunge_all()
        except IntegrityError as exc:
            if group is not None:
                group.close(exc)
            raise LinkConflict(f"article {article_id} was linked by another process") from exc
        if group is not None:
            group.saved()

    # ------------------------------------------------------------ claim-based edges

    def has_source(self, article_id: int, *, except_version: int | None = None) -> bool:
        """True when the article has an edge found in its texts (from a version but this one)."""
        with self._tx() as s:
            query = select(EdgeRow.id).where(EdgeRow.target_id == article_id, ~_by_claim())
            if except_version is not None:
                query = query.where(
                    EdgeRow.version_id.is_(None) | (EdgeRow.version_id != except_version)
                )
            return s.scalar(query.limit(1)) is not None

    def carrying_articles(self, version_ids: Collection[int]) -> set[int]:
        """The articles of these versions with a mention that carries a claim, in any version.

        One statement for a batch of versions to link: most articles carry no claim, and for
        those linking need not read their mentions one by one (`claim_mentions`).
        """
        ids = sorted(set(version_ids))
        out: set[int] = set()
        linked = m.Version.__table__.alias("linked")
        with self._tx() as s:
            for start in range(0, len(ids), _IN_CHUNK):
                query = (
                    select(m.Version.article_id)
                    .join(linked, linked.c.article_id == m.Version.article_id)
                    .join(MentionRow, MentionRow.version_id == m.Version.id)
                    .where(
                        linked.c.id.in_(ids[start : start + _IN_CHUNK]),
                        MentionRow.stance.in_(_CARRYING),
                        MentionRow.score >= MENTION_THRESHOLD,
                    )
                    .distinct()
                )
                out.update(s.scalars(query))
        return out

    def claim_mentions(self, article_id: int) -> list[ClaimMention]:
        """The article's mentions that carry a claim, oldest version first (versions index)."""
        with self._tx() as s:
            versions = select(m.Version.id).where(m.Version.article_id == article_id)
            return self._mentions(s, MentionRow.version_id.in_(versions), None)

    def claim_mentions_of(self, article_ids: Sequence[int]) -> dict[int, list[ClaimMention]]:
        """`claim_mentions` of each of these articles (absent: none), a few queries for all."""
        out: dict[int, list[ClaimMention]] = {}
        ids = sorted(set(article_ids))
        with self._tx() as s:
            for start in range(0, len(ids), _IN_CHUNK):
                versions = select(m.Version.id).where(
                    m.Version.article_id.in_(ids[start : start + _IN_CHUNK])
                )
                for mention in self._mentions(s, MentionRow.version_id.in_(versions), None):
                    out.setdefault(mention.article.id, []).append(mention)
        return out

    def edged_articles(self, article_ids: Sequence[int], *, by_claim: bool) -> set[int]:
        """Those of `article_ids` with an edge found in their texts (or, `by_claim`, by claim)."""
        out: set[int] = set()
        ids = sorted(set(article_ids))
        basis = _by_claim() if by_claim else ~_by_claim()
        with self._tx() as s:
            for start in range(0, len(ids), _IN_CHUNK):
                query = select(EdgeRow.target_id).where(
                    EdgeRow.target_id.in_(ids[start : start + _IN_CHUNK]), basis
                )
                out.update(s.scalars(query.distinct()))
        return out

    def earliest_claim_mentions(self, claim_id: int, limit: int) -> list[ClaimMention]:
        """The first `limit` mentions carrying the claim, in the order their versions were stored.

        One range of the (claim, version, start) index: its cost does not grow with the store.
        """
        with self._tx() as s:
            return self._mentions(s, MentionRow.claim_id == claim_id, limit)

    def _mentions(
        self, s: Session, where: ColumnElement[bool], limit: int | None
    ) -> list[ClaimMention]:
        query = (
            select(MentionRow, ClaimRow.slug, m.Version.fetched_at, m.Article, m.Outlet.domain)
            .join(ClaimRow, ClaimRow.id == MentionRow.claim_id)
            .join(m.Version, m.Version.id == MentionRow.version_id)
            .join(m.Article, m.Article.id == MentionRow.article_id)
            .join(m.Outlet, m.Outlet.id == m.Article.outlet_id, isouter=True)
            # Event-level mentions (same-event expansion) are independent reports of the event,
            # not copies of a claim's wording: no claim-based provenance rests on them.
            .where(
                where,
                MentionRow.stance.in_(_CARRYING),
                MentionRow.score >= MENTION_THRESHOLD,
            )
            .order_by(MentionRow.version_id, MentionRow.start, MentionRow.claim_id)
        )
        if limit is not None:
            query = query.limit(limit)
        return [
            ClaimMention(
                claim_id=row.claim_id,
                slug=slug,
                article=_ref(article, domain),
                version_id=row.version_id,
                fetched_at=fetched_at,
                start=row.start,
                end=row.end,
                sentence=row.sentence,
                stance=Stance(row.stance),
            )
            for row, slug, fetched_at, article, domain in s.execute(query)
        ]

    def save_claim_edges(self, article_id: int, edges: Sequence[Edge], now: datetime) -> bool:
        """Replace the article's claim-based edges; none when it has a textual source by now.

        They belong to the article's linked version; an article not linked yet is left to
        linking, which computes them itself. Returns whether anything changed.
        """
        with self._writing(article_id) as s:
            linked = s.scalar(
                select(LinkStateRow.version_id).where(LinkStateRow.article_id == article_id)
            )
            if linked is None:
                return False
            rows = list(s.scalars(select(EdgeRow).where(EdgeRow.target_id == article_id)))
            textual = [row for row in rows if not _is_claim_row(row)]
            old = [row for row in rows if _is_claim_row(row)]
            wanted = [] if textual else list(edges)
            if _same_claim_edges(old, wanted, linked):
                return False
            for row in old:
                s.delete(row)
            s.flush()
            _insert_claim_edges(s, article_id, linked, wanted, now)
            return True

    def claim_edge_targets(self) -> list[int]:
        """Every article with a claim-based edge (a scan: only after a claim was deleted)."""
        with self._tx() as s:
            query = select(EdgeRow.target_id).where(_by_claim()).distinct()
            return sorted(s.scalars(query))

    # ------------------------------------------------------------ read side

    def briefs(self, ids: Iterable[int]) -> dict[int, ArticleBrief]:
        """These articles with their outlets' names."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self._tx() as s:
            query = (
                select(m.Article, m.Outlet.name)
                .join(m.Outlet, m.Outlet.id == m.Article.outlet_id, isouter=True)
                .where(m.Article.id.in_(wanted))
            )
            return {
                a.id: ArticleBrief(a.id, a.url, name, a.title, a.first_seen, a.published)
                for a, name in s.execute(query)
            }

    def edges(
        self,
        *,
        targets: Iterable[int] | None = None,
        sources: Iterable[int] | None = None,
        primary: bool = False,
    ) -> list[EdgeInfo]:
        """Stored edges into `targets` or out of `sources` (or all primary ones), primary first."""
        query = select(EdgeRow)
        if targets is not None:
            query = query.where(EdgeRow.target_id.in_(sorted(set(targets))))
        if sources is not None:
            query = query.where(EdgeRow.source_id.in_(sorted(set(sources))))
        if primary:
            query = query.where(EdgeRow.primary.is_(True))
        query = query.order_by(EdgeRow.target_id, EdgeRow.primary.desc(), EdgeRow.id)
        with self._tx() as s:
            return [
                EdgeInfo(
                    r.source_id,
                    r.target_id,
                    EdgeKind(r.kind),
                    r.score,
                    dict(r.evidence or {}),
                    r.version_id,
                    r.primary,
                )
                for r in s.scalars(query)
            ]

    def unresolved(self, article_id: int) -> list[dict[str, Any]]:
        """Credits of the article's linked version that name an outlet with no stored source."""
        with self._tx() as s:
            state = s.get(LinkStateRow, article_id)
            return [dict(item) for item in state.unresolved or ()] if state else []

    def reset(self) -> None:
        """Forget every edge, band, paragraph count and linking progress (before a rebuild)."""
        with self._tx() as s:
            for table in (EdgeRow, BandRow, ParagraphCountRow, LinkStateRow):
                s.execute(delete(table))


# ---------------------------------------------------------------- helpers


def _ref(article: Any, domain: str | None) -> ArticleRef:
    """The ref of an article (its row, or a result row with its columns)."""
    return ArticleRef(
        id=article.id,
        url=article.url,
        outlet=domain or outlet_domain(article.url),
        first_seen=article.first_seen,
        published=article.published,
        title=article.title,
    )


@functools.cache
def _target_by_version() -> Any:
    """`_target_query` of one version (`:version`), built once."""
    return _target_query().where(m.Version.id == bindparam("version"))


@functools.cache
def _seq_and_text() -> Any:
    """The seq and text of one version (`:version`)."""
    return select(m.Version.seq, m.Version.text).where(m.Version.id == bindparam("version"))


# The statements linking runs for every article, built once with their parameters bound at
# execution (`:ids` and the like expand to IN lists): building and hashing a statement anew
# for each call cost more than running it.


@functools.cache
def _linked_query() -> Any:
    """The linked articles among `:ids`: the columns of their refs and their link state."""
    return (
        select(
            m.Article.id,
            m.Article.url,
            m.Article.first_seen,
            m.Article.published,
            m.Article.title,
            m.Outlet.domain,
            LinkStateRow.version_id,
            LinkStateRow.boilerplate,
        )
        .join(LinkStateRow, LinkStateRow.article_id == m.Article.id)
        .join(m.Outlet, m.Outlet.id == m.Article.outlet_id, isouter=True)
        .where(m.Article.id.in_(bindparam("ids", expanding=True)))
    )


@functools.cache
def _refs_query() -> Any:
    """The columns of the article refs of the versions `:ids`."""
    return (
        select(
            m.Version.id,
            m.Article.id.label("article_id"),
            m.Article.url,
            m.Article.first_seen,
            m.Article.published,
            m.Article.title,
            m.Outlet.domain,
        )
        .join(m.Article, m.Article.id == m.Version.article_id)
        .join(m.Outlet, m.Outlet.id == m.Article.outlet_id, isouter=True)
        .where(m.Version.id.in_(bindparam("ids", expanding=True)))
    )


@functools.cache
def _versions_query() -> Any:
    """(article, version, fetched at) of the versions of `:ids`."""
    return (
        select(m.Version.article_id, m.Version.id, m.Version.fetched_at)
        .where(m.Version.article_id.in_(bindparam("ids", expanding=True)))
        # By seq, not id: a text backfilled from an archive has a later id.
        .order_by(m.Version.article_id, m.Version.seq)
    )


@functools.cache
def _texts_query() -> Any:
    """The texts of the versions `:ids`."""
    return select(m.Version.id, m.Version.text).where(
        m.Version.id.in_(bindparam("ids", expanding=True))
    )


@functools.cache
def _resolve_query() -> Any:
    """The linked articles the URLs `:urls` lead to."""
    return (
        select(m.ArticleUrl.url, m.ArticleUrl.article_id)
        .join(LinkStateRow, LinkStateRow.article_id == m.ArticleUrl.article_id)
        .where(m.ArticleUrl.url.in_(bindparam("urls", expanding=True)))
    )


@functools.cache
def _sources_query() -> Any:
    """(target, source) of the textual edges into `:ids`, each target's primary one first."""
    # Claim-based edges are not text that a paraphrase could have passed on.
    return (
        select(EdgeRow.target_id, EdgeRow.source_id)
        .where(EdgeRow.target_id.in_(bindparam("ids", expanding=True)), ~_by_claim())
        .order_by(EdgeRow.target_id, EdgeRow.primary.desc(), EdgeRow.source_id)
    )


@functools.cache
def _target_query(*extra: Any) -> Any:
    """The columns `_target` reads: a version with its article, outlet and linking state."""
    return (
        select(
            m.Version.id,
            m.Version.seq,
            m.Version.text,
            m.Version.links,
            m.Article.id.label("article_id"),
            m.Article.url,
            m.Article.outlet_id,
            m.Article.first_seen,
            m.Article.published,
            m.Article.title,
            m.Outlet.domain,
            LinkStateRow.version_id.label("linked_version"),
            OutletTemplateRow.hashes.label("site"),
            *extra,
        )
        .join(m.Article, m.Article.id == m.Version.article_id)
        .join(m.Outlet, m.Outlet.id == m.Article.outlet_id, isouter=True)
        .join(LinkStateRow, LinkStateRow.article_id == m.Article.id, isouter=True)
        # The outlet's home-page paragraphs in the same statement, not one more per article.
        .join(OutletTemplateRow, OutletTemplateRow.outlet_id == m.Article.outlet_id, isouter=True)
    )


def _article_ref(row: Any) -> ArticleRef:
    """The article of a row of `_target_query` or `_refs_query`."""
    return ArticleRef(
        id=row.article_id,
        url=row.url,
        outlet=row.domain or outlet_domain(row.url),
        first_seen=row.first_seen,
        published=row.published,
        title=row.title,
    )


def _target(row: Any, previous_text: str | None, boilerplate: frozenset[int]) -> LinkTarget:
    return LinkTarget(
        ref=_article_ref(row),
        outlet_id=row.outlet_id,
        version_id=row.id,
        text=row.text,
        links=tuple(Link(d["url"], d.get("text", "")) for d in row.links or ()),
        previous_text=previous_text,
        boilerplate=boilerplate,
        site=frozenset(row.site or ()),
    )


@functools.cache
def _relinked() -> Any:
    """Clear one article's (`:article`) relink flag."""
    state = LinkStateRow.__table__.c
    return update(LinkStateRow).where(state.article_id == bindparam("article")).values(relink=False)


@functools.cache
def _delete_bands() -> Any:
    """Forget one article's (`:article`) band hashes."""
    return delete(BandRow).where(BandRow.article_id == bindparam("article"))


@functools.cache
def _upsert_state(dialect: str) -> Insert:
    """Insert or update an article's linking state (one statement on both databases)."""
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(LinkStateRow)
    return statement.on_conflict_do_update(
        index_elements=[LinkStateRow.article_id],
        set_={
            name: statement.excluded[name]
            for name in ("version_id", "linked_at", "boilerplate", "unresolved", "relink")
        },
    )


def _count_paragraphs(conn: Connection, outlet_id: int, hashes: Collection[int]) -> None:
    """Add one page to each paragraph hash of the outlet (an upsert on both databases)."""
    rows = [{"outlet": outlet_id, "hash": digest} for digest in sorted(hashes)]
    driver_rows(conn, _COUNT_PARAGRAPH, rows)


class _Group:
    """The open transaction of `LinkRepo.batch()`, committed every few saves."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._open: ExitStack | None = None
        self._session: Session | None = None
        self._saves = 0
        self._since = 0.0

    @contextmanager
    def session(self) -> Iterator[Session]:
        if self._session is None:
            stack = ExitStack()
            self._session = stack.enter_context(transaction(self.engine))
            self._open, self._saves, self._since = stack, 0, time.monotonic()
        yield self._session

    def saved(self) -> None:
        self._saves += 1
        if self._saves >= GROUP_SAVES or time.monotonic() - self._since >= GROUP_SECONDS:
            self.close(None)

    def close(self, exc: BaseException | None) -> None:
        stack, self._open, self._session = self._open, None, None
        if stack is not None:
            if exc is None:
                stack.close()  # commits
            else:
                stack.__exit__(type(exc), exc, exc.__traceback__)  # rolls back


def _write_edges(conn: Connection, work: LinkWrite) -> None:
    """Merge this version's edges into the article's edges from earlier versions.

    An article's provenance is what any of its versions showed: an edge found for an earlier
    version stays unless this version finds the same source as strongly or more strongly (then
    the new evidence replaces it). The primary source is the one the earliest version chose;
    this version's choice counts only when no earlier version had one. Edges this same version
    wrote before (a relink) are replaced outright.

    Core statements, no ORM objects: most articles have no stored edge yet, and the ORM's unit
    of work cost more per article than reading and writing the few rows.
    """
    edges = EdgeRow.__table__.c
    rows = conn.execute(_edges_of_target(), {"target": work.article_id}).all()
    gone: list[int] = []
    kept: list[Any] = []
    for row in rows:
        # Claim-based edges are recomputed with every write (`work.claim_edges`), never kept.
        if row.version_id == work.version_id or _is_claim_evidence(row.evidence):
            gone.append(row.id)
        else:
            kept.append(row)
    fresh = {edge.source_id: edge for edge in work.edges}
    primary_source = next((row.source_id for row in kept if row.primary), work.primary)
    changed: list[dict[str, object]] = []
    for row in kept:
        edge = fresh.get(row.source_id)
        if edge is not None and _STRENGTH.index(edge.kind.value) <= _STRENGTH.index(row.kind):
            gone.append(row.id)
            continue
        fresh.pop(row.source_id, None)
        primary = row.source_id == primary_source
        if primary != row.primary:
            changed.append({"b_id": row.id, "b_primary": primary})
    if gone:
        conn.execute(delete(EdgeRow).where(edges.id.in_(gone)))
    if changed:
        conn.execute(
            update(EdgeRow)
            .where(edges.id == bindparam("b_id"))
            .values(primary=bindparam("b_primary")),
            changed,
        )
    if fresh:
        conn.execute(
            insert(EdgeRow),
            [
                {
                    "source_id": edge.source_id,
                    "target_id": work.article_id,
                    "kind": edge.kind.value,
                    "score": edge.score,
                    "evidence": edge.evidence,
                    "version_id": work.version_id,
                    "primary": edge.source_id == primary_source,
                    "created_at": work.now,
                }
                for edge in fresh.values()
            ],
        )
    if not kept and not fresh:
        _insert_claim_edges(conn, work.article_id, work.version_id, work.claim_edges, work.now)


@functools.cache
def _edges_of_target() -> Any:
    """The stored edges into one article, the columns `_write_edges` weighs (built once)."""
    edges = EdgeRow.__table__.c
    return (
        select(edges.id, edges.source_id, edges.kind, edges.version_id, edges.primary)
        .add_columns(edges.evidence)
        .where(edges.target_id == bindparam("target"))
        .order_by(edges.id)
    )


def _is_claim_evidence(evidence: Mapping[str, Any] | None) -> bool:
    return evidence is not None and evidence.get("basis") == CLAIM_BASIS


def _is_claim_row(row: EdgeRow) -> bool:
    return _is_claim_evidence(row.evidence)


def _same_claim_edges(old: Sequence[EdgeRow], new: Sequence[Edge], version_id: int) -> bool:
    """True when the stored claim-based edges are already these (nothing to write)."""
    stored = {(r.source_id, r.kind): (r.score, r.primary, r.version_id, r.evidence) for r in old}
    wanted = {
        (e.source_id, e.kind.value): (e.score, i == 0, version_id, e.evidence)
        for i, e in enumerate(new)
    }
    return len(stored) == len(old) and stored == wanted


def _insert_claim_edges(
    s: Session | Connection, article_id: int, version_id: int, edges: Sequence[Edge], now: datetime
) -> None:
    """Write claim-based edges of an article that has no other edge, the first one primary."""
    if edges:
        s.execute(
            insert(EdgeRow),
            [
                {
                    "source_id": edge.source_id,
                    "target_id": article_id,
                    "kind": edge.kind.value,
                    "score": edge.score,
                    "evidence": edge.evidence,
                    "version_id": version_id,
                    "primary": i == 0,
                    "created_at": now,
                }
                for i, edge in enumerate(edges)
            ],
        )
