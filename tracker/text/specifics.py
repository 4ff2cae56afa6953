"""Event specifics: do two texts agree on the when and the who, not only on the vocabulary?

Two reports of different events of one kind (another rehab stay, another patch for the same
browser years later) share the topic's words and often its people and places; what tells them
apart is what each text writes about its own event. `event_score` turns a pair of texts into a
same-event probability from: how alike their openings are (headline, dateline and lead, where a
report says what happened to whom), how far their names agree (counts of capitalised words),
whether their openings write the same year, how far apart the latest years they write are,
whether they write dates (month and day) at most a day apart, whether both name months and none
in common, whether both openings name weekdays and none in common, the numbers they share
(all, and those that are not years: counts, ages, sums, scores), the share of adjacent name
pairs ("Jamal Williams") and of three-word runs of content stems (shared phrasing) they share.

The weights are a logistic regression fit on the ECB+ development half only: every pair of one
topic (same event or the topic's other event) plus a fixed sample of pairs of different topics,
weighted a quarter as much, so that names and dates shared by unrelated texts do not make one
event (`python benchmarks/events.py DATA --fit` prints them again; `--halves` fits on half the
topics and scores the others). The features are generic (English calendar words, capitalised
words and numbers), with no vocabulary picked for a story. The whole-text story similarity is
a feature too, though the fit gives it almost no weight: the linker asks for a minimum story
similarity first (`LinkSettings.event_min_story`), since on texts of different topics the
specifics alone are too often shared by chance (a year, a city).
"""

from __future__ import annotations

import math
import operator
import re
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat

from tracker.text.sentences import first_sentences
from tracker.text.terms import TermStats, name_tokens
from tracker.text.words import Token

__all__ = [
    "FEATURES",
    "PreparedSpecifics",
    "Specifics",
    "event_features",
    "event_score",
    "prepared_event_score",
    "specifics_of",
]

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
# A number as written: "4,000" and "6.1" are one number each; single digits are too common.
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")
_NUMBER_MIN_CHARS = 2

_MONTH_ORDER = tuple(m[:3] for m in "january february march april may june july august september "
                     "october november december".split())  # fmt: skip
# A date written with its month: "March 3", "3 March", "Dec. 12th, 2008", "2/3/2009", "2009-02-03".
_MONTH_NAME = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?![a-z])\.?"
)
_MONTH_DAY = re.compile(_MONTH_NAME + r"\s+(\d{1,2})(?:st|nd|rd|th)?\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH_NAME)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\s?/\s?(\d{1,2})\s?/\s?(?:\d{4}|\d{2})\b")
_ISO_DATE = re.compile(r"\b\d{4}-(\d{2})-(\d{2})\b")
_DATE_SLACK = 1  # days: two reports of one event date it a day apart (time zones, "yesterday")
_YEAR_GAP_MAX = 5  # years: a gap this wide or wider counts fully
_PHRASE_WORDS = 3  # content words in a row that make a shared phrase

# The features `event_features` returns, in order, and their fitted weights (log-odds).
FEATURES = (
    "story",
    "lead_story",
    "names_overlap",
    "lead_year_shared",
    "year_gap",
    "date_shared",
    "month_conflict",
    "lead_weekday_conflict",
    "numbers_shared",
    "figures_shared",
    "name_pairs_shared",
    "phrases_shared",
)
_WEIGHTS = (-0.05, 6.65, 14.55, 2.72, -1.49, 2.76, -1.12, -0.91, 1.83, 0.61, -1.04, 7.61)
_BIAS = -3.97


