"""The repository: one method per use case, each its own short transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import InstrumentedAttribute, Session

from tracker.domain import ArticleState, ChildValidators, FeedState, Link
from tracker.domain.crawl import (
    ArticleInfo,
    FeedInfo,
    NewArticle,
    NewEntry,
    OutletInfo,
    PendingArticle,
    RecheckItem,
    RunInfo,
    StoredPage,
    VersionInfo,
)
from tracker.errors import BadInput, NotFound, StoreFailed, StoreRefused
from tracker.store import models as m
from tracker.store import status_read
from tracker.store.db import transaction
from tracker.store.raw_pages import pack_page, unpack_page
from tracker.urls import canonical_url, outlet_domain, scheme_variant

__all__ = ["Store", "next_check_time"]


def next_check_time(
    first_seen: datetime, done: int, schedule: Sequence[float], now: datetime
) -> tuple[datetime | None, int]:
    """The next re-check slot after `now` on the decaying schedule, and the slot's index."""
    for index in range(done, len(schedule)):
        moment = first_seen + timedelta(seconds=schedule[index])
        if moment > now:
            return moment, index
    return None, len(schedule)


@dataclass(frozen=True, slots=True)
class FeedPoll:
    """What one successful feed poll changes."""

    status: int
    etag: str | None
    last_modified: str | None
    title: str
    entries: Sequence[NewEntry]
    next_poll_at: datetime
    final_url: str
    permanent_redirect: bool
    # A sitemap index's children and their validators (they replace the stored ones); None for
    # any other feed, whose children rows are left alone.
    children: Sequence[ChildValidators] | None = None


