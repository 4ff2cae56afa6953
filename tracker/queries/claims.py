"""Read-side questions about a claim: who repeated it, did they take up corrections, in what order.

A registered claim is answered from what the claims stage stored. Free text that is not a
registered slug is matched on the fly (full-text candidates, then sentence scores) and nothing
is stored; it has no corrections, so its uptakes are what the articles did on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tracker.claims.cycles import cycles_uncollected
from tracker.claims.decide import (
    CANDIDATE_SHARE,
    EXPANSION_SHARE,
    decide_record,
    follow_ups_by_outlet,
)
from tracker.claims.events import (
    CLAIM_BAG_MIN,
    MAX_SEEDS,
    DocumentFrequencies,
    coverage_of,
    expand,
    is_event_level,
)
from tracker.claims.match import (
    LexicalMatcher,
    Matcher,
    default_analyzer,
    fts_concepts,
    lexical_of,
)
from tracker.claims.mentions import event_mentions, mentions_in_version
from tracker.claims.one_event import EventText, event_text, one_event
from tracker.claims.roles import Role
from tracker.claims.stored_match import (
    SentenceCache,
    StoredSentences,
    best_stored,
    mentions_in_stored,
)
from tracker.domain import Claim, Mention, Stance, UptakeKind, VersionRef
from tracker.domain.claims import (
    ArticleFacts,
    ClaimInfo,
    CorrectionInfo,
    IncomingEdge,
    MentionFact,
    StoredUptake,
)
from tracker.errors import BadInput
from tracker.store.analyses import StoredRow
from tracker.store.claim_repo import MAX_CLAIM_CHARS, ClaimRepo
from tracker.store.fulltext import Concept
from tracker.text.cleaning import plain_text
from tracker.text.profile import ReadyProfile, profile_of
from tracker.text.stored import (
    StoredText,
    analyse_version,
    decode_sentences,
    decode_terms,
)
from tracker.text.terms import TermStats, term_stats

__all__ = [
    "CorrectionLag",
    "OutletUptake",
    "Repeat",
    "Source",
    "TimelineEvent",
    "WhoRepeated",
    "timeline",
    "uptake_by_outlet",
    "who_repeated",
]

FREE_TEXT_SLUG = "free-text"
_SHOWN_ROLES = (Role.ORIGIN.value, Role.REPEATER.value)
# The order in which an outlet's uptakes are summarised: the most thorough first.
_KIND_ORDER = ("taken_down", "edited", "noted", "followed_up", "none")


@dataclass(frozen=True, slots=True)
class Source:
    """How an article got the claim: the provenance edge into it, or why there is none."""

    kind: str  # an EdgeKind value, "origin", or "unknown"
    outlet: str | None = None
    url: str | None = None
    score: float | None = None

    def describe(self) -> str:
        """One line for a table."""
        if self.kind == "origin":
            return "origin"
        if self.kind == "unknown":
            return "no provenance edge found"
        return f"{self.kind} {self.outlet or self.url or '?'}"


@dataclass(frozen=True, slots=True)
class CorrectionLag:
    """Seconds from one correction to the article's uptake (negative: before it)."""

    correction_id: int
    kind: str
    seconds: float


@dataclass(frozen=True, slots=True)
class Repeat:
    """One article that repeated the claim (or made it: role origin)."""

    outlet: str
    outlet_domain: str
    article_id: int
    url: str
    title: str
    first_seen: datetime  # when it was first seen carrying the claim
    role: str
    stance: str | None
    sentence: str
    source: Source
    uptake: str | None  # an UptakeKind value
    uptake_at: datetime | None
    lag_seconds: float | None  # from the first correction
    late: bool
    checked_at: datetime | None
    state: str
    evidence: str
    lags: tuple[CorrectionLag, ...] = ()
    # How the claim was found in it: "sentence" (a sentence states it) or "event" (it reports
    # the same event in its own words: same-event expansion, weaker evidence; see claims.events).
    match: str = "sentence"


@dataclass(frozen=True, slots=True)
class WhoRepeated:
    """The answer to "who repeated this claim?"."""

    slug: str
    text: str
    registered: bool
    corrections: tuple[CorrectionInfo, ...]
    rows: tuple[Repeat, ...]
    # False when free text had more candidate versions than were read (the best covered were).
    complete: bool = True