@dataclass(frozen=True, slots=True)
class Specifics:
    """What a text writes about its own event: calendar words, dates, numbers and names."""

    years: frozenset[str]
    months: frozenset[str]
    weekdays: frozenset[str]
    names: Mapping[str, int]  # capitalised words inside sentences and numbers, calendar left out
    lead: Mapping[str, int]  # those of the opening sentences
    numbers: frozenset[str]  # numbers as written, of two characters or more
    lead_terms: Mapping[str, float] = field(default_factory=dict)  # the opening's weighted stems
    lead_years: frozenset[str] = frozenset()  # years written in the opening sentences
    lead_weekdays: frozenset[str] = frozenset()
    dates: frozenset[tuple[int, int]] = frozenset()  # (month, day) of the dates written out
    name_pairs: frozenset[tuple[str, str]] = frozenset()  # adjacent names: "Jamal Williams"
    phrases: frozenset[int] = frozenset()  # checksums of runs of `_PHRASE_WORDS` content stems


def specifics_of(text: str, tokens: Sequence[tuple[Token, bool]] | None = None) -> Specifics:
    """Collect the calendar words, dates, numbers, names and phrases of `text`.

    `tokens`: the text's `name_tokens`, when the caller has them already.
    """
    lead_end = _lead_end(text)
    years: set[str] = set()
    months: set[str] = set()
    weekdays: set[str] = set()
    lead_years: set[str] = set()
    lead_weekdays: set[str] = set()
    names: Counter[str] = Counter()
    lead: Counter[str] = Counter()
    lead_counts: Counter[str] = Counter()
    lead_names: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    if tokens is None:
        tokens = name_tokens(text)
    previous: tuple[Token, bool] | None = None
    for token, name_like in tokens:
        word = token.word
        in_lead = token.start < lead_end
        if in_lead:
            lead_counts[token.stem] += 1
            if name_like:
                lead_names.add(token.stem)
        if name_like and previous is not None and _adjacent_names(text, previous, token):
            pairs.add((previous[0].stem, token.stem))
        previous = (token, name_like)
        capital = text[token.start].isupper()
        if capital and word in _MONTHS:  # "May" is a stop word and never reaches here
            months.add(_MONTHS[word])
            continue
        if capital and word in _WEEKDAYS:
            weekdays.add(_WEEKDAYS[word])
            if in_lead:
                lead_weekdays.add(_WEEKDAYS[word])
            continue
        if _is_year(word):
            years.add(word)
            if in_lead:
                lead_years.add(word)
        if name_like:
            names[token.stem] += 1
            if in_lead:
                lead[token.stem] += 1
    numbers = frozenset(
        number.replace(",", "")
        for number in _NUMBER.findall(text)
        if len(number) >= _NUMBER_MIN_CHARS
    )
    stems = [token.stem for token, _ in tokens]
    phrases = frozenset(
        zlib.crc32(" ".join(stems[i : i + _PHRASE_WORDS]).encode())
        for i in range(len(stems) - _PHRASE_WORDS + 1)
    )
    return Specifics(
        years=frozenset(years),
        months=frozenset(months),
        weekdays=frozenset(weekdays),
        names=names,
        lead=lead,
        numbers=numbers,
        lead_terms=TermStats(lead_counts, frozenset(lead_names)).weights,
        lead_years=frozenset(lead_years),
        lead_weekdays=frozenset(lead_weekdays),
        dates=_dates(text),
        name_pairs=frozenset(pairs),
        phrases=phrases,
    )


def _adjacent_names(text: str, previous: tuple[Token, bool], token: Token) -> bool:
    """True when a name directly follows another (no digits): one person's or place's name."""
    before, was_name = previous
    return (
        was_name
        and token.start - before.end <= 2
        and not before.word.isdigit()
        and not token.word.isdigit()
    )


def _month_number(name: str) -> int:
    """The number (1-12) of a month's name or abbreviation ("Sept.", "May")."""
    return _MONTH_ORDER.index(name.lower()[:3]) + 1


def _dates(text: str) -> frozenset[tuple[int, int]]:
    """The (month, day) of every date written out in `text`."""
    found: set[tuple[int, int]] = set()
    for match in _MONTH_DAY.finditer(text):
        found.add((_month_number(match.group(1)), int(match.group(2))))
    for match in _DAY_MONTH.finditer(text):
        found.add((_month_number(match.group(2)), int(match.group(1))))
    for match in _NUMERIC_DATE.finditer(text):
        month, day = int(match.group(1)), int(match.group(2))
        if month <= 12:  # month first, as most English-language news writes it
            found.add((month, day))
    for match in _ISO_DATE.finditer(text):
        found.add((int(match.group(1)), int(match.group(2))))
    return frozenset((month, day) for month, day in found if 1 <= month <= 12 and 1 <= day <= 31)


