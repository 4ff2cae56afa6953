"""The choice of source: which earlier articles a new one repeats, as typed edges with evidence.

Rules, in order:

1. A source is always earlier (`tracker.linking.order.precedes`); later candidates are ignored.
2. Explicit edges: a body link to a stored article (`links_to`; a link to the outlet's own
   earlier article counts only when it is on the same story, since "related" links are not
   sources) and a credit of an outlet (`credits`), resolved to that outlet's earliest article
   on the same story (among those whose text the new one copies, if any, else those it
   retells: the paraphrase score passes); a credit with no
   such stored article is returned as unresolved. For these explicit edges the story is judged
   with each article's title read with its text (`_titled_story`): the title is a field apart
   from the text, and a credit in a line or two may share little more than the headline.
3. Copies: candidates whose shared passages (quotations left out) cover at least
   `copy_min_share` of the new text. They are taken greedily by how many not yet explained
   words they explain; candidates within `copy_min_passage_words` of the best count as tied
   and the earliest of them wins, unless one of them alone carries a run of at least
   `_OWN_TEXT_WORDS` of the new text's words (a line an intermediary added, even a short one)
   and is known to come first (`order_known`): then it wins, and its edge's evidence names that
   text (`only_in_source`). So an intermediary that added text the new article also carries
   beats the original (chains, not stars), while a copy of text the original already had goes
   to the original, not to another copier. Further sources are added while one still explains
   `copy_min_share` of the text.
4. Common source: a copy of a wire story or press release is a `common_source` edge to it: the
   source carries its own outlet's wire dateline or byline, or the new text credits the
   source's outlet with one (such a wire credit makes the edge explicit but keeps its kind).
   When the wire story itself is not stored, two copies of it that both carry the same wire
   mark are not linked to each other at all: the new text's wire credit is returned as
   unresolved (the outlet is known, the article is not), since neither copy took the text
   from the other.
5. Paraphrase: only when nothing was copied, the candidate with the highest paraphrase score
   that reaches the matcher's threshold (`paraphrase_min_score`, or `semantic_min_score` for
   the semantic matcher); scores within `_PARAPHRASE_TIE` are tied and the earliest wins. When
   the winner's own source (from `Candidate.sources`) scores within
   `_PARAPHRASE_CHAIN_MARGIN` of it, that source wins instead: a paraphrase of text a copy took
   from its source goes to the source. Candidates the new article answers as a party to their
   story are left out: its own outlet is named `_PARTY_MENTIONS` times or more in them, as a
   company's statement on a report about the company restates the report to reply to it.
6. The primary source (`Decision.source_id`): an explicit edge on the same story outranks the
   inferred ones (the one with the most shared content, then the earliest); else the first
   copy source; else the paraphrase source; else none, and the article is an original.

One edge per source article: its kind is the strongest it earned (links_to > credits >
common_source > copies > paraphrases) and its evidence holds everything found for that pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field

from tracker.config import LinkSettings
from tracker.domain import ArticleRef, Edge, EdgeKind, Outlet
from tracker.errors import BadInput
from tracker.linking.compare import Candidate, Comparison, Prepared, compare, prepare
from tracker.linking.credits import Credit, find_credits, mentions
from tracker.linking.order import earliest, order_key, order_known, precedes
from tracker.linking.paraphrase import Matcher, evidence_of, matcher_for, story_similarity

__all__ = ["Decision", "ResolvedLink", "decide", "link_article", "to_relink"]

_PARAPHRASE_TIE = 0.05  # paraphrase scores this close are one score: the earliest source wins
# A paraphrase of text that a copy and its own source both carry goes to that source unless the
# copy matches clearly better (its own additions are paraphrased too): chains, not stars.
_PARAPHRASE_CHAIN_MARGIN = 0.1
_PARTY_MENTIONS = 3  # names of the new article's outlet in a candidate that make it a party
_MAX_PASSAGES = 50  # passages kept as evidence per edge (the share counts them all)
_MAX_PAIRS = 20  # sentence pairs kept as evidence per edge
# A run of the new text's words that only one of several near-tied copy sources carries, this
# long or longer, makes that source the one copied (an intermediary's own added line).
_OWN_TEXT_WORDS = 6
_PRIORITY = (
    EdgeKind.LINKS_TO,
    EdgeKind.CREDITS,
    EdgeKind.COMMON_SOURCE,
    EdgeKind.COPIES,
    EdgeKind.PARAPHRASES,
)
_EXPLICIT = frozenset({EdgeKind.LINKS_TO, EdgeKind.CREDITS})


@dataclass(frozen=True, slots=True)
class ResolvedLink:
    """A body link of the new article that the store resolved to a stored article."""

    href: str
    article_id: int
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """The edges of one new article, primary source first, and the credits left unresolved."""

    source_id: int | None
    edges: tuple[Edge, ...]
    unresolved: tuple[Credit, ...] = ()


@dataclass(slots=True)
class _Found:
    """What was found for one source while deciding (mutable scratch, never returned)."""

    comparison: Comparison
    kinds: set[EdgeKind] = field(default_factory=set)
    evidence: dict[str, object] = field(default_factory=dict)
    prose_credit: bool = False  # credited in words, not only by a wire dateline or byline


def _same_story(c: Comparison, settings: LinkSettings) -> bool:
    """True when the candidate tells the same story as the new text (for explicit edges).

    A link or a credit is the new text's own word for where it came from, so the story test
    places it; inferred edges ask more (`Comparison.event`: a paraphrase is only scored on one
    event, since another event of the same kind shares the story's words but not its source).
    """
    return (
        c.story >= settings.story_min_score
        or c.event >= settings.event_min_score
        or c.copy_share >= settings.copy_min_share
        or c.paraphrase.passes
    )


def _titled_story(
    article: ArticleRef, target: Prepared, c: Comparison, settings: LinkSettings
) -> bool:
    """True when the two tell one story, counting their titles as well as their texts.

    Titles are fields apart from the texts (a shared headline makes no copy), but a credit or a
    link that retells a story in a line or two often shares little more than its headline with
    the article it names: for those explicit edges, each title is read with its own text, and
    two titles that say the same as a paraphrased sentence would (`paraphrase_min_score`) tell
    one story too.
    """
    if _same_story(c, settings):
        return True
    title, other = article.title, c.candidate.ref.title
    if not (title and other):
        return False
    if story_similarity(title, other) >= settings.paraphrase_min_score:
        return True
    titled = story_similarity(f"{title}\n{target.text}", f"{other}\n{c.candidate.text}")
    return titled >= settings.story_min_score


def _earliest(
    options: Sequence[Comparison], settings: LinkSettings, *, ancestors_first: bool = True
) -> Comparison:
    """The earliest candidate; one that another option names among its own sources goes first."""
    ancestors = {source for c in options for source in c.candidate.sources}
    named = [c for c in options if c.candidate.ref.id in ancestors and ancestors_first]
    named = named or list(options)
    first = earliest([c.candidate.ref for c in named], settings)
    return next(c for c in named if c.candidate.ref is first)


def _runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive word indices as [start, end) ranges, in order."""
    runs: list[tuple[int, int]] = []
    for index in sorted(indices):
        if runs and runs[-1][1] == index:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    return runs


def _own_text(
    tied: Sequence[Comparison],
    covered: set[int],
    target: Prepared,
    article: ArticleRef,
    settings: LinkSettings,
) -> tuple[Comparison, list[str]] | None:
    """The tied candidate whose text alone explains a run of the new text, with those runs.

    Among candidates that explain nearly as much of the new text, one that also explains words
    none of the others carry (a line an intermediary added to its copy) is where the new text
    came from: it could not have taken that line from the others. Runs shorter than
    `_OWN_TEXT_WORDS` are left out, since passage edges differ by a word or two by chance. Only
    a candidate known to come first counts (`order_known`): when one crawl run's fetch order is
    all that puts it first, the new text may just as well be its source.
    """
    best: tuple[int, Comparison, list[tuple[int, int]]] | None = None
    for c in tied:
        if not order_known(c.candidate.ref, article, settings):
            continue
        others = set().union(*(o.copied for o in tied if o is not c))
        runs = _long_runs(c.copied - covered - others)
        words = sum(end - start for start, end in runs)
        if runs and (best is None or words > best[0]):
            best = (words, c, runs)
    if best is None:
        return None
    return best[1], _text_of(target, best[2])


def _long_runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """The runs of consecutive word indices at least `_OWN_TEXT_WORDS` long."""
    return [r for r in _runs(indices) if r[1] - r[0] >= _OWN_TEXT_WORDS]


def _text_of(target: Prepared, runs: Sequence[tuple[int, int]]) -> list[str]:
    """The new text's words in these runs, white space collapsed."""
    starts, ends = target.words.starts, target.words.ends
    return [" ".join(target.text[starts[a] : ends[b - 1]].split()) for a, b in runs]


def _copy_sources(
    comparisons: Sequence[Comparison],
    target: Prepared,
    article: ArticleRef,
    settings: LinkSettings,
) -> list[tuple[Comparison, list[str]]]:
    """Pick copy sources greedily by newly explained words, earliest among near-ties.

    Returns each source with the text only it carries, when that text decided a near-tie.
    """
    needed = max(1.0, settings.copy_min_share * len(target.words))
    covered: set[int] = set()
    chosen: list[tuple[Comparison, list[str]]] = []
    remaining = list(comparisons)
    while remaining:
        gains = {id(c): len(c.copied - covered) for c in remaining}
        best = max(gains.values())
        if best < needed:
            break
        tied = [c for c in remaining if gains[id(c)] > best - settings.copy_min_passage_words]
        own = _own_text(tied, covered, target, article, settings) if len(tied) > 1 else None
        pick, carried = own if own is not None else (_earliest(tied, settings), [])
        if not carried and len(remaining) > 1:  # a clear winner: still name what only it has
            others = set().union(*(c.copied for c in remaining if c is not pick))
            carried = _text_of(target, _long_runs(pick.copied - covered - others))
        chosen.append((pick, carried))
        covered |= pick.copied
        remaining.remove(pick)
    return chosen


def _up_the_chain(pick: Comparison, paraphrasers: Sequence[Comparison]) -> Comparison:
    """Move from a paraphrase source to its own source while that one scores nearly as well."""
    by_id = {c.candidate.ref.id: c for c in paraphrasers}
    seen = {pick.candidate.ref.id}
    while True:
        better = [
            by_id[source]
            for source in pick.candidate.sources
            if source in by_id
            and source not in seen
            and by_id[source].paraphrase.score >= pick.paraphrase.score - _PARAPHRASE_CHAIN_MARGIN
        ]
        if not better:
            return pick
        pick = max(better, key=lambda c: c.paraphrase.score)
        seen.add(pick.candidate.ref.id)


def _content_evidence(c: Comparison, settings: LinkSettings) -> dict[str, object]:
    """Passages side by side, shares and matched sentence pairs of one comparison."""
    evidence: dict[str, object] = {"story": round(c.story, 4), "event": round(c.event, 4)}
    if c.alignment.passages:
        evidence["share"] = round(c.copy_share, 4)
        evidence["source_share"] = round(c.alignment.source_share, 4)
        evidence["shared_words"] = c.alignment.shared_words
        evidence["passages"] = [
            {
                "source_start": p.source_start,
                "source_end": p.source_end,
                "target_start": p.target_start,
                "target_end": p.target_end,
                "text": p.text,
            }
            for p in c.alignment.passages[:_MAX_PASSAGES]
        ]
    if c.paraphrase.pairs:
        evidence["paraphrase"] = evidence_of(c.paraphrase, _MAX_PAIRS)
    return evidence


def _content_rank(c: Comparison, settings: LinkSettings) -> tuple[float, float]:
    """How much content a source shares with the new text: copy share, then paraphrase score."""
    copy = c.copy_share if c.copy_share >= settings.copy_min_share else 0.0
    para = c.paraphrase.score if c.paraphrase.passes else 0.0
    return copy, para


def decide(
    article: ArticleRef,
    target: Prepared | None,
    comparisons: Sequence[Comparison],
    settings: LinkSettings,
    *,
    links: Sequence[ResolvedLink] = (),
    credits: Sequence[Credit] = (),
    answers: frozenset[int] = frozenset(),
) -> Decision:
    """Decide the edges of `article` from its comparisons with earlier candidates.

    `answers` are candidates whose story the article's own outlet is a party to (rule 5).
    `target` (the new text prepared) may be None when there is no comparison: nothing reads it.
    """
    if target is None and comparisons:
        raise BadInput("comparisons are weighed against the new text prepared, none given")
    eligible = {
        c.candidate.ref.id: c for c in comparisons if precedes(c.candidate.ref, article, settings)
    }
    found: dict[int, _Found] = {}
    told: dict[int, bool] = {}

    def on_story(c: Comparison) -> bool:
        key = c.candidate.ref.id
        if key not in told:
            told[key] = target is not None and _titled_story(article, target, c, settings)
        return told[key]

    def add(c: Comparison, kind: EdgeKind, **evidence: object) -> None:
        entry = found.setdefault(c.candidate.ref.id, _Found(c))
        entry.kinds.add(kind)
        for key, value in evidence.items():
            entry.evidence.setdefault(key, value)

    for link in links:
        c = eligible.get(link.article_id)
        if c is None:
            continue
        if c.candidate.ref.outlet == article.outlet and not on_story(c):
            continue
        add(c, EdgeKind.LINKS_TO, href=link.href, anchor=link.anchor)

    unresolved: list[Credit] = []
    for credit in credits:
        if credit.outlet.domain == article.outlet:
            continue
        options = [
            c
            for c in eligible.values()
            if c.candidate.ref.outlet == credit.outlet.domain and on_story(c)
        ]
        if not options:
            unresolved.append(credit)
            continue
        # The credited outlet's article whose text this one reproduces, when there is one, else
        # one it retells in other words: an older article of the outlet on the same topic (its
        # report of another event of the same kind) is not what a copy or a retelling credits.
        copied = [o for o in options if o.copy_share >= settings.copy_min_share]
        retold = [o for o in options if o.paraphrase.passes]
        c = _earliest(copied or retold or options, settings, ancestors_first=False)
        found.setdefault(c.candidate.ref.id, _Found(c)).prose_credit |= not credit.wire
        add(
            c,
            EdgeKind.CREDITS,
            credit={
                "phrase": credit.phrase,
                "cue": credit.cue,
                "start": credit.start,
                "end": credit.end,
                "outlet": credit.outlet.domain,
            },
        )

    # A wire mark whose outlet has no stored article: copies carrying the same mark are siblings.
    unstored_wires = {credit.outlet.domain for credit in unresolved if credit.wire}
    credited_wires = {credit.outlet.domain for credit in credits if credit.wire}

    def sibling(c: Comparison) -> bool:
        return bool(unstored_wires & (c.wire_outlets - {c.candidate.ref.outlet}))

    copiers = [
        c for c in eligible.values() if c.copy_share >= settings.copy_min_share and not sibling(c)
    ]
    picked = _copy_sources(copiers, target, article, settings) if target is not None else []
    copy_sources = [c for c, _ in picked]
    for c, carried in picked:
        outlet = c.candidate.ref.outlet
        # The text only this source carries: why it, not an earlier one, is the source.
        extra: dict[str, object] = {"only_in_source": carried} if carried else {}
        if outlet in c.wire_outlets or outlet in credited_wires:
            add(c, EdgeKind.COMMON_SOURCE, wire=outlet, **extra)
        else:
            add(c, EdgeKind.COPIES, **extra)

    paraphrase_source: Comparison | None = None
    if not copy_sources:
        paraphrasers = [
            c
            for c in eligible.values()
            if c.paraphrase.passes and not sibling(c) and c.candidate.ref.id not in answers
        ]
        if paraphrasers:
            best = max(c.paraphrase.score for c in paraphrasers)
            tied = [c for c in paraphrasers if c.paraphrase.score >= best - _PARAPHRASE_TIE]
            paraphrase_source = _up_the_chain(_earliest(tied, settings), paraphrasers)
            add(paraphrase_source, EdgeKind.PARAPHRASES)

    primary = _primary(found, copy_sources, paraphrase_source, settings, on_story)
    edges = [_edge(entry, article, settings) for entry in found.values()]
    edges.sort(
        key=lambda e: (
            e.source_id != primary,
            _PRIORITY.index(e.kind),
            order_key(eligible[e.source_id].candidate.ref, settings),
        )
    )
    return Decision(primary, tuple(edges), tuple(unresolved))


def _primary(
    found: dict[int, _Found],
    copy_sources: Sequence[Comparison],
    paraphrase_source: Comparison | None,
    settings: LinkSettings,
    on_story: Callable[[Comparison], bool],
) -> int | None:
    """The one source the article is said to come from (see the module's rule 6)."""
    explicit = [
        entry.comparison
        for entry in found.values()
        if entry.kinds & _EXPLICIT and on_story(entry.comparison)
    ]
    if explicit:
        best = max(_content_rank(c, settings) for c in explicit)
        tied = [c for c in explicit if _content_rank(c, settings) == best]
        return _earliest(tied, settings).candidate.ref.id
    if copy_sources:
        return copy_sources[0].candidate.ref.id
    if paraphrase_source is not None:
        return paraphrase_source.candidate.ref.id
    return None


def _edge(entry: _Found, article: ArticleRef, settings: LinkSettings) -> Edge:
    """Turn what was found for one source into its edge."""
    kinds = sorted(entry.kinds, key=_PRIORITY.index)
    kind = kinds[0]
    c = entry.comparison
    wire_copy = EdgeKind.COMMON_SOURCE in kinds or c.copy_share >= settings.copy_min_share
    if kind is EdgeKind.CREDITS and not entry.prose_credit and wire_copy:
        kind = EdgeKind.COMMON_SOURCE  # "(CPW)" on a copy of CPW's story: a wire copy
    if kind in _EXPLICIT:
        score = 1.0
    elif kind is EdgeKind.PARAPHRASES:
        score = c.paraphrase.score
    else:
        score = c.copy_share
    evidence: dict[str, object] = {"kinds": [str(k) for k in kinds], **entry.evidence}
    evidence.update(_content_evidence(c, settings))
    return Edge(c.candidate.ref.id, article.id, kind, round(score, 4), evidence)


def link_article(
    article: ArticleRef,
    text: str,
    candidates: Sequence[Candidate],
    settings: LinkSettings,
    *,
    outlets: Sequence[Outlet] = (),
    links: Sequence[ResolvedLink] = (),
    matcher: Matcher | None = None,
    cache: MutableMapping[int, Prepared] | None = None,
    credits: Sequence[Credit] | None = None,
) -> Decision:
    """Link one new article version (text with boilerplate blanked) against its candidates.

    `candidates` come from the band lookup (plus the stored articles its links resolve to, the
    credited outlets' recent articles and the candidates' own sources); `outlets` are the known
    outlets, for credits. Preparing a candidate's text is most of the cost per candidate, so a
    caller linking many articles may pass `cache` (any mapping, e.g. a bounded LRU dict) that
    keeps prepared texts by article id across calls; an entry whose text changed is replaced.
    The new text is kept there too (it is a candidate of the articles that come after it), once
    it is compared with a candidate: a text that no candidate precedes is not prepared here, as
    nothing reads it (about half of the dev scenario's articles; most never become a candidate).
    `credits`: the text's `find_credits` over `outlets`, when the caller has them already.
    """
    chosen_matcher = matcher or matcher_for(settings)
    target: Prepared | None = None
    if credits is None:
        credits = find_credits(text, outlets, own_domain=article.outlet)
    by_domain = {outlet.domain: outlet for outlet in outlets}
    wire = {credit.outlet.domain: credit.outlet for credit in credits if credit.wire}
    comparisons: list[Comparison] = []
    party = by_domain.get(article.outlet)
    answers: set[int] = set()
    for candidate in candidates:
        if not precedes(candidate.ref, article, settings):
            continue
        if party is not None and mentions(candidate.text, party) >= _PARTY_MENTIONS:
            answers.add(candidate.ref.id)
        marks = dict(wire)
        own = by_domain.get(candidate.ref.outlet)
        if own is not None:
            marks[own.domain] = own
        if target is None:
            target = _prepared(article.id, text, cache)
        source = _prepared(candidate.ref.id, candidate.text, cache)
        comparisons.append(
            compare(target, candidate, source, settings, chosen_matcher, tuple(marks.values()))
        )
    return decide(
        article,
        target,
        comparisons,
        settings,
        links=links,
        credits=credits,
        answers=frozenset(answers),
    )


def _prepared(article_id: int, text: str, cache: MutableMapping[int, Prepared] | None) -> Prepared:
    """The article's text prepared, from `cache` when it holds this very text."""
    found = cache.get(article_id) if cache is not None else None
    if found is None or found.text != text:
        found = prepare(text)
        if cache is not None:
            cache[article_id] = found
    return found


def to_relink(
    article: ArticleRef, candidates: Sequence[Candidate], settings: LinkSettings
) -> list[int]:
    """Ids of candidates, seen before `article`, that it turns out to precede.

    Within one crawl run an original may be fetched a little after its copy; the copy was
    linked before the original was stored, so the pipeline links these candidates again.
    """
    return [c.ref.id for c in candidates if precedes(article, c.ref, settings)]
