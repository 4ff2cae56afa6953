"""The choice of source: order in time, explicit over inferred, chains, common sources."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.support.linking_story import (
    ADDED,
    BRIDGE,
    COURIER,
    GAZETTE,
    INDEPENDENT,
    LEDGER,
    LIBRARY,
    NORTHSIDE,
    ORIGINAL,
    OUTLETS,
    OWN,
    PARAPHRASE,
    WATER,
    WIRE,
    ref,
)
from tracker.config import LinkSettings
from tracker.domain import ArticleRef, EdgeKind, Outlet
from tracker.errors import BadInput
from tracker.linking.align import align
from tracker.linking.choose import Decision, ResolvedLink, decide, link_article, to_relink
from tracker.linking.compare import Candidate, Comparison, Prepared, compare, prepare
from tracker.linking.credits import mentions
from tracker.linking.order import effective_time, linking_order, precedes
from tracker.linking.paraphrase import ParaphraseScore, matcher_for

SETTINGS = LinkSettings()
A = ref(1, LEDGER, 0)  # the original
A_TEXT = ORIGINAL


def link(
    article: ArticleRef,
    text: str,
    *candidates: tuple[ArticleRef, str],
    links: tuple[ResolvedLink, ...] = (),
) -> Decision:
    return link_article(
        article,
        text,
        [Candidate(r, t) for r, t in candidates],
        SETTINGS,
        outlets=OUTLETS,
        links=links,
    )


def kinds(decision: Decision) -> dict[int, EdgeKind]:
    return {edge.source_id: edge.kind for edge in decision.edges}


# ---------------------------------------------------------------- time order


def test_a_believable_publication_date_is_the_effective_time() -> None:
    article = ref(1, LEDGER, 60, published_minutes=30)
    assert effective_time(article, SETTINGS) == article.published


def test_publication_dates_in_the_future_or_far_before_first_seen_are_not_believed() -> None:
    future = ref(1, LEDGER, 60, published_minutes=90)
    ancient = ref(2, LEDGER, 60, published_minutes=-60 * 24 * 10)
    missing = ref(3, LEDGER, 60)
    for article in (future, ancient, missing):
        assert effective_time(article, SETTINGS) == article.first_seen


def test_a_backdated_copy_seen_later_never_precedes_the_original() -> None:
    original = ref(1, LEDGER, 0, published_minutes=-10)
    backdated = ref(2, COURIER, 30, published_minutes=-120)  # claims to be two hours older
    assert precedes(original, backdated, SETTINGS)
    assert not precedes(backdated, original, SETTINGS)


def test_within_one_crawl_run_publication_dates_decide() -> None:
    fetched_first = ref(1, COURIER, 0, published_minutes=-5)
    published_first = ref(2, LEDGER, 2, published_minutes=-90)
    assert precedes(published_first, fetched_first, SETTINGS)
    assert not precedes(fetched_first, published_first, SETTINGS)
    assert not precedes(fetched_first, fetched_first, SETTINGS)


def test_a_backlog_of_one_run_is_ordered_by_its_dates_however_far_back_they_lie() -> None:
    # Both pages state dates months before the run that first saw them (an outlet added late):
    # the order the run fetched them in says nothing, the four hours between their dates do.
    months = -60 * 24 * 120
    fetched_first = ref(1, COURIER, 0, published_minutes=months + 240)
    published_first = ref(2, GAZETTE, 1, published_minutes=months)
    assert precedes(published_first, fetched_first, SETTINGS)
    assert not precedes(fetched_first, published_first, SETTINGS)


def test_two_dates_too_far_apart_to_compare_leave_the_order_to_first_seen() -> None:
    # A year in one page's furniture is not believed against another page's recent date.
    fetched_first = ref(1, COURIER, 0, published_minutes=-60 * 24 * 365)
    fetched_later = ref(2, GAZETTE, 1, published_minutes=-30)
    assert precedes(fetched_later, fetched_first, SETTINGS)  # the believed date, as before
    stale = ref(3, GAZETTE, 1, published_minutes=-60 * 24 * 5)
    assert precedes(fetched_first, stale, SETTINGS)  # neither believed: first-seen decides


def test_one_run_is_linked_in_the_order_of_its_dates_not_of_its_fetching() -> None:
    # Keys are version ids in fetch order; the originals were fetched last.
    copy = ref(1, COURIER, 0, published_minutes=-5)
    chain = ref(2, GAZETTE, 1, published_minutes=-20)
    original = ref(3, LEDGER, 2, published_minutes=-90)
    refs = {10: copy, 11: chain, 12: original}
    assert linking_order(refs, SETTINGS) == [12, 11, 10]
    for earlier, later in ((original, chain), (chain, copy), (original, copy)):
        assert precedes(earlier, later, SETTINGS)


def test_runs_further_apart_than_the_tolerance_keep_first_seen_order() -> None:
    original = ref(1, LEDGER, 0, published_minutes=-10)
    backdated = ref(2, COURIER, 30, published_minutes=-120)
    assert linking_order({5: backdated, 4: original}, SETTINGS) == [4, 5]


def test_a_backlog_of_one_run_is_linked_in_the_order_of_its_dates() -> None:
    months = -60 * 24 * 120
    fetched_first = ref(1, COURIER, 0, published_minutes=months + 240)
    published_first = ref(2, GAZETTE, 1, published_minutes=months)
    assert linking_order({1: fetched_first, 2: published_first}, SETTINGS) == [2, 1]


def test_the_versions_of_one_article_keep_their_order() -> None:
    article = ref(1, LEDGER, 0, published_minutes=-5)
    other = ref(2, COURIER, 1, published_minutes=-50)
    refs = {7: article, 3: article, 5: other}
    assert linking_order(refs, SETTINGS) == [5, 3, 7]


def test_a_chain_fetched_before_its_intermediary_in_one_run_still_goes_through_it() -> None:
    months = -60 * 24 * 120
    original = ref(1, LEDGER, 0, published_minutes=months)
    intermediary = ref(3, GAZETTE, 2, published_minutes=months + 300)
    chain = ref(2, COURIER, 1, published_minutes=months + 540)  # fetched before the intermediary
    b_text = "\n".join([BRIDGE[0], BRIDGE[1], "Local police said they were watching closely."])
    assert link(chain, b_text, (original, A_TEXT), (intermediary, b_text)).source_id == 3
    partial = link(intermediary, b_text, (original, A_TEXT), (chain, b_text))
    assert partial.source_id == original.id
    assert to_relink(intermediary, [Candidate(chain, b_text)], SETTINGS) == [chain.id]


# ---------------------------------------------------------------- scenarios


def test_an_article_with_no_earlier_source_is_an_original() -> None:
    decision = link(A, A_TEXT, (ref(2, NORTHSIDE, 10), INDEPENDENT))
    assert decision.source_id is None
    assert decision.edges == ()


def test_a_verbatim_copy_copies_the_original_with_its_passages() -> None:
    copy = ref(2, COURIER, 60)
    decision = link(copy, A_TEXT, (A, A_TEXT))
    assert decision.source_id == A.id
    (edge,) = decision.edges
    assert (edge.source_id, edge.target_id, edge.kind) == (A.id, copy.id, EdgeKind.COPIES)
    assert edge.score == 1.0
    passages = edge.evidence["passages"]
    assert isinstance(passages, list) and passages[0]["target_start"] == 0


def test_a_partial_copy_with_its_own_paragraphs_copies_the_original() -> None:
    text = "\n".join([OWN[0], BRIDGE[0], BRIDGE[2], BRIDGE[3], OWN[1]])
    decision = link(ref(2, COURIER, 60), text, (A, A_TEXT))
    assert kinds(decision) == {A.id: EdgeKind.COPIES}
    share = decision.edges[0].evidence["share"]
    assert isinstance(share, float) and 0.4 < share < 0.8


def test_a_later_candidate_is_never_a_source() -> None:
    decision = link(
        ref(2, COURIER, 60),
        A_TEXT,
        (replace(A, first_seen=A.first_seen + timedelta(hours=2)), A_TEXT),
    )
    assert decision.edges == ()


def test_chain_an_intermediary_whose_added_text_is_copied_is_the_source() -> None:
    intermediary = ref(2, GAZETTE, 30)
    b_text = "\n".join([*BRIDGE[:3], ADDED, *BRIDGE[3:]])
    c_text = "\n".join([OWN[0], b_text])
    decision = link(ref(3, COURIER, 60), c_text, (A, A_TEXT), (intermediary, b_text))
    assert decision.source_id == intermediary.id
    assert kinds(decision) == {intermediary.id: EdgeKind.COPIES}


def test_chain_a_short_line_of_the_intermediarys_own_makes_it_the_source() -> None:
    # A partial copy (the original's first two paragraphs) with one short line of its own,
    # copied verbatim: the original explains all but that line, yet only the intermediary has it.
    intermediary = ref(2, GAZETTE, 30)
    line = "Local police said they were watching the traffic closely."
    b_text = "\n".join([BRIDGE[0], BRIDGE[1], line])
    decision = link(ref(3, COURIER, 60), b_text, (A, A_TEXT), (intermediary, b_text))
    assert decision.source_id == intermediary.id
    assert kinds(decision) == {intermediary.id: EdgeKind.COPIES}
    assert decision.edges[0].evidence["only_in_source"] == [line.rstrip(".")]


def test_chain_the_intermediary_wins_whichever_order_the_candidates_come_in() -> None:
    intermediary = ref(2, GAZETTE, 30)
    b_text = "\n".join([BRIDGE[0], BRIDGE[1], "Local police said they were watching closely."])
    for order in ([(A, A_TEXT), (intermediary, b_text)], [(intermediary, b_text), (A, A_TEXT)]):
        assert link(ref(3, COURIER, 60), b_text, *order).source_id == intermediary.id


def test_within_one_run_and_without_dates_fetch_order_does_not_make_an_intermediary() -> None:
    # Seen a few seconds apart with no dates: which of the two copied the other is unknown, so
    # the line they share decides nothing and the copy goes to the original, as before.
    original = ref(1, LEDGER, 0)
    b_text = "\n".join([BRIDGE[0], BRIDGE[1], "Local police said they were watching closely."])
    fetched_first = ref(2, GAZETTE, 60.05)
    decision = link(ref(3, COURIER, 60.1), b_text, (original, A_TEXT), (fetched_first, b_text))
    assert decision.source_id == original.id


def test_a_copy_that_drops_the_intermediarys_line_goes_to_the_original() -> None:
    intermediary = ref(2, GAZETTE, 30)
    b_text = "\n".join([BRIDGE[0], BRIDGE[1], "Local police said they were watching closely."])
    c_text = "\n".join([BRIDGE[0], BRIDGE[1], OWN[0]])
    decision = link(ref(3, COURIER, 60), c_text, (A, A_TEXT), (intermediary, b_text))
    assert decision.source_id == A.id
    assert "only_in_source" not in decision.edges[0].evidence


def test_star_a_copy_of_text_the_original_had_goes_to_the_original() -> None:
    other_copy = ref(2, GAZETTE, 30)
    b_text = "\n".join([*BRIDGE[:3], ADDED, *BRIDGE[3:]])
    c_text = "\n".join([BRIDGE[0], BRIDGE[1], BRIDGE[4], OWN[1]])
    decision = link(ref(3, COURIER, 60), c_text, (other_copy, b_text), (A, A_TEXT))
    assert decision.source_id == A.id
    assert kinds(decision) == {A.id: EdgeKind.COPIES}


def test_copies_of_a_stored_wire_story_point_to_it_as_common_source() -> None:
    wire = ref(1, WIRE, 0)
    first = ref(2, COURIER, 30)
    second = ref(3, NORTHSIDE, 60)
    first_text = "\n".join([WATER, OWN[1]])
    assert kinds(link(first, first_text, (wire, WATER))) == {wire.id: EdgeKind.COMMON_SOURCE}
    decision = link(second, WATER, (wire, WATER), (first, first_text))
    assert decision.source_id == wire.id
    assert kinds(decision) == {wire.id: EdgeKind.COMMON_SOURCE}
    assert decision.edges[0].evidence["wire"] == WIRE.domain


def test_two_copies_of_an_unstored_wire_story_are_not_linked_to_each_other() -> None:
    first = ref(2, COURIER, 30)
    decision = link(ref(3, NORTHSIDE, 60), WATER, (first, "\n".join([WATER, OWN[1]])))
    assert decision.edges == ()
    assert decision.source_id is None
    assert [(c.outlet, c.cue) for c in decision.unresolved] == [(WIRE, "dateline")]


def test_a_plain_copy_of_a_non_wire_copy_is_still_a_copy() -> None:
    first = ref(2, COURIER, 30)
    first_text = "\n".join([LIBRARY, OWN[1]])
    decision = link(ref(3, NORTHSIDE, 60), first_text, (first, first_text))
    assert kinds(decision) == {first.id: EdgeKind.COPIES}


def test_a_paraphrase_paraphrases_the_original() -> None:
    decision = link(
        ref(2, COURIER, 60), PARAPHRASE, (A, A_TEXT), (ref(3, NORTHSIDE, 10), INDEPENDENT)
    )
    assert decision.source_id == A.id
    assert kinds(decision) == {A.id: EdgeKind.PARAPHRASES}
    evidence = decision.edges[0].evidence["paraphrase"]
    assert isinstance(evidence, dict) and evidence["pairs"]


def test_an_independent_report_of_the_same_event_gets_no_edge() -> None:
    decision = link(ref(2, NORTHSIDE, 60), INDEPENDENT, (A, A_TEXT))
    assert decision.edges == ()


def test_a_shared_quotation_is_not_a_copy() -> None:
    quote = (
        "“I have never seen anything like it, we moved two kilometres in forty minutes and the "
        "ferry queue was even longer than the one on the ring road,” said a driver."
    )
    first = "\n".join([LIBRARY, quote])
    second = "\n".join([WATER.replace("MARLOW BAY (CPW) — ", ""), quote])
    decision = link(ref(2, NORTHSIDE, 60), second, (ref(1, COURIER, 0), first))
    assert decision.edges == ()


def test_a_credit_resolves_to_the_outlets_earliest_article_on_the_story() -> None:
    ledger_followup = ref(2, LEDGER, 40)
    ledger_other_story = ref(3, LEDGER, -60)
    text = "According to the Harbor Ledger, the harbor bridge is closed.\n" + INDEPENDENT
    decision = link(
        ref(4, NORTHSIDE, 60),
        text,
        (ledger_followup, A_TEXT),
        (A, A_TEXT),
        (ledger_other_story, LIBRARY),
    )
    assert decision.source_id == A.id
    assert kinds(decision) == {A.id: EdgeKind.CREDITS}
    credit = decision.edges[0].evidence["credit"]
    assert isinstance(credit, dict)
    assert credit["phrase"] == "According to the Harbor Ledger" and credit["start"] == 0


def test_a_credit_resolves_to_the_outlets_article_whose_text_is_copied() -> None:
    # The outlet's older article on the story is not what a copy of its later one credits.
    ledger_update = ref(2, LEDGER, 40)
    text = "According to the Harbor Ledger, the bridge stays shut.\n" + PARAPHRASE
    decision = link(ref(4, NORTHSIDE, 60), text, (A, A_TEXT), (ledger_update, PARAPHRASE))
    credited = [e.source_id for e in decision.edges if e.kind is EdgeKind.CREDITS]
    assert credited == [ledger_update.id]
    assert decision.source_id == ledger_update.id


def test_a_credit_with_no_stored_article_on_the_story_stays_unresolved() -> None:
    text = "As first reported by Valley Courier, the harbor bridge is closed.\n" + INDEPENDENT
    decision = link(ref(4, NORTHSIDE, 60), text, (ref(2, COURIER, 0), LIBRARY))
    assert decision.edges == ()
    assert [c.outlet for c in decision.unresolved] == [COURIER]


def test_a_short_credit_resolves_by_the_titles_when_the_texts_share_little() -> None:
    # Titles are fields apart from the texts: a two-line credit shares its headline only.
    headline = "Harbor bridge to close for three weeks after cracks found in steel beams"
    original = replace(A, title=headline)
    text = "According to the Harbor Ledger, repairs begin soon.\nThe report was not confirmed."
    credit = replace(ref(4, NORTHSIDE, 60), title=f"{headline}, report says")
    decision = link(credit, text, (original, A_TEXT))
    assert kinds(decision) == {A.id: EdgeKind.CREDITS}
    assert decision.source_id == A.id
    untitled = link(ref(4, NORTHSIDE, 60), text, (A, A_TEXT))
    assert untitled.edges == () and [c.outlet for c in untitled.unresolved] == [LEDGER]
    other = replace(A, title="Library extends its opening hours on weekdays")
    assert link(credit, text, (other, A_TEXT)).edges == ()  # another story's title: no edge


def test_a_body_link_to_a_stored_article_is_a_links_to_edge() -> None:
    link_to_a = ResolvedLink("https://ledger.example/story/1?utm_source=x", A.id, "reported")
    decision = link(ref(2, NORTHSIDE, 60), INDEPENDENT, (A, A_TEXT), links=(link_to_a,))
    assert kinds(decision) == {A.id: EdgeKind.LINKS_TO}
    assert decision.edges[0].evidence["href"] == link_to_a.href
    assert decision.edges[0].score == 1.0


def test_an_outlets_link_to_its_own_other_story_is_no_source() -> None:
    own_old = ref(1, NORTHSIDE, -600)
    related = ResolvedLink("https://northside.example/story/1", own_old.id, "library hours")
    decision = link(ref(2, NORTHSIDE, 60), INDEPENDENT, (own_old, LIBRARY), links=(related,))
    assert decision.edges == ()


def test_an_explicit_edge_outranks_an_inferred_one() -> None:
    copied = ref(2, GAZETTE, 30)
    gazette_text = "\n".join([OWN[0], *BRIDGE])
    text = "\n".join([OWN[0], *BRIDGE[:4]])
    link_to_a = ResolvedLink("https://ledger.example/story/1", A.id)
    decision = link(
        ref(3, COURIER, 60), text, (A, A_TEXT), (copied, gazette_text), links=(link_to_a,)
    )
    assert decision.source_id == A.id
    assert kinds(decision) == {A.id: EdgeKind.LINKS_TO, copied.id: EdgeKind.COPIES}
    assert decision.edges[0].source_id == A.id
    assert decision.edges[0].evidence["kinds"] == ["links_to"]


def scored(candidate: Candidate, paraphrase: float, target: Prepared) -> Comparison:
    """A comparison with a given paraphrase score and nothing copied."""
    nothing = align(prepare("").words, target.words, SETTINGS.copy_min_passage_words)
    score = ParaphraseScore(paraphrase, paraphrase, (), SETTINGS.paraphrase_min_score)
    return Comparison(
        candidate, nothing, frozenset(), score, story=0.6, event=0.9, wire_outlets=frozenset()
    )


def test_a_paraphrase_goes_up_the_chain_unless_the_copy_matches_clearly_better() -> None:
    target = prepare(PARAPHRASE)
    partial = Candidate(ref(2, GAZETTE, 30), "", sources=(A.id,))
    article = ref(3, COURIER, 60)
    close = [scored(Candidate(A, A_TEXT), 0.70, target), scored(partial, 0.78, target)]
    assert decide(article, target, close, SETTINGS).source_id == A.id
    far = [scored(Candidate(A, A_TEXT), 0.62, target), scored(partial, 0.78, target)]
    assert decide(article, target, far, SETTINGS).source_id == partial.ref.id
    unrelated = [
        scored(Candidate(A, A_TEXT), 0.70, target),
        scored(replace(partial, sources=()), 0.78, target),
    ]
    assert decide(article, target, unrelated, SETTINGS).source_id == partial.ref.id


def test_a_new_version_is_not_its_own_source() -> None:
    assert (
        link(replace(A, first_seen=A.first_seen + timedelta(days=1)), A_TEXT, (A, A_TEXT)).edges
        == ()
    )


def test_an_original_fetched_after_its_copy_in_one_run_asks_for_the_copy_to_be_relinked() -> None:
    original = ref(1, LEDGER, 5, published_minutes=-15)
    copy = ref(2, COURIER, 0, published_minutes=-1)
    unrelated = ref(3, NORTHSIDE, -600)
    assert to_relink(
        original, [Candidate(copy, A_TEXT), Candidate(unrelated, LIBRARY)], SETTINGS
    ) == [copy.id]
    assert link(copy, A_TEXT, (original, A_TEXT)).source_id == original.id
    assert link(original, A_TEXT, (copy, A_TEXT)).edges == ()


def test_prepared_candidates_are_cached_by_id_and_refreshed_when_the_text_changes() -> None:
    cache: dict[int, Prepared] = {}
    copy = ref(2, COURIER, 60)
    first = link_article(copy, A_TEXT, [Candidate(A, A_TEXT)], SETTINGS, cache=cache)
    assert cache[A.id].text == A_TEXT
    kept = cache[A.id]
    link_article(ref(3, COURIER, 70), A_TEXT, [Candidate(A, A_TEXT)], SETTINGS, cache=cache)
    assert cache[A.id] is kept
    edited = link_article(copy, A_TEXT, [Candidate(A, LIBRARY)], SETTINGS, cache=cache)
    assert cache[A.id].text == LIBRARY
    assert first.edges and edited.edges == ()


def test_a_text_no_candidate_precedes_is_not_prepared_and_decides_alike() -> None:
    cache: dict[int, Prepared] = {}
    copy = ref(2, COURIER, 60)
    later = ref(3, GAZETTE, 120)
    alone = link_article(copy, A_TEXT, [Candidate(later, A_TEXT)], SETTINGS, cache=cache)
    assert copy.id not in cache and later.id not in cache  # nothing was compared
    assert alone == decide(copy, prepare(A_TEXT), [], SETTINGS)
    assert alone == decide(copy, None, [], SETTINGS)
    link_article(copy, A_TEXT, [Candidate(A, A_TEXT)], SETTINGS, cache=cache)
    assert cache[copy.id].text == A_TEXT  # compared once: kept for the articles after it


def test_comparisons_are_not_decided_without_the_prepared_text() -> None:
    copy = ref(2, COURIER, 60)
    target, source = prepare(A_TEXT), prepare(A_TEXT)
    compared = compare(target, Candidate(A, A_TEXT), source, SETTINGS, matcher_for(SETTINGS))
    with pytest.raises(BadInput):
        decide(copy, None, [compared], SETTINGS)
    assert decide(copy, target, [compared], SETTINGS).source_id == A.id


def test_a_party_to_the_story_answers_it_and_does_not_paraphrase_it() -> None:
    ferries = Outlet("Bluewater Lines", "bluewater.example")
    about = "\n".join(
        [ORIGINAL, "Bluewater Lines said its ferries were full.", "Bluewater Lines hired crews."]
    )
    assert mentions(about, ferries) == 3
    outlets = (*OUTLETS, ferries)
    for outlet, expected in ((COURIER, {A.id: EdgeKind.PARAPHRASES}), (ferries, {})):
        decision = link_article(
            ref(2, outlet, 60), PARAPHRASE, [Candidate(A, about)], SETTINGS, outlets=outlets
        )
        assert kinds(decision) == expected


def test_a_credit_resolves_to_the_article_it_retells_not_an_earlier_one_on_the_topic() -> None:
    # The outlet's earlier article on the same topic (the traffic the closure caused) is on the
    # story, but the credit retells the report of the closure: that one is what it credits.
    traffic = ref(2, LEDGER, -60)
    text = (
        "According to the Harbor Ledger, engineers have found deep cracks in two steel support "
        "beams of the Marlow Bay harbor bridge, which will stay closed for at least three weeks."
        "\nThe report could not be independently confirmed."
    )
    decision = link(ref(4, NORTHSIDE, 60), text, (traffic, INDEPENDENT), (A, A_TEXT))
    assert kinds(decision).get(A.id) is EdgeKind.CREDITS
    assert traffic.id not in kinds(decision)