def _lead_end(text: str) -> int:
    """The offset where the text's opening sentences end."""
    sentences = first_sentences(text, _LEAD_SENTENCES)
    return sentences[-1].end if sentences else 0


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


def _cosine(left: Mapping[str, float], right: Mapping[str, float]) -> float:
    """The cosine of two bags of names or weighted stems."""
    dot = sum(count * right.get(name, 0) for name, count in left.items())
    norms = math.sqrt(sum(c * c for c in left.values()) * sum(c * c for c in right.values()))
    return dot / norms if norms else 0.0


def _weighted_jaccard(left: Mapping[str, int], right: Mapping[str, int]) -> float:
    """Sum of the smaller counts over sum of the larger: how far two bags of names agree."""
    names = left.keys() | right.keys()
    union = sum(max(left.get(n, 0), right.get(n, 0)) for n in names)
    return sum(min(left.get(n, 0), right.get(n, 0)) for n in names) / union if union else 0.0


def _shared(left: frozenset[str], right: frozenset[str]) -> float:
    """1 when both texts write some and share one, else 0."""
    return 1.0 if left & right else 0.0


def _contained(left: frozenset[object], right: frozenset[object]) -> float:
    """The share of the smaller set that the other holds; 0 when one is empty."""
    if not left or not right:
        return 0.0
    return len(left & right) / min(len(left), len(right))


def _year_gap(left: frozenset[str], right: frozenset[str]) -> float:
    """How far apart the latest years the two texts write are (0..1); 0 when one writes none."""
    if not left or not right:
        return 0.0
    return min(abs(int(max(left)) - int(max(right))), _YEAR_GAP_MAX) / _YEAR_GAP_MAX


def _dates_agree(left: frozenset[tuple[int, int]], right: frozenset[tuple[int, int]]) -> float:
    """1 when the two texts write dates of one month at most `_DATE_SLACK` days apart."""
    return float(
        any(
            month == other_month and abs(day - other_day) <= _DATE_SLACK
            for month, day in left
            for other_month, other_day in right
        )
    )


def _figures(numbers: frozenset[str]) -> frozenset[str]:
    """The numbers that are not years: counts, ages, sums, scores."""
    return frozenset(number for number in numbers if not _is_year(number))


def _is_year(word: str) -> bool:
    """True for a four-digit year of the last or this century (as news text writes them)."""
    return len(word) == 4 and word.isdigit() and 1900 <= int(word) <= 2099


def event_features(story: float, left: Specifics, right: Specifics) -> tuple[float, ...]:
    """The values of `FEATURES` for one pair of texts."""
    return (
        story,
        _cosine(left.lead_terms, right.lead_terms),
        _weighted_jaccard(left.names, right.names),
        *_other_features(left, right, _figures(left.numbers), _figures(right.numbers)),
    )


def _other_features(
    a: Specifics, b: Specifics, a_figures: frozenset[str], b_figures: frozenset[str]
) -> tuple[float, ...]:
    """The features after the story, openings and names, in `FEATURES` order."""
    return (
        _shared(a.lead_years, b.lead_years),
        _year_gap(a.years, b.years),
        _dates_agree(a.dates, b.dates),
        _calendar(a.months, b.months)[0],
        _calendar(a.lead_weekdays, b.lead_weekdays)[0],
        _overlap(a.numbers, b.numbers)[1],
        _contained(a_figures, b_figures),
        _contained(a.name_pairs, b.name_pairs),
        _contained(a.phrases, b.phrases),
    )


def event_score(story: float, left: Specifics, right: Specifics) -> float:
    """The probability (0..1) that two texts with this story similarity report one event."""
    return _probability(event_features(story, left, right))