class Store:
    """Reads and writes the tracker's tables; every method is one transaction."""

    def __init__(self, engine: Engine, *, redirect_confirmations: int = 3) -> None:
        self.engine = engine
        self._redirect_confirmations = redirect_confirmations
        self._outlet_ids: dict[str, int] = {}  # domain -> id; outlets are never deleted

    def _outlet_id(self, s: Session, domain: str, name: str | None, now: datetime) -> int:
        if name is None and domain in self._outlet_ids:
            return self._outlet_ids[domain]
        existing = s.scalar(select(m.Outlet.id).where(m.Outlet.domain == domain))
        outlet_id = _ensure_outlet(s, domain, name, now, ()).id
        if existing is not None:  # a row this transaction creates may still be rolled back
            self._outlet_ids[domain] = outlet_id
        return outlet_id

    def _tx(self, *, write: bool = True) -> AbstractContextManager[Session]:
        return transaction(self.engine, write=write)

    # ------------------------------------------------------------ outlets

    def ensure_outlet(
        self, domain: str, *, name: str | None, now: datetime, aliases: Iterable[str] = ()
    ) -> OutletInfo:
        """The outlet of `domain`, created if new; a given name or aliases update it."""
        with self._tx() as s:
            return _outlet_info(_ensure_outlet(s, domain, name, now, tuple(aliases)))

    def list_outlets(self) -> list[OutletInfo]:
        """Every outlet, by name."""
        with self._tx(write=False) as s:
            return [_outlet_info(o) for o in s.scalars(select(m.Outlet).order_by(m.Outlet.name))]

    # ------------------------------------------------------------ feeds

    def add_feed(
        self, url: str, *, outlet: str | None, now: datetime, rename: bool = False
    ) -> tuple[FeedInfo, bool]:
        """Subscribe to a feed; returns it and whether it was new.

        A name for an outlet that already has another one is refused unless `rename` is given:
        a second feed of the same outlet must not silently rename the first one's articles.
        """
        with self._tx() as s:
            domain = outlet_domain(url)
            if outlet and not rename:
                named = s.scalar(select(m.Outlet.name).where(m.Outlet.domain == domain))
                if named is not None and named != outlet:
                    raise BadInput(
                        f"the outlet of {domain} is already named {named!r}; "
                        f"pass --rename to rename it to {outlet!r}"
                    )
            existing = s.scalar(select(m.Feed).where(m.Feed.url == url))
            if existing is not None:
                if existing.state == FeedState.REMOVED:
                    existing.state = FeedState.ACTIVE
                    existing.next_poll_at = now
                if outlet and rename:
                    _ensure_outlet(s, domain, outlet, now, ())
                return _feed_info(s, existing), False
            row = _ensure_outlet(s, domain, outlet, now, ())
            feed = m.Feed(
                url=url,
                outlet_id=row.id,
                title="",
                state=FeedState.ACTIVE,
                next_poll_at=now,
                created_at=now,
                consecutive_errors=0,
                error_count=0,
                redirect_seen=0,
            )
            s.add(feed)
            s.flush()
            return _feed_info(s, feed), True

    def remove_feed(self, url: str) -> FeedInfo:
        """Unsubscribe; the articles it brought stay."""
        with self._tx() as s:
            feed = s.scalar(select(m.Feed).where(m.Feed.url == url))
            if feed is None or feed.state == FeedState.REMOVED:
                raise NotFound(f"no such feed: {url}")
            feed.state = FeedState.REMOVED
            return _feed_info(s, feed)

    def list_feeds(self, *, include_removed: bool = False) -> list[FeedInfo]:
        """Every feed with its health, by URL."""
        with self._tx(write=False) as s:
            return status_read.feeds(s.connection(), include_removed=include_removed)

    def due_feeds(self, now: datetime, *, feed_id: int | None = None) -> list[FeedInfo]:
        """Active feeds whose next poll time has come (only `feed_id`, when given)."""
        with self._tx(write=False) as s:
            query = (
                select(m.Feed)
                .where(m.Feed.state == FeedState.ACTIVE, m.Feed.next_poll_at <= now)
                .order_by(m.Feed.next_poll_at, m.Feed.id)
            )
            if feed_id is not None:
                query = query.where(m.Feed.id == feed_id)
            return [_feed_info(s, f, count=False) for f in s.scalars(query)]

    def save_feed_poll(self, feed_id: int, poll: FeedPoll, now: datetime) -> int:
        """Store new entries and the validators together; returns how many entries were new."""
        with self._tx() as s:
            feed = s.get_one(m.Feed, feed_id)
            keys = [e.entry_key for e in poll.entries]
            known = set(
                s.scalars(
                    select(m.Entry.entry_key).where(
                        m.Entry.feed_id == feed_id, m.Entry.entry_key.in_(keys)
                    )
                )
            )
            fresh = [e for e in poll.entries if e.entry_key not in known]
            stored = dict(
                s.execute(
                    select(m.ArticleUrl.url, m.ArticleUrl.article_id).where(
                        m.ArticleUrl.url.in_([e.canonical_url for e in fresh])
                    )
                ).all()
            )
            added = 0
            for entry in fresh:
                if entry.entry_key in known:
                    continue  # listed twice in one feed
                known.add(entry.entry_key)
                article_id = None if entry.refused else stored.get(entry.canonical_url)
                state = "failed" if entry.refused else "done" if article_id else "pending"
                s.add(
                    m.Entry(
                        feed_id=feed_id,
                        entry_key=_url_that_fits(entry.entry_key, "the entry key"),
                        guid=entry.guid,
                        url=_url_that_fits(entry.url, "the link"),
                        canonical_url=_url_that_fits(entry.canonical_url, "the article URL"),
                        title=entry.title,
                        published=entry.published,
                        first_seen=now,
                        attempts=0,
                        state=state,
                        last_error=entry.refused,
                        article_id=article_id,
                    )
                )
                added += 1
            # Validators are stored in the same transaction as the entries they vouch for.
            feed.etag = _validator(poll.etag, m.MAX_ETAG)
            feed.last_modified = _validator(poll.last_modified, m.MAX_LAST_MODIFIED)
            if poll.children is not None:
                _replace_children(s, feed_id, poll.children)
            if poll.title:
                feed.title = poll.title[:500]
            _record_success(feed, poll.status, now, poll.next_poll_at)
            self._track_redirect(s, feed, poll.final_url, poll.permanent_redirect)
            return added

    def sitemap_children(self, feed_id: int) -> dict[str, ChildValidators]:
        """The validators each child of a sitemap index answered at its last poll, by URL."""
        with self._tx() as s:
            rows = s.scalars(select(m.SitemapChild).where(m.SitemapChild.feed_id == feed_id))
            return {r.url: ChildValidators(r.url, r.etag, r.last_modified) for r in rows}

    def save_feed_not_modified(self, feed_id: int, now: datetime, next_poll_at: datetime) -> None:
        """A 304: only the schedule moves."""
        with self._tx() as s:
            _record_success(s.get_one(m.Feed, feed_id), 304, now, next_poll_at)

    def save_feed_failure(
        self,
        feed_id: int,
        *,
        now: datetime,
        error: str,
        next_poll_at: datetime,
        status: int | None = None,
        gone: bool = False,
    ) -> None:
        """A failed poll: counted; only a 410 stops the feed."""
        with self._tx() as s:
            feed = s.get_one(m.Feed, feed_id)
            feed.last_polled_at = now
            feed.last_status = status
            feed.last_error = error[:2000]
            feed.consecutive_errors += 1
            feed.error_count += 1
            feed.next_poll_at = next_poll_at
            if gone:
                feed.state = FeedState.GONE

    def _track_redirect(self, s: Session, feed: m.Feed, final_url: str, permanent: bool) -> None:
        # A permanent redirect replaces the stored URL only once it was seen consistently.
        if not permanent or final_url == feed.url or len(final_url) > m.MAX_URL:
            feed.redirect_url, feed.redirect_seen = None, 0
            return
        if feed.redirect_url == final_url:
            feed.redirect_seen += 1
        else:
            feed.redirect_url, feed.redirect_seen = final_url, 1
        if feed.redirect_seen >= self._redirect_confirmations:
            taken = s.scalar(select(m.Feed.id).where(m.Feed.url == final_url))
            if taken is None:
                feed.url = final_url
            feed.redirect_url, feed.redirect_seen = None, 0

    # ------------------------------------------------------------ entries and articles

    def pending_articles(
        self,
        now: datetime,
        limit: int = 0,
        *,
        canonical: str | None = None,
        feed_id: int | None = None,
    ) -> list[PendingArticle]:
        """Canonical URLs listed by feeds that have no article yet and are due, oldest first."""
        with self._tx(write=False) as s:
            query = (
                select(
                    m.Entry.canonical_url,
                    func.min(m.Entry.url),
                    func.min(m.Entry.published),
                    func.max(m.Entry.attempts),
                    func.min(m.Entry.id),
                )
                .where(
                    m.Entry.state == "pending",
                    (m.Entry.next_attempt_at.is_(None)) | (m.Entry.next_attempt_at <= now),
                )
                .group_by(m.Entry.canonical_url)
                .order_by(func.min(m.Entry.id))
            )
            if canonical is not None:
                query = query.where(m.Entry.canonical_url == canonical)
            if feed_id is not None:
                query = query.where(m.Entry.feed_id == feed_id)
            if limit:
                query = query.limit(limit)
            return [
                PendingArticle(canonical_url=c, fetch_url=u, published=p, attempts=a or 0)
                for c, u, p, a, _ in s.execute(query)
            ]

    def article_for_url(self, url: str) -> int | None:
        """The article a (canonical) URL is known to lead to."""
        with self._tx(write=False) as s:
            return _article_id_for(s, url)

    def attach_entries(self, canonical: str, article_id: int) -> None:
        """Point pending entries of `canonical` at an existing article."""
        with self._tx() as s:
            _attach(s, (canonical,), article_id)

    def entry_failed(
        self,
        canonical: str,
        error: str,
        *,
        permanent: bool,
        max_attempts: int,
        now: datetime,
        backoff: tuple[float, float],
    ) -> None:
        """Count a failed fetch of a pending URL; give up when permanent or after max_attempts.

        A transient failure is retried after `base * 2^(attempts-1)` seconds, at most `cap`.
        """
        base, cap = backoff
        with self._tx() as s:
            entries = s.scalars(
                select(m.Entry).where(
                    m.Entry.canonical_url == canonical, m.Entry.state == "pending"
                )
            )
            for entry in entries:
                entry.attempts += 1
                entry.last_error = error[:2000]
                delay = min(cap, base * 2 ** (entry.attempts - 1))
                entry.next_attempt_at = now + timedelta(seconds=delay)
                if permanent or entry.attempts >= max_attempts:
                    entry.state = "failed"

    def save_new_article(
        self,
        canonical: str,
        page: StoredPage,
        *,
        outlet_name: str | None,
        published: datetime | None,
        next_check_at: datetime | None,
        now: datetime,
    ) -> tuple[int, bool]:
        """Store an article and its first version with its URL aliases, in one transaction.

        Returns the article id and whether it was new; when a redirect or rel=canonical shows the
        page is an article already stored, the URL becomes an alias and entries attach to it.
        """
        item = NewArticle(canonical, page, published, next_check_at, now, outlet_name)
        return self.save_new_articles([item])[0]

    def save_new_articles(self, items: Sequence[NewArticle]) -> list[tuple[int, bool]]:
        """Store several new articles in one transaction (see save_new_article)."""
        try:
            with self._tx() as s:
                return self._save_new_batch(s, items)
        except BaseException as exc:
            # Outlets created in the rolled-back transaction are gone: forget their ids.
            self._outlet_ids.clear()
            if isinstance(exc, OperationalError):  # I/O, disk full, connection: may pass
                raise StoreFailed(_first_line(exc)) from exc
            if isinstance(exc, DBAPIError):  # a constraint, a value, a trigger: will repeat
                raise StoreRefused(_first_line(exc)) from exc
            raise

    def _save_new_article(self, s: Session, item: NewArticle) -> tuple[int, bool]:
        return self._save_new_batch(s, [item])[0]

    def _save_new_batch(self, s: Session, items: Sequence[NewArticle]) -> list[tuple[int, bool]]:
        """Store new articles as if one after the other, in one statement per table.

        Core statements with a list of parameters (executemany; one multi-row INSERT with
        RETURNING where the backend has it), no ORM objects: per article, the ORM's unit of work
        and one statement per row cost several times more than the rows themselves. An article
        whose URL an earlier item of the same batch stored becomes that article's alias, as it
        would have in a transaction of its own.
        """
        if not items:
            return []
        conn = s.connection()
        wanted: list[tuple[str, ...]] = []
        for item in items:
            _url_that_fits(item.canonical_url, "the article URL")
            _url_that_fits(item.page.requested_url, "the requested URL")
            _url_that_fits(item.page.final_url, "the final URL")
            wanted.append(_aliases(item.canonical_url, item.page))
        every = sorted({a for aliases in wanted for a in aliases})
        # An article is an int (stored before) or ~index into `fresh` (stored by this batch).
        owner: dict[str, int] = {}
        for chunk in _chunks(every):
            owner.update(
                conn.execute(
                    select(m.ArticleUrl.url, m.ArticleUrl.article_id).where(
                        m.ArticleUrl.url.in_(chunk)
                    )
                ).all()
            )
        fresh: list[NewArticle] = []
        refs: list[int] = []
        made: list[bool] = []
        new_aliases: list[tuple[str, int]] = []  # (url, ref) in the order rows are added
        for item, aliases in zip(items, wanted, strict=True):
            found = next((owner[a] for a in aliases if a in owner), None)
            made.append(found is None)
            if found is None:
                found = ~len(fresh)
                fresh.append(item)
            refs.append(found)
            for alias in aliases:
                if alias not in owner:
                    owner[alias] = found
                    new_aliases.append((alias, found))
        ids: list[int] = []
        if fresh:
            outlets = self._outlet_ids_for(s, fresh)
            rows = [
                _article_values(item, outlet) for item, outlet in zip(fresh, outlets, strict=True)
            ]
            conn.execute(insert(m.Article), rows)
            ids = _ids_by(conn, m.Article.url, m.Article.id, [item.canonical_url for item in fresh])
            conn.execute(
                insert(m.Version),
                [_version_values(i, 1, item.page) for i, item in zip(ids, fresh, strict=True)],
            )

        def resolved(ref: int) -> int:
            return ids[~ref] if ref < 0 else ref

        if new_aliases:
            conn.execute(
                insert(m.ArticleUrl),
                [{"url": url, "article_id": resolved(ref)} for url, ref in new_aliases],
            )
        # In item order: an entry goes to the first article that names its URL, as one by one.
        attach = [
            {"b_url": alias, "b_article": resolved(ref)}
            for aliases, ref in zip(wanted, refs, strict=True)
            for alias in aliases
        ]
        conn.execute(
            update(m.Entry)
            .where(m.Entry.canonical_url == bindparam("b_url"), m.Entry.article_id.is_(None))
            .values(article_id=bindparam("b_article"), state="done"),
            attach,
        )
        return [(resolved(ref), new) for ref, new in zip(refs, made, strict=True)]

    def _outlet_ids_for(self, s: Session, items: Sequence[NewArticle]) -> list[int]:
        """The outlet of each item, created where new; one lookup and one insert for them all."""
        domains = [outlet_domain(item.canonical_url) for item in items]
        named = [item for item in items if item.outlet_name is not None]
        if named:  # a name given (rare): each as one by one, renames and conflicts included
            return [
                self._outlet_id(s, domain, item.outlet_name, item.now)
                for item, domain in zip(items, domains, strict=True)
            ]
        missing = sorted({d for d in domains if d not in self._outlet_ids})
        if missing:
            conn = s.connection()
            stored = dict(
                conn.execute(
                    select(m.Outlet.domain, m.Outlet.id).where(m.Outlet.domain.in_(missing))
                ).all()
            )
            self._outlet_ids.update(stored)  # committed rows: never deleted
            new = [d for d in missing if d not in stored]
            created: dict[str, int] = {}
            if new:
                taken = s.scalar(select(m.Outlet.name).where(m.Outlet.name.in_(new)).limit(1))
                if taken is not None:
                    raise BadInput(f"an outlet named {taken!r} already exists with another domain")
                first = {
                    d: item.now for item, d in reversed(list(zip(items, domains, strict=True)))
                }
                rows = [
                    {"name": d, "domain": d, "aliases": [], "created_at": first[d]} for d in new
                ]
                try:
                    with s.begin_nested():
                        conn.execute(insert(m.Outlet), rows)
                except IntegrityError:
                    raise BadInput(
                        f"an outlet of {', '.join(new)} conflicts with an existing one"
                    ) from None
                created = dict(
                    zip(new, _ids_by(conn, m.Outlet.domain, m.Outlet.id, new), strict=True)
                )
            # Rows this transaction creates may still be rolled back: not cached.
            return [self._outlet_ids.get(d) or created[d] for d in domains]
        return [self._outlet_ids[d] for d in domains]

    def due_rechecks(
        self, now: datetime, limit: int = 0, *, article_id: int | None = None
    ) -> list[RecheckItem]:
        """Live articles whose next re-check time has come (only `article_id`, when given)."""
        with self._tx(write=False) as s:
            # The latest version of each due article only: a grouped subquery over all versions
            # was materialised whole (SQLite) at every pass, a scan that grew with the store.
            latest_seq = (
                select(func.max(m.Version.seq))
                .where(m.Version.article_id == m.Article.id)
                .correlate(m.Article)
                .scalar_subquery()
            )
            query = (
                select(m.Article, m.Version.content_hash)
                .join(
                    m.Version,
                    (m.Version.article_id == m.Article.id) & (m.Version.seq == latest_seq),
                    isouter=True,
                )
                .where(m.Article.state == ArticleState.LIVE, m.Article.next_check_at <= now)
                .order_by(m.Article.next_check_at, m.Article.id)
            )
            if article_id is not None:
                query = query.where(m.Article.id == article_id)
            if limit:
                query = query.limit(limit)
            return [
                RecheckItem(
                    article_id=a.id,
                    url=a.url,
                    fetch_url=a.fetch_url,
                    etag=a.etag,
                    last_modified=a.last_modified,
                    check_count=a.check_count,
                    first_seen=a.first_seen,
                    content_hash=h,
                )
                for a, h in s.execute(query)
            ]

    def latest_raw_page(self, article_id: int) -> tuple[bytes, str, datetime] | None:
        """The raw page of an article's latest version (bytes, final URL, fetch time), if kept."""
        with self._tx(write=False) as s:
            row = s.execute(
                select(m.Version.raw_html, m.Version.final_url, m.Version.fetched_at)
                .where(m.Version.article_id == article_id)
                .order_by(m.Version.seq.desc())
                .limit(1)
            ).first()
        if row is None or not row.raw_html:
            return None
        return unpack_page(row.raw_html), row.final_url, row.fetched_at

    def save_recheck(
        self,
        article_id: int,
        *,
        now: datetime,
        next_check_at: datetime | None,
        page: StoredPage | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> int | None:
        """Record a re-check; with a changed page, store it as the next version (its id)."""
        etag = _validator(etag, m.MAX_ETAG)
        last_modified = _validator(last_modified, m.MAX_LAST_MODIFIED)
        if page is not None:
            _url_that_fits(page.final_url, "the final URL")
        with self._tx() as s:
            article = s.get_one(m.Article, article_id)
            article.last_checked_at = now
            article.next_check_at = next_check_at
            article.check_count += 1
            if etag is not None or last_modified is not None:
                article.etag, article.last_modified = etag, last_modified
            if page is None:
                return None
            seq = s.scalar(
                select(func.max(m.Version.seq)).where(m.Version.article_id == article_id)
            )
            version = _version_row(article_id, (seq or 0) + 1, page)
            s.add(version)
            article.etag = _validator(page.etag, m.MAX_ETAG)
            article.last_modified = _validator(page.last_modified, m.MAX_LAST_MODIFIED)
            if page.extracted.title:
                article.title = page.extracted.title[:2000]
            if page.extracted.modified:
                article.modified = page.extracted.modified
            s.flush()
            return version.id

    def mark_taken_down(
        self, article_id: int, *, now: datetime, status: int, next_check_at: datetime | None
    ) -> None:
        """The article answered 404/410 or redirected to a home page."""
        with self._tx() as s:
            article = s.get_one(m.Article, article_id)
            article.state = ArticleState.TAKEN_DOWN
            article.taken_down_at = now
            article.last_checked_at = now
            article.next_check_at = next_check_at
            article.check_count += 1

    def get_article(self, url: str) -> ArticleInfo:
        """An article by any URL leading to it."""
        with self._tx(write=False) as s:
            article_id = _article_id_for(s, canonical_url(url))
            if article_id is None:
                raise NotFound(f"no stored article for {url}")
            return _article_info(s, s.get_one(m.Article, article_id))

    def list_articles(self) -> list[ArticleInfo]:
        """Every stored article, oldest first."""
        with self._tx(write=False) as s:
            rows = s.scalars(select(m.Article).order_by(m.Article.first_seen, m.Article.id))
            return [_article_info(s, a) for a in rows]

    def versions(self, article_id: int) -> list[VersionInfo]:
        """The versions of an article, oldest first."""
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.Version).where(m.Version.article_id == article_id).order_by(m.Version.seq)
            )
            return [_version_info(v) for v in rows]

    # ------------------------------------------------------------ runs

    def start_run(self, now: datetime, *, alone: bool = True) -> int:
        """Open a crawl run; runs left 'running' by a killed process become 'interrupted'.

        Queue workers run side by side (`alone=False`): they leave each other's runs alone.
        """
        with self._tx() as s:
            if alone:
                s.execute(
                    update(m.CrawlRun)
                    .where(m.CrawlRun.status == "running")
                    .values(status="interrupted")
                )
            run = m.CrawlRun(started_at=now, status="running", counts={})
            s.add(run)
            s.flush()
            return run.id

    def finish_run(
        self, run_id: int, counts: dict[str, int], *, now: datetime, status: str = "finished"
    ) -> None:
        """Close a crawl run with its outcome counts."""
        with self._tx() as s:
            run = s.get_one(m.CrawlRun, run_id)
            run.counts = dict(sorted(counts.items()))
            run.finished_at = now
            run.status = status

    def recent_runs(self, limit: int = 5) -> list[RunInfo]:
        """The newest crawl runs first."""
        with self._tx(write=False) as s:
            return status_read.runs(s.connection(), limit)

    def counts(self) -> dict[str, int]:
        """How many rows each main table holds."""
        with self._tx(write=False) as s:
            return status_read.counts(s.connection())


