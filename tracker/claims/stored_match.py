"""Claim matching over sentences analysed at ingest (`tracker.text.stored`), without re-analysis.

Gives the same answers as `mentions.find_in_sentences` and `mentions.best_sentence` over the same
sentences, for the analyzer the stored rows were made with (`match.default_analyzer`). What makes
it cheap: a sentence whose concepts and joined stems share nothing with the claim (no exact,
related or fuzzy hit of a weighted concept) has recall 0, so it is only read for its keys (the
article's context); its tokens are rebuilt and scored only when one of its keys is a hit. Whether
a key is a hit is decided once per claim and key (`ClaimProbe`), and a sentence's concept hits,
which do not depend on the context, once per sentence text (`SentenceCache`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tracker.claims.match import (
    DEFAULT_THRESHOLD,
    LEAD_WORDS,
    ClaimContext,
    ConceptHit,
    LexicalMatcher,
    MatchDetail,
    Matcher,
    related_groups,
)
from tracker.claims.mentions import FoundSentence, as_mentions, carrying_sentences
from tracker.claims.stance import StanceResult, claim_negations, stance_of
from tracker.domain import Claim, Mention
from tracker.text.stored import StoredSentence, StoredText
from tracker.text.words import Analysis

__all__ = [
    "ClaimProbe",
    "SentenceCache",
    "StoredSentences",
    "best_stored",
    "claim_context",
    "context_of",
    "find_in_stored",
    "mentions_in_stored",
]


class ClaimProbe:
    """Which stored sentences give a claim's weighted concepts any coverage (`ConceptProbe`)."""

    def __init__(self, claim: str, lexical: LexicalMatcher) -> None:
        self._keys = lexical.probe(claim)  # shared with the matcher: it memoises per key
        # By sentence text: its keys are a function of its text, and copies of a story (and the
        # stock phrases of an outlet) repeat sentences word for word.
        self._sentences: dict[str, bool] = {}
        # The keys a context is asked about for this claim (`ClaimContext.covers` of each of its
        # concepts, weighted or not): a context narrowed to them scores every sentence alike.
        self.relevant = frozenset(
            key for c in lexical.concepts(claim) for key in (c.concept, *related_groups(c.concept))
        )
        self._relevant_keys: dict[str, frozenset[str]] = {}

    def relevant_keys(self, sentence: StoredSentence) -> frozenset[str]:
        """The sentence's keys among the `relevant` ones (once per sentence text)."""
        known = self._relevant_keys.get(sentence.text)
        if known is None:
            known = self.relevant.intersection([*sentence.concepts, *sentence.joined])
            self._relevant_keys[sentence.text] = known
        return known

    def touches(self, sentence: StoredSentence) -> bool:
        """True when the sentence covers some weighted concept at all (its recall is above 0)."""
        known = self._sentences.get(sentence.text)
        if known is None:
            known = self._sentences[sentence.text] = self._keys.touches_keys(
                sentence.concepts, sentence.joined
            )
        return known


