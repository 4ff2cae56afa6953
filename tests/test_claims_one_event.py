"""One claim, one event (`tracker.claims.one_event`): the carriers of another event of the same
kind are left out, judged against several articles on each side, headline included."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from typing import ClassVar

from tests.test_linking_specifics import FIRST
from tests.test_linking_specifics import SAME as FIRST_SAME
from tracker.claims.one_event import (
    CORE_SIZE,
    FAR_READ,
    JOIN_LINKS,
    OTHERS_SIZE,
    STATEMENT_MIN,
    EventText,
    anchor_of,
    event_text,
    one_event,
)
from tracker.domain import Mention, Stance, VersionRef
from tracker.domain.claims import ArticleFacts
from tracker.queries.claims import _one_event
from tracker.testing.filler import filler_text
from tracker.text.profile import ReadyProfile
from tracker.text.specifics import event_score
from tracker.text.stored import analyse_version, decode_sentences
from tracker.text.words import Analyzer

SEEN = datetime(2026, 1, 5, tzinfo=UTC)
# Another star's stay at the same clinic years later: a sentence may still match the text.
ELSEWHERE = (
    "Singer Ray Dorn checked into the Harbor Springs treatment center on Friday, his manager "
    "Lee Park said.\n"
    "Dorn, 41, entered the clinic in Malibu on June 12, 2013, after a month of reports.\n"
)
CLAIM = (
    "Actress Nora Vale checked into the Harbor Springs treatment center, her publicist told People."
)
ANCHOR = (
    f"{CLAIM}\n"
    "Vale, 34, entered the clinic in Malibu on Tuesday, March 3, 2009, after a week of reports,"
    " publicist Dana Cole said.\n"
    "Cole asked for privacy for Vale and her family. Vale cancelled two shows of her Blue Hour"
    " tour.\n"
)
SAME = (
    "Nora Vale has entered rehab at Harbor Springs, her publicist Dana Cole confirmed to People"
    " on Tuesday.\n"
    "The 34-year-old actress arrived at the Malibu clinic on March 3, 2009, Cole said.\n"
    "Vale thanked her fans and called off two Blue Hour tour dates. Cole said Vale would stay"
    " for several weeks.\n"
)
SAME_AGAIN = (
    "Nora Vale is in rehab. The actress checked into Harbor Springs in Malibu on Tuesday, a week"
    " after reports of trouble on her Blue Hour tour.\n"
    "Publicist Dana Cole said on March 3, 2009 that Vale, 34, asked for privacy.\n"
)
# The hard negative: the same star, clinic, town and wording, her stay four years later.
OTHER = (
    "Actress Nora Vale checked into the Harbor Springs treatment center again, her manager told"
    " People.\n"
    "Vale, 38, entered the clinic in Malibu on Friday, June 12, 2013, after a month of reports,"
    " manager Lee Park said.\n"
    "Park asked for privacy for Vale and her family. Vale left her Glass Road film shoot in"
    " Toronto.\n"
)
OTHER_LATER = (
    "Vale back in treatment. The 38-year-old star left the Glass Road shoot in Toronto on Friday"
    " and checked into a treatment center, her manager Lee Park told People.\n"
    "Park said on June 12, 2013 that Vale would stay in the clinic for a month. Park thanked the"
    " Glass Road crew.\n"
)


def facts(article_id: int, text: str, title: str = "") -> ArticleFacts:
    """An article with one version of `text`."""
    version = VersionRef(article_id * 10, article_id, text, SEEN, title)
    return ArticleFacts(article_id, f"https://x.example/{article_id}", 1, SEEN, "live", None, None,
                        (version,), ())  # fmt: skip


def mention(article_id: int, score: float) -> Mention:
    """A mention of the free text in that article's version."""
    return Mention("free-text", article_id * 10, "s", 0, 1, Stance.ASSERTS, score)


def test_an_article_on_another_event_of_the_same_kind_is_dropped() -> None:
    items = [facts(1, FIRST), facts(2, FIRST_SAME), facts(3, ELSEWHERE)]
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

    def profile(version: VersionRef) -> ReadyProfile:
        read.append(version.id)
        return stored[version.id].profile()

    assert _one_event(found, items, profile) == _one_event(found, items)
    assert sorted(read) == [10, 20, 30]  # every article's profile came from the stored rows


