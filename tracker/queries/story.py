"""Read-side use case: the story of one claim, assembled from stored data for graph and report.

`story_for` is the one place that turns stored articles, mentions, edges, corrections and uptake
into a `ClaimStory` (see tracker/domain/story.py for what each field means).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.clock import Clock
from tracker.domain import Claim, Correction, Edge, EdgeKind, Stance, UptakeKind
from tracker.domain.story import ClaimStory, OutletCredit, StoryArticle
from tracker.queries.claims import who_repeated
from tracker.store import Store
from tracker.store.claim_repo import ClaimRepo
from tracker.store.link_tables import EdgeRow, LinkStateRow
from tracker.store.models import Article

__all__ = ["story_for"]


def story_for(store: Store, clock: Clock, slug: str) -> ClaimStory:
    """The story of claim `slug` as of now; NotFound when the claim is not registered."""
    repo = ClaimRepo(store.engine)
    info = repo.claim(slug)
    answer = who_repeated(repo, info.slug, now=clock.now())
    ids = {row.article_id for row in answer.rows}
    with Session(store.engine) as session:
        taken_down = dict(
            session.execute(
                select(Article.id, Article.taken_down_at).where(Article.id.in_(ids))
            ).all()
        )
        edge_rows = session.scalars(
            select(EdgeRow)
            .where(EdgeRow.target_id.in_(ids), EdgeRow.source_id.in_(ids))
            # The immediate source's edge first, as the graph expects.
            .order_by(EdgeRow.target_id, EdgeRow.primary.desc(), EdgeRow.score.desc())
        ).all()
        edges = tuple(
            Edge(e.source_id, e.target_id, EdgeKind(e.kind), e.score, dict(e.evidence or {}))
            for e in edge_rows
        )
        states = session.execute(
            select(LinkStateRow.article_id, LinkStateRow.unresolved)
            .where(LinkStateRow.article_id.in_(ids))
            .order_by(LinkStateRow.article_id)
        ).all()
        unresolved = tuple(
            OutletCredit(
                article_id=article_id,
                outlet=str(item.get("name") or item.get("outlet") or ""),
                domain=str(item.get("outlet") or ""),
                cue=str(item.get("cue") or ""),
                phrase=str(item.get("phrase") or ""),
            )
            for article_id, items in states
            for item in items or ()
            if isinstance(item, dict)
        )
    articles = tuple(
        StoryArticle(
            id=row.article_id,
            url=row.url,
            outlet=row.outlet,
            title=row.title,
            first_seen=row.first_seen,
            stance=Stance(row.stance) if row.stance else Stance.ASSERTS,
            uptake=UptakeKind(row.uptake) if row.uptake else None,
            lag_seconds=row.lag_seconds,
            late=row.late,
            taken_down_at=taken_down.get(row.article_id),
            outlet_domain=row.outlet_domain,
        )
        for row in answer.rows
    )
    corrections = tuple(
        Correction(c.claim_slug, c.kind, c.published, c.url, c.text) for c in answer.corrections
    )
    origin = next((row.article_id for row in answer.rows if row.role == "origin"), None)
    # The story ends where the record ends: the last crawl, not the reader's wall clock (a
    # replayed or archived database would otherwise stretch the timeline to today).
    # A run still going (a queue worker runs for days) means the record is current.
    runs = store.recent_runs(1)
    as_of = runs[0].finished_at if runs and runs[0].finished_at else clock.now()
    return ClaimStory(
        claim=Claim(info.slug, info.text, info.origin_url),
        articles=articles,
        edges=edges,
        corrections=corrections,
        as_of=as_of,
        origin_id=origin,
        unresolved=unresolved,
    )
