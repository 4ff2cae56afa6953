"""The claims stage recognises a claim stated in other words (MiniLM cosine lifting the lexical
evidence, by default), and still leaves out another event of the same kind, on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest

from tests.test_claims_events import FILLER
from tracker.api.claims import Claims
from tracker.claims.match import DEFAULT_THRESHOLD, LexicalMatcher
from tracker.claims.mentions import find_in_text
from tracker.claims.semantic import SemanticClaimMatcher
from tracker.clock import ManualClock
from tracker.config import LinkSettings
from tracker.pipeline.claims_stage import ClaimsStage
from tracker.store import Store, make_engine, upgrade

from .support.stored import store_texts

CLAIM = "Harlow Motors recalled 120,000 Tempo sedans over faulty airbags, the carmaker said."
# The claim in other words: few of its words, none of the lexicon's help.
PARAPHRASE = (
    "Harlow Motors is calling back about 120,000 of its Tempo cars because their airbags may"
    " not inflate in a crash."
)
UNRELATED = "Harlow Motors will open a new Tempo assembly plant in Ohio next spring."
ANCHOR = (
    f"{CLAIM}\n"
    "The recall, announced in Detroit on Monday, March 2, 2026, covers Tempo sedans built in"
    " 2023 and 2024, spokeswoman Ana Ruiz said.\n"
    "Owners will get a letter in April. Ruiz said no injuries had been reported.\n"
)
SAME = (
    f"{PARAPHRASE}\n"
    "Spokeswoman Ana Ruiz said in Detroit on Monday, March 2, 2026 that owners of Tempo models"
    " from 2023 and 2024 would get a letter in April.\n"
    "Ruiz said no one had been hurt.\n"
)
# The hard negative: the same maker, model, town and wording, another recall years earlier.
OTHER = (
    "Harlow Motors recalled 45,000 Tempo sedans over faulty brakes, the carmaker said.\n"
    "The recall, announced in Detroit on Friday, June 12, 2015, covers Tempo sedans built in"
    " 2014, spokesman Lee Park said.\n"
    "Park said two crashes had been reported. Owners will get a letter in August.\n"
)
OTHER_LATER = (
    "Harlow brakes recall. Harlow Motors is calling back 45,000 of its Tempo cars because their"
    " brakes may fail, spokesman Lee Park said in Detroit on June 12, 2015.\n"
    "Park said owners of 2014 models would get a letter in August.\n"
)
TEXTS = {
    "anchor.test/recall": ANCHOR,
    "same.test/recall": SAME,
    "other.test/2015": OTHER,
    "later.test/2015": OTHER_LATER,
    **{f"filler{i}.test/news": text for i, text in enumerate(FILLER)},
}


@pytest.fixture(scope="module")
def semantic() -> SemanticClaimMatcher:
    return SemanticClaimMatcher()


def test_a_paraphrase_the_lexical_evidence_misses_is_lifted(
    semantic: SemanticClaimMatcher,
) -> None:
    lexical = LexicalMatcher()
    text = f"{UNRELATED}\n{PARAPHRASE}"
    assert find_in_text(CLAIM, text, lexical=lexical) == []
    found = find_in_text(CLAIM, text, matcher=semantic, lexical=lexical)
    assert [f.sentence.text for f in found] == [PARAPHRASE]
    assert found[0].score >= DEFAULT_THRESHOLD


def test_only_sentences_sharing_enough_with_the_claim_are_embedded(
    semantic: SemanticClaimMatcher,
) -> None:
    lexical = semantic.lexical
    other = "Shares of carmakers fell on Monday."
    assert lexical.detail(CLAIM, other).recall < semantic.min_recall
    before = semantic.embedded
    assert find_in_text(CLAIM, other, matcher=semantic, lexical=lexical) == []
    assert semantic.embedded == before  # never read by the model
    find_in_text(CLAIM, PARAPHRASE, matcher=semantic, lexical=lexical)
    again = semantic.embedded
    find_in_text(CLAIM, PARAPHRASE, matcher=semantic, lexical=lexical)
    assert semantic.embedded == again  # each sentence embedded once


def test_the_lift_never_lowers_a_lexical_score(semantic: SemanticClaimMatcher) -> None:
    sentences = [CLAIM, PARAPHRASE, UNRELATED]
    lexical = [semantic.lexical.detail(CLAIM, s).score for s in sentences]
    assert all(
        lifted >= before
        for lifted, before in zip(semantic.scores(CLAIM, sentences), lexical, strict=True)
    )


@pytest.fixture
def store(database_url: str) -> Store:
    engine = make_engine(database_url)
    upgrade(engine)
    return Store(engine)


def test_the_claims_stage_finds_the_paraphrase_and_leaves_out_the_other_event(
    store: Store, clock: ManualClock
) -> None:
    ids = store_texts(store, clock, TEXTS)
    claims = Claims(store, clock)  # the default matcher
    claims.add("recall", CLAIM)
    rows = {r.article_id: r for r in claims.who_repeated("recall").rows}
    assert set(rows) == {ids["anchor.test/recall"], ids["same.test/recall"]}
    assert rows[ids["same.test/recall"]].match == "sentence"  # a sentence states it
    assert PARAPHRASE in rows[ids["same.test/recall"]].sentence


def test_the_paraphrase_lift_is_on_by_default_and_the_setting_turns_it_off() -> None:
    """`[link] claims_paraphrase = false` leaves the claims stage with words alone."""
    default = ClaimsStage()
    assert isinstance(default.matcher, SemanticClaimMatcher)
    off = ClaimsStage(link=LinkSettings(claims_paraphrase=False))
    assert off.matcher is off.lexical
    assert off.lexical.scores(CLAIM, [PARAPHRASE]) == off.matcher.scores(CLAIM, [PARAPHRASE])
    assert default.matcher.scores(CLAIM, [PARAPHRASE])[0] >= DEFAULT_THRESHOLD
    assert off.matcher.scores(CLAIM, [PARAPHRASE])[0] < DEFAULT_THRESHOLD
