"""story_for: the stored demo story assembled for the graph and the report."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from tracker.api import Tracker
from tracker.demo.corpus import load_corpus
from tracker.demo.run import DemoSummary, crawl_demo_week, demo_settings
from tracker.errors import NotFound
from tracker.export.files import write_story_files
from tracker.export.graph import build_claim_graph
from tracker.queries.story import story_for


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return crawl_demo_week(tmp_path_factory.mktemp("story") / "demo.db")


def test_the_stored_story_matches_who_repeated(week: DemoSummary) -> None:
    corpus = load_corpus()
    with Tracker(demo_settings(week.database)) as tracker:
        story = story_for(tracker, "ai-code")
    answer = next(a for a in week.claims if a.slug == "ai-code")
    assert {a.id for a in story.articles} == {r.article_id for r in answer.rows}
    origin = story.origin()
    assert origin is not None and "harborledger" in origin.url
    assert story.edges, "the provenance edges of the repeats are part of the story"
    assert {c.kind.value for c in story.corrections} == {
        c.kind.value for c in corpus.corrections if c.claim == "ai-code"
    }
    # The story ends at the last crawl, not at the reader's wall clock.
    assert story.as_of <= corpus.end + (corpus.end - corpus.start)
    graph = build_claim_graph(story)
    assert isinstance(graph, nx.MultiDiGraph) and graph.number_of_edges() >= len(story.edges)


def test_the_files_of_the_stored_story_are_written(week: DemoSummary, tmp_path: Path) -> None:
    with Tracker(demo_settings(week.database)) as tracker:
        files = write_story_files(story_for(tracker, "cloud-division"), tmp_path)
        with pytest.raises(NotFound):
            story_for(tracker, "no-such-claim")
    assert files["report"].read_text().count("cloud division") >= 1
    assert all(path.is_file() and path.parent == tmp_path for path in files.values())


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "cytoscape", "json"])
def test_every_graph_file_of_the_stored_story_reads_back(
    week: DemoSummary, tmp_path: Path, fmt: str
) -> None:
    from tracker.export.files import GraphFormat, write_graph

    from .test_export import read_back

    with Tracker(demo_settings(week.database)) as tracker:
        graph = build_claim_graph(story_for(tracker, "ai-code"))
    kind = GraphFormat(fmt)
    path = write_graph(graph, kind, Path(f"story{kind.suffix}"), root=tmp_path)
    again = read_back(kind, path, multigraph=True)
    assert set(map(str, again.nodes)) == set(map(str, graph.nodes))
    assert again.number_of_edges() == graph.number_of_edges()
    for node, data in graph.nodes(data=True):
        assert again.nodes[node]["outlet" if "outlet" in data else "kind"] == data.get(
            "outlet", data.get("kind")
        )
