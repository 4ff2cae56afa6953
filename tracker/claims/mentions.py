"""Find the sentences of a text that carry a claim, each with its score and stance."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from tracker.claims.events import DocumentFrequencies, expand
from tracker.claims.match import (
    DEFAULT_THRESHOLD,
    ClaimContext,
    LexicalMatcher,
    MatchDetail,
    Matcher,
)
from tracker.claims.stance import StanceResult, claim_negations, stance_of
from tracker.domain import Claim, Mention, VersionRef
from tracker.text.sentences import Sentence, split_sentences
from tracker.text.terms import TermStats, term_stats

# Versions whose sentences a lifting matcher is given at once (`mentions_in_versions`): enough
# for full model passes; their sentences' lexical details are held meanwhile.
LIFT_AHEAD = 64

__all__ = [
    "LIFT_AHEAD",
    "AheadLifter",
    "FoundSentence",
    "Lifter",
    "as_mentions",
    "best_sentence",
    "carrying_sentences",
    "event_mentions",
    "find_in_sentences",
    "find_in_text",
    "found_at",
    "mentions_in_version",
    "mentions_in_versions",
    "sentence_details",
    "version_stats",
]


@runtime_checkable
class Lifter(Protocol):
    """A matcher that raises lexical scores it is given (`tracker.claims.semantic`)."""

    def lift(
        self, claim: str, sentences: Sequence[str], details: Sequence[MatchDetail]
    ) -> list[float]:
        """One score per sentence, at least its lexical score in `details`."""
        ...


@runtime_checkable
class AheadLifter(Lifter, Protocol):
    """A lifter that can prepare, at once, the lifts of many texts' sentences."""

    def lift_ahead(
        self, claim: str, asked: Sequence[tuple[Sequence[str], Sequence[MatchDetail]]]
    ) -> None:
        """Prepare `lift` of each (sentences, details) in `asked`; the answers do not change."""
        ...


@dataclass(frozen=True, slots=True)
class FoundSentence:
    """A sentence that carries the claim: where it is, how well it matches, and its stance."""

    sentence: Sentence
    score: float
    stance: StanceResult


def find_in_sentences(
    claim: str,
    sentences: Sequence[Sentence],
    *,
    matcher: Matcher | None = None,
    lexical: LexicalMatcher | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    title: str = "",
) -> list[FoundSentence]:
    """Score `sentences` against `claim` and return those at or above `threshold`, in order.

    The sentences are read together as one article: a sentence may leave out concepts the
    others (or the `title`) carry. The lexical matcher always locates the claim's words (the
    stance needs them) and skips sentences that share no concept with the claim; another
    `matcher` (the semantic one) may then raise the score of the rest.
    """
    lexical = lexical or LexicalMatcher()
    details = sentence_details(claim, sentences, lexical, title)
    return _found(claim, sentences, details, matcher, lexical, threshold)


def found_at(
    claim: str,
    sentences: Sequence[Sentence],
    index: int,
    lexical: LexicalMatcher,
    threshold: float = DEFAULT_THRESHOLD,
) -> FoundSentence | None:
    """The sentence at `index` as `find_in_sentences` (lexical, no title) finds it, else None.

    The same reading for one sentence: its context is still the whole article, but the other
    sentences are not scored (an uptake that only asks whether a version carries its anchor).
    """
    if sentences[index].text == claim:
        return _itself(claim, sentences, index, lexical, threshold)
    analyses = [lexical.analyse(s.text) for s in sentences]
    if not lexical.probe(claim).touches(analyses[index]):
        return None
    detail = lexical.detail(claim, analyses[index], ClaimContext.of(analyses))
    if detail.recall <= 0.0 or detail.score < threshold:  # as `_candidates`, then the threshold
        return None
    following = sentences[index + 1].text if index + 1 < len(sentences) else ""
    stance = stance_of(sentences[index].text, detail.spans, following, claim_negations(claim))
    return FoundSentence(sentences[index], detail.score, stance)


def _itself(
    claim: str, sentences: Sequence[Sentence], index: int, lexical: LexicalMatcher, threshold: float
) -> FoundSentence | None:
    """`found_at` of the sentence whose text is the claim's (an uptake's anchor, read as a claim).

    Its analysis is the claim's own, so it holds every concept of the claim exactly: each
    covers 1.0, the recall is 1 (total weight over itself) and the score exp(0) = 1.0, nothing
    is filled in from the context, and the spans are every concept's tokens. It is found when
    some concept weighs anything (weights are never negative, so the probe's test and the
    recall's, a sum above 0, are one), as `LexicalMatcher.detail` reads it; no probe or fuzzy
    comparison is made for the new claim.
    """
    concepts = lexical.concepts(claim)
    if sum(c.weight for c in concepts) <= 0.0 or threshold > 1.0:
        return None
    analysis = lexical.analyse(claim)
    tokens = analysis.tokens
    spans = tuple(
        sorted(
            (tokens[i].start, tokens[i].end) for c in concepts for i in analysis.concepts[c.concept]
        )
    )
    following = sentences[index + 1].text if index + 1 < len(sentences) else ""
    stance = stance_of(sentences[index].text, spans, following, claim_negations(claim))
    return FoundSentence(sentences[index], 1.0, stance)


