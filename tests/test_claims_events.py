"""Same-event expansion, on SQLite and PostgreSQL: an outlet reporting a claim's event in its own
words is a repeater; another event with the same people and places is not; the stored document
frequencies it weighs words by follow the store; stance and uptake work on the paraphrase."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.api.claims import Claims
from tracker.claims.events import (
    CLAIM_BAG_MIN,
    DocumentFrequencies,
    EventMatch,
    claim_coverage,
    coverage_of,
    event_profile,
    expand,
    is_event_level,
    same_event,
)
from tracker.clock import ManualClock
from tracker.domain import CorrectionKind
from tracker.errors import BadInput
from tracker.pipeline.claims_stage import ClaimsStage
from tracker.store import Store, make_engine, upgrade
from tracker.store.claim_repo import ClaimRepo
from tracker.store.claim_tables import MentionRow, StageMarkRow, TermDfRow
from tracker.store.term_df import COUNTED_MARK, DOCUMENTS_MARK
from tracker.text.terms import TermStats, term_stats

from .support.stored import store_texts
from .support.stored import stored_page as page

CLAIM = (
    "Singer Mara Lindqvist checked into the Brookfield Recovery Center in Malibu on Tuesday,"
    " her publicist told Variety."
)
SEED = (
    "Singer Mara Lindqvist checked into the Brookfield Recovery Center in Malibu on Tuesday,"
    " her publicist told Variety.\n"
    "The 34-year-old cancelled three concerts of her Northern Lights tour, including a"
    " sold-out night at the Oslo Spektrum.\n"
    "Her label, Halcyon Records, asked fans to respect her privacy."
)
PARA_LEAD = (
    "The pop star entered a rehab facility in Malibu on Tuesday, a representative confirmed to"
    " Variety."
)
PARAPHRASE = (
    "Mara Lindqvist is getting help.\n"
    f"{PARA_LEAD}\n"
    "Lindqvist, 34, called off three Northern Lights tour dates, the Oslo Spektrum show among"
    " them, and Halcyon Records said refunds would follow."
)
# The same singer, clinic and town; another event (an earlier stay, another year and tour).
HARD_NEGATIVE = (
    "Mara Lindqvist left the Brookfield Recovery Center in Malibu in 2019 after a 30-day stay.\n"
    "The singer thanked the staff and said her Glass Harbour album would come out in the spring.\n"
    "Her then manager, Tobias Wren, said a European arena tour was planned for 2020."
)
FILLER = [
    "The city council approved a new budget for road repairs on Monday after a long debate.",
    "Heavy rain flooded several streets in the harbour district and closed two schools.",
    "The national team won its qualifying match 2-1 with a late goal from the captain.",
    "A new museum exhibition shows paintings from the early twentieth century this month.",
    "Shares of the carmaker fell after it reported lower sales for the third quarter.",
    "The weather service expects a dry and sunny week after the storm moved north.",
    "Researchers published a study on sleep and memory in a medical journal on Friday.",
    "The airline added direct flights to three cities for the summer season.",
    "Singer and songwriter workshops at the community centre start again next week.",
    "Police said the highway would stay closed on Tuesday while the bridge is inspected.",
]
TEXTS = {
    "seed.test/rehab": SEED,
    "para.test/help": PARAPHRASE,
    "hard.test/2019": HARD_NEGATIVE,
    **{f"filler{i}.test/news": text for i, text in enumerate(FILLER)},
}


@pytest.fixture
def store(database_url: str) -> Store:
    engine = make_engine(database_url)
    upgrade(engine)
    return Store(engine)


def fill(store: Store, clock: ManualClock, texts: dict[str, str] = TEXTS) -> dict[str, int]:
    """Store one article per text, an hour apart, with re-checks due in a day."""
    return store_texts(store, clock, texts)


def frequencies(texts: list[str]) -> DocumentFrequencies:
    counts: dict[str, int] = {}
    for text in texts:
        for stem in term_stats(text).counts:
            counts[stem] = counts.get(stem, 0) + 1
    return DocumentFrequencies(counts, len(texts))


# ---------------------------------------------------------------- the pure core


def test_the_paraphrase_reports_the_same_event_and_the_hard_negative_does_not() -> None:
    df = frequencies(list(TEXTS.values()))
    seed = event_profile(term_stats(SEED), df)
    para = same_event(seed, event_profile(term_stats(PARAPHRASE), df))
    hard = same_event(seed, event_profile(term_stats(HARD_NEGATIVE), df))
    assert para.holds
    assert not hard.holds
    assert para.score > hard.score
    found = expand(
        term_stats(CLAIM),
        [term_stats(SEED)],
        {"para": term_stats(PARAPHRASE), "hard": term_stats(HARD_NEGATIVE)},
        df,
    )
    assert set(found) == {"para"}


def test_an_article_that_does_not_cover_the_claim_is_not_expanded() -> None:
    df = frequencies(list(TEXTS.values()))
    # Same event (a copy of the seed's last sentences) but none of the claim's own concepts.
    other_claim = "Halcyon Records asked fans to respect the privacy of its artists."
    assert claim_coverage(term_stats(other_claim), term_stats(PARAPHRASE), df) < 0.5
    text = SEED.split("\n", 1)[1]
    assert claim_coverage(term_stats(CLAIM), term_stats(text), df) < 0.3
    assert expand(term_stats(CLAIM), [term_stats(SEED)], {"x": term_stats(text)}, df) == {}


def test_a_report_far_from_the_seed_is_found_through_a_report_found_first() -> None:
    def stats(*stems: str) -> TermStats:
        return TermStats(dict.fromkeys(stems, 1), frozenset(s for s in stems if s.isupper()))

    df = DocumentFrequencies({}, 100)  # every stem equally rare
    claim = stats("rehab", "clinic")
    seed = stats("rehab", "clinic", "actress", "tour", "VALE", "MALIBU")
    # The first report shares the seed's names; the second only the first report's.
    near = stats("rehab", "clinic", "actress", "tour", "VALE", "MALIBU", "fans", "COLE", "MARCH")
    far = stats("rehab", "clinic", "fans", "statement", "COLE", "MARCH")
    unrelated = stats("rehab", "clinic", "singer", "DORN", "TORONTO")
    pool = {"near": near, "far": far, "unrelated": unrelated}
    assert not same_event(event_profile(seed, df), event_profile(far, df)).holds
    assert set(expand(claim, [seed], pool, df, rounds=1)) == {"near"}
    assert set(expand(claim, [seed], pool, df)) == {"near", "far"}


def test_rare_words_weigh_more_than_common_ones() -> None:
    df = DocumentFrequencies({"tuesday": 90, "lindqvist": 2}, 100)
    assert df.idf("lindqvist") > 3 * df.idf("tuesday")
    assert df.idf("unseen") >= df.idf("lindqvist")
    assert DocumentFrequencies({}, 0).idf("anything") > 0.0


# ---------------------------------------------------------------- in the store


def test_a_registered_claim_finds_the_paraphrase_and_not_the_hard_negative(
    store: Store, clock: ManualClock
) -> None:
    ids = fill(store, clock)
    claims = Claims(store, clock)
    claims.add("rehab", CLAIM, origin="https://seed.test/rehab")
    found = {r.article_id: r for r in claims.who_repeated("rehab").rows}
    assert set(found) == {ids["seed.test/rehab"], ids["para.test/help"]}
    para = found[ids["para.test/help"]]
    assert para.role == "repeater"
    assert "Variety" in para.sentence  # its best sentence, not the seed's words
    with store.engine.connect() as conn:
        scores = dict(
            conn.execute(select(MentionRow.article_id, MentionRow.score)).all()  # type: ignore[arg-type]
        )
    assert not is_event_level(scores[ids["seed.test/rehab"]])
    assert is_event_level(scores[ids["para.test/help"]])
    # The answer says which rows rest on a sentence and which on the same event only.
    assert found[ids["seed.test/rehab"]].match == "sentence"
    assert para.match == "event"


def test_free_text_finds_the_paraphrase_and_not_the_hard_negative(
    store: Store, clock: ManualClock
) -> None:
    ids = fill(store, clock)
    answer = Claims(store, clock).who_repeated(CLAIM)
    assert not answer.registered and answer.complete
    assert {r.article_id for r in answer.rows} == {ids["seed.test/rehab"], ids["para.test/help"]}
    matches = {r.article_id: r.match for r in answer.rows}
    assert matches == {ids["seed.test/rehab"]: "sentence", ids["para.test/help"]: "event"}


def test_without_a_seed_nothing_is_expanded(store: Store, clock: ManualClock) -> None:
    texts = {k: v for k, v in TEXTS.items() if k != "seed.test/rehab"}
    fill(store, clock, texts)
    assert Claims(store, clock).who_repeated(CLAIM).rows == ()


def test_stance_is_read_on_the_expanded_articles_own_sentence(
    store: Store, clock: ManualClock
) -> None:
    attributed = PARAPHRASE.replace(
        PARA_LEAD,
        "According to Variety, the pop star allegedly entered a rehab facility in Malibu on"
        " Tuesday.",
    )
    ids = fill(store, clock, {**TEXTS, "para.test/help": attributed})
    rows = {r.article_id: r for r in Claims(store, clock).who_repeated(CLAIM).rows}
    para = rows[ids["para.test/help"]]
    assert para.stance == "attributes"
    assert para.sentence.startswith("According to Variety")


def test_uptake_follows_the_expanded_articles_own_sentence(
    store: Store, clock: ManualClock
) -> None:
    ids = fill(store, clock)
    claims = Claims(store, clock)
    claims.add("rehab", CLAIM, origin="https://seed.test/rehab")
    clock.advance(timedelta(hours=2))
    claims.correct("rehab", CorrectionKind.CORRECTION, url="https://seed.test/correction")
    clock.advance(timedelta(hours=2))
    edited = PARAPHRASE.replace(
        PARA_LEAD,
        "Reports that the pop star entered a rehab facility in Malibu on Tuesday were false, her"
        " representative told Variety.",
    )
    store.save_recheck(
        ids["para.test/help"],
        now=clock.now(),
        next_check_at=None,
        page=page("https://para.test/help", edited, clock.now()),
    )
    ClaimsStage().run(store, clock.now())
    rows = {r.article_id: r for r in claims.who_repeated("rehab").rows}
    para = rows[ids["para.test/help"]]
    assert para.uptake == "edited", para.evidence
    assert "false" in para.evidence


def test_free_text_keeps_a_report_in_its_own_words_that_later_disputes_the_claim_verbatim(
    store: Store, clock: ManualClock
) -> None:
    ids = fill(store, clock)
    clock.advance(timedelta(hours=4))
    disputed = PARAPHRASE.replace(
        PARA_LEAD,
        f"{PARA_LEAD}\nEarlier reports that {CLAIM[0].lower()}{CLAIM[1:-1]} were inaccurate.",
    )
    store.save_recheck(
        ids["para.test/help"],
        now=clock.now(),
        next_check_at=None,
        page=page("https://para.test/help", disputed, clock.now()),
    )
    rows = {r.article_id: r for r in Claims(store, clock).who_repeated(CLAIM).rows}
    # Its first version reported the event in its own words: a repeater that took up the
    # correction, as the claims stage files it, not a disputer.
    para = rows[ids["para.test/help"]]
    assert para.role == "repeater" and para.stance == "asserts"
    assert para.uptake == "edited", para.evidence


# ---------------------------------------------------------------- document frequencies


def test_document_frequencies_follow_the_store(store: Store, clock: ManualClock) -> None:
    ids = fill(store, clock)
    repo = ClaimRepo(store.engine)
    repo.sync_full_text(repo.max_version_id())
    docs, total = repo.document_frequencies(["lindqvist", "malibu", "budget", "nowhere"])
    assert total == len(TEXTS)
    assert docs == {"lindqvist": 3, "malibu": 3, "budget": 1}
    repo.sync_full_text(repo.max_version_id())  # nothing new: nothing counted twice
    assert repo.document_frequencies(["lindqvist"]) == ({"lindqvist": 3}, len(TEXTS))
    # A new version of a counted article does not count again; a new article does.
    updated = HARD_NEGATIVE + "\nUpdated with Lindqvist's comment."
    store.save_recheck(
        ids["hard.test/2019"],
        now=clock.now(),
        next_check_at=None,
        page=page("https://hard.test/2019", updated, clock.now()),
    )
    fill(store, clock, {"late.test/budget": "The budget vote in Malibu was delayed."})
    repo.sync_full_text(repo.max_version_id())
    docs, total = repo.document_frequencies(["lindqvist", "malibu", "budget"])
    assert (total, docs) == (len(TEXTS) + 1, {"lindqvist": 3, "malibu": 4, "budget": 2})
    with store.engine.connect() as conn:
        marks = dict(conn.execute(select(StageMarkRow.name, StageMarkRow.value)).all())  # type: ignore[arg-type]
        terms = conn.execute(select(TermDfRow.term)).scalars().all()
    assert marks[COUNTED_MARK] == repo.max_version_id()
    assert marks[DOCUMENTS_MARK] == len(TEXTS) + 1
    assert len(terms) == len(set(terms)) > 50


def test_a_cut_free_text_answer_says_so_and_keeps_the_best_covered(
    store: Store, clock: ManualClock
) -> None:
    ids = fill(store, clock)
    claims = Claims(store, clock)
    whole = claims.who_repeated(CLAIM)
    assert whole.complete
    answer = claims.who_repeated(CLAIM, limit=2)
    assert not answer.complete
    assert ids["seed.test/rehab"] in {r.article_id for r in answer.rows}
    assert {r.article_id for r in answer.rows} < {r.article_id for r in whole.rows}
    with pytest.raises(BadInput):
        claims.who_repeated(CLAIM, limit=0)


def test_expansion_skips_no_candidate_that_shares_a_name_with_a_seed() -> None:
    """`expand` passes over candidates naming no seed's name: the same finds as `same_event`."""
    rng = random.Random(14)
    vocabulary = [f"w{i}" for i in range(40)]
    df = DocumentFrequencies({w: rng.randint(1, 50) for w in vocabulary}, 100)

    def text() -> TermStats:
        counts = {w: rng.randint(1, 3) for w in rng.sample(vocabulary, rng.randint(3, 14))}
        names = frozenset(w for w in counts if rng.random() < 0.3)
        return TermStats(counts, names)

    found = 0
    for _ in range(60):
        claim = text()
        covers = coverage_of(claim, df)
        seeds = [text() for _ in range(rng.randint(1, 3))]
        candidates = {i: text() for i in range(40)}
        profiles = [event_profile(seed, df) for seed in seeds]
        expected: dict[int, EventMatch] = {}
        for key, stats in candidates.items():
            if covers(stats) < CLAIM_BAG_MIN:
                continue
            own = event_profile(stats, df)
            best = None
            for seed in profiles:
                match = same_event(seed, own)
                if match.holds and (best is None or match.score > best.score):
                    best = match
            if best is not None:
                expected[key] = best
        assert expand(claim, seeds, candidates, df, rounds=1) == expected
        found += len(expected)
    assert found  # some candidates are found, others skipped
