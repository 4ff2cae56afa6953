"""Attribution phrases: which outlet a text credits, with the phrase and where it lies."""

from __future__ import annotations

import pytest

from tests.support.linking_story import COURIER, LEDGER, OUTLETS, WIRE
from tracker.domain import Outlet
from tracker.linking.credits import find_credits, told_by_headline

PEOPLE = Outlet("People", "people.example")
LEDGER_ALIAS = Outlet("Ledger Weekly", "weekly.example", ("Weekly",))


def credited(text: str, own: str | None = None) -> list[tuple[str, str, str]]:
    """(cue, outlet domain, phrase) of every credit, checking offsets on the way."""
    found = find_credits(text, (*OUTLETS, PEOPLE), own_domain=own)
    for credit in found:
        assert text[credit.start : credit.end] == credit.phrase
    return [(c.cue, c.outlet.domain, c.phrase) for c in found]


@pytest.mark.parametrize(
    ("text", "cue", "phrase"),
    [
        (
            "The bridge will close, according to the Harbor Ledger.",
            "according_to",
            "according to the Harbor Ledger",
        ),
        (
            "The cracks were first reported by the Ledger on Monday.",
            "first_reported_by",
            "first reported by the Ledger",
        ),
        (
            "As reported by Valley Courier, the ferry adds crossings.",
            "reported_by",
            "reported by Valley Courier",
        ),
        (
            "Officials, citing a report in the Harbor Ledger, said more.",
            "citing",
            "citing a report in the Harbor Ledger",
        ),
        ("Bridge closed for weeks (h/t Valley Courier).", "hat_tip", "h/t Valley Courier"),
        (  # a tokenised text writes its quotation marks as two apostrophes
            "According to ''The Harbor Ledger'' , the bridge will close.",
            "according_to",
            "According to ''The Harbor Ledger'",  # the closing mark reads as a possessive
        ),
        ("Bridge closed for weeks, via CPW.", "via", "via CPW"),
        (
            "The Ledger first reported the closure on Tuesday.",
            "reported",
            "The Ledger first reported",
        ),
        ("Valley Courier reported that the ferry was full.", "reported", "Valley Courier reported"),
        ("Dana Roe of Valley Courier reported the closure.", "reported", "Valley Courier reported"),
        ("The Ledger's report said two beams had cracked.", "report_of", "The Ledger's report"),
        (
            "The story first appeared in the Harbor Ledger.",
            "first_reported_by",
            "first appeared in the Harbor Ledger",
        ),
        ("MARLOW BAY (CPW) — The bridge will close.", "dateline", "(CPW)"),
        ("The bridge will close.\n— Coastal Press Wire", "byline", "— Coastal Press Wire"),
        ("By Coastal Press Wire\nThe bridge will close.", "byline", "By Coastal Press Wire"),
        (
            "The bridge will close.\nCoastal Press Wire contributed to this report.",
            "contributed",
            "Coastal Press Wire contributed to this report",
        ),
        ("WASHINGTON (CPW) - The bridge will close.", "dateline", "(CPW)"),
        ("(CPW) The bridge will close.", "dateline", "(CPW)"),
        ("MARLOW BAY, Nov. 4 /CPW/ -- The bridge will close.", "dateline", "/CPW/"),
        (
            "The bridge will close.\n© 2026 Coastal Press Wire.",
            "byline",
            "© 2026 Coastal Press Wire",
        ),
        ("The bridge will close.\nWith Ledger wires", "byline", "With Ledger"),
        (
            "The bridge will close.\nThe Ledger’s Ann Bo contributed to this report.",
            "contributed",
            "The Ledger’s Ann Bo contributed to this report",
        ),
        (
            "The Ledger is reporting that the bridge will close.",
            "reported",
            "The Ledger is reporting",
        ),
        ("The bridge will close, reports CPW.", "reported", ", reports CPW"),
        ("The bridge will close, the Ledger story said.", "report_of", "the Ledger story"),
        (
            "The bridge shut, according to the state-run Coastal Press Wire.",
            "according_to",
            "according to the state-run Coastal Press Wire",
        ),
        (
            "The bridge shut, according to initial reports by Valley Courier.",
            "according_to",
            "according to initial reports by Valley Courier",
        ),
        (
            "Damage was minor, the mayor was quoted as saying by CPW.",
            "quoted_by",
            "quoted as saying by CPW",
        ),
        (
            "Engineers quoted by the Harbor Ledger said so.",
            "quoted_by",
            "quoted by the Harbor Ledger",
        ),
        (
            "Valley Courier, which first reported the closure, said more.",
            "reported",
            "Valley Courier, which first reported",
        ),
        ("The Ledger also reported that cracks grew.", "reported", "The Ledger also reported"),
    ],
)
def test_each_cue_credits_the_named_outlet(text: str, cue: str, phrase: str) -> None:
    found = credited(text)
    assert len(found) == 1
    assert found[0][0] == cue
    assert found[0][2] == phrase


