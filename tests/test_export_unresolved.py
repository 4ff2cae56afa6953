"""A credit no stored article resolves is an edge from the outlet itself, in every export."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from defusedxml import ElementTree
from lxml import etree

from tracker.api.claims import Claims
from tracker.clock import ManualClock
from tracker.config import LinkSettings
from tracker.domain.story import ClaimStory, OutletCredit
from tracker.export.files import GraphFormat, write_graph, write_story_files
from tracker.export.graph import article_node, build_claim_graph, build_outlet_graph, outlet_node
from tracker.export.report import render_report
from tracker.pipeline.linking_stage import LinkingStage
from tracker.queries.story import story_for
from tracker.store import Store, make_engine, upgrade
from tracker.testing.stories import demo_like_story

from .support.stored import store_texts
from .test_export import GEXF_SCHEMA, decode_cell, in_schema_namespace, read_back

PHRASE = "according to the Quarry Valley Sentinel"
NODE = outlet_node("sentinel.example")
NODE_NAME = "Quarry Valley Sentinel"


@pytest.fixture(scope="module")
def story() -> ClaimStory:
    """The demo story, where one repeat also credits an outlet with no stored article of it."""
    base = demo_like_story()
    credited = base.articles[2]
    credit = OutletCredit(
        article_id=credited.id,
        outlet="Quarry Valley Sentinel",
        domain="sentinel.example",
        cue="according_to",
        phrase=PHRASE,
    )
    return replace(base, unresolved=(credit, credit))  # credited twice: still one edge


def target(story: ClaimStory) -> str:
    return article_node(story.unresolved[0].article_id)


def test_the_claim_graph_has_the_outlet_node_and_an_unresolved_credits_edge(
    story: ClaimStory,
) -> None:
    graph = build_claim_graph(story)
    node = graph.nodes[NODE]
    assert node["kind"] == "outlet" and node["label"] == "Quarry Valley Sentinel"
    assert node["outlet_domain"] == "sentinel.example"
    assert not any(
        n.startswith("article-") and d["kind"] == "outlet" for n, d in graph.nodes(data=True)
    )
    credits = graph.get_edge_data(NODE, target(story))
    assert list(credits) == ["credits"]
    edge = credits["credits"]
    assert edge["resolved"] is False
    assert edge["evidence"] == {"credit": {"cue": "according_to", "phrase": PHRASE}}
    # Every edge between stored articles is marked resolved.
    provenance = [d for u, _, d in graph.edges(data=True) if u.startswith("article-")]
    assert provenance and all(d["resolved"] is True for d in provenance)
    assert (
        graph.number_of_edges() == len(build_claim_graph(replace(story, unresolved=())).edges) + 1
    )


def edge_of(graph: nx.Graph, story: ClaimStory) -> dict[str, Any]:
    """The unresolved credit's attributes as a re-read file holds them."""
    data = graph.get_edge_data(NODE, target(story))
    assert data is not None, "the unresolved credit is missing"
    if not graph.is_multigraph():
        return dict(data)
    (only,) = data.values()  # keyed by kind, or by the file's edge id (GraphML)
    return dict(only)


@pytest.mark.parametrize(
    "fmt",
    [
        GraphFormat.GEXF,
        GraphFormat.GRAPHML,
        GraphFormat.CYTOSCAPE,
        GraphFormat.JSON,
        GraphFormat.D3,
    ],
)
def test_every_graph_file_carries_the_unresolved_credit(
    story: ClaimStory, tmp_path: Path, fmt: GraphFormat
) -> None:
    graph = build_claim_graph(story)
    path = write_graph(graph, fmt, Path(f"s{fmt.suffix}"), root=tmp_path)
    again = read_back(fmt, path, multigraph=True)
    assert again.nodes[NODE]["kind"] == "outlet"
    assert again.nodes[NODE]["label"] == "Quarry Valley Sentinel"
    edge = edge_of(again, story)
    assert edge["kind"] == "credits" and edge["resolved"] in (False, "false")
    assert again.number_of_edges() == graph.number_of_edges()


def test_the_gexf_file_with_an_outlet_node_is_valid_and_graphml_ids_are_unique(
    story: ClaimStory, tmp_path: Path
) -> None:
    graph = build_claim_graph(story)
    gexf = write_graph(graph, "gexf", Path("s.gexf"), root=tmp_path)
    schema = etree.XMLSchema(etree.parse(str(GEXF_SCHEMA)))
    assert schema.validate(in_schema_namespace(gexf)), [str(e) for e in schema.error_log]
    graphml = write_graph(graph, "graphml", Path("s.graphml"), root=tmp_path)
    root = ElementTree.parse(graphml).getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    ids = [e.get("id") for e in root.iterfind("g:graph/g:edge", ns)]
    nodes = [n.get("id") for n in root.iterfind("g:graph/g:node", ns)]
    assert len(ids) == len(set(ids)) == graph.number_of_edges()
    assert len(nodes) == len(set(nodes)) and NODE in nodes
    assert f"{NODE}->{target(story)}:credits" in ids


