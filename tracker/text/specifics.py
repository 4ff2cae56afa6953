"""Event specifics: do two texts agree on the when and the who, not only on the vocabulary?

Two reports of different events of one kind (another rehab stay, another patch for the same
browser years later) share the topic's words and often its people and places; what tells them
apart is what each text writes about its own event: the year, month and weekday, and the names it
keeps coming back to. `event_score` turns the whole-text story similarity into a same-event
probability: it rises when both texts name the same year, month or weekday and falls when both
name one and they differ; it falls when names one text repeats are absent from the other, and
rises with the share of the names of each text's opening sentences that the other one carries.

The weights are a logistic regression fit on the ECB+ development half only: every pair of one
topic (same event or the topic's other event) plus a fixed sample of pairs of different topics,
weighted a quarter as much, so that names and dates shared by unrelated texts do not make one
event (`python benchmarks/events.py DATA --fit` prints them again). The features are generic
(English calendar words, capitalised words and numbers), with no vocabulary picked for a story.
The linker also asks for a minimum story similarity (`LinkSettings.event_min_story`): on texts
of different topics the specifics alone are too often shared by chance (a year, a city).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tracker.text.sentences import split_sentences
from tracker.text.terms import name_tokens
from tracker.text.words import Token

__all__ = ["FEATURES", "Specifics", "event_features", "event_score", "specifics_of"]

_MONTHS = {
    **{m: m for m in "january february march april june july august september october november "
       "december".split()},
    **{m[:3]: m for m in "january february march april june july august october november "
       "december".split()},
    "sept": "september",
    "sep": "september",
}  # fmt: skip
_WEEKDAYS = {
    **{d: d for d in "monday tuesday wednesday thursday friday saturday sunday".split()},
    # "Sun" and "Sat" are left out: "The Sun" is a newspaper.
    **{d[:3]: d for d in "monday tuesday wednesday thursday friday".split()},
    "tues": "tuesday",
    "thurs": "thursday",
}
_LEAD_SENTENCES = 3  # the opening sentences: a headline, a dateline and the lead
_SALIENT_COUNT = 2  # a name written this often is one the text is about
# A number as written: "4,000" and "6.1" are one number each; single digits are too common.
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")
_NUMBER_MIN_CHARS = 2

# The features `event_features` returns, in order, and their fitted weights (log-odds).
FEATURES = (
    "story",
    "year_conflict",
    "year_shared",
    "month_conflict",
    "month_shared",
    "weekday_conflict",
    "weekday_shared",
    "salient_missing_max",
    "salient_missing_min",
    "lead_covered_min",
    "numbers_shared",
    "lead_similarity",
    "names_overlap",
)
_WEIGHTS = (1.68, -0.66, 3.76, -0.83, 0.9, -0.87, 0.08, -2.4, -1.3, 1.13, 3.77, 2.98, 3.47)
_BIAS = -1.07


@dataclass(frozen=True, slots=True)
class Specifics:
    """What a text writes about its own event: calendar words and names (stems, with counts)."""

    years: frozenset[str]
    months: frozenset[str]
    weekdays: frozenset[str]
    names: Mapping[str, int]  # capitalised words inside sentences and numbers, calendar left out
    lead: Mapping[str, int]  # those of the opening sentences
    numbers: frozenset[str]  # numbers as written, of two characters or more


def specifics_of(text: str, tokens: Sequence[tuple[Token, bool]] | None = None) -> Specifics:
    """Collect the calendar words and names of `text` (`tokens`: its `name_tokens`, if at hand)."""
    lead_end = _lead_end(text)
    years: set[str] = set()
    months: set[str] = set()
    weekdays: set[str] = set()
    names: Counter[str] = Counter()
    lead: Counter[str] = Counter()
    for token, name_like in name_tokens(text) if tokens is None else tokens:
        word = token.word
        capital = text[token.start].isupper()
        if capital and word in _MONTHS:  # "May" is a stop word and never reaches here
            months.add(_MONTHS[word])
            continue
        if capital and word in _WEEKDAYS:
            weekdays.add(_WEEKDAYS[word])
            continue
        if len(word) == 4 and word.isdigit() and 1900 <= int(word) <= 2099:
            years.add(word)
        if name_like:
            names[token.stem] += 1
            if token.start < lead_end:
                lead[token.stem] += 1
    numbers = frozenset(
        number.replace(",", "")
        for number in _NUMBER.findall(text)
        if len(number) >= _NUMBER_MIN_CHARS
    )
    return Specifics(frozenset(years), frozenset(months), frozenset(weekdays), names, lead, numbers)


def _lead_end(text: str) -> int:
    """The offset where the text's opening sentences end."""
    sentences = split_sentences(text)
    if not sentences:
        return 0
    return sentences[min(len(sentences), _LEAD_SENTENCES) - 1].end


