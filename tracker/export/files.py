"""The only writer of graph files and reports: safe paths, clean values, files that re-read.

Formats: GEXF (Gephi; dynamic, so the timeline replays the spread), GraphML (yEd, Cytoscape
desktop), Cytoscape.js JSON, node-link JSON (`json`: the edges under "edges", as networkx's
`node_link_graph` reads by default; `d3`: the same under "links", as D3's force layout wants),
and CSV/JSONL rows of mentions (pandas).
GEXF times are ISO 8601 strings, so networkx declares timeformat="date": Gephi parses those
values with an ISO date-with-optional-time parser (hours are kept) and networkx re-reads them;
"dateTime" would read better in Gephi but networkx cannot read it back. Non-scalar attributes
(evidence, spells) are JSON text in GEXF and GraphML, which hold only scalars, except the
`*_over_time` spells, which become GEXF dynamic attributes. Every edge has an id unique in its
file (source->target:kind), since Gephi keeps only the first edge of each id. GEXF edges carry
a `weight` (the score, or the outlet-level count) and the file validates against the GEXF 1.2
schema (networkx's `<graph name="">` is left out).
Paths follow export/output.py: a named path exactly, `-` for standard output, default names
confined to a chosen folder (no `..`, no symlink out). Characters XML cannot
carry are removed and NaN/infinity never reach a file; CSV is written in the tool's one dialect
(export/csv_rows.py), where cells that would start a formula get a leading apostrophe.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import IO, Any

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from tracker.domain.formats import GraphFormat
from tracker.domain.story import ClaimStory
from tracker.errors import BadInput
from tracker.export.csv_rows import write_csv
from tracker.export.graph import build_claim_graph, build_outlet_graph, iso
from tracker.export.output import Writer, confine, text_writer, write_file
from tracker.export.report import render_report
from tracker.text.cleaning import remove_control_chars

__all__ = [
    "GraphFormat",
    "clean_value",
    "confine",
    "graph_writer",
    "mention_rows",
    "projection",
    "report_writer",
    "write_graph",
    "write_report",
    "write_story_files",
]


_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_DYNAMIC_SUFFIX = "_over_time"  # [[value, start, end], ...] spells, GEXF dynamic attributes
# Gephi weighs an edge by `weight`: a provenance edge's score, or how often one outlet took from
# another.
_WEIGHT_FROM = ("score", "count")
_HINTS = ("label", "start", "end")  # display/time hints, not data columns of the mention rows
_FIRST_COLUMNS = (
    "claim",
    "id",
    "kind",
    "outlet",
    "url",
    "title",
    "first_seen",
    "published",
    "role",
    "stance",
    "stance_now",
    "uptake",
    "uptake_at",
    "lag_seconds",
    "late",
    "taken_down_at",
    "sources",
    "source_kinds",
    "source_resolved",
)
# Nodes a row's sources may be: a stored article, or an outlet credited without one (unresolved).
_SOURCE_KINDS = ("article", "outlet")


# ---------------------------------------------------------------- values


def clean_value(value: object) -> Any:
    """A value as every format can hold it: text without XML-illegal characters, no NaN/inf.

    Returns None for a value that must be left out (None itself, NaN, infinity).
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Enum):
        return clean_value(value.value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Mapping):
        return {remove_control_chars(str(k)): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(item) for item in value]
    return remove_control_chars(str(value))


def _clean_attributes(data: Mapping[str, object]) -> dict[str, Any]:
    cleaned = {remove_control_chars(str(k)): clean_value(v) for k, v in data.items()}
    return {key: value for key, value in cleaned.items() if value is not None}


def _as_spells(value: object) -> list[tuple[Any, str, str]] | None:
    """`[[value, start, end], ...]` as GEXF dynamic values, or None if it is not that shape."""
    if not isinstance(value, list) or not value:
        return None
    spells = []
    for item in value:
        if not (
            isinstance(item, list) and len(item) == 3 and all(isinstance(x, str) for x in item)
        ):
            return None
        spells.append((item[0], item[1], item[2]))
    return spells


def _json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=True)


def _scalar_for_xml(key: str, value: Any, dynamic: bool) -> Any:
    if isinstance(value, dict | list):
        spells = _as_spells(value) if dynamic and key.endswith(_DYNAMIC_SUFFIX) else None
        return spells if spells is not None else _json_text(value)
    return value


def _edge_id(u: object, v: object, key: object) -> str:
    return f"{u}->{v}" if key is None else f"{u}->{v}:{key}"


def projection(graph: nx.Graph, fmt: GraphFormat) -> nx.Graph:
    """The graph exactly as `fmt` will carry it (the re-read file equals this)."""
    mapping = {node: remove_control_chars(str(node)) for node in graph.nodes}
    if len(set(mapping.values())) != len(mapping):
        raise BadInput("two nodes have the same id once characters XML cannot hold are removed")
    out = graph.__class__()
    out.graph.update(_clean_attributes(graph.graph))
    xml = fmt in (GraphFormat.GEXF, GraphFormat.GRAPHML)
    for node, data in graph.nodes(data=True):
        attributes = _clean_attributes(data)
        if xml:
            dynamic = fmt is GraphFormat.GEXF
            attributes = {k: _scalar_for_xml(k, v, dynamic) for k, v in attributes.items()}
        attributes.pop("id", None)  # every format keeps its node ids elsewhere
        if fmt is GraphFormat.CYTOSCAPE:
            # cytoscape_data puts these in every node's data; they are here so re-reading matches.
            attributes.update(id=mapping[node], value=mapping[node])
            attributes["name"] = str(attributes.get("label") or mapping[node])
        out.add_node(mapping[node], **attributes)
    edges = graph.edges(keys=True, data=True) if graph.is_multigraph() else graph.edges(data=True)
    for edge in edges:
        u, v, data = edge[0], edge[1], edge[-1]
        key = edge[2] if graph.is_multigraph() else None
        attributes = _clean_attributes(data)
        if xml:
            attributes = {k: _scalar_for_xml(k, value, False) for k, value in attributes.items()}
        if fmt is GraphFormat.GEXF:
            weight = next((attributes[k] for k in _WEIGHT_FROM if k in attributes), None)
            if isinstance(weight, int | float) and not isinstance(weight, bool):
                attributes["weight"] = float(weight)
        if fmt in (GraphFormat.GEXF, GraphFormat.GRAPHML, GraphFormat.CYTOSCAPE):
            # Unique per file: Gephi keeps only the first edge of each id it reads.
            attributes["id"] = _edge_id(mapping[u], mapping[v], key)
        if key is None:
            out.add_edge(mapping[u], mapping[v], **attributes)
        else:
            out.add_edge(mapping[u], mapping[v], key=remove_control_chars(str(key)), **attributes)
    return out


