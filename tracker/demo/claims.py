"""The demo story's claims and corrections, registered the way a user would during the week."""

from __future__ import annotations

from datetime import datetime

from tracker.api.claims import Claims
from tracker.clock import ManualClock
from tracker.demo.corpus import Corpus, DemoCorrection
from tracker.demo.web import DemoWeb
from tracker.queries.claims import WhoRepeated

__all__ = ["answers", "register_claims", "register_corrections_due"]


def register_claims(claims: Claims, corpus: Corpus, web: DemoWeb) -> None:
    """Register every claim of the story, with the URL of the article that made it."""
    for claim in corpus.claims:
        origin = web.article_url(corpus.article(claim.origin))
        claims.add(claim.slug, claim.text, origin=origin)


def register_corrections_due(
    claims: Claims,
    corpus: Corpus,
    web: DemoWeb,
    clock: ManualClock,
    after: datetime,
    until: datetime,
) -> list[DemoCorrection]:
    """Register the corrections published in (after, until], each at its own time.

    The clock is left at the last correction's time; the caller moves it on to its next pass.
    """
    due = sorted(
        (c for c in corpus.corrections if after < c.at <= until), key=lambda c: (c.at, c.claim)
    )
    for correction in due:
        clock.set(correction.at)
        article = corpus.article(correction.article)
        version = article.version_at(correction.at)
        text = (version.jsonld_correction or version.title) if version else ""
        claims.correct(
            correction.claim,
            correction.kind,
            url=web.article_url(article),
            text=text,
            at=correction.at,
        )
    return due


def answers(claims: Claims, corpus: Corpus) -> tuple[WhoRepeated, ...]:
    """Who repeated each claim of the story, as the tracker now sees it."""
    return tuple(claims.who_repeated(claim.slug) for claim in corpus.claims)