@dataclass(frozen=True, slots=True)
class OutletUptake:
    """How one outlet, over all its articles that repeated the claim, took up corrections."""

    outlet: str
    outlet_domain: str
    articles: int
    first_repeated: datetime
    stance: str | None
    uptake: str  # the kinds of its articles, most thorough first ("edited", "none+noted", ...)
    picked_up: str  # "all", "some" or "none" of its articles took up a correction
    lag_seconds: float | None  # the fastest uptake, from the first correction
    late: bool
    checked_at: datetime | None


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One dated event in a claim's life."""

    at: datetime
    event: str  # origin, repeat, late_repeat, correction, uptake
    outlet: str
    url: str | None
    detail: str


def who_repeated(
    repo: ClaimRepo,
    claim: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    outlet: str | None = None,
    matcher: Matcher | None = None,
    now: datetime | None = None,
    limit: int | None = None,
) -> WhoRepeated:
    """Who repeated a registered claim (by slug), or free text matched on the fly.

    Free text reads every candidate version unless `limit` caps them (the best covered first);
    the answer's `complete` says whether the cap cut any.
    """
    registered = repo.find_claim(claim.strip())
    if registered is None:
        with cycles_uncollected():
            return _free_text(repo, claim, since, until, outlet, matcher, now, limit)
    stored = repo.stored_uptakes(
        registered.id, roles=_SHOWN_ROLES, since=since, until=until, outlet=outlet
    )
    edges = repo.edges_into([u.article_id for u in stored])
    rows = tuple(_repeat(u, edges.get(u.article_id)) for u in stored)
    corrections = tuple(repo.corrections(registered.id))
    return WhoRepeated(registered.slug, registered.text, True, corrections, rows)


def uptake_by_outlet(
    repo: ClaimRepo,
    slug: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    outlet: str | None = None,
) -> tuple[OutletUptake, ...]:
    """Per outlet that repeated the claim: its articles' uptakes summarised."""
    claim = repo.claim(slug)
    stored = repo.stored_uptakes(
        claim.id, roles=(Role.REPEATER.value,), since=since, until=until, outlet=outlet
    )
    by_outlet: dict[str, list[StoredUptake]] = {}
    for item in stored:
        by_outlet.setdefault(item.outlet, []).append(item)
    out: list[OutletUptake] = []
    for name, items in by_outlet.items():
        kinds = {i.kind or UptakeKind.NONE.value for i in items}
        taken = [i for i in items if (i.kind or "none") != UptakeKind.NONE.value]
        lags = [i.lag_seconds for i in taken if i.lag_seconds is not None]
        stances = {i.stance for i in items if i.stance}
        checks = [i.checked_at for i in items if i.checked_at is not None]
        out.append(
            OutletUptake(
                outlet=name,
                outlet_domain=items[0].outlet_domain,
                articles=len(items),
                first_repeated=min(i.repeated_at or i.first_seen for i in items),
                stance=next((s.value for s in Stance if s.value in stances), None),
                uptake="+".join(k for k in _KIND_ORDER if k in kinds),
                picked_up="all" if len(taken) == len(items) else ("some" if taken else "none"),
                lag_seconds=min(lags) if lags else None,
                late=any(i.late for i in items),
                checked_at=max(checks) if checks else None,
            )
        )
    return tuple(sorted(out, key=lambda o: (o.first_repeated, o.outlet)))


