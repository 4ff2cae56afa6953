"""Sentence splitting with offsets: abbreviations, initialisms, decimals, quotes, paragraphs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.text.sentences import first_sentences, paragraphs, split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_offsets_point_into_the_source() -> None:
    text = "  Parcelwise went down.  It came back!\n\nWhy? Nobody knows. "
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Parcelwise went down.",
        "It came back!",
        "Why?",
        "Nobody knows.",
    ]
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Parcelwise Inc. said its U.S. warehouses were hit. Orders stalled.",
            ["Parcelwise Inc. said its U.S. warehouses were hit.", "Orders stalled."],
        ),
        (
            "The outage lasted 3.5 hours and cost $1.2 million. Shares fell 4.1%.",
            ["The outage lasted 3.5 hours and cost $1.2 million.", "Shares fell 4.1%."],
        ),
        (
            "Dr. Jane F. Smith of Parcelwise spoke to Mr. Lee at 3 p.m. Monday.",
            ["Dr. Jane F. Smith of Parcelwise spoke to Mr. Lee at 3 p.m. Monday."],
        ),
        (
            "Most of its staff work in the U.S. The rest are in Canada.",
            ["Most of its staff work in the U.S.", "The rest are in Canada."],
        ),
        (
            '"It was not our code," the chief executive said. "We are sure."',
            ['"It was not our code," the chief executive said.', '"We are sure."'],
        ),
        (
            '"Was it AI?" she asked. The engineers said "No." Then they left.',
            ['"Was it AI?" she asked.', 'The engineers said "No."', "Then they left."],
        ),
        (
            "The site was down... and then it was back. Odd… Really.",
            ["The site was down... and then it was back.", "Odd…", "Really."],
        ),
        (
            "See No. 4 in the list, e.g. the warehouse in St. Louis. Fine.",
            ["See No. 4 in the list, e.g. the warehouse in St. Louis.", "Fine."],
        ),
    ],
)
def test_splits_news_prose(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_a_line_break_ends_a_sentence_and_paragraphs_keep_offsets() -> None:
    text = "Headline without a period\nFirst paragraph. Second sentence.\n\n  Correction: fixed."
    assert texts(text) == [
        "Headline without a period",
        "First paragraph.",
        "Second sentence.",
        "Correction: fixed.",
    ]
    found = paragraphs(text)
    assert [p.text for p in found][-1] == "Correction: fixed."
    assert all(text[p.start : p.end] == p.text for p in found)


def test_empty_and_blank_text_have_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\t\n ") == []


@given(st.text(alphabet=st.sampled_from(list("ab .?!\"'\nU.S3"))))
def test_sentences_are_exact_non_overlapping_slices(text: str) -> None:
    previous_end = 0
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip() and sentence.text
        assert sentence.start >= previous_end
        previous_end = sentence.end


@given(
    st.text(alphabet=st.sampled_from(list("ab .?!\"'\nU.S3A"))),
    st.integers(min_value=0, max_value=6),
)
def test_the_first_sentences_are_those_of_the_whole_split(text: str, count: int) -> None:
    assert first_sentences(text, count) == split_sentences(text)[:count]