def test_the_hard_negative_the_anchor_alone_would_keep_is_dropped() -> None:
    texts = {1: ANCHOR, 2: SAME, 3: OTHER, 4: SAME_AGAIN, 5: OTHER_LATER}
    anchor = EventText.of(ANCHOR)
    # Same wording: against the anchor alone the other stay looks like the same event ...
    assert anchor.score(EventText.of(OTHER)) > 0.5
    best = {1: 1.0, 2: 0.2, 3: 0.9, 4: 0.1, 5: 0.1}
    # ... but it is far from the event's other reports and close to the other stay's.
    assert one_event(best, texts) == {1, 2, 4}
    # Taken into the claim's event as surely the same (a core minimum below its score against
    # the anchor), it stays.
    assert 3 in one_event(best, texts, core_min=anchor.score(EventText.of(OTHER)))


def test_with_one_event_in_sight_only_the_cutoff_drops() -> None:
    texts = {1: ANCHOR, 2: SAME, 4: SAME_AGAIN}
    assert one_event({1: 1.0, 2: 0.2, 4: 0.1}, texts) == {1, 2, 4}
    assert one_event({}, texts) == set()
    assert one_event({1: 1.0, 9: 0.5}, texts) == {1, 9}  # no text: nothing to judge it by


def test_the_headline_is_compared_with_the_body() -> None:
    version = VersionRef(1, 1, "Body text.", SEEN, "The headline")
    assert event_text(version) == "The headline\nBody text."
    assert (
        event_text(VersionRef(1, 1, "The headline\nBody.", SEEN, "The headline")).count("headline")
        == 1
    )
    assert event_text(VersionRef(1, 1, "Body.", SEEN)) == "Body."


# The claim's first report, rich in names its repeats leave out: far from some of them.
FIRST_REPORT = (
    "Actress Nora Vale, who starred in Blue Hour and inspired everyone from Ava Moreno to Tom"
    " Brecht (and whose face sold lunch boxes and posters), checked into the Harbor Springs"
    " treatment center yesterday, her publicist told People.\n"
)
FOLLOWING = (
    "Nora Vale checked into the Harbor Springs treatment center in Malibu on Tuesday, her"
    " publicist Dana Cole told People.\n"
    "The 34-year-old actress arrived at the clinic on March 3, 2009 after a week of reports, Cole"
    " said, and called off two Blue Hour tour dates.\n"
)
IN_SHORT = (
    "Nora Vale, 34, is in rehab. She arrived at the Malibu clinic on March 3, 2009 after a week of"
    " reports, publicist Dana Cole said, and called off two tour dates.\n"
)
BRIEFLY = (
    "Publicist Dana Cole said on March 3, 2009 that Nora Vale, 34, had arrived at a Malibu clinic"
    " after a week of reports. Two tour dates were called off.\n"
)


def test_a_carrier_far_from_the_anchor_but_one_with_the_core_is_not_the_other_event() -> None:
    texts = {1: FIRST_REPORT, 2: FOLLOWING, 3: IN_SHORT, 4: BRIEFLY, 5: OTHER_LATER}
    analysed = {a: EventText.of(t) for a, t in texts.items()}
    # As written: the short reports score low against the first report and high against the
    # carrier that joins it in the core; the hard negative scores low against both.
    assert analysed[1].score(analysed[2]) >= 0.97
    assert all(analysed[1].score(analysed[a]) < 0.25 for a in (3, 4, 5))
    assert all(analysed[2].score(analysed[a]) >= 0.97 for a in (3, 4))
    best = {1: 1.0, 2: 0.9, 3: 0.6, 4: 0.55, 5: 0.5}
    assert one_event(best, texts) == {1, 2, 3, 4}


