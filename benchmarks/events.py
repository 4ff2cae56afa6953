"""Same-event linking on ECB+: do two articles of one topic report the same event?

Every pair of documents within a topic is scored; the pair reports the same event when both
are `ecb` or both `ecbplus` files (the topic's other event is the hard negative). The "story
alone" line is the linker's former same-story test: story similarity at least
`story_min_score`, or a copy share of at least `copy_min_share`, or a paraphrase score of at
least `paraphrase_min_score`. Printed: precision, recall and F1 of that prediction, the AUC
of each score, and (for information only) the story threshold that would maximise F1 here.

The event score (`tracker.text.specifics.event_score`: agreement of the openings, names,
dates, numbers and phrasing) is reported beside the plain story similarity: precision and
recall as the linker decides (event score at least `event_min_score` with story at least
`event_min_story`), precision at recall 0.85 of each score and of the event score counted from
the story floor (with the event score it takes), and the share of a fixed
sample of pairs of different topics (one pair in seven) that the linker would call one event.
`--fit` refits the event score's logistic weights on this data (the within-topic pairs plus
that sample, weighted a quarter as much in all) and prints them: on the development half only.

`--halves` fits on the odd-numbered topics and scores the even ones, then the reverse: a check
that the gain holds on topics the fit never saw (precision at recall 0.85, also from the floor).

Usage: python benchmarks/events.py [DATA_DIR] [--fit] [--halves]   (DATA_DIR: ../shared/data)
"""

from __future__ import annotations

import itertools
import math
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
from tracker.text.specifics import FEATURES, event_features, event_score


def _prf(predicted: Sequence[bool], truth: Sequence[bool]) -> tuple[float, float, float]:
    """Precision, recall and F1 of boolean predictions."""
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


_CROSS_EVERY = 7  # one pair of different topics in this many is in the sample
_CROSS_WEIGHT = 0.25  # the sample's total weight in the fit, against the within-topic pairs
_RIDGE = 1e-5


def _precision_at(scores: Sequence[float], truth: Sequence[bool], recall: float) -> float:
    """The precision of the highest threshold whose recall reaches `recall`."""
    return _operating_point(scores, truth, recall)[0]


def _operating_point(
    scores: Sequence[float], truth: Sequence[bool], recall: float
) -> tuple[float, float]:
    """(precision, threshold) of the highest threshold whose recall reaches `recall`."""
    ranked = sorted(zip(scores, truth, strict=True), key=lambda pair: -pair[0])
    positives = sum(truth)
    tp = fp = 0
    for i, (score, same) in enumerate(ranked):
        tp += same
        fp += not same
        if i + 1 < len(ranked) and ranked[i + 1][0] == score:
            continue
        if tp >= recall * positives:
            return tp / (tp + fp), score
    return 0.0, 0.0


def _fit(
    rows: Sequence[Sequence[float]], truth: Sequence[bool], cross: Sequence[Sequence[float]]
) -> list[float]:
    """Fit the event score's logistic weights (weighted Newton steps), bias last."""
    import numpy as np

    x = np.c_[np.array([*rows, *cross], dtype=float), np.ones(len(rows) + len(cross))]
    y = np.array([*truth, *[False] * len(cross)], dtype=float)
    weight = np.r_[np.ones(len(rows)), np.full(len(cross), _CROSS_WEIGHT * len(rows) / len(cross))]
    weight /= weight.sum()
    # A touch of ridge keeps the steps defined when a feature never fires in one half.
    ridge = _RIDGE * np.diag(np.r_[np.ones(x.shape[1] - 1), 0.0])
    w = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (weight * (p - y)) + ridge @ w
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return [float(v) for v in w]


def _halves(
    rows: Sequence[Sequence[float]],
    truth: Sequence[bool],
    topics: Sequence[int],
    cross: Sequence[tuple[int, int, Sequence[float]]],
    floor: float,
) -> None:
    """Fit on the odd-numbered topics and score the even ones, then the reverse.

    Printed for each: precision at recall 0.85 of the event score alone, of the event score
    from the story floor `floor` (as the linker decides: below it a pair is never one event)
    and of the story similarity.
    """
    for fit_odd in (True, False):
        seen = [t % 2 == fit_odd for t in topics]
        weights = _fit(
            [r for r, k in zip(rows, seen, strict=True) if k],
            [t for t, k in zip(truth, seen, strict=True) if k],
            [f for a, b, f in cross if a % 2 == fit_odd and b % 2 == fit_odd],
        )
        held = [not k for k in seen]
        scores = [
            sum(w * x for w, x in zip(weights[:-1], r, strict=True)) + weights[-1]
            for r, k in zip(rows, held, strict=True)
            if k
        ]
        kept = [t for t, k in zip(truth, held, strict=True) if k]
        story = [r[0] for r, k in zip(rows, held, strict=True) if k]
        name = "odd -> even" if fit_odd else "even -> odd"
        floored = [e if s >= floor else -math.inf for e, s in zip(scores, story, strict=True)]
        event_p, story_p = _precision_at(scores, kept, 0.85), _precision_at(story, kept, 0.85)
        floor_p = _precision_at(floored, kept, 0.85)
        print(f"fit on {name} topics: precision at recall 0.85 event {event_p:.3f}", end="")
        print(f"  event from story>={floor} {floor_p:.3f}  story {story_p:.3f}")


