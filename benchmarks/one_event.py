"""One claim, one event, on ECB+: which articles does `tracker.claims.one_event` keep?

For every topic and each of its two events, the claim is the first sentence of the event's first
document (as the scenario builds its claims); every document of the topic is a carrier, scored by
its best sentence for the claim (the lexical matcher, as the claims stage scores it). The rule
keeps the carriers it judges to report the claim's event; the truth is the document's half
(`ecb` or `ecbplus`). Printed: precision and recall of the kept carriers (the anchor left out)
for no filter, the anchor alone at `OTHER_EVENT_BELOW` (the former rule) and the rule as
shipped, over all topics and over the odd- and even-numbered topics apart (a check that no
threshold holds on one half only). `--sweep` also prints the rule at other minimums (the core's,
the other event's against the anchor and against the core, and the kept carriers': the tables in
docs/benchmarks.md), after how the event score splits the ordered pairs of one topic by cutoff
(one event or two).

`--expansion` scores the path a claim's carriers take instead of taking every document as one:
the documents of the topic stating the claim in a sentence (the seeds), same-event expansion
over the others (`tracker.claims.events.expand`, document frequencies over the whole corpus,
one round and as shipped), then the one-event rule; precision and recall as above.

Usage: python benchmarks/one_event.py [DATA_DIR] [--sweep] [--expansion]
(DATA_DIR: ../shared/data)
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from _report import emit, skipped
from ecbplus import Document, read_corpus
from reuse import DEFAULT_DATA

from tracker.claims.events import ROUNDS, DocumentFrequencies, count_documents, expand
from tracker.claims.match import LexicalMatcher
from tracker.claims.mentions import best_sentence, mentions_in_version
from tracker.claims.one_event import (
    CORE_MIN,
    OTHER_CORE_MAX,
    OTHER_EVENT_BELOW,
    OTHER_MAX,
    EventText,
    anchor_of,
    one_event,
)
from tracker.domain import MENTION_THRESHOLD, Claim, VersionRef
from tracker.text.terms import term_stats

Rule = Callable[[Mapping[int, float], Mapping[int, EventText]], set[int]]
Case = tuple[int, dict[int, float], dict[int, EventText], set[int]]
_SEEN = datetime(2026, 1, 1, tzinfo=UTC)
# (core >=, other <, kept >=, other's mean against the core <) swept with --sweep, around the
# shipped minimums.
_SWEEP = (
    (0.9, 0.2, 0.4, OTHER_CORE_MAX),
    (0.97, 0.15, 0.4, OTHER_CORE_MAX),
    (0.97, 0.2, 0.4, OTHER_CORE_MAX),
    (0.97, 0.25, 0.35, OTHER_CORE_MAX),
    (0.97, 0.25, 0.45, OTHER_CORE_MAX),
    (0.97, 0.3, 0.4, OTHER_CORE_MAX),
    (0.97, 0.5, 0.4, OTHER_CORE_MAX),
    (0.99, 0.25, 0.4, OTHER_CORE_MAX),
    (0.97, 0.25, 0.4, 0.0),
    (0.97, 0.25, 0.4, 0.5),
    (0.97, 0.25, 0.4, 0.55),
    (0.97, 0.25, 0.4, 0.65),
    (0.97, 0.25, 0.4, 0.7),
)


def _anchor_alone(best: Mapping[int, float], texts: Mapping[int, EventText]) -> set[int]:
    """The former rule: the event score against the anchor alone."""
    anchor = anchor_of(best)
    if anchor is None:
        return set()
    reference = texts[anchor]
    return {a for a in best if a == anchor or reference.score(texts[a]) >= OTHER_EVENT_BELOW}


def _best(claim: Claim, text: str, lexical: LexicalMatcher) -> float:
    """The best sentence score of `text` for the claim."""
    version = VersionRef(1, 1, text, _SEEN)
    scores = [m.score for m in mentions_in_version(claim, version, lexical=lexical)]
    weaker = best_sentence(claim, version, lexical=lexical)
    return max([*scores, weaker.score if weaker is not None else 0.0])


def _cases(documents: Sequence[Document]) -> list[Case]:
    """Per topic and event: (topic, best score per document, analysed texts, its documents)."""
    lexical = LexicalMatcher()
    by_topic: dict[str, list[Document]] = {}
    for doc in documents:
        by_topic.setdefault(doc.topic, []).append(doc)
    out = []
    for topic, docs in by_topic.items():
        texts = {i: doc.text for i, doc in enumerate(docs)}
        analysed = {i: EventText.of(text) for i, text in texts.items()}  # once per topic
        for half in ("ecb", "ecbplus"):
            own = [i for i, doc in enumerate(docs) if doc.half == half]
            if not own or len(own) == len(docs):
                continue
            first = texts[own[0]].strip().splitlines()[0]
            claim = Claim("c", first)
            best = {i: _best(claim, text, lexical) for i, text in texts.items()}
            out.append((int(topic), best, analysed, set(own)))
    return out


def _expanded(documents: Sequence[Document], rounds: int) -> tuple[float, float]:
    """Precision and recall of seeds, expansion and the one-event rule (the anchor left out)."""
    lexical = LexicalMatcher()
    stats = [term_stats(doc.text) for doc in documents]
    counts = count_documents(stats)
    df = DocumentFrequencies(counts, len(documents))
    outcomes = []
    for _, best, texts, truth, members in _path_cases(documents, lexical):
        seeds = [i for i in members if best[i] >= MENTION_THRESHOLD]
        rest = {i: stats[i] for i in members if i not in seeds}
        claim = term_stats(texts[members[0]].strip().splitlines()[0])
        found = expand(claim, [stats[i] for i in seeds], rest, df, rounds=rounds)
        carriers = {i: best[i] for i in [*seeds, *found]}
        analysed = {i: EventText.of(texts[i]) for i in carriers}
        anchor = anchor_of(carriers)
        outcomes.append((one_event(carriers, analysed) - {anchor}, truth - {anchor}))
    return _precision_recall(outcomes)


def _path_cases(
    documents: Sequence[Document], lexical: LexicalMatcher
) -> list[tuple[int, dict[int, float], dict[int, str], set[int], list[int]]]:
    """Per topic and event: best scores, texts, the event's documents and the topic's (corpus ids).

    The first member is the event's first document, whose first line is the claim.
    """
    by_topic: dict[str, list[int]] = {}
    for i, doc in enumerate(documents):
        by_topic.setdefault(doc.topic, []).append(i)
    out = []
    for topic, ids in by_topic.items():
        for half in ("ecb", "ecbplus"):
            own = [i for i in ids if documents[i].half == half]
            if not own or len(own) == len(ids):
                continue
            claim = Claim("c", documents[own[0]].text.strip().splitlines()[0])
            best = {i: _best(claim, documents[i].text, lexical) for i in ids}
            texts = {i: documents[i].text for i in ids}
            members = [own[0], *[i for i in ids if i != own[0]]]
            out.append((int(topic), best, texts, set(own), members))
    return out


def _score(cases: Sequence[Case], rule: Rule) -> tuple[float, float]:
    """Precision and recall of the kept carriers, the anchor left out."""
    outcomes = []
    for _, best, texts, truth in cases:
        anchor = anchor_of(best)
        outcomes.append((rule(best, texts) - {anchor}, truth - {anchor}))
    return _precision_recall(outcomes)


def _precision_recall(outcomes: Sequence[tuple[set[int], set[int]]]) -> tuple[float, float]:
    """Precision and recall over (kept, wanted) sets, counted over all of them."""
    tp = sum(len(kept & want) for kept, want in outcomes)
    fp = sum(len(kept - want) for kept, want in outcomes)
    fn = sum(len(want - kept) for kept, want in outcomes)
    return (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)


def _pairs(cases: Sequence[Case]) -> None:
    """Print how the event score splits ordered pairs of one topic, one event or two, by cutoff.

    The cutoffs the rule's minimums are read from: how many pairs of two events reach a core's
    minimum, how many of one event fall below the other event's maximum.
    """
    same: list[float] = []
    other: list[float] = []
    seen: set[int] = set()
    for topic, _, texts, own in cases:
        if topic in seen:  # each topic's two cases hold the same texts
            continue
        seen.add(topic)
        for i, first in texts.items():
            for j, second in texts.items():
                if i != j:
                    (same if (i in own) == (j in own) else other).append(first.score(second))
    for cut in (0.9, 0.95, 0.97):
        high_same, high_other = sum(x >= cut for x in same), sum(x >= cut for x in other)
        print(f"pairs >= {cut}: one event {high_same}/{len(same)}, two {high_other}/{len(other)}")
    for cut in (0.15, 0.2, 0.25, 0.3):
        low_same, low_other = sum(x < cut for x in same), sum(x < cut for x in other)
        print(f"pairs < {cut}: one event {low_same}/{len(same)}, two {low_other}/{len(other)}")


def main(argv: Sequence[str]) -> int:
    """Score the rules and print the figures."""
    sweep = "--sweep" in argv
    expansion = "--expansion" in argv
    argv = [a for a in argv if a not in ("--sweep", "--expansion")]
    folder = (Path(argv[0]) if argv else DEFAULT_DATA) / "events-ecbplus"
    if not folder.is_dir():
        return skipped("one_event", f"data folder missing ({folder})")
    started = time.perf_counter()
    cases = _cases(read_corpus(folder))
    rules: dict[str, Rule] = {
        "none": lambda best, texts: set(best),
        "anchor_alone": _anchor_alone,
        "rule": one_event,
    }
    if sweep:
        _pairs(cases)
        for core, other, kept, other_core in _SWEEP:
            name = f"rule_{core}_{other}_{kept}_{other_core}"
            rules[name] = functools.partial(
                one_event,
                core_min=core,
                other_max=other,
                kept_min=kept,
                other_core_max=other_core,
            )
    figures: dict[str, float | int] = {
        "cases": len(cases),
        "core_min": CORE_MIN,
        "other_max": OTHER_MAX,
        "kept_min": OTHER_EVENT_BELOW,
        "other_core_max": OTHER_CORE_MAX,
    }
    for name, rule in rules.items():
        for part, chosen in (
            ("all", cases),
            ("odd", [c for c in cases if c[0] % 2]),
            ("even", [c for c in cases if not c[0] % 2]),
        ):
            precision, recall = _score(chosen, rule)
            print(f"{name:<20} {part:<5} precision {precision:.3f}  recall {recall:.3f}")
            figures[f"{name}_{part}_precision"] = round(precision, 3)
            figures[f"{name}_{part}_recall"] = round(recall, 3)
    if expansion:
        documents = read_corpus(folder)
        for rounds in sorted({1, ROUNDS}):
            precision, recall = _expanded(documents, rounds)
            name = f"expansion_{rounds}_rounds"
            print(f"{name:<20} all   precision {precision:.3f}  recall {recall:.3f}")
            figures[f"{name}_precision"] = round(precision, 3)
            figures[f"{name}_recall"] = round(recall, 3)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    emit("one_event", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