def _whole_means(
    best: dict[int, float],
    texts: dict[int, EventText],
    core_min: float,
    other_max: float,
    kept_min: float,
    other_core_max: float,
) -> set[int]:
    """`one_event` as the module states it: every mean taken over all its scores."""
    anchor = anchor_of(best)
    assert anchor is not None
    to_anchor = {a: texts[anchor].score(t) for a, t in texts.items() if a != anchor}
    core = [anchor]
    for article in sorted(to_anchor, key=lambda a: (-best[a], a)):
        if to_anchor[article] >= core_min and len(core) < CORE_SIZE:
            core.append(article)

    def mean(article: int) -> float:
        scores = [
            to_anchor[article] if c == anchor else texts[c].score(texts[article]) for c in core
        ]
        return sum(scores) / len(scores)

    outside = [a for a in sorted(to_anchor, key=lambda a: (-best[a], a)) if a not in core]
    # Far from the anchor (best stated first), then far from a core of two or more on average
    # (farthest first); none surely of the core.
    far = [a for a in outside if to_anchor[a] < other_max]
    far += sorted(
        (
            a
            for a in outside
            if to_anchor[a] >= other_max and len(core) > 1 and mean(a) < other_core_max
        ),
        key=mean,
    )
    # None surely of the claim's event: `core_min` against a carrier of the core or any other
    # carrier that scores as much against the anchor.
    sure = core[1:] + [a for a in outside if to_anchor[a] >= core_min]
    far = [a for a in far if not any(texts[c].score(texts[a]) >= core_min for c in sure)]
    others = [
        article
        for article in far
        if any(texts[article].score(texts[b]) >= core_min for b in far if b != article)
    ][:OTHERS_SIZE]
    kept = set(core)
    for article in texts:
        if article in kept or article in others:
            continue
        same = mean(article)
        if same < kept_min:
            continue
        if others and same < sum(texts[o].score(texts[article]) for o in others) / len(others):
            continue
        kept.add(article)
    if not others:  # then `JOIN_LINKS` carriers it surely shares its event with keep one too
        ranked = [anchor, *sorted(to_anchor, key=lambda a: (-best[a], a))]
        members = [a for a in ranked if a in kept][:FAR_READ]
        kept |= {
            a
            for a in [a for a in ranked if a not in kept][:FAR_READ]
            if sum(texts[m].score(texts[a]) >= core_min for m in members) >= JOIN_LINKS
        }
    return kept


def test_means_decided_early_keep_what_the_whole_means_keep() -> None:
    bodies = [ANCHOR, SAME, SAME_AGAIN, OTHER, OTHER_LATER, ELSEWHERE, FIRST, FIRST_SAME]
    texts = {i: EventText.of(body) for i, body in enumerate(bodies, start=1)}
    best = {i: 1.0 - i / 20 for i in texts}
    decided = 0
    for core_min in (0.0, 0.5, 0.97):  # a full core, a middling one, the shipped minimum
        # No other event, and the shipped maximums (against the anchor, against the core).
        for other_max, other_core_max in ((0.0, 0.0), (0.25, 0.0), (0.25, 0.7)):
            for kept_min in (0.05, 0.2, 0.4, 0.6, 0.8, 0.95):
                expected = _whole_means(best, texts, core_min, other_max, kept_min, other_core_max)
                kept = one_event(
                    best,
                    texts,
                    core_min=core_min,
                    other_max=other_max,
                    kept_min=kept_min,
                    other_core_max=other_core_max,
                )
                assert kept == expected
                decided += len(expected) not in (1, len(texts))
    assert decided > 0  # some minimums keep part of the articles: the early exits were used


def test_a_score_sums_the_shared_terms_in_the_smaller_texts_order() -> None:
    # The story similarity as the sum over the terms both texts share, in the order of the text
    # with fewer terms: the lookups made in C must give the same float, bit for bit.
    bodies = [ANCHOR, ELSEWHERE, FIRST, FIRST_SAME, CLAIM, "No names here at all.", ""]
    texts = [EventText.of(body) for body in bodies]
    for one in texts:
        for other in texts:
            small, large = (one, other) if len(one.terms) <= len(other.terms) else (other, one)
            dot = sum(w * large.terms[t] for t, w in small.terms.items() if t in large.terms)
            norms = one.norm * other.norm
            story = dot / norms if norms else 0.0
            expected = event_score(story, one.specifics, other.specifics)
            assert one.score(other) == expected
            ready = EventText.ready(ReadyProfile(one.terms, one.norm, one.prepared))
            assert ready.score(other) == expected


