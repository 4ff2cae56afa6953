"""Claims stated in other words, on ECB+: which articles does the claims stage's matcher find?

For every topic and each of its two events, the claim is the first sentence of the event's first
document (as the dev scenario builds its claims). Every document of the corpus whose words
cover at least half of the claim's weight (`CANDIDATE_SHARE`, as the full-text index picks
candidate versions) is read sentence by sentence through `mentions_in_version`, the claims
stage's path, with the lexical matcher alone and with the default one (lexical evidence lifted
by MiniLM cosine, `tracker.claims.semantic`). A document with a sentence at or above the
threshold is a direct carrier. Printed per matcher: direct carriers of the claim's event
(recall over the event's other documents), of the topic's other event (hard negatives), of other
topics; then the carriers kept by the one-event rule (`tracker.claims.one_event`), precision and
recall as `benchmarks/one_event.py` counts them; and the sentences the model read.

`--grid` also prints the blend's parameters around the shipped ones; `--without GROUPS`
(comma-separated lexicon group names, `related` for the table of related groups, or `all`)
measures with those parts of the lexicon left out (`benchmarks/_lexicon.py`).

Usage: python benchmarks/claims_paraphrase.py [DATA_DIR] [--grid] [--without GROUPS]
(DATA_DIR: ../shared/data)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from _lexicon import lexical_without
from _report import emit, skipped
from ecbplus import Document, read_corpus
from reuse import DEFAULT_DATA

from tracker.claims.decide import CANDIDATE_SHARE
from tracker.claims.match import LexicalMatcher, Matcher, fts_concepts
from tracker.claims.mentions import best_sentence, mentions_in_version
from tracker.claims.one_event import EventText, anchor_of, one_event
from tracker.claims.semantic import MIN_RECALL, WEIGHT, SemanticClaimMatcher
from tracker.domain import Claim, VersionRef
from tracker.text.words import stem

_SEEN = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Tally:
    """Counts of one matcher over all claims."""

    own: int = 0  # documents of the claim's event (the claim's own document left out)
    own_found: int = 0
    hard: int = 0
    hard_found: int = 0
    other_found: int = 0
    kept_right: int = 0
    kept_wrong: int = 0
    kept_want: int = 0


def _words(text: str) -> set[str]:
    """The stems of a text's words, as a stemming full-text index sees them."""
    return {stem(word) for word in text.lower().replace("-", " ").split()}


def _candidate(claim: str, words: set[str], lexical: LexicalMatcher) -> bool:
    """True when the text's words cover half of the claim's weight (the index's rule)."""
    concepts = fts_concepts(claim, lexical)
    total = sum(weight for weight, _ in concepts)
    covered = sum(weight for weight, terms in concepts if any(stem(t) in words for t in terms))
    return total > 0 and covered >= CANDIDATE_SHARE * total


def _best(claim: Claim, version: VersionRef, matcher: Matcher, lexical: LexicalMatcher) -> float:
    """The best direct mention score of the version, else its best lexical sentence's."""
    found = mentions_in_version(claim, version, matcher=matcher, lexical=lexical)
    if found:
        return max(m.score for m in found)
    weaker = best_sentence(claim, version, lexical=lexical)
    return weaker.score if weaker is not None else 0.0


def measure(
    documents: Sequence[Document], matchers: dict[str, Matcher], lexical: LexicalMatcher
) -> dict[str, Tally]:
    """Run every matcher over every claim's candidates."""
    tallies = {name: Tally() for name in matchers}
    words = [_words(doc.text) for doc in documents]
    versions = [VersionRef(i + 1, i + 1, doc.text, _SEEN) for i, doc in enumerate(documents)]
    events: dict[int, EventText] = {}
    topics = sorted({doc.topic for doc in documents}, key=int)
    for topic in topics:
        for half in ("ecb", "ecbplus"):
            own = [i for i, d in enumerate(documents) if d.topic == topic and d.half == half]
            hard = {i for i, d in enumerate(documents) if d.topic == topic and d.half != half}
            if not own or not hard:
                continue
            text = documents[own[0]].text.strip().splitlines()[0]
            claim = Claim("c", text)
            chosen = [i for i in range(len(documents)) if _candidate(text, words[i], lexical)]
            for name, matcher in matchers.items():
                tally = tallies[name]
                tally.own += len(own) - 1
                tally.hard += len(hard)
                best = {i: _best(claim, versions[i], matcher, lexical) for i in chosen}
                direct = {i: s for i, s in best.items() if s >= 0.5}
                tally.own_found += len((set(direct) & set(own)) - {own[0]})
                tally.hard_found += len(set(direct) & hard)
                tally.other_found += len(set(direct) - set(own) - hard)
                for i in direct:
                    if i not in events:
                        events[i] = EventText.of(documents[i].text)
                kept = one_event(direct, {i: events[i] for i in direct})
                anchor = anchor_of(direct)
                want = set(own) - {anchor}
                kept -= {anchor}
                tally.kept_right += len(kept & want)
                tally.kept_wrong += len(kept - want)
                tally.kept_want += len(want)
    return tallies


def _figures(name: str, tally: Tally) -> dict[str, float]:
    """One matcher's figures, printed and returned."""
    precision = tally.kept_right / max(1, tally.kept_right + tally.kept_wrong)
    recall = tally.kept_right / max(1, tally.kept_want)
    figures = {
        f"{name}_own_found": tally.own_found,
        f"{name}_own": tally.own,
        f"{name}_hard_found": tally.hard_found,
        f"{name}_other_found": tally.other_found,
        f"{name}_one_event_precision": round(precision, 3),
        f"{name}_one_event_recall": round(recall, 3),
    }
    print(
        f"{name:<28} event {tally.own_found}/{tally.own}  hard {tally.hard_found}/{tally.hard}"
        f"  other topics {tally.other_found}  one-event precision {precision:.3f}"
        f" recall {recall:.3f}"
    )
    return figures


def main(argv: Sequence[str]) -> int:
    """Measure the matchers and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--without", default="")
    parser.add_argument("--lexical-only", action="store_true")
    args = parser.parse_args(argv)
    folder = args.data / "events-ecbplus"
    if not folder.is_dir():
        return skipped("claims_paraphrase", f"data folder missing ({folder})")
    lexical = lexical_without(args.without)
    matchers: dict[str, Matcher] = {"lexical": lexical}
    semantic = SemanticClaimMatcher(lexical)
    if not args.lexical_only:
        matchers["default"] = semantic
    if args.grid:
        for weight in (0.4, 0.5, 0.6):
            for recall in (0.3, 0.4, 0.5):
                if (weight, recall) != (WEIGHT, MIN_RECALL):
                    variant = semantic.tuned(weight=weight, min_recall=recall)
                    matchers[f"weight_{weight}_recall_{recall}"] = variant
    started = time.process_time()
    tallies = measure(read_corpus(folder), matchers, lexical)
    figures: dict[str, float | int | str] = {"without": args.without or "-"}
    for name, tally in tallies.items():
        figures.update(_figures(name, tally))
    figures["embedded"] = semantic.embedded
    figures["embedding_cpu_s"] = round(semantic.seconds, 2)
    figures["cpu_s"] = round(time.process_time() - started, 1)
    emit("claims_paraphrase", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
