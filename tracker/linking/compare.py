"""One new article against one earlier candidate: passages, paraphrase, story, event, wire marks.

A text is prepared once (words, sentences, quotations) and compared with every candidate, so the
cost of linking one article grows with its candidate count, never with the size of the store.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tracker.config import LinkSettings
from tracker.domain import ArticleRef, Outlet
from tracker.linking.align import Alignment, align
from tracker.linking.credits import find_credits
from tracker.linking.fingerprint import WordSequence, text_words
from tracker.linking.paraphrase import (
    Matcher,
    ParaphraseScore,
    ScoredSentence,
    analyse,
    paraphrase_score,
    terms_similarity,
)
from tracker.text.specifics import Specifics, event_score, specifics_of

__all__ = ["Candidate", "Comparison", "Prepared", "compare", "prepare"]

# A quotation: curly or straight double quotes within one paragraph.
_QUOTE = re.compile(r"“[^”\n]{1,3000}”|\"[^\"\n]{1,3000}\"")
_NO_PARAPHRASE = ParaphraseScore(0.0, 0.0, ())


@dataclass(frozen=True, slots=True)
class Prepared:
    """A text cut up once for all its comparisons."""

    text: str
    words: WordSequence
    sentences: tuple[ScoredSentence, ...]  # the scorable ones, each with its stems
    terms: Mapping[str, float]  # weighted content stems of the whole text
    quote_starts: tuple[int, ...]  # character spans inside quotation marks, sorted
    quote_ends: tuple[int, ...]
    _specifics: Specifics | None = field(default=None, repr=False, compare=False)

    @property
    def specifics(self) -> Specifics:
        """Its calendar words and names, for the same-event test: read when first asked for.

        Only a pair that tells one story (`event_min_story`) asks: 3 of the 34 comparisons in
        a WARC import of 193 real pages, where every prepared text was read for them (half of
        `prepare`'s CPU).
        """
        found = self._specifics
        if found is None:
            found = specifics_of(self.text)
            object.__setattr__(self, "_specifics", found)  # frozen, but this is its cache
        return found

    def quoted(self, offset: int) -> bool:
        """True when the character at `offset` lies inside a quotation."""
        i = bisect.bisect_right(self.quote_starts, offset) - 1
        return i >= 0 and offset < self.quote_ends[i]


def prepare(text: str) -> Prepared:
    """Cut `text` (boilerplate already blanked) into words, sentences and quotations."""
    quotes = [(m.start(), m.end()) for m in _QUOTE.finditer(text)]
    sentences, terms = analyse(text)
    return Prepared(
        text=text,
        words=text_words(text),
        sentences=tuple(sentences),
        terms=terms,
        quote_starts=tuple(start for start, _ in quotes),
        quote_ends=tuple(end for _, end in quotes),
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    """An earlier stored article offered as a possible source."""

    ref: ArticleRef
    text: str  # its latest version's text, boilerplate blanked
    sources: tuple[int, ...] = ()  # the ids its own linking chose as its sources


@dataclass(frozen=True, slots=True)
class Comparison:
    """Everything the choice of source needs to know about one candidate."""

    candidate: Candidate
    alignment: Alignment
    copied: frozenset[int]  # target word indices in shared passages, quotations left out
    paraphrase: ParaphraseScore
    story: float  # whole-text lexical similarity
    event: float  # same-event probability: story and agreement on dates, numbers and names
    wire_outlets: frozenset[str]  # domains named in the candidate's own wire datelines/bylines

    @property
    def copy_share(self) -> float:
        """The share of the target's words copied from this candidate (quotations left out)."""
        words = self.alignment.target_words
        return len(self.copied) / words if words else 0.0


def _copied(target: Prepared, alignment: Alignment) -> frozenset[int]:
    """The shared words outside quotations: two reports quoting one speaker copy no one."""
    starts = target.words.starts
    return frozenset(
        index
        for begin, end in alignment.target_spans
        for index in range(begin, end)
        if not target.quoted(starts[index])
    )


def compare(
    target: Prepared,
    candidate: Candidate,
    source: Prepared,
    settings: LinkSettings,
    matcher: Matcher,
    wire_outlets: Sequence[Outlet] = (),
) -> Comparison:
    """Compare the new text with one candidate's prepared text.

    `wire_outlets` are the outlets whose wire marks matter (those the new text carries as
    datelines or bylines, and the candidate's own outlet); the candidate's text is searched
    for wire marks of these only, which keeps the search small. The event score is 0 below
    `event_min_story` (texts of different topics share a year or a city by chance), and the
    paraphrase score is only computed for texts on one event: a paraphrase of another event's
    report (same kind of incident, same people) is not where the new text came from.
    """
    alignment = align(source.words, target.words, settings.copy_min_passage_words)
    story = terms_similarity(target.terms, source.terms)
    event = 0.0
    if story >= settings.event_min_story:
        event = event_score(story, target.specifics, source.specifics)
    paraphrase = _NO_PARAPHRASE
    if event >= settings.event_min_score:
        paraphrase = paraphrase_score(target.sentences, source.sentences, matcher)
    marks = frozenset(
        credit.outlet.domain
        for credit in find_credits(source.text, wire_outlets, own_domain=None)
        if credit.wire
    )
    return Comparison(
        candidate=candidate,
        alignment=alignment,
        copied=_copied(target, alignment),
        paraphrase=paraphrase,
        story=story,
        event=event,
        wire_outlets=marks,
    )