class SentenceCache:
    """Per question: analyses, concept hits and stances, each computed once per sentence text.

    Keyed by the text, not the version: a sentence's analysis depends on its text alone, and
    copies of one story (a wire text and its reprints) repeat their sentences word for word.
    """

    def __init__(self, lexical: LexicalMatcher) -> None:
        self.lexical = lexical
        self._analyses: dict[str, Analysis] = {}
        self._hits: dict[tuple[str, str], tuple[ConceptHit, ...]] = {}
        self._details: dict[tuple[str, str, ClaimContext], MatchDetail] = {}
        self._stances: dict[
            tuple[str, tuple[tuple[int, int], ...], str, int, bool], StanceResult
        ] = {}
        self._probes: dict[str, ClaimProbe] = {}
        # By claim and sentence sequence (its id: the layout keeps the sequence alive, so the id
        # is not reused while the cache lives). The uptake rules read each carrier's sentences
        # again, the same tuple with the same headline, so in the same narrowed context.
        self._layouts: dict[tuple[str, int], _Layout] = {}
        self._found: dict[
            tuple[str, int, ClaimContext, int, float], tuple[Matcher | None, list[FoundSentence]]
        ] = {}

    def probe(self, claim: str) -> ClaimProbe:
        """The claim's probe, made once."""
        found = self._probes.get(claim)
        if found is None:
            found = self._probes[claim] = ClaimProbe(claim, self.lexical)
        return found

    def analysis(self, sentence: StoredSentence) -> Analysis:
        """The sentence's analysis, rebuilt once per text."""
        kept = self._analyses.get(sentence.text)
        if kept is None:
            kept = self._analyses[sentence.text] = sentence.analysis()
        return kept

    def detail(self, claim: str, sentence: StoredSentence, context: ClaimContext) -> MatchDetail:
        """`LexicalMatcher.detail` of the sentence, its hits computed once per claim and text.

        The detail too is computed once per claim, text and `context`, which is narrowed to the
        claim's keys (`claim_context`): a sentence repeated in many articles, or read again by
        the uptake rules, mostly meets the same narrowed context.
        """
        done = self._details.get((claim, sentence.text, context))
        if done is not None:
            return done
        analysis = self.analysis(sentence)
        key = (claim, sentence.text)
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = self.lexical.hits(claim, analysis)
        done = self._details[(claim, sentence.text, context)] = self.lexical.finish(
            hits, analysis, context
        )
        return done

    def layout(self, claim: str, sentences: Sequence[StoredSentence]) -> _Layout:
        """Which sentences touch the claim and the claim's keys of the lead and the whole text."""
        key = (claim, id(sentences))
        found = self._layouts.get(key)
        if found is None:
            probe = self.probe(claim)
            touched = tuple(i for i, s in enumerate(sentences) if probe.touches(s))
            found = _Layout(sentences, touched, *_claim_keys(sentences, probe))
            self._layouts[key] = found
        return found

    def found(
        self,
        claim: str,
        layout: _Layout,
        context: ClaimContext,
        matcher: Matcher | None,
        threshold: float,
        find: Callable[[], list[FoundSentence]],
    ) -> list[FoundSentence]:
        """`find()`, the sentences of `layout` carrying the claim, once per context and matcher."""
        key = (claim, id(layout.sentences), context, id(matcher), threshold)
        done = self._found.get(key)
        if done is None or done[0] is not matcher:
            done = self._found[key] = (matcher, find())
        return list(done[1])

    def stance(
        self,
        sentence: str,
        spans: tuple[tuple[int, int], ...],
        following: str,
        negations: int = 0,
        *,
        stated: bool = True,
    ) -> StanceResult:
        """`stance_of`, once per sentence, claim spans, following sentence, negations, `stated`."""
        key = (sentence, spans, following, negations, stated)
        found = self._stances.get(key)
        if found is None:
            found = self._stances[key] = stance_of(
                sentence, spans, following, negations, stated=stated
            )
        return found


@dataclass(frozen=True, slots=True)
class _Layout:
    """A sentence sequence read for one claim: the sentences touching it, the claim's keys."""

    sentences: Sequence[StoredSentence]  # kept alive: the layouts are keyed by its id
    touched: tuple[int, ...]
    setting: frozenset[str]  # the claim's keys in the lead sentences
    article: frozenset[str]  # the claim's keys in all the sentences

    def context(self, probe: ClaimProbe, title_keys: frozenset[str] | None) -> ClaimContext:
        """`claim_context` of these sentences with this title's keys."""
        title = probe.relevant.intersection(title_keys) if title_keys else None
        if not title or title <= self.setting:
            return ClaimContext(self.setting, self.article)
        return ClaimContext(self.setting | title, self.article | title)


@dataclass(frozen=True, slots=True)
class StoredSentences:
    """Versions' stored sentences by version id, and the cache that scores them."""

    texts: Mapping[int, StoredText]
    cache: SentenceCache


def context_of(
    sentences: Sequence[StoredSentence], title_keys: frozenset[str] | None
) -> ClaimContext:
    """`ClaimContext.of` for stored sentences (in order) and the title's keys (None: no title)."""
    setting: set[str] = set(title_keys or ())
    words = 0
    lead = 0  # the sentences of the setting: their keys are in the article's already
    for sentence in sentences:
        if words >= LEAD_WORDS:
            break
        setting.update(sentence.concepts)
        setting.update(sentence.joined)
        words += sentence.token_count
        lead += 1
    article = set(setting)
    for sentence in sentences[lead:]:
        article.update(sentence.concepts)
        article.update(sentence.joined)
    return ClaimContext(frozenset(setting), frozenset(article))


