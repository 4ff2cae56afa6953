"""Verbatim passage alignment: passages in any order, offsets into both texts, shares."""

from __future__ import annotations

from tests.support.linking_story import BRIDGE, LIBRARY, ORIGINAL, OWN, PARAPHRASE
from tracker.linking.align import align, align_texts
from tracker.linking.fingerprint import word_sequence

MIN = 12


def words(text: str) -> list[str]:
    return list(word_sequence(text).words)


def test_identical_texts_are_one_passage_covering_everything() -> None:
    result = align_texts(ORIGINAL, ORIGINAL, MIN)
    assert len(result.passages) == 1
    assert result.target_share == 1.0 and result.source_share == 1.0
    passage = result.passages[0]
    assert (passage.source_start, passage.target_start) == (0, 0)
    # A passage runs from its first word's start to its last word's end (the final period is out).
    assert passage.target_end == len(ORIGINAL) - 1 == passage.source_end


def test_moved_paragraphs_are_all_found_with_offsets_into_both_texts() -> None:
    target = "\n".join([OWN[0], BRIDGE[4], OWN[1], BRIDGE[1]])
    result = align_texts(ORIGINAL, target, MIN)
    assert len(result.passages) == 2
    for passage in result.passages:
        in_source = ORIGINAL[passage.source_start : passage.source_end]
        in_target = target[passage.target_start : passage.target_end]
        assert words(in_source) == words(in_target) == words(passage.text)
    assert {p.text for p in result.passages} == {BRIDGE[4][:-1], BRIDGE[1][:-1]}
    copied = len(words(BRIDGE[4])) + len(words(BRIDGE[1]))
    assert result.shared_words == copied
    assert result.target_share == copied / len(words(target))
    assert result.source_share == copied / len(words(ORIGINAL))


def test_runs_shorter_than_the_minimum_are_not_passages() -> None:
    source = "the harbor bridge will close for three weeks after engineers found cracks"
    target = "officials said the harbor bridge will close for three weeks, and then left"
    assert align_texts(source, target, MIN).passages == ()
    assert len(align_texts(source, target, 7).passages) == 1


def test_an_edited_sentence_splits_into_the_passages_around_the_edit() -> None:
    edited = BRIDGE[1].replace("routine survey", "scheduled survey")
    result = align_texts(BRIDGE[1], edited, 5)
    assert len(result.passages) == 2
    assert result.shared_words == len(words(BRIDGE[1])) - 1


def test_paraphrase_and_unrelated_texts_share_no_passages() -> None:
    assert align_texts(ORIGINAL, PARAPHRASE, MIN).passages == ()
    assert align_texts(ORIGINAL, LIBRARY, MIN).shared_words == 0


def test_offsets_stay_right_after_unicode_and_blanked_text() -> None:
    source = "Ｗｉｄｅ opening words. " + BRIDGE[0]
    target = " " * 40 + "\n" + BRIDGE[0].upper()
    result = align(word_sequence(source), word_sequence(target), MIN)
    assert len(result.passages) == 1
    passage = result.passages[0]
    assert source[passage.source_start : passage.source_end] == BRIDGE[0][:-1]
    assert target[passage.target_start : passage.target_end] == BRIDGE[0].upper()[:-1]


def test_empty_texts_align_to_nothing() -> None:
    result = align_texts("", ORIGINAL, MIN)
    assert result.passages == () and result.target_share == 0.0
    assert align_texts(ORIGINAL, "", MIN).target_share == 0.0
