"""The linking stage: every new article version gets its provenance edges, as part of a crawl.

For each version not yet linked, in linking order (`tracker.linking.order.linking_order`: by
first-seen, and within one crawl run by the dates the pages state), one unit of work:

1. blank the outlet's boilerplate (paragraphs already seen on `boilerplate_min_pages` of its
   other articles, counted in the store as articles are linked, and the closing paragraphs its
   home page carries too, `site_template`, read by the crawl before the outlet's first article
   is linked), and, once the candidates are known, the paragraphs it shares at its top or
   bottom with different articles of its own outlet (`shared_template`, `common_frame`: a
   footer before the counts know it is one);
2. fingerprint the clean text and look its band hashes up in the store's band table;
3. gather candidates: the articles sharing most bands (the newest members of each bucket only,
   and at most `TOPIC_SLOTS` topic-only matches, from the last `TOPIC_WINDOW`), the stored
   articles its body links resolve to, each credited outlet's articles (of the last
   `CREDIT_WINDOW`) that share most band hashes with it, whatever else the outlet published
   since (and, for a credit in words of its own, its few newest ones and those of the last
   days whose headlines name what the credit retells), and the sources those
   candidates were themselves linked to (one hop up);
4. let the pure core decide the edges (`tracker.linking.choose.link_article`);
5. write edges, bands, paragraph counts and progress in one transaction, flagging for a relink
   the candidates this article turns out to precede; those are linked again straight away.
   An article left without any textual source gets its claim-based edge in the same write, from
   the mentions already stored (`tracker.linking.claimed`).

Every step reads only articles already linked, and the cost of one step depends on its candidate
count, never on the size of the store. Killed at any point, the next pass goes on from the last
committed unit (flagged relinks first), so it ends with the same edges; a rebuild forgets all of
it and links every version again in linking order.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Collection, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from tracker.claims.cycles import cycles_uncollected
from tracker.config import LinkSettings
from tracker.domain import ArticleRef, Edge, Outlet
from tracker.domain.links import LinkedArticle, LinkTarget, LinkWrite
from tracker.linking.boilerplate import (
    common_frame,
    paragraph_hashes,
    recurring,
    shared_template,
    site_template,
    strip_boilerplate,
)
from tracker.linking.choose import ResolvedLink, link_article, to_relink
from tracker.linking.compare import Candidate, Prepared
from tracker.linking.credits import Credit, find_credits, told_by_headline
from tracker.linking.fingerprint import TERM_BAND_BASE, Fingerprint, fingerprint
from tracker.linking.order import linking_order
from tracker.pipeline.claim_links import ClaimLinker
from tracker.store import Store
from tracker.store.link_repo import LOOKBACK_VERSIONS, LinkConflict, LinkRepo

__all__ = ["LinkingStage"]

K = TypeVar("K")
V = TypeVar("V")

# Pending versions read (and put in linking order) at once, up to `LOOKBACK_VERSIONS` ids apart:
# a crawl pass's new articles in one or a few batches, so an original fetched after its copy is
# still linked before it.
BATCH = 1000
BUCKET_LIMIT = 64  # newest members read per (band, hash) bucket: a crowded bucket costs no more
TOPIC_WINDOW = timedelta(days=7)  # a candidate sharing topic bands only must be this recent
# Of those, at most this many: a crowded topic (or a site whose pages share most words) would
# otherwise fill every slot with texts that only share vocabulary, each scored for paraphrase.
TOPIC_SLOTS = 10
# A credited outlet's articles looked at, back from first seen: a story is retold and credited
# for weeks ("as first reported by the Ledger in March"), so a season, not a news cycle.
CREDIT_WINDOW = timedelta(days=90)
CREDIT_LIMIT = 10  # of those, the ones sharing most band hashes with the new text
CREDIT_RECENT_WINDOW = timedelta(days=2)  # and of those first seen this recently,
CREDIT_RECENT = 5  # the newest this many, whatever their text, and as many by headline
# Headlines read for those: an outlet's output of two days, however large, up to this many.
CREDIT_HEADLINES = 2000
_RANKED = 3  # band matches fetched per candidate slot, before the time filters thin them out


class _LRU(MutableMapping[K, V]):
    """A mapping that forgets its least recently used entries beyond `size`.

    Written here because the standard library's lru_cache memoises a function and cannot be
    handed to `link_article(cache=...)` as a mapping; this is the whole of it.
    """

    def __init__(self, size: int) -> None:
        self._data: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def __getitem__(self, key: K) -> V:
        value = self._data[key]
        self._data.move_to_end(key)
        return value

    def __setitem__(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self._size:
            self._data.popitem(last=False)

    def __delitem__(self, key: K) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class LinkingStage:
    """Links pending article versions; named outcome counts go into the crawl run's report."""

    name = "linking"

    def __init__(self, settings: LinkSettings, *, cache_size: int = 500) -> None:
        """Link with these thresholds, keeping up to `cache_size` candidate texts in memory."""
        self.settings = settings
        self._prepared: _LRU[int, Prepared] = _LRU(cache_size)  # by article id
        # Boilerplate-blanked texts by (version compared, version linked).
        self._clean: _LRU[tuple[int, int], str] = _LRU(cache_size)
        self.by_claim = ClaimLinker(settings)

    def run(self, store: Store, now: datetime) -> Mapping[str, int]:
        """Link every version not linked yet (the crawl's post-fetch stage)."""
        return self.link(store, now)

    def rebuild(self, store: Store, now: datetime) -> Mapping[str, int]:
        """Forget every edge and link every version again, in linking order."""
        LinkRepo(store).reset()
        self._prepared.clear()
        self._clean.clear()
        return self.link(store, now, full=True)

    def link(self, store: Store, now: datetime, *, full: bool = False) -> dict[str, int]:
        """Link pending versions; `full` also looks far back for versions committed late."""
        repo = LinkRepo(store)
        with repo.batch():  # a few dozen linkings per transaction, not a dozen per linking
            return self._link_pending(repo, now, full=full)

    def _link_pending(self, repo: LinkRepo, now: datetime, *, full: bool) -> dict[str, int]:
        outlets = tuple(repo.outlets())
        counts: Counter[str] = Counter()
        self._relink(repo, repo.flagged(), outlets, now, counts)  # left by an interrupted pass
        skipped: set[int] = set()
        while True:
            batch = [v for v in repo.pending(BATCH + len(skipped), full=full) if v not in skipped]
            if not batch:
                break
            # Linked out of id order, a batch must lie within the pending lookup's lookback of
            # its first id: then what an interrupted pass leaves unlinked stays above the next
            # pass's floor (the newest linked version less `LOOKBACK_VERSIONS`).
            batch = [v for v in batch if v < batch[0] + LOOKBACK_VERSIONS]
            batch = self._earliest_first(repo, batch)
            # Of this batch, the articles a claim-based edge may be owed to (most carry no claim).
            carrying = repo.carrying_articles(batch)
            # Without the cycle collector, batch by batch: see `_link_batch`.
            with cycles_uncollected():
                self._link_batch(repo, batch, outlets, now, counts, skipped, carrying)
        return dict(counts)

    def _link_batch(
        self,
        repo: LinkRepo,
        batch: Sequence[int],
        outlets: tuple[Outlet, ...],
        now: datetime,
        counts: Counter[str],
        skipped: set[int],
        carrying: Collection[int],
    ) -> None:
        """Link a batch of versions in order, up to the first conflict.

        Run with the cycle collector paused (by the caller): linking makes many short-lived
        objects (words, shingles, rows) and no reference cycles of its own, and each burst set
        off collections, the full ones walking every object of the process: a tenth of the
        stage's CPU in a WARC import. What cyclic garbage the store's objects leave is collected
        after the batch, so it stays bounded by one batch.
        """
        for version_id in batch:
            target = repo.target(version_id)
            if target is None:
                skipped.add(version_id)
                continue
            try:
                relink = self._link(repo, target, outlets, now, counts, carrying=carrying)
            except LinkConflict:
                counts["link_conflict"] += 1
                skipped.add(version_id)
                # The batch's writes not committed yet were undone with it: what is
                # pending is read again, so those versions are linked again in order.
                return
            if not self._relink(repo, relink, outlets, now, counts):
                return

    def _earliest_first(self, repo: LinkRepo, batch: list[int]) -> list[int]:
        """The batch in linking order: articles that came first before those they may source.

        The store holds them in the order one crawl run happened to fetch them. Linked in that
        order, an original fetched after its copy flags the copy for a second linking (most of a
        first crawl's linking work was such relinks); linked in `linking_order`, the original is
        there when the copy looks for candidates. An article's own versions keep their order.
        """
        refs = repo.refs_of_versions(batch)
        ordered = linking_order(refs, self.settings)
        return ordered + [v for v in batch if v not in refs]  # gone since: skipped by `target`

    def _relink(
        self,
        repo: LinkRepo,
        article_ids: Sequence[int],
        outlets: tuple[Outlet, ...],
        now: datetime,
        counts: Counter[str],
    ) -> bool:
        """Link these articles again; False when a conflict undid the uncommitted writes."""
        for article_id in sorted(article_ids):
            target = repo.relink_target(article_id)
            if target is None:
                continue
            try:
                self._link(repo, target, outlets, now, counts, relinking=True)
            except LinkConflict:
                counts["link_conflict"] += 1
                return False  # the rest stay flagged: linked again on the next pass
        return True

    def _link(
        self,
        repo: LinkRepo,
        target: LinkTarget,
        outlets: tuple[Outlet, ...],
        now: datetime,
        counts: Counter[str],
        *,
        relinking: bool = False,
        carrying: Collection[int] | None = None,
    ) -> list[int]:
        """Link one version; returns the articles to link again because this one precedes them.

        `carrying`: the articles of its batch known to carry a claim (None: not known, asked).
        """
        settings = self.settings
        ref = target.ref
        counted: frozenset[int] = frozenset()
        boilerplate = target.boilerplate
        if not relinking:
            hashes = paragraph_hashes(target.text)
            before: frozenset[int] = frozenset()
            if target.previous_text is not None:
                before = paragraph_hashes(target.previous_text)
            stored: dict[int, int] = {}
            if target.outlet_id is not None:
                stored = repo.paragraph_counts(target.outlet_id, hashes)
            # The counts include this article's earlier version: only other pages count.
            others = {digest: pages - (digest in before) for digest, pages in stored.items()}
            boilerplate = recurring(others, settings.boilerplate_min_pages)
            if target.outlet_id is not None:
                # The outlet's footer as its home page shows it: known from its first article on.
                boilerplate = boilerplate | site_template(target.text, target.site)
            counted = hashes - before
        clean = strip_boilerplate(target.text, boilerplate)
        prints = fingerprint(clean, settings)
        resolved = repo.resolve_links(link.url for link in target.links)
        links = [
            ResolvedLink(link.url, resolved[link.url], link.text)
            for link in target.links
            if link.url in resolved and resolved[link.url] != ref.id
        ]
        credits: list[Credit] | None
        candidates, versions, credits = self._candidates(repo, ref, clean, prints, links, outlets)
        template = _own_template(ref, clean, candidates)
        if template:
            credits = None  # found in the text before this blanking
            # Blanked like counted boilerplate: kept with the link state (so a relink blanks the
            # same) and left out of the stored bands.
            boilerplate = boilerplate | template
            clean = strip_boilerplate(target.text, boilerplate)
            prints = fingerprint(clean, settings)
        if boilerplate:
            # The outlet's own earlier pages may have been linked before it was known.
            candidates = [
                replace(c, text=strip_boilerplate(c.text, boilerplate))
                if c.ref.outlet == ref.outlet
                else c
                for c in candidates
            ]
        decision = link_article(
            ref,
            clean,
            candidates,
            settings,
            outlets=outlets,
            links=links,
            cache=self._prepared,
            credits=credits,
        )
        edges = [
            Edge(
                e.source_id,
                e.target_id,
                e.kind,
                e.score,
                {**e.evidence, "source_version": versions[e.source_id]},
            )
            for e in decision.edges
        ]
        # No source in any text: the claim it carries may still name its origin (mentions
        # stored by the claims stage; none yet on a first sight, which that stage then links).
        claim_edges: list[Edge] = []
        if not edges and (carrying is None or ref.id in carrying):
            claim_edges = self.by_claim.edges_for(repo, ref.id, except_version=target.version_id)
        first = target.previous_text is None and not relinking
        relink = to_relink(ref, candidates, settings) if first else []
        repo.save(
            LinkWrite(
                article_id=ref.id,
                version_id=target.version_id,
                edges=edges,
                primary=decision.source_id,
                now=now,
                bands=prints.bands,
                outlet_id=target.outlet_id,
                counted=counted,
                boilerplate=boilerplate,
                unresolved=[
                    {
                        "outlet": c.outlet.domain,
                        "name": c.outlet.name,
                        "cue": c.cue,
                        "phrase": c.phrase,
                    }
                    for c in decision.unresolved
                ],
                relink=relink,
                relinking=relinking,
                first=target.previous_text is None,
                claim_edges=claim_edges,
            )
        )
        counts["relinked" if relinking else "linked"] += 1
        if claim_edges:
            counts["linked_by_claim"] += 1
        if decision.source_id is not None and not relinking:
            counts["linked_with_source"] += 1
        return relink

    def _candidates(
        self,
        repo: LinkRepo,
        ref: ArticleRef,
        clean: str,
        prints: Fingerprint,
        links: Sequence[ResolvedLink],
        outlets: tuple[Outlet, ...],
    ) -> tuple[list[Candidate], dict[int, int], list[Credit]]:
        """Candidates for one new text, the version of each that linking compares, its credits."""
        latest = ref.first_seen + timedelta(seconds=self.settings.first_seen_tolerance)
        copy: Counter[int] = Counter()
        topic: Counter[int] = Counter()
        for article_id, band in repo.band_hits(prints.bands, BUCKET_LIMIT):
            if article_id != ref.id:
                (topic if band >= TERM_BAND_BASE else copy)[article_id] += 1
        slots = self.settings.max_candidates
        ranked = sorted(set(copy) | set(topic), key=lambda a: (-(copy[a] + topic[a]), -a))
        known = repo.linked(ranked[: slots * _RANKED])
        recent = ref.first_seen - TOPIC_WINDOW
        in_time = [a for a in ranked if a in known and known[a].ref.first_seen <= latest]
        copying = [a for a in in_time if copy[a]]
        topical = [a for a in in_time if not copy[a] and known[a].ref.first_seen >= recent]
        banded = (copying + topical[:TOPIC_SLOTS])[:slots]
        explicit = [link.article_id for link in links]
        credits = find_credits(clean, outlets, own_domain=ref.outlet)
        credited = {c.outlet.domain for c in credits}
        for domain in sorted(credited):
            since = ref.first_seen - CREDIT_WINDOW
            explicit += repo.outlet_band_hits(domain, prints.bands, since, latest, CREDIT_LIMIT)
            # A credit that retells the story in words of its own shares no band with it: the
            # outlet's latest few articles are offered as well, and those of the last days whose
            # headlines name the story the credit retells (decide keeps only its story).
            recent = ref.first_seen - CREDIT_RECENT_WINDOW
            headlines = repo.outlet_headlines(domain, recent, latest, CREDIT_HEADLINES)
            explicit += [article_id for article_id, _ in headlines[:CREDIT_RECENT]]
            named = [c for c in credits if c.outlet.domain == domain]
            explicit += told_by_headline(ref.title, clean, named, headlines, CREDIT_RECENT)
        chosen = [a for a in dict.fromkeys(banded + explicit) if a != ref.id]
        sources = repo.sources(chosen)
        above = {s for ids in sources.values() for s in ids} - set(chosen) - {ref.id}
        sources.update(repo.sources(above))
        wanted = [*chosen, *sorted(above)]
        known.update(repo.linked(a for a in wanted if a not in known))
        picked = [known[a] for a in wanted if a in known and known[a].ref.first_seen <= latest]
        versions = _versions_at(repo.versions(item.ref.id for item in picked), ref.first_seen)
        texts = self._texts(repo, picked, versions)
        candidates = [
            Candidate(item.ref, texts[versions[item.ref.id]], sources.get(item.ref.id, ()))
            for item in sorted(picked, key=lambda item: item.ref.id)
        ]
        return candidates, versions, credits

    def _texts(
        self, repo: LinkRepo, items: Sequence[LinkedArticle], versions: Mapping[int, int]
    ) -> dict[int, str]:
        """Boilerplate-blanked texts of these versions of linked articles by version id, cached."""
        out: dict[int, str] = {}
        for item in items:
            # The blanked paragraphs belong to the linked version: a relink may change them.
            cached = self._clean.get((versions[item.ref.id], item.version_id))
            if cached is not None:
                out[versions[item.ref.id]] = cached
        missing = [item for item in items if versions[item.ref.id] not in out]
        stored = repo.texts(versions[item.ref.id] for item in missing)
        for item in missing:
            version = versions[item.ref.id]
            clean = strip_boilerplate(stored[version], item.boilerplate)
            self._clean[(version, item.version_id)] = clean
            out[version] = clean
        return out


def _own_template(ref: ArticleRef, clean: str, candidates: Sequence[Candidate]) -> frozenset[int]:
    """Paragraphs the text shares at its top or bottom with other stories of its own outlet."""
    own = [
        candidate.text
        for candidate in candidates
        if ref.outlet and candidate.ref.outlet == ref.outlet and candidate.ref.id != ref.id
    ]
    found: set[int] = set(common_frame(clean, own))
    for text in own:
        found |= shared_template(clean, text)
    return frozenset(found)


def _versions_at(
    versions: Mapping[int, Sequence[tuple[int, datetime]]], moment: datetime
) -> dict[int, int]:
    """Each article's version online at `moment` (what a later article could take), else its first.

    A source is compared as it read when the new article was first seen: a copy of a report
    that was corrected later still matches the report's uncorrected text, not a copy of it.
    """
    chosen: dict[int, int] = {}
    for article, rows in versions.items():
        earlier = [version for version, fetched in rows if fetched <= moment]
        chosen[article] = earlier[-1] if earlier else rows[0][0]
    return chosen