def claim_context(
    sentences: Sequence[StoredSentence], title_keys: frozenset[str] | None, probe: ClaimProbe
) -> ClaimContext:
    """`context_of` narrowed to the keys of the probe's claim (`ClaimProbe.relevant`).

    A context is only asked whether it carries the claim's concepts or the groups standing in
    for them (`ClaimContext.covers`), so for that claim the narrowed context gives the same
    answers; it is small, so sentence details can be memoised by it (`SentenceCache.detail`).
    """
    return _Layout(sentences, (), *_claim_keys(sentences, probe)).context(probe, title_keys)


def _claim_keys(
    sentences: Sequence[StoredSentence], probe: ClaimProbe
) -> tuple[frozenset[str], frozenset[str]]:
    """The probe's claim's keys in the lead sentences, and in all the sentences."""
    setting: set[str] = set()
    words = 0
    lead = 0  # the sentences of the setting: their keys are in the article's already
    for sentence in sentences:
        if words >= LEAD_WORDS:
            break
        setting.update(probe.relevant_keys(sentence))
        words += sentence.token_count
        lead += 1
    article = set(setting)
    for sentence in sentences[lead:]:
        article.update(probe.relevant_keys(sentence))
    return frozenset(setting), frozenset(article)


def find_in_stored(
    claim: str,
    sentences: Sequence[StoredSentence],
    title_keys: frozenset[str] | None,
    cache: SentenceCache,
    *,
    matcher: Matcher | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[FoundSentence]:
    """`mentions.find_in_sentences` over stored sentences (read together as one article)."""
    lexical = cache.lexical
    layout = cache.layout(claim, sentences)
    if not layout.touched:
        return []
    context = layout.context(cache.probe(claim), title_keys)

    def find() -> list[FoundSentence]:
        details = {i: cache.detail(claim, sentences[i], context) for i in layout.touched}
        texts = [s.text for s in sentences]
        carrying = carrying_sentences(
            claim, texts, details, matcher, lexical, threshold, cache.stance
        )
        return [FoundSentence(sentences[i].sentence, score, how) for i, score, how in carrying]

    # The same sentences met again in the same context (the uptake rules' second reading of a
    # carrier, with the same headline): found once. The lexical matcher itself scores as no
    # other matcher does (`carrying_sentences`).
    same = None if matcher is lexical else matcher
    return cache.found(claim, layout, context, same, threshold, find)


def mentions_in_stored(
    claim: Claim,
    version_id: int,
    stored: StoredText,
    cache: SentenceCache,
    *,
    matcher: Matcher | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> tuple[Mention, ...]:
    """`mentions.mentions_in_version` over a version's stored sentences."""
    found = find_in_stored(
        claim.text, stored.sentences, stored.title_keys, cache, matcher=matcher, threshold=threshold
    )
    return as_mentions(claim, version_id, found)


def best_stored(
    claim: Claim, version_id: int, stored: StoredText, cache: SentenceCache
) -> Mention | None:
    """`mentions.best_sentence` over a version's stored sentences."""
    sentences = stored.sentences
    if not sentences:
        return None
    layout = cache.layout(claim.text, sentences)
    context = layout.context(cache.probe(claim.text), stored.title_keys)
    details = {i: cache.detail(claim.text, sentences[i], context) for i in layout.touched}
    if not details:  # every score is 0: the first sentence, as max() picks it
        details[0] = cache.detail(claim.text, sentences[0], context)
    # A touched sentence scores above 0, an untouched one 0: the best is among the touched.
    i = max(details, key=lambda k: (details[k].score, -k))
    following = sentences[i + 1].text if i + 1 < len(sentences) else ""
    stance = cache.stance(
        sentences[i].text, details[i].spans, following, claim_negations(claim.text), stated=False
    )
    # Rounded down: a score just under the threshold must not round up to it.
    score = min(math.floor(details[i].score * 10_000) / 10_000, DEFAULT_THRESHOLD - 0.0001)
    return Mention(
        claim_slug=claim.slug,
        version_id=version_id,
        sentence=sentences[i].text,
        start=sentences[i].start,
        end=sentences[i].end,
        stance=stance.stance,
        score=score,
    )
