"""Which of two articles came first: first-seen time, refined by believable publication dates.

First-seen is what the tracker itself observed: the article existed then. A publication date is
what the page claims, and pages get dates wrong or backdate a copy. So:

- a publication date is believed only when it is not after first-seen (a date "in the future"
  or contradicting first-seen) and not more than `max_publication_lead` before it;
- articles first seen more than `first_seen_tolerance` apart are ordered by first-seen alone: a
  copy that claims an earlier date than the original but was seen later never becomes the
  original;
- articles first seen within that tolerance (one crawl run, or a rebuild of a backlog) are
  ordered by their effective times: the believed publication date, else first-seen;
- except that two articles of one crawl run which both state a publication date (neither after
  its first-seen) within `max_publication_lead` of each other are ordered by those dates, even
  when both lie further back than that before first-seen: the order in which one run happened
  to fetch them says nothing, and a backlog (an outlet added late, a site crawled for the first
  time) is exactly where every date lies far back. Two dates that far apart are not compared,
  so one page's wrong date (a year in its furniture) does not put it first.

Known limit: an outlet added to the tracker late is first seen late, so its older stories cannot
be the source of stories seen before them unless both fall within the tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from tracker.clock import utc
from tracker.config import LinkSettings
from tracker.domain import ArticleRef

__all__ = ["earliest", "effective_time", "linking_order", "order_key", "order_known", "precedes"]


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


def _stated(article: ArticleRef) -> datetime | None:
    """The publication date the page states, unless it lies after the article was first seen."""
    if article.published is None or utc(article.published) > utc(article.first_seen):
        return None
    return utc(article.published)


def precedes(earlier: ArticleRef, later: ArticleRef, settings: LinkSettings) -> bool:
    """True when `earlier` came before `later` and so can be its source."""
    if earlier.id == later.id:
        return False
    gap = (utc(later.first_seen) - utc(earlier.first_seen)).total_seconds()
    if abs(gap) > settings.first_seen_tolerance:
        return gap > 0
    first, second = _stated(earlier), _stated(later)
    lead = timedelta(seconds=settings.max_publication_lead)
    if first is not None and second is not None and first != second and abs(first - second) <= lead:
        return first < second
    return order_key(earlier, settings) < order_key(later, settings)


def order_known(earlier: ArticleRef, later: ArticleRef, settings: LinkSettings) -> bool:
    """True when `earlier` precedes `later` by more than the order one crawl run fetched them in.

    First-seen times further apart than the tolerance, or publication dates (stated ones that
    `precedes` compares, or believed ones) that differ, know the order; two articles of one run
    with no such dates, or the same stated day, are ordered only by fetch order, which says
    nothing about which of them took from the other.
    """
    if not precedes(earlier, later, settings):
        return False
    gap = (utc(later.first_seen) - utc(earlier.first_seen)).total_seconds()
    if abs(gap) > settings.first_seen_tolerance:
        return True
    first, second = _stated(earlier), _stated(later)
    lead = timedelta(seconds=settings.max_publication_lead)
    if first is not None and second is not None and first != second and abs(first - second) <= lead:
        return True
    believed = (earlier.published, later.published) != (None, None) and (
        effective_time(earlier, settings) != utc(earlier.first_seen)
        or effective_time(later, settings) != utc(later.first_seen)
    )
    return believed and effective_time(earlier, settings) != effective_time(later, settings)


def earliest(refs: Sequence[ArticleRef], settings: LinkSettings) -> ArticleRef:
    """The one of `refs` that none of the others precedes (by `order_key` when several are)."""
    ordered = sorted(refs, key=lambda ref: order_key(ref, settings))
    for ref in ordered:
        if not any(precedes(other, ref, settings) for other in ordered):
            return ref
    return ordered[0]


def linking_order(refs: Mapping[int, ArticleRef], settings: LinkSettings) -> list[int]:
    """Keys of `refs` (versions, by id) in an order that links sources before their repeats.

    Articles first seen further apart than the tolerance keep first-seen order (as `precedes`
    does); within a run of articles first seen close together (one crawl pass, fetched in
    whatever order it happened to), the dates their pages state come first, else the effective
    time. A sort cannot follow `precedes` exactly (it is not a total order: a date a year off
    is not compared); where they differ, linking's relinks put it right, at the cost of a
    second linking. Versions of one article keep the order of their keys.
    """

    def within_run(key: int) -> tuple[datetime, datetime, int, int]:
        article = refs[key]
        when = _stated(article) or effective_time(article, settings)
        return when, utc(article.first_seen), article.id, key

    by_seen = sorted(refs, key=lambda key: (utc(refs[key].first_seen), key))
    out: list[int] = []
    run: list[int] = []
    last: datetime | None = None
    for key in by_seen:
        seen = utc(refs[key].first_seen)
        if last is not None and (seen - last).total_seconds() > settings.first_seen_tolerance:
            out.extend(sorted(run, key=within_run))
            run = []
        run.append(key)
        last = seen
    out.extend(sorted(run, key=within_run))
    return out
