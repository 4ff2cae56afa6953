"""The file formats a graph can be written in (named here so the CLI can offer them cheaply)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["GraphFormat"]


class GraphFormat(StrEnum):
    """The file formats a graph can be written in."""

    GEXF = "gexf"
    GRAPHML = "graphml"
    CYTOSCAPE = "cytoscape"
    JSON = "json"
    D3 = "d3"
    CSV = "csv"
    JSONL = "jsonl"

    @property
    def suffix(self) -> str:
        """The usual file name ending."""
        return {"cytoscape": ".cyjs", "d3": ".d3.json"}.get(self.value, f".{self.value}")