def timeline(
    repo: ClaimRepo,
    slug: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    outlet: str | None = None,
) -> tuple[TimelineEvent, ...]:
    """The claim's events in time order: origin, repeats, corrections, uptakes."""
    answer = who_repeated(repo, slug)
    if not answer.registered:
        raise BadInput(f"no claim named {slug[:100]!r}: a timeline needs a registered claim")
    events: list[TimelineEvent] = []
    for row in answer.rows:
        kind = "origin" if row.role == Role.ORIGIN else ("late_repeat" if row.late else "repeat")
        detail = f"{row.stance or '?'}; source: {row.source.describe()}"
        events.append(TimelineEvent(row.first_seen, kind, row.outlet, row.url, detail))
        if row.uptake_at is not None and row.uptake not in (None, UptakeKind.NONE.value):
            events.append(
                TimelineEvent(row.uptake_at, "uptake", row.outlet, row.url, f"{row.uptake}")
            )
    outlets = repo.article_outlets(
        [a for c in answer.corrections if (a := repo.article_for_url(c.url)) is not None]
    )
    for correction in answer.corrections:
        article = repo.article_for_url(correction.url)
        name = outlets[article][2] if article in outlets else "-"
        detail = f"{correction.kind.value}: {correction.text[:120]}".rstrip(": ")
        events.append(
            TimelineEvent(correction.published, "correction", name, correction.url, detail)
        )
    wanted = outlet.strip().lower() if outlet else None
    kept = [
        e
        for e in events
        if (since is None or e.at >= since)
        and (until is None or e.at <= until)
        and (wanted is None or e.outlet.lower() == wanted or wanted in (e.url or "").lower())
    ]
    order = {"origin": 0, "correction": 1, "repeat": 2, "late_repeat": 2, "uptake": 3}
    return tuple(sorted(kept, key=lambda e: (e.at, order.get(e.event, 9), e.outlet)))


# ---------------------------------------------------------------- helpers


def _repeat(item: StoredUptake, edge: IncomingEdge | None) -> Repeat:
    """A stored uptake as a row of the answer."""
    if item.role == Role.ORIGIN:
        source = Source("origin")
    elif edge is not None:
        source = Source(edge.kind, edge.source_outlet, edge.source_url, round(edge.score, 3))
    else:
        source = Source("unknown")
    return Repeat(
        outlet=item.outlet,
        outlet_domain=item.outlet_domain,
        article_id=item.article_id,
        url=item.url,
        title=item.title,
        first_seen=item.repeated_at or item.first_seen,
        role=item.role,
        stance=item.stance,
        sentence=item.sentence,
        source=source,
        uptake=item.kind,
        uptake_at=item.event_at,
        lag_seconds=item.lag_seconds,
        late=item.late,
        checked_at=item.checked_at,
        state=item.state,
        evidence=item.evidence,
        lags=tuple(
            CorrectionLag(int(lag["correction_id"]), str(lag["kind"]), float(lag["seconds"]))
            for lag in item.lags
        ),
        match=match_basis(item.best_score),
    )


def match_basis(best_score: float | None) -> str:
    """How an article's mentions carry the claim: "sentence", or "event" (expansion only)."""
    return "event" if best_score is not None and is_event_level(best_score) else "sentence"


def _one_event(
    found: dict[int, list[Mention]],
    items: Sequence[ArticleFacts],
    profiles: Callable[[VersionRef], ReadyProfile] | None = None,
) -> dict[int, list[Mention]]:
    """Drop the articles that report another event than the text's (`claims.one_event`).

    Each article's first version is compared, by its event profile: `profiles` reads the stored
    one (the same values); without it, it is computed from the headline and text.
    """
    best = {a: max(m.score for m in ms) for a, ms in found.items() if ms}
    texts: dict[int, str | EventText] = {}
    firsts: set[int] = set()
    for item in items:
        if item.versions:
            first = item.versions[0]
            if profiles is None:
                texts[item.article_id] = event_text(first)
            else:
                texts[item.article_id] = EventText.ready(profiles(first))
            score = best.get(item.article_id)
            if any(
                m.version_id == first.id and m.score == score
                for m in found.get(item.article_id, ())
            ):
                firsts.add(item.article_id)
    kept = one_event(best, texts, firsts=firsts)
    return {a: ms for a, ms in found.items() if not ms or a in kept}