class _Scripted(EventText):
    """An event text whose scores against the others are given (the rule's order under test)."""

    table: ClassVar[dict[frozenset[str], float]] = {}

    @classmethod
    def named(cls, label: str) -> _Scripted:
        made = object.__new__(cls)
        object.__setattr__(made, "label", label)
        return made

    def score(self, other: EventText) -> float:
        pair = frozenset((self.label, other.label))  # type: ignore[attr-defined]
        return 1.0 if len(pair) == 1 else self.table[pair]

    def __eq__(self, other: object) -> bool:  # the same text: the same label
        return isinstance(other, _Scripted) and self.label == other.label  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.label)  # type: ignore[attr-defined]


def test_the_claims_event_does_not_depend_on_which_tied_carrier_was_stored_first() -> None:
    # Five carriers tie on their best mention and all report the anchor's event; four of them
    # are copies of the anchor. Which four join the core must not follow the order the crawl
    # happened to store them in (their ids): x, close to the fifth only, is judged the same way.
    copies = ["c1", "c2", "c3", "c4"]
    table = {frozenset(("anchor", c)): 1.0 for c in copies}
    table |= {frozenset((a, b)): 1.0 for a in copies for b in copies if a != b}
    table |= {frozenset(("anchor", "c5")): 0.98} | {frozenset((c, "c5")): 0.98 for c in copies}
    table |= {frozenset((c, "x")): 0.3 for c in ["anchor", *copies]}
    table[frozenset(("c5", "x"))] = 0.9
    _Scripted.table = table
    assert CORE_SIZE == 5  # the anchor and four: one of the five tied carriers is left out
    best_of = {"anchor": 1.0, "x": 0.5} | dict.fromkeys([*copies, "c5"], 0.9)
    answers = []
    for order in (["anchor", "c5", *copies, "x"], ["anchor", *copies, "c5", "x"]):
        ids = {label: number for number, label in enumerate(order, 1)}
        kept = one_event(
            {ids[k]: v for k, v in best_of.items()},
            {ids[k]: _Scripted.named(k) for k in best_of},
        )
        answers.append({label for label, number in ids.items() if number in kept})
    assert answers[0] == answers[1]
    assert "x" not in answers[0]  # the core is the anchor and the carriers closest to it


def _scripted_case(groups: dict[str, list[str]], between: dict[frozenset[str], float]) -> None:
    """Script the scores: 1.0 within a group, `between` (by the groups' names) across them."""
    group_of = {label: name for name, labels in groups.items() for label in labels}
    _Scripted.table = {
        frozenset((a, b)): 1.0
        if group_of[a] == group_of[b]
        else between[frozenset((group_of[a], group_of[b]))]
        for a in group_of
        for b in group_of
        if a != b
    }


def _kept(best_of: dict[str, float]) -> set[str]:
    ids = {label: number for number, label in enumerate(best_of, 1)}
    kept = one_event(
        {ids[k]: v for k, v in best_of.items()}, {ids[k]: _Scripted.named(k) for k in best_of}
    )
    return {label for label, number in ids.items() if number in kept}


def test_another_event_close_to_the_anchor_but_far_from_its_core_is_left_out() -> None:
    # Another player of the same team arrested on the same charge weeks later: its reports
    # score high against the anchor (the team, the charge, the first arrest recalled), low
    # against the claim's other sure reports, and surely one event among themselves.
    _scripted_case(
        {"anchor": ["anchor"], "core": ["c1", "c2"], "other": ["o1", "o2", "o3", "o4"]},
        {
            frozenset(("anchor", "core")): 0.98,
            frozenset(("anchor", "other")): 0.9,
            frozenset(("core", "other")): 0.4,
        },
    )
    best_of = {"anchor": 1.0, "c1": 0.9, "c2": 0.8, "o1": 0.3, "o2": 0.3, "o3": 0.2, "o4": 0.2}
    # Against the anchor alone none of them is far (0.25): the mean against the core (0.57) is.
    assert _kept(best_of) == {"anchor", "c1", "c2"}


