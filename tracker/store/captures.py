"""Archived captures in and out: versions stored in time order from a WARC file, and read back.

A capture is a page seen at a moment someone else chose (an archive's crawl), so unlike a fetch
it may be older than what is stored: it becomes the version it was at that moment, placed among
the article's versions by time, and the article counts as first seen at its earliest sighting.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from tracker.domain import ArticleState
from tracker.domain.crawl import NewArticle
from tracker.errors import StoreFailed, StoreRefused
from tracker.store import models as m
from tracker.store.link_tables import LinkStateRow
from tracker.store.raw_pages import unpack_page
from tracker.store.repo import (
    Store,
    _add_aliases,
    _aliases,
    _attach,
    _chunks,
    _first_line,
    _url_that_fits,
    _version_values,
)

__all__ = ["CaptureStore", "Saved", "StoredCapture"]


class Saved(StrEnum):
    """What storing one capture did."""

    NEW_ARTICLE = "warc_article_new"  # a URL not stored before
    NEW_VERSION = "warc_version_new"  # another text of a stored article, placed by time
    EARLIER = "warc_seen_earlier"  # the same text as the next version, seen earlier: moved back
    UNCHANGED = "warc_unchanged"  # the same text as the version it follows
    DUPLICATE = "warc_duplicate"  # this record was imported before


@dataclass(frozen=True, slots=True)
class StoredCapture:
    """A stored version as an archive would replay it: the URL, when, the status, the bytes."""

    article_id: int
    url: str
    fetched_at: datetime
    status: int
    html: bytes


class CaptureStore:
    """Writes captures among an article's versions by time, and reads versions back as pages."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def known(self, record_ids: Iterable[str]) -> set[str]:
        """The record ids among these that some version was already read from."""
        wanted = sorted(set(record_ids))
        if not wanted:
            return set()
        with self.store._tx(write=False) as s:
            query = select(m.Version.warc_record_id).where(m.Version.warc_record_id.in_(wanted))
            return {r for r in s.scalars(query) if r is not None}

    def imported_from(self, warc_file: str) -> bool:
        """Whether some version was read from a WARC file of this name."""
        with self.store._tx(write=False) as s:
            query = select(m.Version.id).where(m.Version.warc_file == warc_file).limit(1)
            return s.scalar(query) is not None

    def save(self, items: Sequence[NewArticle]) -> list[Saved]:
        """Store captures (pages carrying their record id) in one transaction, in order."""
        try:
            with self.store._tx() as s:
                return self._save_all(s, items)
        except BaseException as exc:
            self.store._outlet_ids.clear()  # outlets of a rolled-back transaction are gone
            if isinstance(exc, OperationalError):
                raise StoreFailed(_first_line(exc)) from exc
            if isinstance(exc, DBAPIError):
                raise StoreRefused(_first_line(exc)) from exc
            raise

    def _save_all(self, s: Session, items: Sequence[NewArticle]) -> list[Saved]:
        """Store captures in order; runs of captures of articles not stored yet go together.

        Most captures of an archive are of URLs the store has never seen: those are stored as
        the crawl stores new articles, one statement per table for a run of them. A capture of
        a stored article (or of one stored earlier in this batch) is placed among its versions
        on its own, after the run before it is written.
        """
        records = sorted({r for item in items if (r := item.page.warc_record_id) is not None})
        seen: set[str] = set()
        for chunk in _chunks(records):
            query = select(m.Version.warc_record_id).where(m.Version.warc_record_id.in_(chunk))
            seen.update(r for r in s.scalars(query) if r is not None)
        wanted = [_aliases(item.canonical_url, item.page) for item in items]
        every = sorted({a for aliases in wanted for a in aliases})
        known: set[str] = set()
        for chunk in _chunks(every):
            query = select(m.ArticleUrl.url).where(m.ArticleUrl.url.in_(chunk))
            known.update(s.scalars(query))
        out: list[Saved] = []
        run: list[NewArticle] = []
        for item, aliases in zip(items, wanted, strict=True):
            record = item.page.warc_record_id
            if record is not None and record in seen:
                out.append(Saved.DUPLICATE)
                continue
            if not known.intersection(aliases):
                run.append(item)
                out.append(Saved.NEW_ARTICLE)
            else:
                self.store._save_new_batch(s, run)
                run = []
                out.append(self._save(s, item))
            known.update(aliases)
            if record is not None:
                seen.add(record)
        self.store._save_new_batch(s, run)
        return out

    def _save(self, s: Session, item: NewArticle) -> Saved:
        page, at = item.page, item.page.fetched_at
        record = page.warc_record_id
        if record is not None:
            seen = select(m.Version.id).where(m.Version.warc_record_id == record)
            if s.scalar(seen) is not None:
                return Saved.DUPLICATE
        _url_that_fits(item.canonical_url, "the article URL")
        _url_that_fits(page.final_url, "the final URL")
        aliases = _aliases(item.canonical_url, page)
        known = s.execute(
            select(m.ArticleUrl.url, m.ArticleUrl.article_id).where(m.ArticleUrl.url.in_(aliases))
        ).all()
        if not known:
            self.store._save_new_article(s, item)
            return Saved.NEW_ARTICLE
        by_url = dict(known)
        article_id = next(by_url[a] for a in aliases if a in by_url)
        _add_aliases(s, [a for a in aliases if a not in by_url], article_id)
        _attach(s, aliases, article_id)
        article = s.get_one(m.Article, article_id)
        # The archive looked at the page then: that is the article's latest check, if latest.
        if article.last_checked_at is None or article.last_checked_at < at:
            article.last_checked_at = at
        rows = s.execute(
            select(m.Version.id, m.Version.seq, m.Version.fetched_at, m.Version.content_hash)
            .where(m.Version.article_id == article_id)
            .order_by(m.Version.seq)
        ).all()
        before = [r for r in rows if r.fetched_at <= at]
        after = [r for r in rows if r.fetched_at > at]
        previous = before[-1] if before else None
        following = after[0] if after else None
        if previous is not None and previous.content_hash == page.content_hash:
            return Saved.UNCHANGED
        article.first_seen = min(article.first_seen, at)
        if following is not None and following.content_hash == page.content_hash:
            # The text the store has from later was online already: its first sighting moves.
            s.execute(update(m.Version).where(m.Version.id == following.id).values(fetched_at=at))
            return Saved.EARLIER
        seq = previous.seq + 1 if previous is not None else 1
        if following is not None:
            _shift(s, article_id, seq)
            # An older text slipped in under a linked article: its later text stays the linked
            # one, but who came first may have changed, so linking looks at it again.
            state = update(LinkStateRow).where(LinkStateRow.article_id == article_id)
            s.execute(state.values(relink=True))
        s.execute(insert(m.Version).values(**_version_values(article_id, seq, page)))
        if following is None:
            extracted = page.extracted
            if extracted.title:
                article.title = extracted.title[:2000]
            if extracted.modified:
                article.modified = extracted.modified
        if article.published is None and item.published is not None:
            article.published, article.published_offset = item.published, item.published_offset
        return Saved.NEW_VERSION

    def take_down(self, url: str, at: datetime) -> bool:
        """A capture found a stored article gone (404, 410) after its last version: record it."""
        with self.store._tx() as s:
            article_id = s.scalar(select(m.ArticleUrl.article_id).where(m.ArticleUrl.url == url))
            if article_id is None:
                return False
            article = s.get_one(m.Article, article_id)
            latest = s.scalar(
                select(func.max(m.Version.fetched_at)).where(m.Version.article_id == article_id)
            )
            if latest is not None and latest > at:
                return False  # it was back later
            if article.taken_down_at is not None and article.taken_down_at <= at:
                return False  # already known gone from then
            article.state = ArticleState.TAKEN_DOWN
            article.taken_down_at = at
            article.last_checked_at = max(at, article.last_checked_at or at)
            article.next_check_at = None
            return True

    def pages(self, article_ids: Iterable[int]) -> Iterator[StoredCapture]:
        """Every stored version of these articles with its raw page, by time, one at a time."""
        wanted = sorted(set(article_ids))
        with self.store._tx(write=False) as s:
            rows = s.execute(
                select(
                    m.Version.id,
                    m.Version.article_id,
                    m.Version.final_url,
                    m.Version.fetched_at,
                    m.Version.http_status,
                )
                .where(m.Version.article_id.in_(wanted))
                .order_by(m.Version.fetched_at, m.Version.id)
            ).all()
        for version_id, article_id, url, fetched_at, status in rows:
            with self.store._tx(write=False) as s:
                raw = s.scalar(select(m.Version.raw_html).where(m.Version.id == version_id))
            html = unpack_page(raw) if raw else b""
            yield StoredCapture(article_id, url, fetched_at, status, html)

    def takedowns(self, article_ids: Iterable[int]) -> list[tuple[int, str, datetime]]:
        """(article, URL, when) of these articles that were found taken down."""
        wanted = sorted(set(article_ids))
        with self.store._tx(write=False) as s:
            query = select(m.Article.id, m.Article.fetch_url, m.Article.taken_down_at).where(
                m.Article.id.in_(wanted), m.Article.taken_down_at.is_not(None)
            )
            return [(a, u, t) for a, u, t in s.execute(query) if t is not None]


def _shift(s: Session, article_id: int, seq: int) -> None:
    """Make room at `seq`: later versions move up one (in two steps, never two rows alike)."""
    mine = m.Version.article_id == article_id
    s.execute(update(m.Version).where(mine, m.Version.seq >= seq).values(seq=-m.Version.seq))
    s.execute(update(m.Version).where(mine, m.Version.seq < 0).values(seq=1 - m.Version.seq))
