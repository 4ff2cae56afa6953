"""One claim, one event, on ECB+: which articles does `tracker.claims.one_event` keep?

For every topic and each of its two events, the claim is the first sentence of the event's first
document (as the scenario builds its claims); every document of the topic is a carrier, scored by
its best sentence for the claim (the lexical matcher, as the claims stage scores it). The rule
keeps the carriers it judges to report the claim's event; the truth is the document's half
(`ecb` or `ecbplus`). Printed: precision and recall of the kept carriers (the anchor left out)
for no filter, the anchor alone at `OTHER_EVENT_BELOW` (the former rule) and the rule as
shipped, over all topics and over the odd- and even-numbered topics apart (a check that no
threshold holds on one half only). `--sweep` also prints the rule at other minimums (the core's,
the other event's and the kept carriers': the table in docs/benchmarks.md), after how the event
score splits the ordered pairs of one topic by cutoff (one event or two).

Usage: python benchmarks/one_event.py [DATA_DIR] [--sweep]   (DATA_DIR: ../shared/data)
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

from tracker.claims.match import LexicalMatcher
from tracker.claims.mentions import best_sentence, mentions_in_version
from tracker.claims.one_event import (
    CORE_MIN,
    OTHER_EVENT_BELOW,
    OTHER_MAX,
    EventText,
    anchor_of,
    one_event,
)
from tracker.domain import Claim, VersionRef

Rule = Callable[[Mapping[int, float], Mapping[int, EventText]], set[int]]
Case = tuple[int, dict[int, float], dict[int, EventText], set[int]]
_SEEN = datetime(2026, 1, 1, tzinfo=UTC)
# (core >=, other <, kept >=) swept with --sweep, around the shipped minimums.
_SWEEP = (
    (0.9, 0.2, 0.4),
    (0.97, 0.15, 0.4),
    (0.97, 0.2, 0.4),
    (0.97, 0.25, 0.35),
    (0.97, 0.25, 0.45),
    (0.97, 0.3, 0.4),
    (0.97, 0.5, 0.4),
    (0.99, 0.25, 0.4),
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


def _score(cases: Sequence[Case], rule: Rule) -> tuple[float, float]:
    """Precision and recall of the kept carriers, the anchor left out."""
    tp = fp = fn = 0
    for _, best, texts, truth in cases:
        anchor = anchor_of(best)
        kept = rule(best, texts) - {anchor}
        want = truth - {anchor}
        tp += len(kept & want)
        fp += len(kept - want)
        fn += len(want - kept)
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
    argv = [a for a in argv if a != "--sweep"]
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
        for core, other, kept in _SWEEP:
            name = f"rule_{core}_{other}_{kept}"
            rules[name] = functools.partial(
                one_event, core_min=core, other_max=other, kept_min=kept
            )
    figures: dict[str, float | int] = {
        "cases": len(cases),
        "core_min": CORE_MIN,
        "other_max": OTHER_MAX,
        "kept_min": OTHER_EVENT_BELOW,
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
    figures["seconds"] = round(time.perf_counter() - started, 1)
    emit("one_event", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