# ---------------------------------------------------------------- helpers


def _url_that_fits(url: str, what: str) -> str:
    """`url` if its column can hold it; otherwise BadInput before the database sees it."""
    if len(url) > m.MAX_URL:
        raise BadInput(f"{what} is {len(url)} characters long; at most {m.MAX_URL} are stored")
    return url


def _first_line(exc: Exception) -> str:
    # The driver's message without SQLAlchemy's appended statement and parameters.
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0] if lines else ''}"


def _replace_children(s: Session, feed_id: int, children: Sequence[ChildValidators]) -> None:
    """Keep the validators of the children read this time; forget children no longer read."""
    stored: Mapping[str, m.SitemapChild] = {
        row.url: row
        for row in s.scalars(select(m.SitemapChild).where(m.SitemapChild.feed_id == feed_id))
    }
    kept = {child.url: child for child in children if len(child.url) <= m.MAX_URL}
    for url, row in stored.items():
        if url not in kept:
            s.delete(row)
    for url, child in kept.items():
        row = stored.get(url) or m.SitemapChild(feed_id=feed_id, url=url)
        row.etag = _validator(child.etag, m.MAX_ETAG)
        row.last_modified = _validator(child.last_modified, m.MAX_LAST_MODIFIED)
        if url not in stored:
            s.add(row)