def test_one_odd_carrier_is_no_other_event() -> None:
    # A follow-up of the claim's own event, far from every other report: alone, it does not
    # stand for another event, and the report closest to it stays.
    _scripted_case(
        {"anchor": ["anchor"], "core": ["c1"], "odd": ["odd"], "near": ["near"]},
        {
            frozenset(("anchor", "core")): 0.98,
            frozenset(("anchor", "odd")): 0.1,
            frozenset(("core", "odd")): 0.1,
            frozenset(("anchor", "near")): 0.6,
            frozenset(("core", "near")): 0.6,
            frozenset(("odd", "near")): 0.9,
        },
    )
    assert _kept({"anchor": 1.0, "c1": 0.9, "odd": 0.5, "near": 0.2}) == {"anchor", "c1", "near"}


def test_a_far_pair_close_to_a_sure_carrier_beyond_the_core_is_no_other_event() -> None:
    # An outage's first reports and the restoration they led to (ECB+ 30 in the swapped
    # claims): five carriers score the sure minimum against the anchor, the core holds four, and
    # the fifth (stated least) is as sure of one event with a report of the outage, which two
    # others agree with. They are not another event; the report close to them stays.
    _scripted_case(
        {
            "anchor": ["anchor"],
            "core": ["c1", "c2", "c3", "c4"],
            "c5": ["c5"],
            "o1": ["o1"],
            "o2": ["o2"],
            "near": ["near"],
        },
        {
            frozenset(("anchor", "core")): 0.98,
            frozenset(("anchor", "c5")): 0.98,
            frozenset(("core", "c5")): 0.98,
            frozenset(("c5", "o1")): 0.98,
            frozenset(("c5", "o2")): 0.5,
            frozenset(("o1", "o2")): 1.0,
            frozenset(("anchor", "o1")): 0.1,
            frozenset(("anchor", "o2")): 0.1,
            frozenset(("core", "o1")): 0.1,
            frozenset(("core", "o2")): 0.1,
            frozenset(("anchor", "near")): 0.5,
            frozenset(("core", "near")): 0.5,
            frozenset(("c5", "near")): 0.5,
            frozenset(("o1", "near")): 0.9,
            frozenset(("o2", "near")): 0.9,
        },
    )
    best_of = {"anchor": 1.0} | dict.fromkeys(["c1", "c2", "c3", "c4"], 0.9)
    best_of |= {"c5": 0.5, "o1": 0.3, "o2": 0.3, "near": 0.2}
    # o1 and o2 stay out all the same: far from the claim's event on average (0.1).
    assert _kept(best_of) == {"anchor", "c1", "c2", "c3", "c4", "c5", "near"}


def test_a_carrier_sure_of_the_event_of_two_kept_ones_is_kept() -> None:
    # The anchor is the odd report (a first report in capitals, names its repeats leave out):
    # no carrier is sure of its event, every repeat agrees with the others. One scoring low
    # against the anchor but surely one event with two kept repeats is kept; one that is so
    # with a single repeat only is not.
    _scripted_case(
        {"anchor": ["anchor"], "repeats": ["r1", "r2", "r3"], "two": ["two"], "one": ["one"]},
        {
            frozenset(("anchor", "repeats")): 0.6,
            frozenset(("anchor", "two")): 0.3,
            frozenset(("anchor", "one")): 0.3,
            frozenset(("repeats", "two")): 0.98,
            frozenset(("repeats", "one")): 0.5,
            frozenset(("two", "one")): 0.5,
        },
    )
    _Scripted.table[frozenset(("r1", "one"))] = 0.98
    best_of = {"anchor": 1.0, "r1": 0.3, "r2": 0.3, "r3": 0.3, "two": 0.2, "one": 0.2}
    assert JOIN_LINKS == 2
    assert _kept(best_of) == {"anchor", "r1", "r2", "r3", "two"}


