"""Paraphrase scores: sentence matching, the document score, story similarity, matchers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.linking_story import INDEPENDENT, LIBRARY, ORIGINAL, PARAPHRASE
from tracker.config import LinkSettings
from tracker.linking.paraphrase import (
    LexicalMatcher,
    matcher_for,
    paraphrase_score,
    sentences_of,
    story_similarity,
    terms_similarity,
    terms_similarity_to,
)
from tracker.text.terms import NAME_WEIGHT, weighted_terms

SETTINGS = LinkSettings()
LEXICAL = LexicalMatcher(SETTINGS.sentence_min_similarity, SETTINGS.paraphrase_min_score)


def score(target: str, source: str) -> float:
    return paraphrase_score(sentences_of(target), sentences_of(source), LEXICAL).score


def test_a_paraphrase_passes_and_an_independent_report_does_not() -> None:
    para = paraphrase_score(sentences_of(PARAPHRASE), sentences_of(ORIGINAL), LEXICAL)
    assert para.passes and para.score >= SETTINGS.paraphrase_min_score
    independent = paraphrase_score(sentences_of(INDEPENDENT), sentences_of(ORIGINAL), LEXICAL)
    assert not independent.passes
    assert score(LIBRARY, ORIGINAL) < score(INDEPENDENT, ORIGINAL) < para.score


def test_matched_pairs_point_at_the_sentences_they_match() -> None:
    result = paraphrase_score(sentences_of(PARAPHRASE), sentences_of(ORIGINAL), LEXICAL)
    assert result.pairs and result.matched_share > 0.5
    ferry = next(p for p in result.pairs if "Bluewater" in p.target.text)
    assert "Bluewater" in ferry.source.text
    assert ORIGINAL[ferry.source.start : ferry.source.end] == ferry.source.text
    similarities = [pair.similarity for pair in result.pairs]
    assert similarities == sorted(similarities, reverse=True)


def test_identical_texts_score_one_and_empty_texts_zero() -> None:
    assert score(ORIGINAL, ORIGINAL) == pytest.approx(1.0)
    assert score("", ORIGINAL) == 0.0
    assert score(ORIGINAL, "Too short.") == 0.0


def test_sentences_without_content_are_not_scored() -> None:
    found = sentences_of("Read more. " + ORIGINAL)
    assert found[0].text.startswith("The Marlow Bay harbor bridge")


def test_story_similarity_orders_same_story_above_other_stories() -> None:
    same = story_similarity(INDEPENDENT, ORIGINAL)
    assert same >= SETTINGS.story_min_score
    assert story_similarity(LIBRARY, ORIGINAL) < SETTINGS.story_min_score
    assert story_similarity(ORIGINAL, ORIGINAL) == pytest.approx(1.0)


def test_names_and_numbers_weigh_more_than_ordinary_words() -> None:
    weights = weighted_terms("Officials said Varga cut the budget in 2019. The budget grew.")
    assert weights["varga"] == NAME_WEIGHT
    assert weights["2019"] == NAME_WEIGHT
    assert weights["offici"] == 1.0  # opens the sentence: capitalised, but not a name
    assert weights["budget"] > 1.0  # twice: sublinear frequency


def test_the_settings_choose_the_matcher() -> None:
    lexical = matcher_for(SETTINGS)
    assert isinstance(lexical, LexicalMatcher)
    assert lexical.document_threshold == SETTINGS.paraphrase_min_score
    semantic = matcher_for(replace(SETTINGS, semantic=True))
    assert semantic.document_threshold == SETTINGS.semantic_min_score
    assert semantic.sentence_threshold == SETTINGS.semantic_sentence_similarity


def test_the_semantic_matcher_finds_a_paraphrase_in_other_words() -> None:
    matcher = matcher_for(replace(SETTINGS, semantic=True))
    matches = matcher.best_matches(
        ["The firm rejected the newspaper's story."],
        ["Bananas are rich in potassium.", "The company denied the report."],
    )
    assert matches[0][0] == 1
    assert matches[0][1] > 0.5


def test_similarity_to_one_base_gives_the_same_floats_as_pairwise() -> None:
    texts = [ORIGINAL, PARAPHRASE, INDEPENDENT, LIBRARY, "", "Vale Vale Vale 2009"]
    for base in texts:
        story_of = terms_similarity_to(weighted_terms(base))
        for other in texts:
            expected = terms_similarity(weighted_terms(base), weighted_terms(other))
            assert story_of(weighted_terms(other)) == expected  # equal, not approximately
