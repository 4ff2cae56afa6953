"""Event specifics: dates, numbers and names decide between one event and another of its kind."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.linking_story import INDEPENDENT, LIBRARY
from tracker.config import LinkSettings
from tracker.domain import ArticleRef
from tracker.linking.compare import Candidate, compare, prepare
from tracker.linking.paraphrase import LexicalMatcher, terms_similarity
from tracker.text.specifics import (
    FEATURES,
    PreparedSpecifics,
    event_features,
    event_score,
    prepared_event_score,
    specifics_of,
)

SETTINGS = LinkSettings()

FIRST = (
    "Actress Nora Vale checked into the Harbor Springs treatment center on Tuesday, her "
    "publicist Dana Cole said.\n"
    "Vale, 34, entered the clinic in Malibu on March 3, 2009, after a week of reports.\n"
    "Cole asked for privacy for Vale and her family. Vale has been treated there before.\n"
)
SAME = (
    "Nora Vale has checked into rehab at Harbor Springs, her publicist Dana Cole confirmed "
    "Tuesday.\n"
    "The 34-year-old actress arrived in Malibu on March 3, 2009, Cole said.\n"
    "Vale thanked her fans. Cole said Vale would stay for several weeks.\n"
)
# The same star's stay four years later: same person, place and wording, another event.
OTHER = (
    "Actress Nora Vale checked into the Betty Lane treatment center on Friday, her manager "
    "Lee Park said.\n"
    "Vale, 38, entered the clinic in Palm Desert on June 12, 2013, after a month of reports.\n"
    "Park asked for privacy for Vale and her family. Vale has been treated before.\n"
)


def score(left: str, right: str) -> float:
    """The event score of two texts, as the linker computes it."""
    a, b = prepare(left), prepare(right)
    return event_score(terms_similarity(a.terms, b.terms), a.specifics, b.specifics)


def test_specifics_read_calendar_words_numbers_and_names() -> None:
    found = specifics_of("On Wed. the firm, based in Oslo, said 4,000 jobs go by Dec. 2013.\n")
    assert found.weekdays == {"wednesday"}
    assert found.months == {"december"}
    assert found.years == {"2013"}
    assert found.numbers == {"4000", "2013"}
    assert "oslo" in found.names
    assert "wednesday" not in found.names  # calendar words are not names


def test_specifics_read_dates_in_the_forms_news_writes_them() -> None:
    found = specifics_of(
        "Posted 2 / 3 / 2009. Police said on March 5 and on 7th June that 3 Marines left.\n"
        "The report of 2009-02-10 and of Sept. 12th, 2008 was filed.\n"
    )
    assert found.dates == {(2, 3), (3, 5), (6, 7), (2, 10), (9, 12)}  # "3 Marines" is no date


def test_the_opening_holds_its_own_years_weekdays_and_weighted_stems() -> None:
    found = specifics_of(
        "Chargers' Jamal Williams arrested.\nFebruary 5, 2009\nWilliams was held on Sunday.\n"
        "In 2006 he was fined on a Monday.\n"
    )
    assert found.lead_years == {"2009"}
    assert found.years == {"2006", "2009"}
    assert found.lead_weekdays == {"sunday"}
    assert found.lead_terms["william"] > found.lead_terms["arrest"] > 0  # names weigh more
    assert "fine" not in found.lead_terms
    assert ("jamal", "william") in found.name_pairs


def test_shared_phrasing_and_figures_raise_the_score() -> None:
    base = "Nora Vale checked into Harbor Springs, publicist Dana Cole said.\n"
    plain = score(base + "She arrived there.\n", base + "Her stay began.\n")
    phrase = "Vale spent 12 days at the clinic in the desert hills.\n"
    shared = score(base + phrase, base + phrase.replace("Vale", "She"))
    assert shared > plain


def test_a_sentence_opening_capital_is_not_a_name() -> None:
    found = specifics_of("Firefighters reached Oslo. Police said little.\n")
    assert set(found.names) == {"oslo"}


def test_the_same_event_scores_above_another_event_of_the_same_kind() -> None:
    same, other = score(FIRST, SAME), score(FIRST, OTHER)
    assert same >= SETTINGS.event_min_score
    assert other < SETTINGS.event_min_score
    # Story similarity alone joined them: only the specifics tell them apart.
    a, c = prepare(FIRST), prepare(OTHER)
    assert terms_similarity(a.terms, c.terms) >= SETTINGS.story_min_score


def test_conflicting_dates_lower_the_score_and_shared_ones_raise_it() -> None:
    base = "Nora Vale checked into Harbor Springs, publicist Dana Cole said.\n"
    shared = score(base + "It was March 3, 2009.\n", base + "She arrived March 3, 2009.\n")
    none = score(base, base)
    conflict = score(base + "It was March 3, 2009.\n", base + "She arrived June 12, 2013.\n")
    assert shared > none > conflict


def test_features_are_symmetric_and_named() -> None:
    a, b = specifics_of(FIRST), specifics_of(OTHER)
    assert event_features(0.5, a, b) == event_features(0.5, b, a)
    assert len(event_features(0.5, a, b)) == len(FEATURES)


def test_texts_of_one_town_on_different_stories_are_not_one_event() -> None:
    # A library's opening hours and a bridge closure share only the town's name.
    target, source = prepare(INDEPENDENT), prepare(LIBRARY)
    seen = datetime(2026, 1, 5, tzinfo=UTC)
    ref = ArticleRef(1, "https://courier.example/1", "courier.example", seen)
    candidate = Candidate(ref, LIBRARY)
    compared = compare(target, candidate, source, SETTINGS, LexicalMatcher())
    assert compared.story < SETTINGS.event_min_story
    assert compared.event == 0.0
    assert not compared.paraphrase.pairs


def test_prepared_specifics_score_exactly_as_the_plain_ones() -> None:
    texts = [FIRST, SAME, OTHER, INDEPENDENT, LIBRARY, "No names here at all.", ""]
    for left in texts:
        for right in texts:
            a, b = specifics_of(left), specifics_of(right)
            for story in (0.0, 0.37, 1.0):
                prepared = prepared_event_score(
                    story, PreparedSpecifics.of(a), PreparedSpecifics.of(b)
                )
                assert prepared == event_score(story, a, b)  # bit for bit, not approximately
