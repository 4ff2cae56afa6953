"""The claims matcher with some of the hand-kept lexicon left out, to measure what each part adds.

A spec is comma-separated: lexicon group names ("=cause"), `related` for the table of groups
that stand in for each other (`tracker.text.lexicon.RELATED`), or `all` for every group and the
table. The table is read by `tracker.claims.match` from module state, so leaving it out empties
that state for the rest of the process: a benchmark measures one spec a run.
"""

from __future__ import annotations

from tracker.claims import match
from tracker.text.lexicon import LEXICON, RELATED
from tracker.text.words import Analyzer

__all__ = ["lexical_without", "parse_without"]


def parse_without(spec: str) -> set[str]:
    """The parts a spec names, checked against the lexicon (an unknown name is an error)."""
    names = {part.strip() for part in spec.split(",")} - {""}
    known = {group.name for group in LEXICON} | {"related", "all"}
    unknown = names - known
    if unknown:
        raise SystemExit(f"unknown lexicon parts: {', '.join(sorted(unknown))}")
    return names


def lexical_without(spec: str) -> match.LexicalMatcher:
    """A lexical claims matcher without the parts `spec` names (see the module docstring)."""
    names = parse_without(spec)
    everything = "all" in names
    if everything or "related" in names:
        RELATED.clear()
        match._RELATED_OF.clear()
    groups = [g for g in LEXICON if not everything and g.name not in names]
    return match.LexicalMatcher(analyzer=Analyzer(groups))
