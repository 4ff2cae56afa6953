"""Same-event linking on ECB+: do two articles of one topic report the same event?

Every pair of documents within a topic is scored; the pair reports the same event when both
are `ecb` or both `ecbplus` files (the topic's other event is the hard negative). Predicted
"same event" is the linker's same-story test with the default thresholds: story similarity at
least `story_min_score`, or a copy share of at least `copy_min_share`, or a paraphrase score of
at least `paraphrase_min_score`. Printed: precision, recall and F1 of that prediction, the AUC
of each score, and (for information only) the story threshold that would maximise F1 here.

Usage: python benchmarks/events.py [DATA_DIR]   (DATA_DIR defaults to ../shared/data)
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from _report import emit, skipped
from ecbplus import read_corpus
from reuse import DEFAULT_DATA, auc

from tracker.config import LinkSettings
from tracker.linking.align import align
from tracker.linking.compare import prepare
from tracker.linking.paraphrase import LexicalMatcher, paraphrase_score, terms_similarity


def _prf(predicted: Sequence[bool], truth: Sequence[bool]) -> tuple[float, float, float]:
    """Precision, recall and F1 of boolean predictions."""
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main(argv: Sequence[str]) -> int:
    """Score all within-topic pairs and print the figures."""
    folder = (Path(argv[0]) if argv else DEFAULT_DATA) / "events-ecbplus"
    if not folder.is_dir():
        return skipped("events", f"data folder missing ({folder})")
    settings = LinkSettings()
    matcher = LexicalMatcher(settings.sentence_min_similarity, settings.paraphrase_min_score)
    started = time.perf_counter()
    documents = read_corpus(folder)
    prepared = {doc.name: prepare(doc.text) for doc in documents}
    by_topic: dict[str, list[str]] = {}
    halves = {doc.name: doc.half for doc in documents}
    for doc in documents:
        by_topic.setdefault(doc.topic, []).append(doc.name)
    truth: list[bool] = []
    story: list[float] = []
    copy: list[float] = []
    para: list[float] = []
    for names in by_topic.values():
        for left, right in itertools.combinations(names, 2):
            a, b = prepared[left], prepared[right]
            truth.append(halves[left] == halves[right])
            story.append(terms_similarity(a.terms, b.terms))
            shared = align(a.words, b.words, settings.copy_min_passage_words).shared_words
            copy.append(shared / max(1, min(len(a.words), len(b.words))))
            para.append(
                max(
                    paraphrase_score(a.sentences, b.sentences, matcher).score,
                    paraphrase_score(b.sentences, a.sentences, matcher).score,
                )
            )
    elapsed = time.perf_counter() - started
    predicted = [
        s >= settings.story_min_score
        or c >= settings.copy_min_share
        or p >= settings.paraphrase_min_score
        for s, c, p in zip(story, copy, para, strict=True)
    ]
    positives = sum(truth)
    print(
        f"{len(documents)} documents, {len(truth)} within-topic pairs "
        f"({positives} same event, {len(truth) - positives} other event), {elapsed:.1f} s"
    )
    precision, recall, f1 = _prf(predicted, truth)
    print(
        f"same story (defaults: story>={settings.story_min_score}, "
        f"copy>={settings.copy_min_share}, paraphrase>={settings.paraphrase_min_score}): "
        f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}"
    )
    figures: dict[str, float | int] = {"documents": len(documents), "pairs": len(truth),
                                       "precision": round(precision, 3),
                                       "recall": round(recall, 3), "f1": round(f1, 3),
                                       "seconds": round(elapsed, 1)}  # fmt: skip
    for name, scores in (("story", story), ("paraphrase", para), ("copy", copy)):
        pos = [s for s, t in zip(scores, truth, strict=True) if t]
        neg = [s for s, t in zip(scores, truth, strict=True) if not t]
        print(f"AUC same vs other event, {name:<10}: {auc(pos, neg):.3f}")
        figures[f"auc_{name}"] = round(auc(pos, neg), 3)
    best = max(
        (_prf([s >= cut for s in story], truth)[2], cut) for cut in [i / 100 for i in range(5, 95)]
    )
    print(f"(information) story threshold with the best F1 here: {best[1]:.2f} (F1 {best[0]:.3f})")
    emit("events", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