def _validator(value: str | None, width: int) -> str | None:
    # A validator that does not fit its column is dropped: the next fetch is unconditional.
    return value if value is None or len(value) <= width else None


def _ensure_outlet(
    s: Session, domain: str, name: str | None, now: datetime, aliases: tuple[str, ...]
) -> m.Outlet:
    outlet = s.scalar(select(m.Outlet).where(m.Outlet.domain == domain))
    if outlet is None:
        wanted = name or domain
        if s.scalar(select(m.Outlet.id).where(m.Outlet.name == wanted)) is not None:
            raise BadInput(f"an outlet named {wanted!r} already exists with another domain")
        outlet = m.Outlet(name=wanted, domain=domain, aliases=list(aliases), created_at=now)
        s.add(outlet)
        try:
            with s.begin_nested():
                s.flush()
        except IntegrityError:
            raise BadInput(
                f"outlet {wanted!r} / {domain!r} conflicts with an existing one"
            ) from None
        return outlet
    if name and name != outlet.name:
        if s.scalar(select(m.Outlet.id).where(m.Outlet.name == name)) is not None:
            raise BadInput(f"an outlet named {name!r} already exists with another domain")
        outlet.name = name
    if aliases:
        outlet.aliases = sorted(set(outlet.aliases) | set(aliases))
    return outlet


