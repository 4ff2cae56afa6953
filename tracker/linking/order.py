"""Which of two articles came first: first-seen time, refined by believable publication dates.

First-seen is what the tracker itself observed: the article existed then. A publication date is
what the page claims, and pages get dates wrong or backdate a copy. So:

- a publication date is believed only when it is not after first-seen (a date "in the future"
  or contradicting first-seen) and not more than `max_publication_lead` before it;
- articles first seen more than `first_seen_tolerance` apart are ordered by first-seen alone: a
  copy that claims an earlier date than the original but was seen later never becomes the
  original;
- articles first seen within that tolerance (one crawl run, or a rebuild of a backlog) are
  ordered by their effective times: the believed publication date, else first-seen.

Known limit: an outlet added to the tracker late is first seen late, so its older stories cannot
be the source of stories seen before them unless both fall within the tolerance.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tracker.clock import utc
from tracker.config import LinkSettings
from tracker.domain import ArticleRef

__all__ = ["effective_time", "order_key", "precedes"]


def effective_time(article: ArticleRef, settings: LinkSettings) -> datetime:
    """The article's publication date when believable, else when it was first seen (UTC)."""
    seen = utc(article.first_seen)
    if article.published is None:
        return seen
    published = utc(article.published)
    if published > seen or seen - published > timedelta(seconds=settings.max_publication_lead):
        return seen
    return published


def order_key(article: ArticleRef, settings: LinkSettings) -> tuple[datetime, datetime, int]:
    """A sort key that lists articles earliest first (effective time, first-seen, id)."""
    return effective_time(article, settings), utc(article.first_seen), article.id


def precedes(earlier: ArticleRef, later: ArticleRef, settings: LinkSettings) -> bool:
    """True when `earlier` came before `later` and so can be its source."""
    if earlier.id == later.id:
        return False
    gap = (utc(later.first_seen) - utc(earlier.first_seen)).total_seconds()
    if abs(gap) > settings.first_seen_tolerance:
        return gap > 0
    return order_key(earlier, settings) < order_key(later, settings)
