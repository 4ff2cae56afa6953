"""The provenance graph of a claim, its outlet graph and its summary figures, from stories."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest

from tracker.demo.corpus import load_corpus
from tracker.domain import Claim, Correction, CorrectionKind, Edge, EdgeKind, Stance, UptakeKind
from tracker.domain.story import ClaimStory, StanceAt, StoryArticle, main_stance
from tracker.export.graph import (
    CORRECTS,
    PICKED_UP,
    article_node,
    build_claim_graph,
    build_outlet_graph,
    correction_node,
    iso,
    longest_chain,
    outlet_rows,
    summarise,
)
from tracker.testing.stories import demo_like_story, generated_story

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def tiny_story() -> ClaimStory:
    """A made first (0 h); B copies A (2 h); C copies B (5 h); D credits A after the correction
    (30 h); B's outlet follows up (40 h). Corrected at 24 h, rebutted at 26 h. B edits at 28 h,
    C keeps the claim, A's origin drops it at 24 h, D is late and keeps it."""
    a = StoryArticle(
        1,
        "https://a.test/1",
        "Alpha",
        "Original",
        at(0),
        Stance.ASSERTS,
        stances=(StanceAt(at(0), Stance.ASSERTS), StanceAt(at(24), None)),
    )
    b = StoryArticle(
        2,
        "https://b.test/1",
        "Beta",
        "Copy",
        at(2),
        Stance.ASSERTS,
        uptake=UptakeKind.EDITED,
        lag_seconds=4 * 3600.0,
        stances=(StanceAt(at(2), Stance.ASSERTS), StanceAt(at(28), Stance.DISPUTES)),
    )
    c = StoryArticle(
        3,
        "https://c.test/1",
        "Gamma",
        "Copy of copy",
        at(5),
        Stance.ATTRIBUTES,
        uptake=UptakeKind.NONE,
    )
    d = StoryArticle(
        4,
        "https://d.test/1",
        "Delta",
        "Late",
        at(30),
        Stance.ASSERTS,
        uptake=UptakeKind.NONE,
        late=True,
    )
    b2 = StoryArticle(5, "https://b.test/2", "Beta", "Follow-up", at(40), Stance.DISPUTES)
    edges = (
        Edge(1, 2, EdgeKind.COPIES, 0.9, {"share": 0.9}),
        Edge(2, 3, EdgeKind.COPIES, 0.8, {"share": 0.8}),
        Edge(1, 3, EdgeKind.CREDITS, 1.0, {"credit": {"phrase": "according to Alpha"}}),
        Edge(1, 4, EdgeKind.CREDITS, 1.0, {}),
        Edge(2, 5, EdgeKind.LINKS_TO, 1.0, {"href": "https://b.test/1"}),
        Edge(1, 99, EdgeKind.COPIES, 0.5, {}),  # to an article outside the story: left out
    )
    corrections = (
        Correction("c", CorrectionKind.REBUTTAL, at(26), "https://corp.test/denial"),
        Correction("c", CorrectionKind.CORRECTION, at(24), "https://a.test/1", "We erred."),
    )
    return ClaimStory(
        Claim("c", "The claim.", "https://a.test/1"), (a, b, c, d, b2), edges, corrections, at(48)
    )  # fmt: skip


def test_articles_corrections_and_typed_edges_become_nodes_and_keyed_edges() -> None:
    graph = build_claim_graph(tiny_story())
    assert isinstance(graph, nx.MultiDiGraph)
    assert set(graph.nodes) == {article_node(i) for i in (1, 2, 3, 4, 5)} | {
        correction_node(0),
        correction_node(1),
    }
    provenance = {
        (u, v, k) for u, v, k, kind in graph.edges(keys=True, data="kind") if kind == k
    } - {(u, v, k) for u, v, k in graph.edges(keys=True) if k in (CORRECTS, PICKED_UP)}
    assert provenance == {
        ("article-1", "article-2", "copies"),
        ("article-2", "article-3", "copies"),
        ("article-1", "article-3", "credits"),
        ("article-1", "article-4", "credits"),
        ("article-2", "article-5", "links_to"),
    }
    copy = graph.edges["article-2", "article-3", "copies"]
    assert copy["score"] == 0.8 and copy["evidence"] == {"share": 0.8}
    assert copy["primary"] is True and copy["delay_seconds"] == 3 * 3600
    assert graph.edges["article-1", "article-3", "credits"]["primary"] is False
    assert copy["start"] == iso(at(5))