def _free_text(
    repo: ClaimRepo,
    text: str,
    since: datetime | None,
    until: datetime | None,
    outlet: str | None,
    matcher: Matcher | None,
    now: datetime | None,
    limit: int | None = None,
) -> WhoRepeated:
    """Match free text against the stored versions on the fly; store nothing."""
    if limit is not None and limit < 1:
        raise BadInput(f"--limit must be at least 1, not {limit}")
    text = plain_text(text)
    if len(text) > MAX_CLAIM_CHARS:
        raise BadInput(f"a claim is one statement: at most {MAX_CLAIM_CHARS} characters")
    lexical = lexical_of(matcher)
    concepts = [Concept(w, words) for w, words in fts_concepts(text, lexical)]
    if not concepts:
        raise BadInput("nothing to search for: the text has no content words")
    newest = repo.max_version_id()
    repo.sync_full_text(newest)  # versions stored since the last stage run
    owner: dict[int, int] | None = None
    if limit is None:
        # One index query for both nets: the wider one, with each version's weight covered
        # and article, the candidates being those of the wider net that cover more.
        covered = repo.covered_versions(concepts, min_share=EXPANSION_SHARE)
        ids, wider = covered.ids(CANDIDATE_SHARE), covered.ids(EXPANSION_SHARE)
        owner = {version_id: article_id for version_id, article_id, _ in covered.rows}
    else:
        ids = repo.candidate_versions(concepts, min_share=CANDIDATE_SHARE, limit=limit)
        # The wider net for same-event expansion, ranked too (best covered first).
        wider = repo.candidate_versions(concepts, min_share=EXPANSION_SHARE, limit=limit)
    claim = Claim(FREE_TEXT_SLUG, text)
    if lexical.analyzer is default_analyzer():  # what the stored analyses were made with
        repo.sync_analyses(newest)  # made once, on the first question after new versions
        if owner is None:
            owner = repo.version_articles([*ids, *wider])
        found, stored = _found_stored(repo, claim, ids, wider, owner, matcher, lexical)
        facts = repo.article_facts(None, sorted(a for a, ms in found.items() if ms))
        profiles = _stored_profiles(repo, facts, stored, lexical)
    else:
        found, facts = _found_on_the_fly(repo, claim, ids, wider, matcher, lexical)
        stored, profiles = None, None
    found = _one_event(found, facts, profiles)
    facts = [
        item.with_mentions(
            tuple(
                MentionFact(m.version_id, m.stance, m.sentence, m.score)
                for m in found[item.article_id]
            )
        )
        for item in facts
        if found.get(item.article_id)
    ]
    mentions = [
        (f.article_id, f.outlet_id, f.first_seen, seq, m.stance)
        for f in facts
        if f.outlet_id is not None
        for seq, version in enumerate(f.versions)
        for m in f.mentions
        if m.version_id == version.id
    ]
    follow = follow_ups_by_outlet(mentions)
    info = ClaimInfo(0, FREE_TEXT_SLUG, text, None, now or datetime.now().astimezone(), 0)
    records = {
        f.article_id: decide_record(
            info,
            f,
            (),
            None,
            follow.get(f.outlet_id, ()) if f.outlet_id is not None else (),
            matcher or lexical,
            stored,
        )
        for f in facts
    }
    repeats = {a: r for a, r in records.items() if r.role == Role.REPEATER}
    places = repo.article_outlets(list(repeats))
    edges = repo.edges_into(list(repeats))
    by_id = {f.article_id: f for f in facts}
    rows: list[Repeat] = []
    wanted = outlet.strip().lower() if outlet else None
    for article_id, record in repeats.items():
        url, title, name, domain = places.get(article_id, ("", "", "?", ""))
        first = record.repeated_at or by_id[article_id].first_seen
        if (since is not None and first < since) or (until is not None and first > until):
            continue
        if wanted is not None and wanted not in (name.lower(), domain.lower()):
            continue
        edge = edges.get(article_id)
        rows.append(
            Repeat(
                outlet=name,
                outlet_domain=domain,
                article_id=article_id,
                url=url,
                title=title,
                first_seen=first,
                role=record.role,
                stance=record.stance,
                sentence=record.sentence,
                source=Source(edge.kind, edge.source_outlet, edge.source_url, round(edge.score, 3))
                if edge is not None
                else Source("unknown"),
                uptake=record.kind,
                uptake_at=record.event_at,
                lag_seconds=record.lag_seconds,
                late=record.late,
                checked_at=record.checked_at,
                state=by_id[article_id].state,
                evidence=record.evidence,
                match=match_basis(max(m.score for m in by_id[article_id].mentions)),
            )
        )
    rows.sort(key=lambda r: (r.first_seen, r.article_id))
    complete = limit is None or (len(ids) < limit and len(wider) < limit)
    return WhoRepeated(FREE_TEXT_SLUG, text, False, (), tuple(rows), complete)


