"""The claims API: what `tracker claims ...`, `who-repeated`, `uptake` and `timeline` call.

One object over a store and a clock, usable from a notebook just as well:

    with Tracker(settings) as tracker:
        claims = Claims(tracker.store, tracker.clock)
        claims.add("ai-code", "AI-written code caused the outages", origin="https://...")
        claims.who_repeated("ai-code").rows
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tracker.claims.match import Matcher
from tracker.claims.roles import Role
from tracker.claims.suggest import CandidateSource, CorrectionCandidate, Suggestion
from tracker.claims.suggest import suggest_corrections as rank_suggestions
from tracker.claims.uptake import notice_paragraphs
from tracker.clock import Clock
from tracker.config import LinkSettings
from tracker.domain import Claim, Correction, CorrectionKind
from tracker.domain.claims import ClaimInfo, CorrectionInfo
from tracker.errors import BadInput, CrawlLocked
from tracker.pipeline.claims_stage import ClaimsStage
from tracker.queries.claims import (
    OutletUptake,
    TimelineEvent,
    WhoRepeated,
    timeline,
    uptake_by_outlet,
    who_repeated,
)
from tracker.store import Store
from tracker.store.claim_repo import ClaimRepo
from tracker.store.lock import crawl_lock
from tracker.text.cleaning import plain_text
from tracker.urls import outlet_domain, parse_http_url

__all__ = ["ClaimDetail", "ClaimSummary", "Claims", "Registered"]


@dataclass(frozen=True, slots=True)
class ClaimSummary:
    """A claim with how many articles made, repeated and disputed it."""

    slug: str
    text: str
    origin_url: str | None
    created_at: datetime
    repeaters: int
    disputers: int
    corrections: int


@dataclass(frozen=True, slots=True)
class ClaimDetail:
    """A claim, its corrections and who repeated it."""

    claim: ClaimInfo
    corrections: tuple[CorrectionInfo, ...]
    answer: WhoRepeated


@dataclass(frozen=True, slots=True)
class Registered:
    """A registered correction and how many articles it scheduled for an immediate re-check."""

    correction: CorrectionInfo
    rechecks: int


class Claims:
    """Claims, corrections and the questions about them, over one store."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        matcher: Matcher | None = None,
        link: LinkSettings | None = None,
    ) -> None:
        """Use `matcher` for sentence scores (default: lexical), `link` to order articles."""
        self.repo = ClaimRepo(store.engine)
        self.clock = clock
        self.matcher = matcher
        self.stage = ClaimsStage(matcher, link=link)

    def refresh(self) -> Mapping[str, int] | None:
        """Bring mentions and uptakes up to date now (the crawl does this after every pass).

        While a crawl pass holds the database, nothing is done here and None is returned: the
        pass's own claims stage, at its end, picks up whatever was registered meanwhile.
        """
        try:
            with crawl_lock(self.repo.engine):
                return self.stage.run_on(self.repo, self.clock.now())
        except CrawlLocked:
            return None

    def register(
        self, slug: str, text: str, *, origin: str | None = None
    ) -> tuple[ClaimInfo, bool]:
        """Register a claim and match it now; False when a running crawl pass will match it."""
        origin_url = parse_http_url(origin) if origin else None
        claim = self.repo.add_claim(slug.strip(), text, origin_url, self.clock.now())
        matched = self.refresh() is not None
        return self.repo.claim(claim.slug), matched

    # ------------------------------------------------------------ claims

    def add(self, slug: str, text: str, *, origin: str | None = None) -> ClaimInfo:
        """Register a claim and match it against every stored version."""
        return self.register(slug, text, origin=origin)[0]

    def list(self) -> list[ClaimSummary]:
        """Every claim with its counts."""
        roles = self.repo.role_counts()
        return [
            ClaimSummary(
                c.slug,
                c.text,
                c.origin_url,
                c.created_at,
                roles.get(c.id, {}).get(Role.REPEATER.value, 0),
                roles.get(c.id, {}).get(Role.DISPUTER.value, 0),
                len(self.repo.corrections(c.id)),
            )
            for c in self.repo.claims()
        ]

    def show(self, slug: str) -> ClaimDetail:
        """One claim, its corrections and its repeats."""
        claim = self.repo.claim(slug)
        answer = who_repeated(self.repo, claim.slug, matcher=self.matcher)
        return ClaimDetail(claim, answer.corrections, answer)

    # ------------------------------------------------------------ corrections

    def correct(
        self,
        slug: str,
        kind: CorrectionKind,
        *,
        url: str | None = None,
        text: str = "",
        at: datetime | None = None,
    ) -> Registered:
        """Register a correction (a page, or a text without one); repeaters are re-checked now."""
        claim = self.repo.claim(slug)
        text = plain_text(text)
        if not url and not text:
            raise BadInput("a correction needs --url (its page) or --text (what it says)")
        if len(text) > 5000:
            raise BadInput("the correction text is longer than 5000 characters")
        page = parse_http_url(url) if url else None
        now = self.clock.now()
        correction, scheduled = self.repo.add_correction(
            claim.id, kind, published=at or now, url=page, text=text, now=now
        )
        self.refresh()
        return Registered(correction, scheduled)

    def suggestions(self, slug: str, *, limit: int = 10) -> tuple[Suggestion, ...]:
        """Corrections the crawl found for the claim (notices, disputing articles), best first."""
        claim = self.repo.claim(slug)
        candidates: list[CorrectionCandidate] = []
        for article_id, version_id, url, seen, structured, body in self.repo.notices_of_claim(
            claim.id
        ):
            texts = dict.fromkeys([*structured, *notice_paragraphs(body)])
            outlet = outlet_domain(url)
            candidates += [
                CorrectionCandidate(
                    CandidateSource.NOTICE, note, seen, url, outlet, article_id, version_id
                )
                for note in texts
            ]
        for article_id, version_id, url, seen, sentence in self.repo.disputing_mentions(claim.id):
            candidates.append(
                CorrectionCandidate(
                    CandidateSource.DISPUTING_ARTICLE,
                    sentence,
                    seen,
                    url,
                    outlet_domain(url),
                    article_id,
                    version_id,
                )
            )
        registered = [_domain_correction(c) for c in self.repo.corrections(claim.id)]
        origin = outlet_domain(claim.origin_url) if claim.origin_url else None
        domain_claim = Claim(claim.slug, claim.text, claim.origin_url)
        return rank_suggestions(
            domain_claim, candidates, registered=registered, origin_outlet=origin, limit=limit
        )

    def accept(self, slug: str, number: int) -> Registered:
        """Register suggestion `number` (1 = the first listed) as a correction."""
        found = self.suggestions(slug)
        if not 1 <= number <= len(found):
            raise BadInput(f"no suggestion {number}: there are {len(found)}")
        correction = found[number - 1].correction
        return self.correct(
            slug,
            correction.kind,
            url=correction.url,
            text=correction.text,
            at=correction.published,
        )

    # ------------------------------------------------------------ questions

    def who_repeated(
        self,
        claim: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        outlet: str | None = None,
        limit: int | None = None,
    ) -> WhoRepeated:
        """Who repeated a claim, or free text matched on the fly (at most `limit` candidates)."""
        if not claim.strip():
            raise BadInput("give a claim slug or the text of a claim")
        return who_repeated(
            self.repo,
            claim,
            since=since,
            until=until,
            outlet=outlet,
            matcher=self.matcher,
            now=self.clock.now(),
            limit=limit,
        )

    def uptake(
        self,
        slug: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        outlet: str | None = None,
    ) -> tuple[OutletUptake, ...]:
        """Per outlet: did its articles take up the corrections, and how fast."""
        return uptake_by_outlet(self.repo, slug, since=since, until=until, outlet=outlet)

    def timeline(
        self,
        slug: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        outlet: str | None = None,
    ) -> tuple[TimelineEvent, ...]:
        """The claim's events in time order."""
        self.repo.claim(slug)
        return timeline(self.repo, slug, since=since, until=until, outlet=outlet)


def _domain_correction(info: CorrectionInfo) -> Correction:
    """A stored correction as the domain record."""
    return Correction(info.claim_slug, info.kind, info.published, info.url, info.text)
