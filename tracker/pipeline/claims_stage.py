"""The claims stage: match new versions and new claims, store mentions, recompute uptakes.

It also gives the articles it found carrying a claim, and lacking any source in their texts,
their claim-based provenance edge (`tracker.linking.claimed`): linking ran before the mentions.

Runs after each crawl pass (and when a claim or correction is registered). Idempotent and
resumable: every claim keeps a mark of the highest version id matched against it, moved in the
same transaction that stores the mentions of a batch, so a killed run redoes at most one batch
and a repeated run finds nothing to do. Uptakes are recomputed only for articles whose inputs
changed: new mentions, a re-check since the last computation, a new correction, or a follow-up
of the same outlet.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from tracker.claims.cycles import cycles_uncollected
from tracker.claims.decide import (
    CANDIDATE_SHARE,
    EXPANSION_SHARE,
    decide_record,
    follow_ups_by_outlet,
    other_event_record,
)
from tracker.claims.events import MAX_SEEDS
from tracker.claims.match import LexicalMatcher, Matcher, fts_concepts, lexical_of
from tracker.claims.mentions import event_mentions, mentions_in_versions
from tracker.claims.one_event import event_text, one_event
from tracker.claims.roles import Role
from tracker.claims.semantic import SemanticClaimMatcher
from tracker.config import LinkSettings
from tracker.domain import Claim, Mention, VersionRef
from tracker.domain.claims import ClaimInfo, CorrectionInfo
from tracker.domain.links import ClaimMention
from tracker.pipeline.alerts.events import events_of_changes, suggestion_events
from tracker.pipeline.claim_links import EARLIEST_MENTIONS, ClaimLinker
from tracker.pipeline.suggestions import suggestions_for
from tracker.store import Store
from tracker.store.alert_repo import AlertRepo
from tracker.store.claim_repo import EVENT_MARK, LINKED_MARK, ClaimRepo
from tracker.store.fulltext import Concept
from tracker.store.link_repo import LinkRepo

__all__ = ["ClaimsStage"]

# Looks up how many stored articles carry each stem, and how many there are.
Frequencies = Callable[[Sequence[str]], tuple[Mapping[str, int], int]]
BATCH_IDS = 20_000  # version ids looked up per index query and stored per transaction
MAX_UPTAKE_PASSES = 3  # a follow-up found in one pass makes its outlet's uptakes stale once


class ClaimsStage:
    """The post-crawl stage that keeps mentions and uptakes up to date."""

    name = "claims"

    def __init__(
        self,
        matcher: Matcher | None = None,
        *,
        lexical: LexicalMatcher | None = None,
        link: LinkSettings | None = None,
        report_url: str = "",
    ) -> None:
        """Score sentences with `matcher` (default: the lexical one lifted by sentence embeddings).

        `link` are the linking settings that order articles for claim-based edges and say
        whether the default matcher lifts by embeddings (`claims_paraphrase`; default: the
        defaults, as the linking stage's). `report_url` is the report link of alerts
        (`AlertSettings.report_url`).
        """
        link = link or LinkSettings()
        if lexical is None:
            lexical = lexical_of(matcher)
        self.lexical = lexical
        # By default the lexical evidence lifted by MiniLM's sentence cosine, on the sentences
        # the lexical matcher picked (`tracker.claims.semantic`): paraphrases are repeats too.
        if matcher is None:
            matcher = SemanticClaimMatcher(lexical) if link.claims_paraphrase else lexical
        self.matcher: Matcher = matcher
        self.by_claim = ClaimLinker(link)
        self.report_url = report_url

    def run(self, store: Store, now: datetime) -> Mapping[str, int]:
        """Do all pending claims work; return counts of named outcomes."""
        return self.run_on(ClaimRepo(store.engine), now)

    def run_on(self, repo: ClaimRepo, now: datetime) -> Mapping[str, int]:
        """The same, on a claims repository."""
        semantic = self.matcher if isinstance(self.matcher, SemanticClaimMatcher) else None
        embedded, seconds = (semantic.embedded, semantic.seconds) if semantic else (0, 0.0)
        with cycles_uncollected():
            counts = self._run_on(repo, now)
            # Before the collector runs again: its first collection walks every object made
            # while it was paused and still alive, most of them the matcher's memos of this
            # run's sentences (~300,000 objects after a first crawl pass of the dev scenario,
            # 0.15-0.2 s), and later ones walk them again. Freed here by reference counting
            # instead; the next pass reads mostly other texts.
            self.lexical.forget_texts()
        if semantic is not None and semantic.embedded > embedded:
            # What the model cost this run: the sentences it read and its CPU milliseconds.
            counts["claims_sentences_embedded"] += semantic.embedded - embedded
            counts["claims_embedding_cpu_ms"] += round(1000 * (semantic.seconds - seconds))
        return counts

    def _run_on(self, repo: ClaimRepo, now: datetime) -> Counter[str]:
        """`run_on`'s work."""
        counts: Counter[str] = Counter()
        upto = repo.max_version_id()
        # Indexed even with no claim yet: free-text questions use the index too.
        counts["claims_versions_indexed"] += repo.sync_full_text(upto)
        claims = repo.claims()
        known = {f"{EVENT_MARK}{claim.id}" for claim in claims}
        if gone := [name for name in repo.marks(EVENT_MARK) if name not in known]:
            repo.set_marks({}, drop=gone)  # of deleted claims: an id may be given again
        alerts = AlertRepo(repo.engine)
        # Claims' seeds and candidates share most of their stems: each is looked up once.
        frequencies = repo.remembered_frequencies()
        for claim in claims:
            # A claim's reads and writes in one transaction (`ClaimRepo.held`); it ends before
            # the alerts repository writes.
            with repo.held():
                if claim.matched_through < upto:
                    self._match(repo, claim, upto, counts, frequencies)
                # Right after the claim's matching, while the matcher still remembers the
                # analyses of its carriers' sentences: after every claim's matching a large pass
                # (a first crawl) had pushed them out and every sentence was analysed and
                # covered again. An uptake reads only its own claim's rows, so the order gives
                # the same answers.
                corrections = self._uptakes(repo, claim, now, counts)
                # What the recomputed articles carry may be a correction to review. Its events
                # are keyed by the suggestion, so one already alerted on is not queued again.
                if corrections is not None:
                    found = suggestions_for(repo, claim, corrections=corrections)
            if corrections is not None:
                counts["alerts_suggested"] += alerts.record(
                    suggestion_events(claim, found, self.report_url), now
                )
        counts.update(self._link_by_claim(repo, repo.claims(), now))
        return counts

    # ------------------------------------------------------------ claim-based edges

    def _link_by_claim(
        self, repo: ClaimRepo, claims: Sequence[ClaimInfo], now: datetime
    ) -> Counter[str]:
        """Give the articles with new mentions their claim-based edges (`tracker.linking.claimed`).

        Linking ran before these mentions existed. Per claim a mark says up to which version its
        mentions were linked; it moves after the edges are written, so a killed run writes them
        again (the same ones). A new carrier among a claim's first ones may be the origin of
        the others: those are linked again too. A deleted claim (its mentions gone with it)
        has every claim-based edge checked again, since any of them may rest on it.
        """
        marks = repo.marks(LINKED_MARK)
        links = LinkRepo(Store(repo.engine))
        targets: set[int] = set()
        moved: dict[str, int] = {}
        earliest: dict[int, list[ClaimMention]] = {}  # read once, for relinking too
        for claim in claims:
            name = f"{LINKED_MARK}{claim.id}"
            mark = marks.get(name, 0)
            if claim.matched_through <= mark:
                continue
            fresh = set(repo.mentioning_articles(claim.id, mark, claim.matched_through))
            if fresh:
                first = earliest[claim.id] = links.earliest_claim_mentions(
                    claim.id, EARLIEST_MENTIONS
                )
                firsts = {mention.article.id for mention in first}
                targets |= fresh | (firsts if firsts & fresh else set())
            moved[name] = claim.matched_through
        known = {f"{LINKED_MARK}{claim.id}" for claim in claims}
        gone = sorted(name for name in marks if name not in known)
        # The edges in the linking stage's shared transactions (`LinkRepo.batch`): a few dozen
        # articles' reads and writes in each, not one transaction per article.
        with links.batch():
            if gone:
                targets.update(links.claim_edge_targets())
            counts = self.by_claim.relink(links, targets, now, earliest)
        if counts["claim_link_conflict"]:
            return counts  # the marks stay: the next run writes what a concurrent write blocked
        if moved or gone:
            repo.set_marks(moved, drop=gone)
        return counts

    # ------------------------------------------------------------ matching

    def _match(
        self,
        repo: ClaimRepo,
        claim: ClaimInfo,
        upto: int,
        counts: Counter[str],
        frequencies: Frequencies,
    ) -> None:
        """Match versions (claim.matched_through, upto] against the claim, batch by batch.

        First sentence by sentence; then the other candidates (a wider net: `EXPANSION_SHARE`)
        are compared with the claim's first carriers, whole text to whole text, and those that
        report the same event get an event-level mention (`tracker.claims.events`).
        """
        concepts = [Concept(w, words) for w, words in fts_concepts(claim.text, self.lexical)]
        domain = Claim(claim.slug, claim.text, claim.origin_url)
        after = claim.matched_through
        while after < upto:
            high = min(upto, after + BATCH_IDS)
            # The wider net holds the candidates: one index query gives both.
            ids, wider = repo.candidate_versions_at(
                concepts, shares=(CANDIDATE_SHARE, EXPANSION_SHARE), after=after, upto=high
            )
            versions = repo.versions_by_id(ids)
            mentions = mentions_in_versions(
                domain, versions, matcher=self.matcher, lexical=self.lexical
            )
            mentions += self._expand(repo, claim, domain, wider, versions, mentions, frequencies)
            counts["claims_versions_read"] += len(versions)
            counts["claims_mentions"] += repo.save_mentions(
                claim.id, sorted(set(ids) | set(wider)), mentions, high
            )
            after = high

    def _expand(
        self,
        repo: ClaimRepo,
        claim: ClaimInfo,
        domain: Claim,
        wider: Sequence[int],
        read: Sequence[VersionRef],
        direct: Sequence[Mention],
        frequencies: Frequencies,
    ) -> list[Mention]:
        """Event-level mentions for the candidates `wider` whose articles carry no direct one.

        The seeds are the claim's stored carriers plus this batch's, the first `MAX_SEEDS`
        articles by version id (one version each). `frequencies` looks up document frequencies.
        """
        by_id = {v.id: v for v in read}
        carrying = {by_id[m.version_id].article_id for m in direct}
        rest = [i for i in wider if i not in by_id]
        pool = [v for v in read if v.article_id not in carrying] + repo.versions_by_id(rest)
        if not pool:  # nothing to expand to (most claims of a later pass): no seed to read
            return []
        seed_ids = sorted(
            set(repo.seed_versions(claim.id, MAX_SEEDS))
            | _first_per_article(by_id[m.version_id] for m in direct)
        )[:MAX_SEEDS]
        if not seed_ids:
            return []
        carrying |= repo.articles_carrying(claim.id, [v.article_id for v in pool])
        pool = [v for v in pool if v.article_id not in carrying]
        if not pool:
            return []
        seeds = repo.versions_by_id(seed_ids)
        return list(event_mentions(domain, seeds, pool, frequencies, lexical=self.lexical))

    # ------------------------------------------------------------ uptake

    def _uptakes(
        self, repo: ClaimRepo, claim: ClaimInfo, now: datetime, counts: Counter[str]
    ) -> list[CorrectionInfo] | None:
        """Recompute the uptakes of the claim's articles whose inputs changed.

        Returns the claim's corrections (read for the uptakes) when any was recomputed, else
        None.
        """
        dirty = repo.dirty_articles(claim.id)
        if not dirty:  # most claims of a later pass: nothing else to read
            return None
        corrections = repo.corrections(claim.id)
        origin_id = repo.article_for_url(claim.origin_url)
        for number in range(MAX_UPTAKE_PASSES):
            if number:
                dirty = repo.dirty_articles(claim.id)
            if not dirty:
                return corrections
            sorted_out = _other_event(repo, claim, origin_id)
            if sorted_out is None:  # the carriers are the same: their stored roles stand
                before = repo.roles_of(claim.id, dirty)
                elsewhere = {a for a, role in before.items() if role == Role.OTHER_EVENT}
            else:
                elsewhere, flipped, through = sorted_out
                dirty = sorted(set(dirty) | flipped)
                before = repo.roles_of(claim.id, dirty)
            facts = repo.article_facts(claim.id, dirty)
            outlets = sorted({f.outlet_id for f in facts if f.outlet_id is not None})
            follow = follow_ups_by_outlet(repo.outlet_mentions(claim.id, outlets))
            records = [
                other_event_record(f)
                if f.article_id in elsewhere
                else decide_record(
                    claim,
                    f,
                    corrections,
                    origin_id,
                    follow.get(f.outlet_id, ()) if f.outlet_id is not None else (),
                    self.matcher,
                )
                for f in facts
            ]
            alerts = functools.partial(events_of_changes, now=now, report_url=self.report_url)
            counts["claims_uptakes"] += repo.save_uptakes(claim.id, records, now, alerts=alerts)
            if sorted_out is not None:
                repo.set_marks({f"{EVENT_MARK}{claim.id}": through})
            # A new disputing article is a follow-up for its outlet's earlier repeats.
            new_disputers = {
                f.outlet_id
                for f, r in zip(facts, records, strict=True)
                if r.role == Role.DISPUTER
                and before.get(f.article_id) != Role.DISPUTER
                and f.outlet_id is not None
            }
            if not new_disputers:
                return corrections
            repo.mark_outlets_stale(claim.id, sorted(new_disputers), keep_role=Role.DISPUTER)
        return corrections


def _other_event(
    repo: ClaimRepo, claim: ClaimInfo, origin_id: int | None
) -> tuple[set[int], set[int], int] | None:
    """The claim's articles on another event (`claims.one_event`), those now misfiled, the mark.

    Decided over all the claim's articles at once (a new carrier may move the anchor); the
    misfiled ones, whose stored role disagrees, get their records made again. None when the
    claim's mentions did not change since the last decision (`EVENT_MARK`).
    """
    name = f"{EVENT_MARK}{claim.id}"
    current = repo.find_claim(claim.slug)
    through = current.matched_through if current is not None else claim.matched_through
    if repo.marks(name).get(name) == through:
        return None
    best = repo.best_mention_scores(claim.id)
    if len(best) > 1:
        versions = repo.first_versions(list(best))
        scores = repo.version_mention_scores(claim.id, [v.id for v in versions.values()])
        firsts = {a for a, v in versions.items() if scores.get(v.id) == best[a]}
        texts = {article: event_text(v) for article, v in versions.items()}
        kept = one_event(best, texts, firsts=firsts)
    else:  # an article alone is its own anchor: `one_event` keeps it without reading its text
        kept = set(best)
    elsewhere = set(best) - kept - {origin_id}
    roles = repo.roles_of(claim.id, list(best))
    flipped = {
        article
        for article, role in roles.items()
        if (role == Role.OTHER_EVENT) != (article in elsewhere)
    }
    return elsewhere, flipped, through


def _first_per_article(versions: Iterable[VersionRef]) -> set[int]:
    """The lowest version id of each article among `versions`."""
    first: dict[int, int] = {}
    for v in versions:
        first[v.article_id] = min(v.id, first.get(v.article_id, v.id))
    return set(first.values())