def test_node_link_json_loads_with_networkx_defaults(story: ClaimStory, tmp_path: Path) -> None:
    path = write_graph(build_claim_graph(story), "json", Path("s.json"), root=tmp_path)
    again = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")))
    assert again.has_edge(NODE, target(story))


@pytest.mark.parametrize("fmt", [GraphFormat.CSV, GraphFormat.JSONL])
def test_mention_rows_list_the_outlet_as_an_unresolved_source(
    story: ClaimStory, tmp_path: Path, fmt: GraphFormat
) -> None:
    path = write_graph(build_claim_graph(story), fmt, Path(f"m{fmt.suffix}"), root=tmp_path)
    text = path.read_text(encoding="utf-8")
    if fmt is GraphFormat.CSV:
        rows = [
            {k: decode_cell(v) for k, v in row.items() if v != ""}
            for row in csv.DictReader(text.splitlines())
        ]
    else:
        rows = [json.loads(line) for line in text.splitlines()]
    assert NODE not in {row["id"] for row in rows}, "an outlet is no mention"
    triples = {
        (row["id"], source, kind, resolved)
        for row in rows
        for source, kind, resolved in zip(
            row["sources"], row["source_kinds"], row["source_resolved"], strict=True
        )
    }
    assert (target(story), NODE, "credits", False) in triples
    assert {t for t in triples if not t[3]} == {(target(story), NODE, "credits", False)}


def test_the_report_lists_the_unresolved_credit(story: ClaimStory, tmp_path: Path) -> None:
    page = render_report(story)
    assert "Credits with no stored source" in page
    assert "Quarry Valley Sentinel" in page and PHRASE in page
    assert "Credits with no stored source" not in render_report(replace(story, unresolved=()))
    files = write_story_files(story, tmp_path)
    assert NODE in files["gexf"].read_text(encoding="utf-8")


def test_the_outlet_graph_has_the_credited_outlet_as_a_source(
    story: ClaimStory, tmp_path: Path
) -> None:
    graph = build_outlet_graph(story)
    crediting = story.article(story.unresolved[0].article_id)
    assert crediting is not None
    edge = graph.edges["Quarry Valley Sentinel", crediting.outlet]
    assert edge["unresolved"] == 1 and edge["kinds"] == {"credits": 1} and edge["count"] == 1
    assert graph.nodes["Quarry Valley Sentinel"]["articles"] == 0
    assert all(d["unresolved"] == 0 for u, _, d in graph.edges(data=True) if u != NODE_NAME)
    gexf = write_graph(graph, "gexf", Path("o.gexf"), root=tmp_path)
    schema = etree.XMLSchema(etree.parse(str(GEXF_SCHEMA)))
    assert schema.validate(in_schema_namespace(gexf)), [str(e) for e in schema.error_log]
    for fmt in (GraphFormat.GRAPHML, GraphFormat.JSON):
        path = write_graph(graph, fmt, Path(f"o{fmt.suffix}"), root=tmp_path)
        again = read_back(fmt, path, multigraph=False)
        assert again.has_edge("Quarry Valley Sentinel", crediting.outlet)


def test_the_stored_story_carries_the_credit_the_linker_left_unresolved(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    store = Store(make_engine(database_url))
    upgrade(store.engine)
    store.ensure_outlet("sentinel.example", name="Quarry Valley Sentinel", now=clock.now())
    lead = "Shoppers could not pay at the Parcelwise checkout for hours on Monday."
    texts = {
        "copy.test/story": f"{lead}\nAccording to the Quarry Valley Sentinel, AI-written code "
        "caused the Parcelwise checkout outages.",
        "sentinel.example/library": "The library opens late on weekdays from next month.",
    }
    ids = store_texts(store, clock, texts)
    LinkingStage(LinkSettings()).run(store, clock.now())
    Claims(store, clock).add("ai-code", "AI-written code caused the Parcelwise checkout outages.")
    story = story_for(store, clock, "ai-code")
    article = ids["copy.test/story"]
    assert [(c.article_id, c.domain, c.cue) for c in story.unresolved] == [
        (article, "sentinel.example", "according_to")
    ]
    graph = build_claim_graph(story)
    assert graph.edges[NODE, article_node(article), "credits"]["resolved"] is False
    path = write_graph(graph, "json", Path("s.json"), root=tmp_path)
    again = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")))
    assert again.has_edge(NODE, article_node(article))