def _outlet_info(o: m.Outlet) -> OutletInfo:
    return OutletInfo(o.id, o.name, o.domain, tuple(o.aliases or ()))


def _feed_info(s: Session, f: m.Feed, *, count: bool = True) -> FeedInfo:
    outlet = s.get(m.Outlet, f.outlet_id) if f.outlet_id else None
    entries = 0
    if count:
        entries = s.scalar(select(func.count()).where(m.Entry.feed_id == f.id)) or 0
    return FeedInfo(
        id=f.id,
        url=f.url,
        outlet=outlet.name if outlet else None,
        title=f.title,
        state=f.state,
        etag=f.etag,
        last_modified=f.last_modified,
        next_poll_at=f.next_poll_at,
        last_polled_at=f.last_polled_at,
        last_success_at=f.last_success_at,
        last_status=f.last_status,
        last_error=f.last_error,
        consecutive_errors=f.consecutive_errors,
        error_count=f.error_count,
        entry_count=entries,
    )


def _record_success(feed: m.Feed, status: int, now: datetime, next_poll_at: datetime) -> None:
    feed.last_polled_at = now
    feed.last_success_at = now
    feed.last_status = status
    feed.last_error = None
    feed.consecutive_errors = 0
    feed.next_poll_at = next_poll_at


