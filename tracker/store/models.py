"""The typed tables. Alembic migrations own the schema; a test checks these agree with them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tracker.store.base import Base

# Widths of the URL and validator columns; longer values are refused before any statement.
MAX_URL = 2000
MAX_ETAG = 500
MAX_LAST_MODIFIED = 100

__all__ = [
    "MAX_ETAG",
    "MAX_LAST_MODIFIED",
    "MAX_URL",
    "Article",
    "ArticleUrl",
    "Base",
    "CrawlRun",
    "Entry",
    "Feed",
    "Outlet",
    "SitemapChild",
    "Version",
]


class Outlet(Base):
    """A publisher: the names it is credited under and the domain it publishes on."""

    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]


class Feed(Base):
    """A subscribed feed, its HTTP validators and its polling state."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(20), default="active")
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    next_poll_at: Mapped[datetime] = mapped_column(index=True)
    last_polled_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # A permanent redirect is adopted only after it was seen this many times in a row.
    redirect_url: Mapped[str | None] = mapped_column(String(2000))
    redirect_seen: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class SitemapChild(Base):
    """A child sitemap a subscribed sitemap index listed, with the validators it last answered."""

    __tablename__ = "sitemap_children"

    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))


class Entry(Base):
    """One item seen in one feed; the same article may be listed by several feeds."""

    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key", name="uq_entries_feed_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    # The guid when stable, else the canonical link: what identifies the item within its feed.
    entry_key: Mapped[str] = mapped_column(String(2000))
    guid: Mapped[str | None] = mapped_column(String(2000))
    url: Mapped[str] = mapped_column(String(2000))
    canonical_url: Mapped[str] = mapped_column(String(2000), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[datetime | None]
    first_seen: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]  # after a transient failure
    last_error: Mapped[str | None] = mapped_column(Text)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )


class Article(Base):
    """A news article, identified by its canonical URL; its texts live in versions."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    fetch_url: Mapped[str] = mapped_column(String(2000))
    outlet_id: Mapped[int | None] = mapped_column(
        ForeignKey("outlets.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[datetime] = mapped_column(index=True)
    published: Mapped[datetime | None]
    # The page's own UTC offset for `published` (minutes east of UTC): keeps its local day.
    published_offset: Mapped[int | None] = mapped_column(Integer)
    modified: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(20), default="live")
    taken_down_at: Mapped[datetime | None]
    last_checked_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    check_count: Mapped[int] = mapped_column(Integer, default=0)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))


class ArticleUrl(Base):
    """Every canonical URL known to lead to an article: redirects, rel=canonical, feed links."""

    __tablename__ = "article_urls"

    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )


class Version(Base):
    """One distinct text of an article, as fetched at one time."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("article_id", "seq", name="uq_versions_article_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime]
    http_status: Mapped[int] = mapped_column(Integer)
    final_url: Mapped[str] = mapped_column(String(2000))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    standfirst: Mapped[str | None] = mapped_column(Text)  # the summary under the headline
    byline: Mapped[str] = mapped_column(String(500), default="")
    site_name: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str | None] = mapped_column(String(20))
    published: Mapped[datetime | None]
    modified: Mapped[datetime | None]
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    corrections: Mapped[list[str]] = mapped_column(JSON, default=list)
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed page bytes
    raw_size: Mapped[int] = mapped_column(BigInteger, default=0)
    # A version read from a WARC archive: the record it came from and the file, as evidence.
    warc_record_id: Mapped[str | None] = mapped_column(String(200))
    warc_file: Mapped[str | None] = mapped_column(String(1000))


class CrawlRun(Base):
    """One crawl pass and the count of every named outcome."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


Index("ix_articles_outlet_first_seen", Article.outlet_id, Article.first_seen)
Index("ix_versions_article_fetched", Version.article_id, Version.fetched_at)
Index("ix_versions_warc_record_id", Version.warc_record_id, unique=True)


# Tables of later stages live in their own modules; importing them here registers them on
# Base.metadata, so migrations and the agreement test see every table.
from tracker.store import alert_tables as _alert_tables  # noqa: E402,F401
from tracker.store import claim_tables as _claim_tables  # noqa: E402,F401
from tracker.store import link_tables as _link_tables  # noqa: E402,F401
from tracker.store import queue_tables as _queue_tables  # noqa: E402,F401
