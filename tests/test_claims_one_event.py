"""Free-text who-repeated keeps the event of the article that states the text best."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.test_linking_specifics import FIRST, SAME
from tracker.domain import Mention, Stance, VersionRef
from tracker.domain.claims import ArticleFacts
from tracker.queries.claims import _one_event
from tracker.text.profile import EventProfile
from tracker.text.stored import analyse_version, decode_sentences
from tracker.text.words import Analyzer

SEEN = datetime(2026, 1, 5, tzinfo=UTC)
# Another star's stay at the same clinic years later: a sentence may still match the text.
ELSEWHERE = (
    "Singer Ray Dorn checked into the Harbor Springs treatment center on Friday, his manager "
    "Lee Park said.\n"
    "Dorn, 41, entered the clinic in Malibu on June 12, 2013, after a month of reports.\n"
)


def facts(article_id: int, text: str) -> ArticleFacts:
    """An article with one version of `text`."""
    version = VersionRef(article_id * 10, article_id, text, SEEN)
    return ArticleFacts(article_id, f"https://x.example/{article_id}", 1, SEEN, "live", None, None,
                        (version,), ())  # fmt: skip


def mention(article_id: int, score: float) -> Mention:
    """A mention of the free text in that article's version."""
    return Mention("free-text", article_id * 10, "s", 0, 1, Stance.ASSERTS, score)


def test_an_article_on_another_event_of_the_same_kind_is_dropped() -> None:
    items = [facts(1, FIRST), facts(2, SAME), facts(3, ELSEWHERE)]
    found = {1: [mention(1, 0.95)], 2: [mention(2, 0.3)], 3: [mention(3, 0.6)]}
    assert set(_one_event(found, items)) == {1, 2}


def test_without_a_match_nothing_is_dropped() -> None:
    items = [facts(1, FIRST), facts(3, ELSEWHERE)]
    found: dict[int, list[Mention]] = {1: [], 3: []}
    assert _one_event(found, items) == found


def test_stored_profiles_decide_as_the_texts_do() -> None:
    items = [facts(1, FIRST), facts(2, SAME), facts(3, ELSEWHERE)]
    found = {1: [mention(1, 0.95)], 2: [mention(2, 0.3)], 3: [mention(3, 0.6)]}
    analyzer = Analyzer()
    stored = {
        item.versions[0].id: decode_sentences(
            analyse_version("", item.versions[0].text, analyzer)[1], item.versions[0].text
        )
        for item in items
    }
    read: list[int] = []

    def profile(version: VersionRef) -> EventProfile:
        read.append(version.id)
        return stored[version.id].profile()

    assert _one_event(found, items, profile) == _one_event(found, items)
    assert sorted(read) == [10, 20, 30]  # every article's profile came from the stored rows