def _article_id_for(s: Session, url: str) -> int | None:
    # Every article's own URL is registered among its aliases, so one lookup suffices.
    return s.scalar(select(m.ArticleUrl.article_id).where(m.ArticleUrl.url == url))


def _aliases(canonical: str, page: StoredPage) -> tuple[str, ...]:
    urls = [canonical, page.requested_url, page.final_url, *page.redirects]
    if page.extracted.canonical_url:
        urls.append(page.extracted.canonical_url)
    out: list[str] = []
    # Most pages give one URL three or four times over (asked, final, canonical): each once.
    for url in dict.fromkeys(urls):
        try:
            form = canonical_url(url)
        except BadInput:
            continue
        if len(form) > m.MAX_URL:
            continue  # an alias too long for its column is not kept; the article still is
        if form not in out:
            out.append(form)
    # The same page under the other scheme is the same article: an alias, never a rewrite, so
    # the stored URL keeps the scheme the article was served on.
    out.extend(v for v in (scheme_variant(form) for form in list(out)) if v not in out)
    return tuple(out)


def _add_aliases(s: Session, aliases: Sequence[str], article_id: int) -> None:
    """Register URLs (known to be new, or checked here) as leading to `article_id`."""
    if not aliases:
        return
    taken = set(s.scalars(select(m.ArticleUrl.url).where(m.ArticleUrl.url.in_(aliases))))
    rows = [{"url": a, "article_id": article_id} for a in aliases if a not in taken]
    if rows:
        s.execute(insert(m.ArticleUrl), rows)


