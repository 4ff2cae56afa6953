"""Read-side questions about provenance: where an article came from, and who repeated it.

`sources_of` follows each article's primary edge back to the original, one hop at a time, with
the evidence of each hop made readable (the shared passages side by side, the paraphrased
sentence pairs, the credit phrase, the link, or for an edge resting on a tracked claim the
claim-bearing sentences). `copies_of` walks the edges the other way: every
article that took content from this one, directly or through a chain of repeats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tracker.domain import EdgeKind
from tracker.domain.links import CLAIM_BASIS, ArticleBrief, EdgeInfo
from tracker.errors import NotFound
from tracker.store import Store
from tracker.store.link_repo import LinkRepo

__all__ = [
    "ArticleBrief",
    "Hop",
    "Repeater",
    "Repeaters",
    "SharedText",
    "SourceChain",
    "Take",
    "UnresolvedCredit",
    "copies_of",
    "sources_of",
    "takes",
]

MAX_HOPS = 20  # a chain longer than this is cut (edges always point back in time, but still)
MAX_DEPTH = 10  # repeaters further down a chain than this are not listed
_SHOWN = 3  # passages or sentence pairs shown per hop, longest or most similar first


@dataclass(frozen=True, slots=True)
class SharedText:
    """A piece of the source and the repeater's matching words, side by side."""

    source: str
    repeater: str
    similarity: float = 1.0  # 1.0 for a verbatim passage


@dataclass(frozen=True, slots=True)
class Hop:
    """One edge: `article` took content from `source`, with the evidence to show for it."""

    article: ArticleBrief
    source: ArticleBrief
    kind: EdgeKind
    score: float
    share: float | None  # share of the repeater's words in passages shared with the source
    passages: tuple[SharedText, ...]
    sentences: tuple[SharedText, ...]  # paraphrased sentence pairs
    credit: str | None  # the phrase that credits the source's outlet
    link: str | None  # the body link that leads to the source
    # "claim" when the edge rests on a tracked claim both carry (`tracker.linking.claimed`);
    # then `sentences` are the claim-bearing sentences and `claim` the claim's slug.
    basis: str = "text"
    claim: str | None = None
    # Text of the repeater that only this source carries (an intermediary's own added line):
    # why the edge goes to it rather than to an earlier source of the same passages.
    only_in_source: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnresolvedCredit:
    """A credit edge to an outlet, unresolved: no stored article of the outlet matches the text.

    The edge goes to the outlet itself (`outlet`, `domain`) with its evidence, the crediting
    phrase; `resolved` is always False, so a reader of the JSON tells it from an article hop.
    """

    outlet: str  # the credited outlet's name
    domain: str
    cue: str  # e.g. "according_to", "dateline"
    phrase: str
    kind: EdgeKind = EdgeKind.CREDITS
    resolved: bool = False


@dataclass(frozen=True, slots=True)
class SourceChain:
    """Where an article came from: its primary sources back to the original, and the others."""

    article: ArticleBrief
    hops: tuple[Hop, ...]  # the article's primary source, that one's primary source, ...
    also: tuple[Hop, ...]  # the article's other sources
    unresolved: tuple[UnresolvedCredit, ...]  # credits of outlets with no matching article

    @property
    def original(self) -> ArticleBrief:
        """The article at the end of the chain (the article itself when it has no source)."""
        return self.hops[-1].source if self.hops else self.article


@dataclass(frozen=True, slots=True)
class Repeater:
    """An article that took content from the one asked about, directly or through a chain."""

    article: ArticleBrief
    via: ArticleBrief  # whom it took the content from
    kind: EdgeKind
    score: float
    depth: int  # 1: straight from the article asked about
    primary: bool  # `via` is its primary source


@dataclass(frozen=True, slots=True)
class Repeaters:
    """Everyone who repeated an article, nearest first."""

    article: ArticleBrief
    repeaters: tuple[Repeater, ...]


@dataclass(frozen=True, slots=True)
class Take:
    """One primary edge, for an overview of who took a story from whom."""

    repeater: ArticleBrief
    source: ArticleBrief
    kind: EdgeKind
    score: float


def _article(store: Store, repo: LinkRepo, url: str) -> ArticleBrief:
    """The stored article a URL leads to (NotFound when there is none)."""
    info = store.get_article(url)
    brief = repo.briefs([info.id]).get(info.id)
    if brief is None:
        raise NotFound(f"no stored article for {url}")
    return brief


def _cut(text: str | None, start: object, end: object) -> str:
    """The words of `text` between two offsets, white space collapsed."""
    if text is None or not isinstance(start, int) or not isinstance(end, int):
        return ""
    return " ".join(text[start:end].split())