def test_corrections_are_ordered_in_time_and_point_at_the_origin() -> None:
    graph = build_claim_graph(tiny_story())
    first, second = graph.nodes[correction_node(0)], graph.nodes[correction_node(1)]
    assert first["kind"] == "correction" and first["published"] == iso(at(24))
    assert first["text"] == "We erred." and first["url"] == "https://a.test/1"
    assert second["kind"] == "rebuttal" and "text" in second
    assert graph.has_edge(correction_node(0), article_node(1), CORRECTS)
    assert graph.has_edge(correction_node(1), article_node(1), CORRECTS)
    # Only repeaters that picked the correction up are linked from the first correction.
    picked = [v for u, v, k in graph.edges(keys=True) if k == PICKED_UP]
    assert picked == [article_node(2)]
    edge = graph.edges[correction_node(0), article_node(2), PICKED_UP]
    assert edge["uptake"] == "edited" and edge["lag_seconds"] == 4 * 3600
    assert edge["start"] == iso(at(28))


def test_article_nodes_carry_what_an_editor_asks_and_when_it_changed() -> None:
    graph = build_claim_graph(tiny_story())
    origin, copy, late = (graph.nodes[article_node(i)] for i in (1, 2, 4))
    assert origin["role"] == "origin" and "uptake" not in origin
    assert copy["role"] == "repeater" and copy["uptake"] == "edited"
    assert copy["uptake_at"] == iso(at(28)) and copy["lag_seconds"] == 14400.0
    assert copy["stance"] == "asserts" and copy["stance_now"] == "disputes"
    assert copy["start"] == copy["first_seen"] == iso(at(2))
    assert copy["stance_over_time"] == [
        ["asserts", iso(at(2)), iso(at(28))],
        ["disputes", iso(at(28)), iso(at(48))],
    ]
    assert copy["uptake_over_time"] == [
        ["before_correction", iso(at(2)), iso(at(24))],
        ["none", iso(at(24)), iso(at(28))],
        ["edited", iso(at(28)), iso(at(48))],
    ]
    assert origin["stance_over_time"][-1] == ["none", iso(at(24)), iso(at(48))]
    # Seen only after the correction: never "before_correction".
    assert late["late"] is True
    assert late["uptake_over_time"] == [["none", iso(at(30)), iso(at(48))]]
    assert graph.nodes[article_node(5)]["role"] == "disputer"


def test_a_taken_down_article_ends_when_it_went() -> None:
    story = demo_like_story()
    graph = build_claim_graph(story)
    quillstone = next(a for a in story.articles if a.outlet == "Quillstone Tech Digest")
    node = graph.nodes[article_node(quillstone.id)]
    assert quillstone.taken_down_at is not None
    assert node["end"] == node["taken_down_at"] == iso(quillstone.taken_down_at)
    assert node["stance_over_time"][-1][2] == iso(quillstone.taken_down_at)
    assert node["uptake"] == "taken_down"


def test_the_outlet_graph_counts_who_took_from_whom_and_how_fast() -> None:
    graph = build_outlet_graph(tiny_story())
    assert set(graph.nodes) == {"Alpha", "Beta", "Gamma", "Delta"}
    # Beta's follow-up links to Beta's own earlier article: no self-loop.
    assert set(graph.edges) == {
        ("Alpha", "Beta"),
        ("Beta", "Gamma"),
        ("Alpha", "Gamma"),
        ("Alpha", "Delta"),
    }
    alpha_gamma = graph.edges["Alpha", "Gamma"]
    assert alpha_gamma["count"] == 1 and alpha_gamma["kinds"] == {"credits": 1}
    assert alpha_gamma["median_delay_seconds"] == 5 * 3600
    beta = graph.nodes["Beta"]
    assert beta["articles"] == 2 and beta["repeats"] == 1 and beta["uptake"] == "edited"
    assert beta["still_carries"] is False
    assert graph.nodes["Gamma"]["still_carries"] is True
    assert graph.nodes["Delta"]["late"] is True and graph.nodes["Delta"]["uptake"] == "none"


def test_outlet_rows_call_an_outlet_uncorrected_while_any_repeat_still_carries() -> None:
    story = tiny_story()
    extra = StoryArticle(
        6, "https://b.test/3", "Beta", "Second repeat", at(6), Stance.ASSERTS,
        uptake=UptakeKind.NONE,
    )  # fmt: skip
    bigger = ClaimStory(
        story.claim, (*story.articles, extra), story.edges, story.corrections, story.as_of
    )
    rows = {row.outlet: row for row in outlet_rows(bigger)}
    assert rows["Beta"].uptake is UptakeKind.NONE and rows["Beta"].repeats == 2
    assert [r.outlet for r in rows.values()] == ["Alpha", "Beta", "Gamma", "Delta"]
    assert rows["Gamma"].sources == ("Beta", "Alpha")