def _attach(s: Session, aliases: Iterable[str], article_id: int) -> None:
    s.execute(
        update(m.Entry)
        .where(m.Entry.canonical_url.in_(list(aliases)), m.Entry.article_id.is_(None))
        .values(article_id=article_id, state="done")
    )


def _article_values(item: NewArticle, outlet_id: int) -> dict[str, object]:
    page, extracted = item.page, item.page.extracted
    return dict(
        url=item.canonical_url,
        fetch_url=page.requested_url,
        outlet_id=outlet_id,
        title=extracted.title[:2000],
        first_seen=item.now,
        published=item.published,
        published_offset=item.published_offset,
        modified=extracted.modified,
        state=ArticleState.LIVE,
        last_checked_at=item.now,
        next_check_at=item.next_check_at,
        check_count=0,
        etag=_validator(page.etag, m.MAX_ETAG),
        last_modified=_validator(page.last_modified, m.MAX_LAST_MODIFIED),
    )


def _ids_by(
    conn: Connection,
    key: InstrumentedAttribute[str],
    ids: InstrumentedAttribute[int],
    wanted: Sequence[str],
) -> list[int]:
    """The ids of the rows just inserted with these (unique) keys, in their order.

    Read back rather than RETURNING: SQLite does not promise the order of a multi-row
    RETURNING, and SQLAlchemy then inserts one row per statement to keep it.
    """
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        found.update(conn.execute(select(key, ids).where(key.in_(chunk))).all())
    return [found[k] for k in wanted]