def _hop(edge: EdgeInfo, briefs: Mapping[int, ArticleBrief], texts: Mapping[int, str]) -> Hop:
    """An edge with its evidence made readable."""
    evidence = edge.evidence
    if evidence.get("basis") == CLAIM_BASIS:
        return _claim_hop(edge, briefs)
    source_text = texts.get(int(evidence.get("source_version") or 0))
    target_text = texts.get(edge.version_id or 0)
    raw_passages: Sequence[Mapping[str, Any]] = evidence.get("passages") or ()
    longest = sorted(raw_passages, key=lambda p: p["target_start"] - p["target_end"])[:_SHOWN]
    passages = tuple(
        SharedText(
            _cut(source_text, p.get("source_start"), p.get("source_end")),
            _cut(target_text, p.get("target_start"), p.get("target_end")) or str(p["text"]),
        )
        for p in longest
    )
    # Sentence pairs only say more when no passage was shared verbatim.
    paraphrase: Mapping[str, Any] = {} if passages else evidence.get("paraphrase") or {}
    sentences = tuple(
        SharedText(
            _cut(source_text, pair.get("source_start"), pair.get("source_end")),
            _cut(target_text, pair.get("target_start"), pair.get("target_end")),
            float(pair.get("similarity", 0.0)),
        )
        for pair in list(paraphrase.get("pairs") or ())[:_SHOWN]
    )
    credit: Mapping[str, Any] = evidence.get("credit") or {}
    share = evidence.get("share")
    return Hop(
        article=briefs[edge.target_id],
        source=briefs[edge.source_id],
        kind=edge.kind,
        score=edge.score,
        share=float(share) if isinstance(share, int | float) else None,
        passages=passages,
        sentences=sentences,
        credit=str(credit["phrase"]) if credit.get("phrase") else None,
        link=str(evidence["href"]) if evidence.get("href") else None,
        only_in_source=tuple(str(t) for t in evidence.get("only_in_source") or ()),
    )


def _claim_hop(edge: EdgeInfo, briefs: Mapping[int, ArticleBrief]) -> Hop:
    """A claim-based edge: the claim-bearing sentence of each article, side by side."""
    evidence = edge.evidence
    items: Sequence[Mapping[str, Any]] = evidence.get("claims") or ()
    sentences = tuple(
        SharedText(
            str(item.get("source", {}).get("text", "")),
            str(item.get("target", {}).get("text", "")),
            float(item.get("similarity", 0.0)),
        )
        for item in items[:_SHOWN]
    )
    return Hop(
        article=briefs[edge.target_id],
        source=briefs[edge.source_id],
        kind=edge.kind,
        score=edge.score,
        share=None,
        passages=(),
        sentences=sentences,
        credit=None,
        link=None,
        basis=CLAIM_BASIS,
        claim=str(evidence.get("claim") or "") or None,
    )


def _hops(repo: LinkRepo, edges: Sequence[EdgeInfo]) -> list[Hop]:
    """Readable hops for these edges (texts and articles read in one go)."""
    briefs = repo.briefs([e.source_id for e in edges] + [e.target_id for e in edges])
    versions = [e.version_id for e in edges if e.version_id is not None]
    versions += [
        int(e.evidence["source_version"]) for e in edges if e.evidence.get("source_version")
    ]
    texts = repo.texts(versions)
    return [_hop(edge, briefs, texts) for edge in edges]


def sources_of(store: Store, url: str) -> SourceChain:
    """The chain from the article at `url` back to the original, each hop with its evidence."""
    repo = LinkRepo(store)
    article = _article(store, repo, url)
    own = repo.edges(targets=[article.id])
    chain: list[EdgeInfo] = []
    seen = {article.id}
    edges = own
    while len(chain) < MAX_HOPS:
        primary = next((e for e in edges if e.primary), None)
        if primary is None or primary.source_id in seen:
            break
        chain.append(primary)
        seen.add(primary.source_id)
        edges = repo.edges(targets=[primary.source_id])
    others = [e for e in own if not e.primary]
    hops = _hops(repo, chain + others)
    unresolved = tuple(
        UnresolvedCredit(
            outlet=str(item.get("name") or item.get("outlet") or ""),
            domain=str(item.get("outlet") or ""),
            cue=str(item.get("cue") or ""),
            phrase=str(item.get("phrase") or ""),
        )
        for item in repo.unresolved(article.id)
    )
    return SourceChain(article, tuple(hops[: len(chain)]), tuple(hops[len(chain) :]), unresolved)


def copies_of(store: Store, url: str) -> Repeaters:
    """Every article that repeated the one at `url`, directly or through a chain, nearest first."""
    repo = LinkRepo(store)
    article = _article(store, repo, url)
    found: dict[int, tuple[EdgeInfo, int]] = {}
    frontier = [article.id]
    for depth in range(1, MAX_DEPTH + 1):
        edges = repo.edges(sources=frontier)
        fresh = [e for e in edges if e.target_id != article.id and e.target_id not in found]
        for edge in sorted(fresh, key=lambda e: (not e.primary, e.source_id)):
            found.setdefault(edge.target_id, (edge, depth))
        frontier = sorted({e.target_id for e in fresh})
        if not frontier:
            break
    briefs = repo.briefs([*found, *(edge.source_id for edge, _ in found.values())])
    repeaters = [
        Repeater(briefs[target], briefs[edge.source_id], edge.kind, edge.score, depth, edge.primary)
        for target, (edge, depth) in found.items()
    ]
    repeaters.sort(key=lambda r: (r.depth, r.article.first_seen, r.article.id))
    return Repeaters(article, tuple(repeaters))


def takes(store: Store) -> tuple[Take, ...]:
    """Every primary edge: who took content from whom, in the order the repeaters appeared."""
    repo = LinkRepo(store)
    edges = repo.edges(primary=True)
    briefs = repo.briefs([e.source_id for e in edges] + [e.target_id for e in edges])
    rows = [
        Take(briefs[e.target_id], briefs[e.source_id], e.kind, e.score)
        for e in edges
        if e.target_id in briefs and e.source_id in briefs
    ]
    rows.sort(key=lambda t: (t.repeater.first_seen, t.repeater.id))
    return tuple(rows)