def sentence_details(
    claim: str, sentences: Sequence[Sentence], lexical: LexicalMatcher, title: str = ""
) -> dict[int, MatchDetail]:
    """The lexical scores, by index, of the sentences that cover some of the claim (in context).

    Only those are scored: the others score 0 with or without their context, and only those
    above 0 can carry the claim (`carrying_sentences`).
    """
    analyses = [lexical.analyse(s.text) for s in sentences]
    probe = lexical.probe(claim)
    touched = [i for i, a in enumerate(analyses) if probe.touches(a)]
    if not touched:
        return {}
    headline = lexical.analyse(title) if title.strip() else None
    context = ClaimContext.of(analyses, headline)
    return {i: lexical.detail(claim, analyses[i], context) for i in touched}


def _found(
    claim: str,
    sentences: Sequence[Sentence],
    details: Mapping[int, MatchDetail],
    matcher: Matcher | None,
    lexical: LexicalMatcher,
    threshold: float,
) -> list[FoundSentence]:
    """The sentences that carry the claim, from their lexical `details` (`find_in_sentences`)."""
    if not details:
        return []
    texts = [s.text for s in sentences]
    carrying = carrying_sentences(claim, texts, details, matcher, lexical, threshold, stance_of)
    return [FoundSentence(sentences[i], score, stance) for i, score, stance in carrying]


def carrying_sentences(
    claim: str,
    texts: Sequence[str],
    details: Mapping[int, MatchDetail],
    matcher: Matcher | None,
    lexical: LexicalMatcher,
    threshold: float,
    stance: Callable[[str, tuple[tuple[int, int], ...], str, int], StanceResult],
) -> list[tuple[int, float, StanceResult]]:
    """(index, score, stance) of the sentences that carry the claim, in order.

    `details` holds the lexical scores of the sentences worth scoring; another `matcher` (the
    semantic one) may raise those that cover some of the claim; the score must reach `threshold`.
    """
    candidates = _candidates(details)
    scores = {i: details[i].score for i in candidates}
    if matcher is not None and matcher is not lexical and candidates:
        chosen = [texts[i] for i in candidates]
        if isinstance(matcher, Lifter):  # it reads the scores with their article's context
            lifted = matcher.lift(claim, chosen, [details[i] for i in candidates])
        else:
            lifted = matcher.scores(claim, chosen)
        for i, value in zip(candidates, lifted, strict=True):
            scores[i] = max(scores[i], value)
    found: list[tuple[int, float, StanceResult]] = []
    negations = claim_negations(claim)
    for i in candidates:
        if scores[i] >= threshold:
            following = texts[i + 1] if i + 1 < len(texts) else ""
            found.append((i, scores[i], stance(texts[i], details[i].spans, following, negations)))
    return found


def _candidates(details: Mapping[int, MatchDetail]) -> list[int]:
    """The indices, in order, of the sentences that cover some of the claim by themselves."""
    return [i for i in sorted(details) if details[i].recall > 0.0]


def find_in_text(
    claim: str,
    text: str,
    *,
    matcher: Matcher | None = None,
    lexical: LexicalMatcher | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    title: str = "",
) -> list[FoundSentence]:
    """Split `text` into sentences and return those that carry `claim`."""
    return find_in_sentences(
        claim,
        split_sentences(text),
        matcher=matcher,
        lexical=lexical,
        threshold=threshold,
        title=title,
    )


def as_mentions(
    claim: Claim, version_id: int, found: Sequence[FoundSentence]
) -> tuple[Mention, ...]:
    """Found sentences of one version as the mentions the store keeps."""
    return tuple(
        Mention(
            claim_slug=claim.slug,
            version_id=version_id,
            sentence=item.sentence.text,
            start=item.sentence.start,
            end=item.sentence.end,
            stance=item.stance.stance,
            score=round(item.score, 4),
        )
        for item in found
    )


