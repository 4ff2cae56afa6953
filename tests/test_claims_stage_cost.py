"""Work the claims stage skips or shares because it cannot change an answer (same answers)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracker.claims.match import LexicalMatcher, MatchDetail
from tracker.claims.mentions import find_in_sentences, found_at
from tracker.claims.uptake import decide_uptake
from tracker.domain import Claim, UptakeKind, VersionRef
from tracker.text.sentences import split_sentences
from tracker.text.words import STOP_WORDS, content_tokens, tokenize

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLAIM = Claim("rehab", "Mara Lindqvist checked into the Brookfield Recovery Center in Malibu.")
# An article found by same-event expansion: its own best sentence (the anchor) stands for the
# claim, which no sentence states.
ANCHOR = "The singer entered a treatment programme on the coast, her publicist said on Tuesday."
ARTICLE = "\n".join(
    [
        "Mara Lindqvist is taking a break from her tour.",
        ANCHOR,
        "Lindqvist was seen at a clinic near Malibu, fans reported.",
        "The Brookfield Recovery Center did not comment on the singer.",
        "Her tour dates in March were postponed.",
    ]
)
TEXTS = [
    ARTICLE,
    "Police said the driver did not stop. The driver was later arrested in Leeds.",
    "Parcelwise was down for six hours. AI-written code caused the outages, staff said. "
    "Parcelwise denied that AI-written code caused the outages.",
]


class _Counting:
    """A lifting matcher that counts what it is asked (the claim's semantic reading)."""

    def __init__(self) -> None:
        self.lexical = LexicalMatcher()
        self.lifted = 0

    def lift(
        self, claim: str, sentences: Sequence[str], details: Sequence[MatchDetail]
    ) -> list[float]:
        self.lifted += len(sentences)
        return [d.score for d in details]

    def scores(self, claim: str, sentences: Sequence[str]) -> list[float]:
        self.lifted += len(sentences)
        return [self.lexical.detail(claim, s).score for s in sentences]


@pytest.mark.parametrize("body", TEXTS)
def test_found_at_is_the_full_reading_of_one_sentence(body: str) -> None:
    lexical = LexicalMatcher()
    sentences = split_sentences(body)
    for claim in [s.text for s in sentences] + [CLAIM.text, ANCHOR]:
        found = {f.sentence.start: f for f in find_in_sentences(claim, sentences, lexical=lexical)}
        for i, sentence in enumerate(sentences):
            assert found_at(claim, sentences, i, lexical) == found.get(sentence.start)


def test_a_sentence_read_as_its_own_claim_is_not_probed_or_compared() -> None:
    # An uptake's anchor is the sentence itself: it covers every concept of its own text, so no
    # probe, plan or fuzzy comparison is made for it (found as the full reading finds it, above).
    lexical = LexicalMatcher()
    sentences = split_sentences(ARTICLE)
    found = found_at(ANCHOR, sentences, 1, lexical)
    assert found is not None and found.score == 1.0
    full = find_in_sentences(ANCHOR, sentences, lexical=LexicalMatcher())
    assert found == next(f for f in full if f.sentence == sentences[1])
    assert ANCHOR not in lexical._probes and ANCHOR not in lexical._plans


def _decide(versions: list[VersionRef], matcher: _Counting, anchor: str | None) -> object:
    return decide_uptake(
        CLAIM,
        7,
        versions,
        (),
        checked_at=T0 + timedelta(days=2),
        first_seen=T0,
        matcher=matcher,
        anchor=anchor,
    )


def test_one_version_carrying_its_anchor_is_not_read_further() -> None:
    one = [VersionRef(1, 7, ARTICLE, T0)]
    matcher = _Counting()
    decision = _decide(one, matcher, ANCHOR)
    assert decision is not None
    assert decision.uptake.kind is UptakeKind.NONE  # type: ignore[attr-defined]
    # The anchor's own sentence settles that the only version carries the claim: the claim's
    # sentences are not lifted (main read them all, the model among them).
    assert matcher.lifted == 0
    # ... and the decision is the one the whole reading gives (two versions are read whole).
    twice = [VersionRef(1, 7, ARTICLE, T0), VersionRef(2, 7, ARTICLE, T0 + timedelta(hours=1))]
    whole = _decide(twice, _Counting(), ANCHOR)
    assert whole is not None
    assert whole.uptake == decision.uptake  # type: ignore[attr-defined]
    assert whole.repeated_at == decision.repeated_at  # type: ignore[attr-defined]


def test_a_version_without_its_anchor_sentence_is_read_in_full() -> None:
    without = ARTICLE.replace(ANCHOR, "The tour will resume in May.")
    matcher = _Counting()
    decision = _decide([VersionRef(1, 7, without, T0)], matcher, ANCHOR)
    assert matcher.lifted > 0  # no anchor sentence to settle it: the claim is read as before
    assert decision is None  # ... and neither the claim nor the anchor is carried


def test_content_tokens_are_the_content_tokens_of_tokenize() -> None:
    site = Path(__file__).resolve().parents[2] / "shared" / "scenario" / "dev" / "site.json"
    texts = [
        *TEXTS,
        "#AustralianFires and #COVID19: U.S. officials didn't say; it's 2,500 e.g. A-1 x.",
        "Parcelwise’s CEO — “we’re sorry” — isn't here. I a 7 an #a #Ab",
    ]
    if site.is_file():  # real pages, when the shared scenario is at hand
        articles = json.loads(site.read_text())["articles"][:60]
        texts += [v for a in articles for v in a["versions"].values() if v]
    for text in texts:
        expected = [
            t
            for t in tokenize(text)
            if t.word not in STOP_WORDS and (len(t.word) > 1 or t.word.isdigit())
        ]
        assert content_tokens(text) == expected
