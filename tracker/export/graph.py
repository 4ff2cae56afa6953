"""The provenance graph of a claim, its outlet-level graph and its summary figures (pure).

Node and edge attributes are plain JSON values (strings, numbers, booleans, lists, dicts); times
are ISO 8601 strings in UTC. `start`/`end` hold when a node or edge exists (GEXF reads them as
its dynamic time) and `*_over_time` attributes are `[value, start, end]` spells. How each file
format carries the non-scalar values is `tracker.export.files`'s business.

Claim graph (MultiDiGraph, keys are the edge kinds):
    article-ID     an article: outlet, url, title, first_seen, published, role, stance,
                   stance_now, uptake, uptake_at, lag_seconds, late, taken_down_at
    correction-N   a correction, rebuttal or retraction (kind says which)
    outlet:DOMAIN  an outlet credited by an article with no stored article of it that matches
                   (kind "outlet"): label, outlet, outlet_domain
    source -> target, key = provenance kind (links_to, credits, copies, paraphrases,
                   common_source): score, evidence, primary, delay_seconds, resolved=true
    outlet:DOMAIN -> article, key "credits": the unresolved credit, resolved=false, evidence
                   {"credit": {"cue", "phrase"}}; primary when the article has no other source
    correction -> origin, key "corrects"; first correction -> repeater, key "picked_up"
Outlet graph (DiGraph): outlet -> outlet it repeated, with how often and how fast; `unresolved`
counts the repeats that credit the source outlet with no stored article of it (no delay known).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import networkx as nx

from tracker.claims.roles import Role
from tracker.clock import utc
from tracker.domain import Correction, EdgeKind, UptakeKind
from tracker.domain.story import CARRYING, ClaimStory, StoryArticle

__all__ = [
    "CORRECTS",
    "NO_CORRECTION",
    "PICKED_UP",
    "OutletRow",
    "StorySummary",
    "article_node",
    "build_claim_graph",
    "build_outlet_graph",
    "correction_node",
    "iso",
    "longest_chain",
    "outlet_node",
    "outlet_rows",
    "story_end",
    "summarise",
    "uptake_time",
]

NO_CORRECTION = "no correction registered"  # shown instead of an uptake share of nothing

CORRECTS = "corrects"
PICKED_UP = "picked_up"
BEFORE_CORRECTION = "before_correction"  # uptake spell value while no correction exists yet


def iso(moment: datetime) -> str:
    """A time as the graph stores it: ISO 8601 in UTC, to the second."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def article_node(article_id: int) -> str:
    """The node id of an article."""
    return f"article-{article_id}"


def outlet_node(domain: str) -> str:
    """The node id of an outlet credited without a stored article (never an article's id)."""
    return f"outlet:{domain}"


def correction_node(index: int) -> str:
    """The node id of the story's `index`-th correction (in time order)."""
    return f"correction-{index}"


def uptake_time(story: ClaimStory, article: StoryArticle) -> datetime | None:
    """When `article` picked the correction up (the earliest correction plus its lag)."""
    first = story.first_correction()
    lag = article.known_lag
    if first is None or lag is None or article.uptake in (None, UptakeKind.NONE):
        return None
    return first.published + timedelta(seconds=lag)


def _sorted_corrections(story: ClaimStory) -> list[Correction]:
    return sorted(story.corrections, key=lambda c: (c.published, c.kind.value, c.url or ""))


def _role(story: ClaimStory, article: StoryArticle) -> str:
    origin = story.origin()
    if origin is not None and origin.id == article.id:
        return Role.ORIGIN.value
    # The words of who-repeated's role column, so every CSV the tool writes says the same.
    return (Role.REPEATER if article.stance in CARRYING else Role.DISPUTER).value


def _stance_spells(article: StoryArticle, horizon: datetime) -> list[list[str]]:
    """The article's stance per version as [value, start, end] spells up to its end."""
    end = min(article.taken_down_at or horizon, horizon)
    history = [change for change in article.history() if change.at < end]
    spells: list[list[str]] = []
    for index, change in enumerate(history):
        until = history[index + 1].at if index + 1 < len(history) else end
        value = change.stance.value if change.stance is not None else "none"
        spells.append([value, iso(max(change.at, article.first_seen)), iso(until)])
    return spells