def test_summary_figures_of_a_small_story() -> None:
    summary = summarise(tiny_story())
    assert summary.repeaters == 3  # B, C, D (the follow-up disputes; the origin is not a repeat)
    assert summary.judged == 3 and summary.picked_up == 1
    assert summary.picked_up_share == pytest.approx(1 / 3)
    assert summary.median_lag_seconds == 4 * 3600
    assert summary.first_correction_at == at(24)
    # Just before 24 h: A, B, C carry it. At the end: C (kept it) and D (late).
    assert summary.reach_before == 3 and summary.reach_now == 2
    assert summary.late == 1
    assert summary.longest_chain == (1, 2, 3)
    assert summary.longest_chain_outlets == ("Alpha", "Beta", "Gamma")


def test_summary_of_the_demo_story_agrees_with_its_manifest() -> None:
    corpus = load_corpus()
    story = demo_like_story("ai-code", corpus)
    summary = summarise(story)
    repeaters = corpus.repeaters("ai-code")
    picked = [a for a in repeaters if a.truth.uptake["ai-code"] is not UptakeKind.NONE]
    assert summary.repeaters == len(repeaters)
    assert summary.picked_up == len(picked) and summary.judged == len(repeaters)
    assert summary.late == sum(a.truth.late for a in repeaters)
    assert summary.longest_chain_outlets == (
        "The Harbor Ledger",
        "Circuitry Weekly",
        "The Kettlewick Post",
    )
    rebuttal = corpus.corrections_of("ai-code")[0].at
    assert summary.first_correction_at == rebuttal
    before = rebuttal - timedelta(seconds=1)
    carrying_before = set()
    for article in corpus.articles:
        version = article.version_at(before)
        stances = set(version.stances_of("ai-code")) if version else set()
        carries = stances & {Stance.ASSERTS, Stance.ATTRIBUTES} and Stance.DISPUTES not in stances
        if article.is_live(before) and carries:
            carrying_before.add(article.outlet)
    assert summary.reach_before == len(carrying_before)


def test_inconsistent_times_do_not_make_a_cycle() -> None:
    story = tiny_story()
    backwards = Edge(3, 1, EdgeKind.COPIES, 0.5, {})  # a "source" seen after its repeat
    looped = ClaimStory(
        story.claim, story.articles, (*story.edges, backwards), story.corrections, story.as_of
    )
    assert longest_chain(looped) == (1, 2, 3)
    assert build_claim_graph(looped).has_edge("article-3", "article-1")


def test_a_story_without_corrections_or_edges() -> None:
    lone = StoryArticle(1, "https://a.test/", "Alpha", "Alone", at(0), Stance.ASSERTS)
    story = ClaimStory(Claim("x", "X."), (lone,), (), (), at(10))
    summary = summarise(story)
    assert summary.reach_before is None and summary.picked_up_share is None
    assert summary.median_lag_seconds is None and summary.longest_chain == ()
    assert summary.reach_now == 1
    graph = build_claim_graph(story)
    assert list(graph.nodes) == ["article-1"] and "uptake_over_time" not in graph.nodes["article-1"]


def test_main_stance_prefers_the_denial_then_the_assertion() -> None:
    assert main_stance([Stance.ATTRIBUTES, Stance.DISPUTES]) is Stance.DISPUTES
    assert main_stance([Stance.ATTRIBUTES, Stance.ASSERTS]) is Stance.ASSERTS
    assert main_stance([]) is None


def test_the_graph_is_a_pure_function_of_the_story() -> None:
    story = generated_story(40, seed=3)
    assert nx.utils.graphs_equal(build_claim_graph(story), build_claim_graph(story))
    assert build_claim_graph(story).nodes(data=True) == build_claim_graph(story).nodes(data=True)


def test_a_generated_story_of_300_outlets_has_one_lane_each_and_sane_figures() -> None:
    story = generated_story(300, seed=11)
    summary = summarise(story)
    assert summary.outlets == 300 and summary.repeaters == 299
    assert 0 < summary.picked_up < summary.judged == 299
    assert summary.reach_before is not None and summary.reach_now < summary.reach_before
    assert summary.median_lag_seconds is not None and not math.isnan(summary.median_lag_seconds)
    assert len(build_outlet_graph(story)) == 300


def test_an_outlet_that_acted_before_the_correction_never_shows_none() -> None:
    story = tiny_story()
    early = replace(story.articles[1], lag_seconds=-10 * 3600.0)  # edited at 14 h, before 24 h
    graph = build_claim_graph(
        replace(story, articles=(story.articles[0], early, *story.articles[2:]))
    )
    assert graph.nodes[article_node(2)]["uptake_over_time"] == [
        ["before_correction", iso(at(2)), iso(at(14))],
        ["edited", iso(at(14)), iso(at(48))],
    ]
    assert (
        summarise(
            replace(story, articles=(story.articles[0], early, *story.articles[2:]))
        ).median_lag_seconds
        == -36000
    )