def _found_on_the_fly(
    repo: ClaimRepo,
    claim: Claim,
    ids: Sequence[int],
    wider: Sequence[int],
    matcher: Matcher | None,
    lexical: LexicalMatcher,
) -> tuple[dict[int, list[Mention]], list[ArticleFacts]]:
    """Mentions per candidate article, every version's text analysed now (another analyzer)."""
    direct_articles = {v.article_id for v in repo.versions_by_id(ids)}
    articles = direct_articles | {v.article_id for v in repo.versions_by_id(wider)}
    found: dict[int, list[Mention]] = {}
    items = repo.article_facts(None, sorted(articles))
    for item in items:
        if item.article_id in direct_articles:
            found[item.article_id] = [
                m
                for version in item.versions
                for m in mentions_in_version(claim, version, matcher=matcher, lexical=lexical)
            ]
    versions = {v.id: v for item in items for v in item.versions}
    seeds = sorted({min(m.version_id for m in ms) for ms in found.values() if ms})[:MAX_SEEDS]
    stated = _first_stated(found)
    pool = [
        v for item in items for v in item.versions if v.id < stated.get(item.article_id, v.id + 1)
    ]
    for m in event_mentions(
        claim, [versions[i] for i in seeds], pool, repo.document_frequencies, lexical=lexical
    ):
        found.setdefault(versions[m.version_id].article_id, []).append(m)
    return found, items


def _first_stated(found: Mapping[int, Sequence[Mention]]) -> dict[int, int]:
    """Per article found, the first version stating the claim in a sentence.

    Its earlier versions stay open to same-event expansion, as the claims stage read them when
    they arrived: an article that reported the event in its own words and later disputes the
    claim in the claim's words repeated it first, then took up the correction.
    """
    return {a: min(m.version_id for m in ms) for a, ms in found.items() if ms}


def _found_stored(
    repo: ClaimRepo,
    claim: Claim,
    ids: Sequence[int],
    wider: Sequence[int],
    owner: Mapping[int, int],
    matcher: Matcher | None,
    lexical: LexicalMatcher,
) -> tuple[dict[int, list[Mention]], StoredSentences]:
    """Mentions per candidate article from the analyses stored at ingest (same answers).

    `owner` gives the article of each candidate version. Versions not analysed yet (a row
    missing) are analysed now, in memory.
    """
    direct_articles = {owner[i] for i in ids if i in owner}
    articles = direct_articles | {owner[i] for i in wider if i in owner}
    claim_stats = term_stats(claim.text)
    cache = SentenceCache(lexical)
    texts: dict[int, StoredText] = {}

    def decode(rows: Mapping[int, StoredRow]) -> None:
        for row in rows.values():
            payload = row.sentences
            if payload is None:
                payload = analyse_version(row.title, row.text, lexical.analyzer)[1]
            texts[row.version_id] = decode_sentences(payload, row.text)

    def load(version_ids: Sequence[int]) -> None:
        decode(repo.analysed_rows([i for i in version_ids if i not in texts]))

    # Every version of the direct candidates' articles, read with their stored sentences.
    direct = repo.analysed_rows(sorted(direct_articles), of_articles=True)
    by_article: dict[int, list[int]] = {}
    for version_id in sorted(direct):
        by_article.setdefault(direct[version_id].article_id, []).append(version_id)
    decode(direct)
    found: dict[int, list[Mention]] = {}
    for article_id in sorted(direct_articles):
        found[article_id] = [
            m
            for version_id in by_article.get(article_id, ())
            if version_id in texts
            for m in mentions_in_stored(
                claim, version_id, texts[version_id], cache, matcher=matcher
            )
        ]
    seeds = sorted({min(m.version_id for m in ms) for ms in found.values() if ms})[:MAX_SEEDS]
    if not seeds:  # nothing to expand from: the pool is not read
        return found, StoredSentences(texts, cache)
    # Every version of the articles not found yet, and those before the first stated one of
    # the articles found, in version-id order, with which of the claim's stems its stored terms
    # carry (looked up or tested in SQL: `_events_stored` needs no more of most).
    stated = _first_stated(found)
    open_articles = [a for a in articles if not found.get(a) or stated[a] != by_article[a][0]]
    read: dict[int, str] = {}  # the terms the stem test read out (if it did), not read again
    # A version carrying none of the claim's stems covers none of it: `_events_stored` drops it
    # unread whenever the minimum is above 0, so the stem test may leave it out.
    listed = repo.stem_presence(
        sorted(open_articles), list(claim_stats.counts), read, carrying_only=CLAIM_BAG_MIN > 0
    )
    pool = [(v, carried) for v, a, carried in listed if v < stated.get(a, v + 1)]
    article_of = {version_id: article_id for version_id, article_id, _ in listed}
    for m in _events_stored(repo, claim, claim_stats, seeds, pool, texts, load, cache, read):
        found.setdefault(article_of[m.version_id], []).append(m)
    return found, StoredSentences(texts, cache)