def _uptake_spells(story: ClaimStory, article: StoryArticle, horizon: datetime) -> list[list[str]]:
    """A repeater's uptake over time: before the correction, none, then how it picked it up."""
    first = story.first_correction()
    if article.uptake is None or first is None:
        return []
    end = min(article.taken_down_at or horizon, horizon)
    marks: list[tuple[datetime, str]] = [(article.first_seen, BEFORE_CORRECTION)]
    picked = uptake_time(story, article)
    if picked is None or picked > first.published:  # an outlet may act before the correction
        marks.append((max(first.published, article.first_seen), UptakeKind.NONE.value))
    if picked is not None:
        marks.append((max(picked, article.first_seen), article.uptake.value))
    spells: list[list[str]] = []
    for index, (at, value) in enumerate(marks):
        until = marks[index + 1][0] if index + 1 < len(marks) else max(end, at)
        if until > at or (index + 1 == len(marks) and not spells):
            spells.append([value, iso(at), iso(until)])
    return spells


def _article_attributes(
    story: ClaimStory, article: StoryArticle, horizon: datetime
) -> dict[str, object]:
    last = article.history()[-1].stance
    data: dict[str, object] = {
        "kind": "article",
        "label": f"{article.outlet}: {article.title}" if article.title else article.outlet,
        "outlet": article.outlet,
        "url": article.url,
        "title": article.title,
        "role": _role(story, article),
        "first_seen": iso(article.first_seen),
        "stance": article.stance.value,
        "stance_now": last.value if last is not None else "none",
        "late": article.late,
        "start": iso(article.first_seen),
        "stance_over_time": _stance_spells(article, horizon),
    }
    optional: dict[str, object | None] = {
        "outlet_domain": article.outlet_domain or None,
        "published": iso(article.published) if article.published else None,
        "uptake": article.uptake.value if article.uptake is not None else None,
        "uptake_at": _iso_or_none(uptake_time(story, article)),
        "lag_seconds": article.known_lag,
        "taken_down_at": _iso_or_none(article.taken_down_at),
        "end": _iso_or_none(article.taken_down_at),
    }
    data.update({key: value for key, value in optional.items() if value is not None})
    uptake = _uptake_spells(story, article, horizon)
    if uptake:
        data["uptake_over_time"] = uptake
    return data