@pytest.mark.parametrize(
    "text",
    [
        "A spokesman told the Ledger the repairs would take weeks.",
        "Her rep told People she was resting.",
        "“It will take weeks,” the mayor tells the Harbor Ledger.",
        "The mayor confirmed to Valley Courier that the bridge will shut.",
        "Speaking to the Ledger, the mayor said the bridge will shut.",
        "In an interview with Valley Courier, the mayor said more.",
        "The mayor said in a statement emailed to the Ledger that it will shut.",
        # An abbreviation after the full name is not a wire dateline.
        "“It will shut,” the mayor told the Coastal Press Wire (CPW).",
        "Engineers of Marlow Port Works (CPW) inspected the beams.",
        # Photo credits credit a picture, not the text.
        "The closed bridge on Monday. (Ann Bo/CPW/Getty Images)",
        "Photograph: Ann Bo/CPW",
        "Photograph: CPW via Getty",
        "Commuters wait for the ferry. (Marlow Port via CPW, File)",
        "Marlow Port Authority via CPW",
        "Photo: Valley Courier",
        # A name after a preposition is not who reported.
        "Readers who shop on Valley Courier reported problems with their orders.",
    ],
)
def test_interviews_abbreviations_and_photo_credits_are_not_credits(text: str) -> None:
    assert credited(text) == []


def test_the_outlet_is_resolved_through_names_aliases_and_domain() -> None:
    text = (
        "According to the Harbor Ledger, the bridge shut. The Ledger reported cracks. "
        "As first reported by ledger.example, the beams failed."
    )
    assert {domain for _, domain, _ in credited(text)} == {LEDGER.domain}
    assert len(credited(text)) == 3


def test_case_does_not_matter_except_for_an_all_lower_case_common_word() -> None:
    assert credited("ACCORDING TO THE HARBOR LEDGER, the bridge shut.")[0][1] == LEDGER.domain
    assert credited("Her rep told people she was resting.") == []


def test_a_mention_without_a_cue_is_not_a_credit() -> None:
    assert credited("The Harbor Ledger building on Quay Street was evacuated.") == []
    assert credited("Reporters from Valley Courier and the Ledger attended.") == []


def test_the_articles_own_outlet_is_never_a_credit() -> None:
    text = "By The Harbor Ledger\nThe bridge will close, the Ledger has learned.\n— Harbor Ledger"
    assert credited(text, own=LEDGER.domain) == []
    assert credited(text) != []


def test_wire_cues_are_marked_as_wire() -> None:
    found = find_credits("MARLOW BAY (CPW) — Prices rise, according to Valley Courier.", OUTLETS)
    assert [(c.outlet, c.wire) for c in found] == [(WIRE, True), (COURIER, False)]


def test_the_longest_name_wins_and_words_stay_whole() -> None:
    outlets = (LEDGER, LEDGER_ALIAS)
    found = find_credits("The rise was first reported by Ledger Weekly.", outlets)
    assert [c.outlet for c in found] == [LEDGER_ALIAS]
    assert find_credits("according to Ledgers of the port", outlets) == []
    assert find_credits("anything at all", ()) == []


def test_outlets_given_again_are_read_afresh_unless_the_very_same_tuple() -> None:
    text = "The ferry adds crossings, according to People."
    outlets = [*OUTLETS]
    assert find_credits(text, outlets) == []
    outlets.append(PEOPLE)  # the same list, changed: its new outlet is credited
    assert [c.outlet for c in find_credits(text, outlets)] == [PEOPLE]
    same = (*OUTLETS, PEOPLE)
    assert [c.outlet for c in find_credits(text, same)] == [PEOPLE]
    assert [c.outlet for c in find_credits(text, same)] == [PEOPLE]  # remembered by identity
    assert find_credits(text, tuple(OUTLETS)) == []  # another tuple: compiled for itself


HEADLINES = [
    (1, "Harbor bridge to close for three weeks after cracks found in beams"),
    (2, "Library extends its evening hours"),
    (3, "Water prices rise twelve percent"),
    (4, "Bridge club meets on Thursdays"),
]


def test_the_headline_of_the_credited_story_comes_first() -> None:
    text = "Cracked beams will keep the harbor bridge closed for weeks, according to the Ledger."
    credits = find_credits(text, OUTLETS)
    assert told_by_headline("Commuters face detours", text, credits, HEADLINES, 5) == [1]


def test_one_shared_word_names_no_story() -> None:
    text = "The bridge will reopen on Friday, according to the Ledger."
    credits = find_credits(text, OUTLETS)
    assert told_by_headline("", text, credits, HEADLINES, 5) == []  # "bridge" alone
    assert told_by_headline("Bridge club season", text, credits, HEADLINES, 5) == [4]


def test_only_the_text_around_a_credit_is_read_and_the_limit_holds() -> None:
    far = "Water prices will rise by twelve percent, the utility said. " + "Other news. " * 60
    text = far + "The library extends its evening hours, according to the Ledger."
    credits = find_credits(text, OUTLETS)
    assert told_by_headline("", text, credits, HEADLINES, 5) == [2]
    near = "Water prices rise by twelve percent. " + text[len(far) :]
    found = told_by_headline("", near, find_credits(near, OUTLETS), HEADLINES, 5)
    assert found == [3, 2]  # all of headline 3's words, then 2's
    assert told_by_headline("", near, find_credits(near, OUTLETS), HEADLINES, 1) == [3]
