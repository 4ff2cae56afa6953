"""The claims API: what `tracker claims ...`, `who-repeated`, `uptake` and `timeline` call.

One object over a store and a clock, usable from a notebook just as well:

    with Tracker(settings) as tracker:
        claims = Claims(tracker.store, tracker.clock)
        claims.add("ai-code", "AI-written code caused the outages", origin="https://...")
        claims.who_repeated("ai-code").rows
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tracker.api.claim_sets import (
    ClaimMatcher,
    TextMatches,
    import_claims_file,
    read_match_file,
)
from tracker.claims.match import Matcher
from tracker.claims.roles import Role
from tracker.claims.suggest import Suggestion
from tracker.clock import Clock
from tracker.config import LinkSettings
from tracker.domain import CorrectionKind
from tracker.domain.claim_sets import ClaimMatch, ImportSummary
from tracker.domain.claims import ClaimInfo, CorrectionInfo
from tracker.errors import BadInput, CrawlLocked
from tracker.pipeline.claims_stage import ClaimsStage
from tracker.pipeline.suggestions import suggestions_for
from tracker.queries.claims import (
    OutletUptake,
    TimelineEvent,
    WhoRepeated,
    timeline,
    uptake_by_outlet,
    who_repeated,
)
from tracker.store import Store
from tracker.store.claim_index import ClaimIndex
from tracker.store.claim_repo import ClaimRepo
from tracker.store.lock import crawl_lock
from tracker.text.cleaning import plain_text
from tracker.urls import parse_http_url

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
        report_url: str = "",
    ) -> None:
        """Use `matcher` for sentence scores (default: lexical), `link` to order articles.

        `report_url` is the report link of the alerts the stage records (`[alerts]`).
        """
        self.repo = ClaimRepo(store.engine)
        self.clock = clock
        self.matcher = matcher
        self.stage = ClaimsStage(matcher, link=link, report_url=report_url)
        self.index = ClaimIndex(store.engine)
        self._matcher: ClaimMatcher | None = None

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

    def import_file(
        self, path: Path, *, fmt: str | None = None, match: bool = True
    ) -> tuple[ImportSummary, bool]:
        """Register every claim of a file (CSV, TSV, JSON Lines, ClaimReview JSON-LD) at once.

        All or nothing: a bad file raises BadInput naming file and line, and stores nothing.
        Claims already registered with the same text are left alone. With `match`, the new
        claims are then matched against the stored versions; False when a crawl pass will.
        """
        summary = import_claims_file(self.index, path, self.clock.now(), fmt)
        # With no stored version there is nothing to match the new claims against.
        pending = match and summary.added and self.repo.max_version_id() > 0
        matched = self.refresh() is not None if pending else True
        return summary, matched

    def match(self, text: str, *, top: int = 5) -> list[ClaimMatch]:
        """The registered claims that best match a text, best first (`tracker claims match`)."""
        return self.ranker().match(text, top)

    def match_file(self, path: Path, *, top: int = 5) -> list[TextMatches]:
        """The best claims for every `id<TAB>text` line of a file."""
        return self.ranker().match_many(read_match_file(path), top)

    def match_texts(self, texts: Sequence[tuple[str, str]], *, top: int = 5) -> list[TextMatches]:
        """The best claims for each (id, text)."""
        return self.ranker().match_many(texts, top)

    def ranker(self) -> ClaimMatcher:
        """What `match` ranks with (built on first use: it loads the embedding table)."""
        if self._matcher is None:
            self._matcher = ClaimMatcher(self.index, self.stage.lexical)
        return self._matcher

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
        return suggestions_for(self.repo, self.repo.claim(slug), limit=limit)

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