def _stored_profiles(
    repo: ClaimRepo, facts: Sequence[ArticleFacts], stored: StoredSentences, lexical: LexicalMatcher
) -> Callable[[VersionRef], ReadyProfile]:
    """The stored event profiles of these articles' first versions, read in one go."""
    firsts = [item.versions[0].id for item in facts if item.versions]
    texts = dict(stored.texts)
    for row in repo.analysed_rows([i for i in firsts if i not in texts]).values():
        payload = row.sentences
        if payload is None:  # not analysed yet: analysed now, in memory
            payload = analyse_version(row.title, row.text, lexical.analyzer)[1]
        texts[row.version_id] = decode_sentences(payload, row.text)

    def profile(version: VersionRef) -> ReadyProfile:
        if version.id in texts:
            return texts[version.id].profile()
        return ReadyProfile.of(profile_of(event_text(version)))

    return profile


def _events_stored(
    repo: ClaimRepo,
    claim: Claim,
    claim_stats: TermStats,
    seeds: Sequence[int],
    pool: Sequence[tuple[int, int | None]],
    texts: dict[int, StoredText],
    load: Callable[[Sequence[int]], None],
    cache: SentenceCache,
    read: Mapping[int, str] | None = None,
) -> list[Mention]:
    """`mentions.event_mentions` over stored terms and sentences (same answers).

    `pool` gives each version with a bit mask of the claim's stems (`claim_stats`, in order)
    its stored terms carry (`ClaimRepo.stem_presence`), None when not analysed yet. A version
    whose stems cannot cover `CLAIM_BAG_MIN` of the claim is dropped before its terms are
    read: `expand` would drop it for the same reason. `read` holds stored terms already read
    out (by the stem test, when it read them): those are not read again.
    """
    if not seeds or not pool:
        return []
    docs, total = repo.document_frequencies(sorted(claim_stats.counts))
    claim_df = DocumentFrequencies(docs, total)
    covers = coverage_of(claim_stats, claim_df)
    stems = tuple(claim_stats.counts)
    cover_of: dict[int, float] = {}  # by the stems carried: a few patterns
    kept: list[int] = []
    for version_id, carried in pool:
        if carried is not None:
            share = cover_of.get(carried)
            if share is None:
                present = dict.fromkeys((s for i, s in enumerate(stems) if carried >> i & 1), 1)
                share = cover_of[carried] = covers(TermStats(present, frozenset()))
            if share < CLAIM_BAG_MIN:
                continue
        kept.append(version_id)
    known = read or {}
    stored = {i: known[i] for i in [*seeds, *kept] if i in known}
    stored.update(repo.terms_of([i for i in [*seeds, *kept] if i not in stored]))
    computed = {
        row.version_id: term_stats(f"{row.title}\n{row.text}")
        for row in repo.analysed_rows([i for i in [*seeds, *kept] if i not in stored]).values()
    }

    def stats_of(version_id: int) -> TermStats | None:
        terms = stored.get(version_id)
        return decode_terms(terms) if terms is not None else computed.get(version_id)

    candidates: dict[int, TermStats] = {}
    for version_id in kept:
        stats = stats_of(version_id)
        if stats is not None:
            candidates[version_id] = stats
    seed_stats = [x for i in seeds if (x := stats_of(i)) is not None]
    stems_read = set(claim_stats.counts)
    for item in (*seed_stats, *candidates.values()):
        stems_read.update(item.counts)
    docs, total = repo.document_frequencies(sorted(stems_read))
    found = expand(claim_stats, seed_stats, candidates, DocumentFrequencies(docs, total))
    load(sorted(found))
    out: list[Mention] = []
    for version_id in sorted(found):
        mention = best_stored(claim, version_id, texts[version_id], cache)
        if mention is not None:
            out.append(mention)
    return out