def _iso_or_none(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


def story_end(story: ClaimStory) -> datetime:
    """The end of the timeline: the story's as-of time, or its last event if that is later."""
    moments = [story.as_of, *(a.first_seen for a in story.articles)]
    moments += [c.published for c in story.corrections]
    return max(moments)


def build_claim_graph(story: ClaimStory) -> nx.MultiDiGraph:
    """The provenance graph of one claim: articles, corrections and typed edges with evidence."""
    horizon = story_end(story)
    graph = nx.MultiDiGraph(
        level="claim", claim=story.claim.slug, claim_text=story.claim.text, as_of=iso(horizon)
    )
    by_id = {a.id: a for a in story.articles}
    for article in sorted(story.articles, key=lambda a: (a.first_seen, a.id)):
        graph.add_node(article_node(article.id), **_article_attributes(story, article, horizon))
    primaries: set[int] = set()
    for edge in story.edges:
        source, target = by_id.get(edge.source_id), by_id.get(edge.target_id)
        if source is None or target is None:
            continue  # an edge to an article outside the story (e.g. an unrelated source)
        primary = target.id not in primaries
        primaries.add(target.id)
        graph.add_edge(
            article_node(source.id),
            article_node(target.id),
            key=edge.kind.value,
            kind=edge.kind.value,
            label=edge.kind.value,
            score=float(edge.score),
            evidence=dict(edge.evidence),
            primary=primary,
            delay_seconds=(target.first_seen - source.first_seen).total_seconds(),
            start=iso(target.first_seen),
            resolved=True,
        )
    _add_unresolved_credits(graph, story, primaries)
    origin = story.origin()
    corrections = _sorted_corrections(story)
    for index, correction in enumerate(corrections):
        node = correction_node(index)
        data: dict[str, object] = {
            "kind": correction.kind.value,
            "label": f"{correction.kind.value} {correction.published:%Y-%m-%d %H:%M}",
            "published": iso(correction.published),
            "text": correction.text,
            "start": iso(correction.published),
        }
        if correction.url:
            data["url"] = correction.url
        graph.add_node(node, **data)
        if origin is not None:
            graph.add_edge(
                node,
                article_node(origin.id),
                key=CORRECTS,
                kind=CORRECTS,
                label=CORRECTS,
                start=iso(correction.published),
            )
    if corrections:
        for article in story.repeaters():
            picked = uptake_time(story, article)
            if picked is None or article.uptake is None:
                continue
            graph.add_edge(
                correction_node(0),
                article_node(article.id),
                key=PICKED_UP,
                kind=PICKED_UP,
                label=PICKED_UP,
                uptake=article.uptake.value,
                lag_seconds=article.known_lag,
                start=iso(max(picked, article.first_seen)),
            )
    return graph


def _add_unresolved_credits(graph: nx.MultiDiGraph, story: ClaimStory, primaries: set[int]) -> None:
    """An edge from each credited outlet that no stored article resolves to the crediting one."""
    by_id = {a.id: a for a in story.articles}
    credits = [c for c in story.unresolved if c.article_id in by_id and (c.domain or c.outlet)]
    credits.sort(key=lambda c: (by_id[c.article_id].first_seen, c.article_id, c.domain))
    for credit in credits:
        target = by_id[credit.article_id]
        node = outlet_node(credit.domain or credit.outlet)
        if node not in graph:
            data: dict[str, object] = {
                "kind": "outlet",
                "label": credit.outlet or credit.domain,
                "outlet": credit.outlet or credit.domain,
                "start": iso(target.first_seen),  # when the story first credits it
            }
            if credit.domain:
                data["outlet_domain"] = credit.domain
            graph.add_node(node, **data)
        repeat = article_node(target.id)
        if graph.has_edge(node, repeat, key=EdgeKind.CREDITS.value):
            continue  # one article crediting one outlet twice is one edge
        graph.add_edge(
            node,
            repeat,
            key=EdgeKind.CREDITS.value,
            kind=EdgeKind.CREDITS.value,
            label=EdgeKind.CREDITS.value,
            evidence={"credit": {"cue": credit.cue, "phrase": credit.phrase}},
            # The credited outlet is the article's immediate source when no stored one is known.
            primary=target.id not in primaries,
            start=iso(target.first_seen),
            resolved=False,
        )
        primaries.add(target.id)


@dataclass(frozen=True, slots=True)
class OutletRow:
    """One outlet's part in the story: what it repeated, from whom, and its uptake."""

    outlet: str
    articles: int
    repeats: int
    first_seen: datetime
    stance: str  # the stance of its first article
    uptake: UptakeKind | None  # none if any repeat still carries the claim; else the last to act
    lag_seconds: float | None  # until its last repeat picked the correction up
    late: bool
    taken_down: int
    still_carries: bool  # some article of it spreads the claim as of the story's end
    sources: tuple[str, ...]  # outlets it took the claim from
    role: str  # origin, repeater or disputer (its first article's role)


def outlet_rows(story: ClaimStory) -> tuple[OutletRow, ...]:
    """One row per outlet, in order of first appearance."""
    horizon = story_end(story)
    by_outlet: dict[str, list[StoryArticle]] = defaultdict(list)
    for article in sorted(story.articles, key=lambda a: (a.first_seen, a.id)):
        by_outlet[article.outlet].append(article)
    repeats = {a.id for a in story.repeaters()}
    by_id = {a.id: a for a in story.articles}
    sources: dict[str, list[str]] = defaultdict(list)
    for edge in story.edges:
        source, target = by_id.get(edge.source_id), by_id.get(edge.target_id)
        if source and target and source.outlet not in (target.outlet, *sources[target.outlet]):
            sources[target.outlet].append(source.outlet)
    rows = []
    for outlet, articles in by_outlet.items():
        judged = [a for a in articles if a.id in repeats and a.uptake is not None]
        uptake: UptakeKind | None = None
        lag: float | None = None
        if any(a.uptake is UptakeKind.NONE for a in judged):
            uptake = UptakeKind.NONE
        elif judged:
            last = max(judged, key=lambda a: a.known_lag if a.known_lag is not None else 0.0)
            uptake, lag = last.uptake, last.known_lag
        rows.append(
            OutletRow(
                outlet=outlet,
                articles=len(articles),
                repeats=sum(a.id in repeats for a in articles),
                first_seen=articles[0].first_seen,
                stance=articles[0].stance.value,
                uptake=uptake,
                lag_seconds=lag,
                late=any(a.late for a in articles),
                taken_down=sum(a.taken_down_at is not None for a in articles),
                still_carries=any(a.carries_at(horizon) for a in articles),
                sources=tuple(sources.get(outlet, ())),
                role=_role(story, articles[0]),
            )
        )
    return tuple(rows)


def build_outlet_graph(story: ClaimStory) -> nx.DiGraph:
    """Who takes from whom: outlets, and an edge per source outlet with how often and how fast."""
    horizon = story_end(story)
    graph = nx.DiGraph(
        level="outlet", claim=story.claim.slug, claim_text=story.claim.text, as_of=iso(horizon)
    )
    for row in outlet_rows(story):
        data: dict[str, object] = {
            "label": row.outlet,
            "role": row.role,
            "articles": row.articles,
            "repeats": row.repeats,
            "first_seen": iso(row.first_seen),
            "stance": row.stance,
            "late": row.late,
            "taken_down": row.taken_down,
            "still_carries": row.still_carries,
            "start": iso(row.first_seen),
        }
        if row.uptake is not None:
            data["uptake"] = row.uptake.value
        if row.lag_seconds is not None:
            data["lag_seconds"] = float(row.lag_seconds)
        graph.add_node(row.outlet, **data)
    by_id = {a.id: a for a in story.articles}
    delays: dict[tuple[str, str], list[float]] = defaultdict(list)
    kinds: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    firsts: dict[tuple[str, str], datetime] = {}
    for edge in story.edges:
        source, target = by_id.get(edge.source_id), by_id.get(edge.target_id)
        if source is None or target is None or source.outlet == target.outlet:
            continue  # an outlet following up its own story takes nothing from anyone
        pair = (source.outlet, target.outlet)
        delays[pair].append((target.first_seen - source.first_seen).total_seconds())
        kinds[pair][edge.kind.value] += 1
        firsts[pair] = min(firsts.get(pair, target.first_seen), target.first_seen)
    for pair, seconds in delays.items():
        graph.add_edge(
            *pair,
            count=len(seconds),
            kinds=dict(sorted(kinds[pair].items())),
            median_delay_seconds=float(statistics.median(seconds)),
            min_delay_seconds=float(min(seconds)),
            start=iso(firsts[pair]),
            unresolved=0,
        )
    _add_unresolved_outlet_credits(graph, story)
    return graph


def _add_unresolved_outlet_credits(graph: nx.DiGraph, story: ClaimStory) -> None:
    """Credited outlet -> crediting outlet for credits no stored article resolves (`unresolved`)."""
    by_id = {a.id: a for a in story.articles}
    pairs: dict[tuple[str, str], set[int]] = defaultdict(set)
    domains: dict[str, str] = {}
    for credit in story.unresolved:
        article = by_id.get(credit.article_id)
        name = credit.outlet or credit.domain
        if article is None or not name or name == article.outlet:
            continue
        pairs[(name, article.outlet)].add(article.id)
        domains[name] = credit.domain
    for (source, target), ids in sorted(pairs.items()):
        first = min(by_id[i].first_seen for i in ids)
        if source not in graph:
            # An outlet the story knows only as credited: none of its articles is stored.
            data: dict[str, object] = {"label": source, "articles": 0, "repeats": 0}
            if domains[source]:
                data["outlet_domain"] = domains[source]
            graph.add_node(source, **data)
        if graph.has_edge(source, target):
            edge = graph.edges[source, target]
            edge["count"] += len(ids)
            edge["unresolved"] = len(ids)
            kinds = Counter(edge["kinds"]) + Counter({EdgeKind.CREDITS.value: len(ids)})
            edge["kinds"] = dict(sorted(kinds.items()))
            edge["start"] = min(edge["start"], iso(first))
            continue
        graph.add_edge(
            source,
            target,
            count=len(ids),
            kinds={EdgeKind.CREDITS.value: len(ids)},
            start=iso(first),
            unresolved=len(ids),
        )


def longest_chain(story: ClaimStory) -> tuple[int, ...]:
    """The article ids of the longest path of provenance edges (source first)."""
    by_id = {a.id: a for a in story.articles}
    chain = nx.DiGraph()
    chain.add_nodes_from(sorted(by_id))

    def order(article: StoryArticle) -> tuple[datetime, int]:
        return article.first_seen, article.id

    for edge in story.edges:
        source, target = by_id.get(edge.source_id), by_id.get(edge.target_id)
        # A source is earlier than its repeat; dropping any edge that is not keeps the graph
        # acyclic even when stored times are inconsistent.
        if source is not None and target is not None and order(source) < order(target):
            chain.add_edge(source.id, target.id)
    if chain.number_of_edges() == 0:
        return ()
    return tuple(int(node) for node in nx.dag_longest_path(chain))


@dataclass(frozen=True, slots=True)
class StorySummary:
    """The figures an editor asks for first."""

    claim: str
    articles: int
    outlets: int
    repeaters: int  # articles other than the origin that spread the claim
    corrections: int
    first_correction_at: datetime | None
    reach_before: int | None  # outlets spreading the claim just before the first correction
    reach_now: int  # outlets still spreading it as of the story's end
    picked_up: int  # repeaters that took the correction up (edited, noted, followed up, removed)
    judged: int  # repeaters whose uptake was judged
    picked_up_share: float | None  # picked_up / judged
    median_lag_seconds: float | None  # over the repeaters that picked it up
    late: int  # repeats first published after the claim was corrected
    longest_chain: tuple[int, ...]  # article ids, the source first
    longest_chain_outlets: tuple[str, ...]
    as_of: datetime


def _reach(story: ClaimStory, moment: datetime) -> int:
    return len({a.outlet for a in story.articles if a.carries_at(moment)})


def summarise(story: ClaimStory) -> StorySummary:
    """Reach before and after the correction, uptake share, median lag, the longest chain."""
    horizon = story_end(story)
    repeaters = story.repeaters()
    judged = [a for a in repeaters if a.uptake is not None]
    picked = [a for a in judged if a.uptake is not UptakeKind.NONE]
    lags = [a.known_lag for a in picked if a.known_lag is not None]
    first = story.first_correction()
    chain = longest_chain(story)
    by_id = {a.id: a for a in story.articles}
    return StorySummary(
        claim=story.claim.slug,
        articles=len(story.articles),
        outlets=len({a.outlet for a in story.articles}),
        repeaters=len(repeaters),
        corrections=len(story.corrections),
        first_correction_at=first.published if first else None,
        # "Just before": an edit published at the very moment of the correction is its uptake.
        reach_before=_reach(story, first.published - timedelta(microseconds=1)) if first else None,
        reach_now=_reach(story, horizon),
        picked_up=len(picked),
        judged=len(judged),
        # Without a correction there is nothing to pick up: no share, not 0 %.
        picked_up_share=len(picked) / len(judged) if judged and story.corrections else None,
        median_lag_seconds=float(statistics.median(lags)) if lags else None,
        late=sum(a.late for a in repeaters),
        longest_chain=chain,
        longest_chain_outlets=tuple(by_id[i].outlet for i in chain),
        as_of=horizon,
    )
