"""Event profiles stored with a version's analysis decode to what the text gives now."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from tests.test_claims_stored import TEXT, TITLE
from tests.test_linking_specifics import FIRST, OTHER
from tracker.text.profile import (
    EventProfile,
    ReadyProfile,
    decode_profile,
    encode_profile,
    headline_and_body,
    profile_of,
    term_norm,
)
from tracker.text.specifics import PreparedSpecifics, Specifics, specifics_of
from tracker.text.stored import ANALYSIS_FORMAT, analyse_version, decode_sentences, decode_terms
from tracker.text.terms import term_stats
from tracker.text.words import Analyzer


def test_a_profile_reads_back_equal_and_in_the_same_order() -> None:
    for text in (TEXT, FIRST, OTHER, ""):
        profile = decode_profile(encode_profile(profile_of(text)))
        assert profile is not None
        weights = term_stats(text).weights
        # The same floats, bit for bit: the weights, their length and the prepared sums.
        assert profile.weights == weights
        assert profile.norm == term_norm(weights)
        assert profile.prepared == PreparedSpecifics.of(specifics_of(text))
        assert profile == ReadyProfile.of(profile_of(text))
        # Float sums follow the stems' order: the text's order, as computed.
        assert list(profile.weights) == list(weights)
        assert list(profile.prepared.specifics.names) == list(specifics_of(text).names)
        assert list(profile.prepared.specifics.lead_terms) == list(specifics_of(text).lead_terms)


def test_the_stored_analysis_carries_the_profile_of_the_headline_and_text() -> None:
    _, payload = analyse_version(TITLE, TEXT, Analyzer())
    stored = decode_sentences(payload, TEXT)
    # The filter reads the headline first, as the event score was fit on texts that open with it.
    assert stored.profile() == ReadyProfile.of(profile_of(headline_and_body(TITLE, TEXT)))
    assert stored.profile() != ReadyProfile.of(profile_of(TEXT))


def test_a_profile_stored_for_other_specifics_fields_is_computed_again() -> None:
    *ready, names, specifics = json.loads(encode_profile(profile_of(FIRST)))
    changed = json.dumps([*ready, f"{names} retired_field", [*specifics, []]])
    assert decode_profile(changed) is None
    _, payload = analyse_version("", FIRST, Analyzer())
    body = decode_sentences(payload, FIRST)
    stale = type(body)(body.title_keys, body.sentences, body.text, changed)
    assert stale.profile() == ReadyProfile.of(profile_of(FIRST))


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (TITLE, TEXT),
        ("Talks in the U.S.", "S. Korea said Monday it would join."),
        ("Storm warning ", ' "Harbor Springs closed," Vale said.\nMore on #ParcelwiseDown.'),
        ("A title\nwith two lines: Paris", "\n  Berlin answered. Berlin 2009 and 4,000 people."),
        ("#BreakingNews", "Tuesday, March 3, 2009: Cole said so."),
        ("", FIRST),
        ("   ", OTHER),
    ],
)
def test_stored_terms_are_the_title_and_text_read_together(title: str, text: str) -> None:
    terms, _ = analyse_version(title, text, Analyzer())
    expected = term_stats(f"{title}\n{text}")
    assert decode_terms(terms) == expected
    assert list(decode_terms(terms).counts) == list(expected.counts)  # same order of stems


def test_a_specifics_field_of_any_stored_kind_reads_back_equal() -> None:
    specifics = Specifics(
        years=frozenset({"2009", "2011"}),
        months=frozenset(),
        weekdays=frozenset({"monday"}),
        names={"vale": 2, "cole": 1},
        lead={},
        numbers=frozenset({"4000", "17"}),
        lead_terms={"vale": 2.5, "cole": 1.0},
        lead_years=frozenset(),
        lead_weekdays=frozenset({"monday"}),
        dates=frozenset({(3, 12), (4, 1)}),
        name_pairs=frozenset({("jamal", "william")}),
        phrases=frozenset({17, 4}),
    )
    profile = EventProfile(term_stats("Vale met Cole."), specifics)
    ready = decode_profile(encode_profile(profile))
    assert ready == ReadyProfile.of(profile)
    assert ready is not None and ready.prepared.latest_year == 2011


def test_the_analysis_format_names_the_specifics_it_stores() -> None:
    # A tripwire: stored profiles are `specifics_of`'s output. When its fields or what it
    # computes change, bump ANALYSIS_FORMAT (stored rows are then made again) and update this.
    names = [f.name for f in fields(Specifics)]
    stored = ["years", "months", "weekdays", "names", "lead", "numbers", "lead_terms",
              "lead_years", "lead_weekdays", "dates", "name_pairs", "phrases"]  # fmt: skip
    assert (ANALYSIS_FORMAT, names) == (8, stored)