def _calendar(left: frozenset[str], right: frozenset[str]) -> tuple[float, float]:
    """(conflict, shared): both texts name some and none in common, or one in common."""
    if not left or not right:
        return 0.0, 0.0
    return (0.0, 1.0) if left & right else (1.0, 0.0)


def _overlap(left: frozenset[str], right: frozenset[str]) -> tuple[float, float]:
    """(1 - Jaccard, Jaccard) of two sets both texts write; (0, 0) when one writes none."""
    if not left or not right:
        return 0.0, 0.0
    shared = len(left & right) / len(left | right)
    return 1.0 - shared, shared


def _cosine(left: Mapping[str, int], right: Mapping[str, int]) -> float:
    """The cosine of two bags of names."""
    dot = sum(count * right.get(name, 0) for name, count in left.items())
    norms = math.sqrt(sum(c * c for c in left.values()) * sum(c * c for c in right.values()))
    return dot / norms if norms else 0.0


def _weighted_jaccard(left: Mapping[str, int], right: Mapping[str, int]) -> float:
    """Sum of the smaller counts over sum of the larger: how far two bags of names agree."""
    names = left.keys() | right.keys()
    union = sum(max(left.get(n, 0), right.get(n, 0)) for n in names)
    return sum(min(left.get(n, 0), right.get(n, 0)) for n in names) / union if union else 0.0


def _missing(names: Mapping[str, int], other: Mapping[str, int]) -> float:
    """The share of the names a text repeats (by count) that the other text never writes."""
    salient = {name: count for name, count in names.items() if count >= _SALIENT_COUNT}
    total = sum(salient.values())
    if not total:
        return 0.0
    return sum(count for name, count in salient.items() if name not in other) / total


def _covered(lead: Mapping[str, int], other: Mapping[str, int]) -> float:
    """The share of a text's opening names (by count) that the other text writes; 0.5 if none."""
    total = sum(lead.values())
    if not total:
        return 0.5
    return sum(count for name, count in lead.items() if name in other) / total


def event_features(story: float, left: Specifics, right: Specifics) -> tuple[float, ...]:
    """The values of `FEATURES` for one pair of texts."""
    missing = (_missing(left.names, right.names), _missing(right.names, left.names))
    return (
        story,
        *_overlap(left.years, right.years),
        *_calendar(left.months, right.months),
        *_calendar(left.weekdays, right.weekdays),
        max(missing),
        min(missing),
        min(_covered(left.lead, right.names), _covered(right.lead, left.names)),
        _overlap(left.numbers, right.numbers)[1],
        _cosine(left.lead, right.lead),
        _weighted_jaccard(left.names, right.names),
    )


def event_score(story: float, left: Specifics, right: Specifics) -> float:
    """The probability (0..1) that two texts with this story similarity report one event."""
    features = event_features(story, left, right)
    logit = _BIAS + sum(w * x for w, x in zip(_WEIGHTS, features, strict=True))
    return 1.0 / (1.0 + math.exp(-logit))