# ---------------------------------------------------------------- rows of mentions


def mention_rows(graph: nx.Graph) -> list[dict[str, Any]]:
    """One row per article (claim graph) or per outlet (outlet graph), with its sources."""
    claim_level = graph.graph.get("level") == "claim"
    rows = []
    for node, data in graph.nodes(data=True):
        if claim_level and data.get("kind") != "article":
            continue
        row: dict[str, Any] = {"claim": graph.graph.get("claim"), "id": node}
        row.update({k: v for k, v in data.items() if k not in _HINTS})
        sources, kinds, resolved = [], [], []
        if graph.is_multigraph():
            for source, _, key, edge in graph.in_edges(node, keys=True, data=True):
                if graph.nodes[source].get("kind") in _SOURCE_KINDS:
                    sources.append(source)
                    kinds.append(key)
                    resolved.append(edge.get("resolved", True))
        else:
            sources = list(graph.predecessors(node))
        row["sources"] = sources
        if graph.is_multigraph():
            row["source_kinds"] = kinds
            row["source_resolved"] = resolved
        rows.append({k: v for k, v in row.items() if v is not None})
    return rows


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    present = {key for row in rows for key in row}
    first = [c for c in _FIRST_COLUMNS if c in present]
    return first + sorted(present - set(first))


# ---------------------------------------------------------------- writers


def graph_writer(graph: nx.Graph, fmt: GraphFormat | str) -> Writer:
    """How to write `graph` as `fmt` into a stream (a file, or standard output)."""
    try:
        fmt = GraphFormat(fmt)
    except ValueError:
        names = ", ".join(f.value for f in GraphFormat)
        raise BadInput(f"unknown graph format {fmt!r} (use one of {names})") from None
    ready = projection(graph, fmt)

    def write(stream: IO[str]) -> None:
        if fmt is GraphFormat.GEXF:
            stream.write(_XML_DECLARATION + _gexf_text(ready) + "\n")
        elif fmt is GraphFormat.GRAPHML:
            lines = nx.generate_graphml(ready, edge_id_from_attribute="id")
            stream.write(_XML_DECLARATION + "\n".join(lines) + "\n")
        elif fmt is GraphFormat.CYTOSCAPE:
            data = nx.cytoscape_data(ready)
            # Cytoscape (desktop) wants the network's data as an object; networkx writes pairs
            # and reads either.
            data["data"] = dict(data["data"])
            stream.write(_json_text_pretty(data))
        elif fmt in (GraphFormat.JSON, GraphFormat.D3):
            edges = "links" if fmt is GraphFormat.D3 else "edges"
            stream.write(_json_text_pretty(nx.node_link_data(ready, edges=edges)))
        elif fmt is GraphFormat.JSONL:
            for row in mention_rows(ready):
                stream.write(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n")
        else:
            rows = mention_rows(ready)
            write_csv(stream, rows, _columns(rows))

    return text_writer(write)


def write_graph(
    graph: nx.Graph, fmt: GraphFormat | str, path: Path, *, root: Path | None = None
) -> Path:
    """Write `graph` as `fmt` to `path` (inside `root` when given); returns the file written."""
    return write_file(path, graph_writer(graph, fmt), root=root)


def _gexf_text(graph: nx.Graph) -> str:
    """GEXF 1.2 that the schema accepts: networkx writes `<graph name="">`, which it does not."""
    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    writer.add_graph(graph)
    for element in writer.xml.iter("graph"):
        element.attrib.pop("name", None)
    return str(writer).strip()


def _json_text_pretty(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=1) + "\n"


def report_writer(html: str) -> Writer:
    """How to write a rendered HTML report into a stream."""
    return text_writer(lambda stream: stream.write(html))


def write_report(html: str, path: Path, *, root: Path | None = None) -> Path:
    """Write a rendered HTML report to `path` (inside `root` when given); the file written."""
    return write_file(path, report_writer(html), root=root)


def write_story_files(story: ClaimStory, folder: Path) -> dict[str, Path]:
    """The report and every graph file of one claim, written into `folder`; name -> path."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", story.claim.slug).strip(".-") or "claim"
    claim_graph, outlet_graph = build_claim_graph(story), build_outlet_graph(story)
    written = {"report": write_report(render_report(story), Path(f"{stem}.html"), root=folder)}
    for fmt in GraphFormat:
        written[fmt.value] = write_graph(claim_graph, fmt, Path(f"{stem}{fmt.suffix}"), root=folder)
    for fmt in (GraphFormat.GEXF, GraphFormat.GRAPHML, GraphFormat.CSV):
        name = Path(f"{stem}.outlets{fmt.suffix}")
        written[f"outlets-{fmt.value}"] = write_graph(outlet_graph, fmt, name, root=folder)
    return written