def main(argv: Sequence[str]) -> int:
    """Score all within-topic pairs and print the figures."""
    fit = "--fit" in argv
    check_halves = "--halves" in argv
    argv = [arg for arg in argv if arg not in ("--fit", "--halves")]
    folder = (Path(argv[0]) if argv else DEFAULT_DATA) / "events-ecbplus"
    if not folder.is_dir():
        return skipped("events", f"data folder missing ({folder})")
    settings = LinkSettings()
    matcher = LexicalMatcher(settings.sentence_min_similarity, settings.paraphrase_min_score)
    started = time.perf_counter()
    documents = read_corpus(folder)
    prepared = {doc.name: prepare(doc.text) for doc in documents}
    features: list[tuple[float, ...]] = []
    event: list[float] = []
    by_topic: dict[str, list[str]] = {}
    halves = {doc.name: doc.half for doc in documents}
    for doc in documents:
        by_topic.setdefault(doc.topic, []).append(doc.name)
    truth: list[bool] = []
    topics: list[int] = []
    story: list[float] = []
    copy: list[float] = []
    para: list[float] = []
    for topic, names in by_topic.items():
        for left, right in itertools.combinations(names, 2):
            a, b = prepared[left], prepared[right]
            truth.append(halves[left] == halves[right])
            topics.append(int(topic))
            story.append(terms_similarity(a.terms, b.terms))
            features.append(event_features(story[-1], a.specifics, b.specifics))
            event.append(event_score(story[-1], a.specifics, b.specifics))
            shared = align(a.words, b.words, settings.copy_min_passage_words).shared_words
            copy.append(shared / max(1, min(len(a.words), len(b.words))))
            para.append(
                max(
                    paraphrase_score(a.sentences, b.sentences, matcher).score,
                    paraphrase_score(b.sentences, a.sentences, matcher).score,
                )
            )
    cross_features: list[tuple[int, int, tuple[float, ...]]] = []
    cross_pass = 0
    pairs = itertools.combinations(documents, 2)
    for i, (left_doc, right_doc) in enumerate(pairs):
        if left_doc.topic == right_doc.topic or i % _CROSS_EVERY:
            continue
        a, b = prepared[left_doc.name], prepared[right_doc.name]
        similarity = terms_similarity(a.terms, b.terms)
        cross_features.append(
            (
                int(left_doc.topic),
                int(right_doc.topic),
                event_features(similarity, a.specifics, b.specifics),
            )
        )
        cross_pass += (
            similarity >= settings.event_min_story
            and event_score(similarity, a.specifics, b.specifics) >= settings.event_min_score
        )
    elapsed = time.perf_counter() - started
    # As the linker decides (`tracker.linking.compare`, `choose`): the event score counts from
    # a story floor, and a paraphrase counts only on one event.
    one_event = [
        s >= settings.event_min_story and e >= settings.event_min_score
        for s, e in zip(story, event, strict=True)
    ]
    predicted = [e or c >= settings.copy_min_share for e, c in zip(one_event, copy, strict=True)]
    before = [
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
    old_p, old_r, old_f1 = _prf(before, truth)
    print(
        f"story alone (story>={settings.story_min_score}, "
        f"copy>={settings.copy_min_share}, paraphrase>={settings.paraphrase_min_score}): "
        f"precision {old_p:.3f}  recall {old_r:.3f}  F1 {old_f1:.3f}"
    )
    precision, recall, f1 = _prf(predicted, truth)
    print(
        f"same event (defaults: event>={settings.event_min_score} with "
        f"story>={settings.event_min_story}, copy>={settings.copy_min_share}): "
        f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}"
    )
    cross_rate = cross_pass / max(1, len(cross_features))
    print(f"pairs of different topics called one event: {cross_pass}/{len(cross_features)}")
    at_story = _precision_at(story, truth, 0.85)
    at_event = _precision_at(event, truth, 0.85)
    print(f"precision at recall 0.85: story {at_story:.3f}  event {at_event:.3f}")
    floored = [
        e if s >= settings.event_min_story else 0.0 for e, s in zip(event, story, strict=True)
    ]
    at_floor, cut = _operating_point(floored, truth, 0.85)
    print(
        f"precision at recall 0.85 from story>={settings.event_min_story}: {at_floor:.3f} "
        f"(event>={cut:.3f})"
    )
    figures: dict[str, float | int] = {"documents": len(documents), "pairs": len(truth),
                                       "precision": round(precision, 3),
                                       "recall": round(recall, 3), "f1": round(f1, 3),
                                       "seconds": round(elapsed, 1),
                                       "story_precision": round(old_p, 3),
                                       "story_recall": round(old_r, 3),
                                       "p_at_r85_story": round(at_story, 3),
                                       "p_at_r85_event": round(at_event, 3),
                                       "p_at_r85_event_floor": round(at_floor, 3),
                                       "cross_topic_pass": round(cross_rate, 5)}  # fmt: skip
    for name, scores in (("event", event), ("story", story), ("paraphrase", para), ("copy", copy)):
        pos = [s for s, t in zip(scores, truth, strict=True) if t]
        neg = [s for s, t in zip(scores, truth, strict=True) if not t]
        print(f"AUC same vs other event, {name:<10}: {auc(pos, neg):.3f}")
        figures[f"auc_{name}"] = round(auc(pos, neg), 3)
    best = max(
        (_prf([s >= cut for s in story], truth)[2], cut) for cut in [i / 100 for i in range(5, 95)]
    )
    print(f"(information) story threshold with the best F1 here: {best[1]:.2f} (F1 {best[0]:.3f})")
    if fit:
        fitted = _fit(features, truth, [f for _, _, f in cross_features])
        for name, weight in zip((*FEATURES, "bias"), fitted, strict=True):
            print(f"fit {name:<20} {weight:+.2f}")
    if check_halves:
        _halves(features, truth, topics, cross_features, settings.event_min_story)
    emit("events", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