# The claim in five wordings, each naming the company: what the generated articles carry.
_AI_CODE = (
    "Engineers said code written by AI caused the Parcelwise checkout outages.",
    "Code an AI assistant wrote was behind the Parcelwise checkout outages.",
    "The Parcelwise checkout outages came from AI-generated code, staff said.",
    "An AI tool's code brought down the Parcelwise checkout, insiders say.",
    "Parcelwise checkout outages were traced to code produced by AI.",
)


def test_a_claim_carried_by_many_otherwise_unrelated_articles_keeps_every_carrier() -> None:
    """No other event read from far carriers close to a sure carrier past the first few.

    1,600 generated articles, each the claim among unrelated short items; a fifth state it
    whole. Before every sure carrier was read, the far carriers were checked against the 20
    closest to the anchor only, and 335 of these were left out as another event.
    """
    rng = random.Random(3)
    texts = {
        article: f"Story {article}\n" + filler_text(rng, rng.choice(_AI_CODE))
        for article in range(1, 1601)
    }
    best = {article: 1.0 if rng.random() < 0.2 else 0.58 for article in texts}

    assert one_event(best, texts) == set(texts)


# Six short reports of six unrelated events, each with names and numbers of its own.
_UNRELATED = (
    "Voters in Larkspur County approved a $40 million bond for two new schools on Tuesday.",
    "The Rovigo Symphony named Adela Kranj its music director, starting in September 2027.",
    "A fire at the Ostend grain terminal destroyed 3,000 tonnes of wheat early on Sunday.",
    "Striker Tomas Brevik scored twice as Vardal beat Skien 3-1 in the cup semi-final.",
    "The Halvorsen bakery chain will close 14 of its 52 shops by March, its owners said.",
    "Flooding on the Marne closed the A4 motorway near Meaux for six hours on Friday.",
)
_STATEMENT = "Drinking coffee every day protects the heart, doctors say."


def test_a_statement_quoted_in_unrelated_reports_keeps_every_carrier() -> None:
    """No two carriers report one event: the claim is a statement, not an event's report."""
    texts = {i: f"{report} {_STATEMENT}" for i, report in enumerate(_UNRELATED, 1)}
    # Two of the reports also ran as copies (a wire story and a client's reprint).
    texts |= {7: texts[2], 8: texts[5]}
    best = dict.fromkeys(texts, 1.0)

    assert len(best) >= STATEMENT_MIN
    assert one_event(best, texts) == set(texts)
    # Fewer carriers than that may not agree yet: the rule's cutoff still holds for them.
    few = {i: texts[i] for i in (1, 2, 3)}
    assert one_event(dict.fromkeys(few, 1.0), few) == {1}


def test_an_article_quoting_the_claim_only_in_a_later_version_is_no_anchor() -> None:
    # Article 1 first reported the other stay; an edit quotes the claim word for word to call
    # it inaccurate. It ties with the claim's own report (5) on the best mention and has the
    # lower id (stored first): taken as the anchor, its first version's event won.
    edited = "Earlier reports that " + CLAIM[0].lower() + CLAIM[1:-1] + " were inaccurate."
    items = [facts(1, OTHER), facts(2, OTHER_LATER), facts(5, ANCHOR), facts(6, SAME),
             facts(7, SAME_AGAIN)]  # fmt: skip
    first = items[0].versions[0]
    later = VersionRef(11, 1, f"{edited}\n{OTHER}", SEEN, "")
    items[0] = replace(items[0], versions=(first, later))
    found = {a: [mention(a, 0.8)] for a in (2, 6, 7)}
    found[5] = [mention(5, 1.0)]
    found[1] = [mention(1, 0.3), replace(mention(1, 1.0), version_id=later.id)]
    assert set(_one_event(found, items)) == {5, 6, 7}
    best = {a: max(m.score for m in ms) for a, ms in found.items()}
    assert anchor_of(best) == 1  # the lowest id of equals ...
    assert anchor_of(best, frozenset({5})) == 5  # ... unless its first version states it less
    texts = {item.article_id: event_text(item.versions[0]) for item in items}
    assert one_event(best, texts) == {1, 2}  # the old rule: the claim's own event left out
