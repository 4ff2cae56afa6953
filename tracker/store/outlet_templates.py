"""The outlets' home-page templates: which outlets still need one, and storing what was read.

An outlet is asked about once: when it has an article version waiting to be linked and no row
yet (or a row whose transient failure asked for another try). The lookup walks the pending
versions the linking stage is about to read, so its cost follows the new work, not the store.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.store import models as m
from tracker.store.db import transaction
from tracker.store.link_repo import LOOKBACK_VERSIONS
from tracker.store.link_tables import LinkStateRow, OutletTemplateRow
from tracker.store.repo import Store

__all__ = ["HomePageRead", "TemplateRepo"]

MAX_HASHES = 5000  # paragraphs kept of one home page: a page listing more is an archive


@dataclass(frozen=True, slots=True)
class HomePageRead:
    """What one attempt at an outlet's home page gave."""

    url: str
    fetched_at: datetime
    status: int | None
    error: str | None
    hashes: Collection[int]
    retry_at: datetime | None  # None: learned, or refused for good


class TemplateRepo:
    """Reads and writes of the outlets' home-page templates over one store's engine."""

    def __init__(self, store: Store) -> None:
        self.engine: Engine = store.engine

    def _tx(self, *, write: bool = True) -> AbstractContextManager[Session]:
        return transaction(self.engine, write=write)

    def wanted(self, now: datetime, limit: int) -> list[tuple[int, str]]:
        """(outlet id, one of its waiting articles' URLs) of outlets whose home page is due."""
        with self._tx(write=False) as s:
            newest = s.scalar(select(func.max(LinkStateRow.version_id))) or 0
            query = (
                select(m.Article.outlet_id, func.min(m.Article.url))
                .select_from(m.Version)
                .join(m.Article, m.Article.id == m.Version.article_id)
                .join(LinkStateRow, LinkStateRow.article_id == m.Version.article_id, isouter=True)
                .join(
                    OutletTemplateRow,
                    OutletTemplateRow.outlet_id == m.Article.outlet_id,
                    isouter=True,
                )
                .where(
                    m.Version.id > newest - LOOKBACK_VERSIONS,
                    LinkStateRow.version_id.is_(None) | (LinkStateRow.version_id < m.Version.id),
                    m.Article.outlet_id.is_not(None),
                    OutletTemplateRow.outlet_id.is_(None) | (OutletTemplateRow.retry_at <= now),
                )
                .group_by(m.Article.outlet_id)
                .order_by(m.Article.outlet_id)
                .limit(limit)
            )
            return [(int(outlet), str(url)) for outlet, url in s.execute(query) if outlet]

    def save(self, outlet_id: int, read: HomePageRead) -> None:
        """Keep what the home page gave (replacing an earlier attempt's row)."""
        values = {
            "url": read.url,
            "fetched_at": read.fetched_at,
            "status": read.status,
            "error": read.error[:500] if read.error else None,
            "hashes": sorted(read.hashes)[:MAX_HASHES],
            "retry_at": read.retry_at,
        }
        try:
            with self._tx() as s:
                row = s.get(OutletTemplateRow, outlet_id)
                if row is None:
                    s.add(OutletTemplateRow(outlet_id=outlet_id, **values))
                else:
                    for name, value in values.items():
                        setattr(row, name, value)
        except IntegrityError:
            # Another worker stored the same outlet's page at the same moment: keep theirs.
            return