def _probability(features: tuple[float, ...]) -> float:
    if len(features) != len(_WEIGHTS):
        raise ValueError(f"{len(features)} features for {len(_WEIGHTS)} weights")
    # The same products summed in the same order as a generator over `zip` would, in a third of
    # the time: a free-text question scores ~9,000 pairs.
    logit = _BIAS + sum(map(operator.mul, _WEIGHTS, features))
    return 1.0 / (1.0 + math.exp(-logit))


@dataclass(frozen=True, slots=True)
class PreparedSpecifics:
    """A text's `Specifics` with the parts of `event_features` that read one side computed once.

    The one-event filter scores each carrier against up to eight others: the squared length of
    the opening's stems, the names' total count, the figures and the latest year are then not
    computed again per pair (about half the time of a free-text question's one-event filter).
    """

    specifics: Specifics
    lead_square: float  # sum of the squared weights of `lead_terms`, in their order
    names_total: int  # sum of the names' counts
    figures: frozenset[str]
    latest_year: int | None  # the latest of `years`, None when it writes none

    @classmethod
    def of(cls, specifics: Specifics) -> PreparedSpecifics:
        """Prepare `specifics` for many comparisons."""
        years = specifics.years
        return cls(
            specifics,
            sum(c * c for c in specifics.lead_terms.values()),
            sum(specifics.names.values()),
            _figures(specifics.numbers),
            int(max(years)) if years else None,
        )


def prepared_event_score(story: float, left: PreparedSpecifics, right: PreparedSpecifics) -> float:
    """`event_score` of two prepared texts: the same value, bit for bit (same sums, same order).

    The features after the names are `_other_features`' written out, with the prepared sides'
    figures and latest years: a free-text question scores ~9,000 pairs, and the calls were half
    of each score.
    """
    a, b = left.specifics, right.specifics
    # `_cosine` of the openings' stems, in the left side's order (a stem the right side lacks
    # adds 0.0), its lookups and products made in C.
    lead_terms = a.lead_terms
    dot = sum(map(operator.mul, lead_terms.values(), map(b.lead_terms.get, lead_terms, repeat(0))))
    norms = math.sqrt(left.lead_square * right.lead_square)
    # `_weighted_jaccard` of the names: counts are integers, so the sums are exact in any order
    # and the larger counts' sum is both totals less the smaller counts' sum.
    names = a.names
    shared = sum(map(min, names.values(), map(b.names.get, names, repeat(0))))
    union = left.names_total + right.names_total - shared
    months, other_months = a.months, b.months
    weekdays, other_weekdays = a.lead_weekdays, b.lead_weekdays
    numbers, other_numbers = a.numbers, b.numbers
    figures, other_figures = left.figures, right.figures
    pairs, other_pairs = a.name_pairs, b.name_pairs
    phrases, other_phrases = a.phrases, b.phrases
    latest, other_latest = left.latest_year, right.latest_year
    features = (
        story,
        dot / norms if norms else 0.0,
        shared / union if union else 0.0,
        1.0 if a.lead_years & b.lead_years else 0.0,
        0.0
        if latest is None or other_latest is None
        else min(abs(latest - other_latest), _YEAR_GAP_MAX) / _YEAR_GAP_MAX,
        _dates_agree(a.dates, b.dates) if a.dates and b.dates else 0.0,
        0.0 if not months or not other_months or months & other_months else 1.0,
        0.0 if not weekdays or not other_weekdays or weekdays & other_weekdays else 1.0,
        len(numbers & other_numbers) / len(numbers | other_numbers)
        if numbers and other_numbers
        else 0.0,
        len(figures & other_figures) / min(len(figures), len(other_figures))
        if figures and other_figures
        else 0.0,
        len(pairs & other_pairs) / min(len(pairs), len(other_pairs))
        if pairs and other_pairs
        else 0.0,
        len(phrases & other_phrases) / min(len(phrases), len(other_phrases))
        if phrases and other_phrases
        else 0.0,
    )
    return _probability(features)
