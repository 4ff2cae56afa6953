"""Find the sentences of a text that carry a claim, each with its score and stance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tracker.claims.match import DEFAULT_THRESHOLD, ClaimContext, LexicalMatcher, Matcher
from tracker.claims.stance import StanceResult, stance_of
from tracker.domain import Claim, Mention, VersionRef
from tracker.text.sentences import Sentence, split_sentences

__all__ = ["FoundSentence", "find_in_sentences", "find_in_text", "mentions_in_version"]


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
    analyses = [lexical.analyzer.analyse(s.text) for s in sentences]
    headline = lexical.analyzer.analyse(title) if title.strip() else None
    context = ClaimContext.of(analyses, headline)
    details = [lexical.detail(claim, analysis, context) for analysis in analyses]
    candidates = [i for i, detail in enumerate(details) if detail.recall > 0.0]
    scores = {i: details[i].score for i in candidates}
    if matcher is not None and matcher is not lexical and candidates:
        texts = [sentences[i].text for i in candidates]
        for i, value in zip(candidates, matcher.scores(claim, texts), strict=True):
            scores[i] = max(scores[i], value)
    found: list[FoundSentence] = []
    for i in candidates:
        if scores[i] < threshold:
            continue
        following = sentences[i + 1].text if i + 1 < len(sentences) else ""
        stance = stance_of(sentences[i].text, details[i].spans, following)
        found.append(FoundSentence(sentences[i], scores[i], stance))
    return found


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
    return tuple(
        Mention(
            claim_slug=claim.slug,
            version_id=version.id,
            sentence=item.sentence.text,
            start=item.sentence.start,
            end=item.sentence.end,
            stance=item.stance.stance,
            score=round(item.score, 4),
        )
        for item in found
    )