def _chunks(values: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    # Bound the IN list: SQLite caps a statement's parameters.
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _version_row(article_id: int, seq: int, page: StoredPage) -> m.Version:
    return m.Version(**_version_values(article_id, seq, page))


def _version_values(article_id: int, seq: int, page: StoredPage) -> dict[str, object]:
    e = page.extracted
    return dict(
        article_id=article_id,
        seq=seq,
        fetched_at=page.fetched_at,
        http_status=page.status,
        final_url=page.final_url,
        content_hash=page.content_hash,
        text=e.text,
        title=e.title[:2000],
        standfirst=e.standfirst or None,
        byline=e.byline[:500],
        site_name=e.site_name[:500],
        language=(e.language or None) and e.language[:20],
        published=e.published,
        modified=e.modified,
        links=[{"url": ln.url, "text": ln.text} for ln in e.links],
        corrections=list(e.corrections),
        raw_html=page.raw_packed if page.raw_packed is not None else pack_page(page.raw_html),
        raw_size=len(page.raw_html),
        warc_record_id=page.warc_record_id,
        warc_file=page.warc_file,
    )


def _version_info(v: m.Version) -> VersionInfo:
    return VersionInfo(
        id=v.id,
        seq=v.seq,
        fetched_at=v.fetched_at,
        content_hash=v.content_hash,
        title=v.title,
        text=v.text,
        links=tuple(Link(d["url"], d.get("text", "")) for d in v.links or ()),
        corrections=tuple(v.corrections or ()),
        http_status=v.http_status,
    )


def _article_info(s: Session, a: m.Article) -> ArticleInfo:
    outlet = s.get(m.Outlet, a.outlet_id) if a.outlet_id else None
    count = s.scalar(select(func.count()).where(m.Version.article_id == a.id)) or 0
    return ArticleInfo(
        id=a.id,
        url=a.url,
        fetch_url=a.fetch_url,
        outlet=outlet.name if outlet else None,
        title=a.title,
        first_seen=a.first_seen,
        published=a.published,
        state=a.state,
        taken_down_at=a.taken_down_at,
        last_checked_at=a.last_checked_at,
        next_check_at=a.next_check_at,
        version_count=count,
        published_offset=a.published_offset,
    )