def mentions_in_version(
    claim: Claim,
    version: VersionRef,
    *,
    matcher: Matcher | None = None,
    lexical: LexicalMatcher | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> tuple[Mention, ...]:
    """The mentions of `claim` in one stored version, with offsets into the version's text."""
    found = find_in_text(
        claim.text,
        version.text,
        matcher=matcher,
        lexical=lexical,
        threshold=threshold,
        title=version.title,
    )
    return as_mentions(claim, version.id, found)


def mentions_in_versions(
    claim: Claim,
    versions: Sequence[VersionRef],
    *,
    matcher: Matcher | None = None,
    lexical: LexicalMatcher | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Mention]:
    """`mentions_in_version` of each of `versions`, in order, with the same answers.

    A matcher that can lift ahead (`AheadLifter`, the semantic one) is given the sentences of
    `LIFT_AHEAD` versions at once: its model then runs once for them all rather than once per
    version, which costs more per sentence the fewer sentences share a pass.
    """
    lexical = lexical or LexicalMatcher()
    ahead = matcher if isinstance(matcher, AheadLifter) and matcher is not lexical else None
    out: list[Mention] = []
    for first in range(0, len(versions), LIFT_AHEAD):
        group = versions[first : first + LIFT_AHEAD]
        read = [lexical.sentences(version.text) for version in group]
        scored = [
            sentence_details(claim.text, sentences, lexical, version.title)
            for version, sentences in zip(group, read, strict=True)
        ]
        if ahead is not None:
            asked = [
                ([sentences[i].text for i in wanted], [details[i] for i in wanted])
                for sentences, details in zip(read, scored, strict=True)
                if (wanted := _candidates(details))
            ]
            ahead.lift_ahead(claim.text, asked)
        for version, sentences, details in zip(group, read, scored, strict=True):
            found = _found(claim.text, sentences, details, matcher, lexical, threshold)
            out.extend(as_mentions(claim, version.id, found))
    return out


def best_sentence(
    claim: Claim, version: VersionRef, *, lexical: LexicalMatcher | None = None
) -> Mention | None:
    """The sentence of `version` that comes closest to stating `claim`, as event-level evidence.

    For an article found by same-event expansion: its highest lexical score (first on a tie),
    kept as the mention's score, which stays below `DEFAULT_THRESHOLD` (else the sentence would
    carry the claim by itself) and so marks the mention (`tracker.claims.events.is_event_level`).
    The stance is the sentence's own, but a negation in it is no dispute of the claim (it does
    not state the claim: `stance_of`'s `stated`); a denial or correction cue still is.
    """
    lexical = lexical or LexicalMatcher()
    sentences = lexical.sentences(version.text)
    if not sentences:
        return None
    analyses = [lexical.analyse(s.text) for s in sentences]
    title = lexical.analyse(version.title) if version.title.strip() else None
    context = ClaimContext.of(analyses, title)
    probe = lexical.probe(claim.text)
    details = {
        k: lexical.detail(claim.text, analysis, context)
        for k, analysis in enumerate(analyses)
        if probe.touches(analysis)
    }
    if not details:  # every score is 0: the first sentence, as max() picks it
        details[0] = lexical.detail(claim.text, analyses[0], context)
    # A touched sentence scores above 0, an untouched one 0: the best is among the touched.
    i = max(details, key=lambda k: (details[k].score, -k))
    following = sentences[i + 1].text if i + 1 < len(sentences) else ""
    stance = stance_of(
        sentences[i].text,
        details[i].spans,
        following,
        claim_negations(claim.text),
        stated=False,  # below the threshold: no statement of the claim
    )
    # Rounded down: a score just under the threshold must not round up to it.
    score = min(math.floor(details[i].score * 10_000) / 10_000, DEFAULT_THRESHOLD - 0.0001)
    return Mention(
        claim_slug=claim.slug,
        version_id=version.id,
        sentence=sentences[i].text,
        start=sentences[i].start,
        end=sentences[i].end,
        stance=stance.stance,
        score=score,
    )


def version_stats(version: VersionRef, lexical: LexicalMatcher | None = None) -> TermStats:
    """The content stems of a version's title and text (what document frequencies count).

    With `lexical`, the counts it remembers from an earlier claim are used.
    """
    text = f"{version.title}\n{version.text}"
    return lexical.term_stats(text) if lexical is not None else term_stats(text)


def event_mentions(
    claim: Claim,
    seeds: Sequence[VersionRef],
    candidates: Sequence[VersionRef],
    frequencies: Callable[[Sequence[str]], tuple[Mapping[str, int], int]],
    *,
    lexical: LexicalMatcher | None = None,
) -> tuple[Mention, ...]:
    """Mentions for the `candidates` that report the same event as the `seeds` (see events).

    `seeds` are versions that carry the claim in a sentence; `frequencies` looks up, for the
    stems it is given, in how many stored articles each occurs, and how many articles there are.
    """
    if not seeds or not candidates:
        return ()
    lexical = lexical or LexicalMatcher()
    claim_stats = term_stats(claim.text)
    seed_stats = [version_stats(v, lexical) for v in seeds]
    by_id = {v.id: v for v in candidates}
    stats = {v.id: version_stats(v, lexical) for v in candidates}
    stems = set(claim_stats.counts)
    for item in (*seed_stats, *stats.values()):
        stems.update(item.counts)
    docs, total = frequencies(sorted(stems))
    found = expand(claim_stats, seed_stats, stats, DocumentFrequencies(docs, total))
    out: list[Mention] = []
    for version_id in sorted(found):
        mention = best_sentence(claim, by_id[version_id], lexical=lexical)
        if mention is not None:
            out.append(mention)
    return tuple(out)
