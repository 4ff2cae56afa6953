"""One claim, one event, on SQLite and PostgreSQL: asked by its slug or by its text, a claim
leaves out the articles on another event of the same kind (same people, place and wording)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.test_claims_events import FILLER
from tests.test_claims_one_event import ANCHOR, CLAIM, OTHER, OTHER_LATER, SAME, SAME_AGAIN
from tracker.api.claims import Claims
from tracker.claims.roles import Role
from tracker.clock import ManualClock
from tracker.store import Store, make_engine, upgrade
from tracker.store.claim_repo import EVENT_MARK
from tracker.store.claim_tables import StageMarkRow, UptakeRow

from .support.stored import store_texts, stored_page

TEXTS = {
    "anchor.test/rehab": ANCHOR,
    "same.test/rehab": SAME,
    "again.test/rehab": SAME_AGAIN,
    "other.test/2013": OTHER,
    "later.test/2013": OTHER_LATER,
    **{f"filler{i}.test/news": text for i, text in enumerate(FILLER)},
}
EVENT = {"anchor.test/rehab", "same.test/rehab", "again.test/rehab"}


@pytest.fixture
def store(database_url: str) -> Store:
    engine = make_engine(database_url)
    upgrade(engine)
    return Store(engine)


def test_the_slug_and_the_text_leave_out_the_other_event(store: Store, clock: ManualClock) -> None:
    ids = store_texts(store, clock, TEXTS)
    claims = Claims(store, clock)
    claims.add("rehab", CLAIM)
    by_slug = {r.article_id for r in claims.who_repeated("rehab").rows}
    by_text = {r.article_id for r in claims.who_repeated(CLAIM).rows}
    assert ids["other.test/2013"] not in by_slug
    assert by_slug == by_text == {ids[key] for key in EVENT}
    with store.engine.connect() as conn:
        roles = dict(conn.execute(select(UptakeRow.article_id, UptakeRow.role)).all())  # type: ignore[arg-type]
    # The other event's carrier is kept, filed apart: never a repeater, never in uptakes.
    assert roles[ids["other.test/2013"]] == Role.OTHER_EVENT
    assert sum(u.articles for u in claims.uptake("rehab")) == len(EVENT)


def test_a_new_carrier_refiles_the_articles_already_decided(
    store: Store, clock: ManualClock
) -> None:
    first = {k: v for k, v in TEXTS.items() if k not in ("again.test/rehab", "later.test/2013")}
    ids = store_texts(store, clock, first)
    claims = Claims(store, clock)
    claims.add("rehab", CLAIM)
    before = {r.article_id for r in claims.who_repeated("rehab").rows}
    ids |= store_texts(store, clock, {k: TEXTS[k] for k in ("again.test/rehab", "later.test/2013")})
    claims.refresh()
    after = {r.article_id for r in claims.who_repeated("rehab").rows}
    assert after == {ids[key] for key in EVENT}
    assert before != after


def test_the_named_origin_stays_the_origin(store: Store, clock: ManualClock) -> None:
    ids = store_texts(store, clock, TEXTS)
    claims = Claims(store, clock)
    claims.add("rehab", CLAIM, origin="https://other.test/2013")
    rows = {r.article_id: r.role for r in claims.who_repeated("rehab").rows}
    assert rows[ids["other.test/2013"]] == Role.ORIGIN  # the user said so


def test_nothing_new_leaves_the_decision_as_it_was(store: Store, clock: ManualClock) -> None:
    ids = store_texts(store, clock, TEXTS)
    claims = Claims(store, clock)
    claim = claims.add("rehab", CLAIM)
    with store.engine.connect() as conn:
        marks = dict(conn.execute(select(StageMarkRow.name, StageMarkRow.value)).all())  # type: ignore[arg-type]
    # The decision is marked with the claim's match mark: a run with no new mention skips it.
    assert marks[f"{EVENT_MARK}{claim.id}"] == claims.repo.claim("rehab").matched_through
    claims.refresh()
    by_slug = {r.article_id for r in claims.who_repeated("rehab").rows}
    assert by_slug == {ids[key] for key in EVENT}


def test_an_edit_quoting_the_claim_does_not_make_its_article_the_anchor(
    store: Store, clock: ManualClock
) -> None:
    # The other stay's report is stored first (the lowest id); an edit then quotes the claim
    # word for word to call it inaccurate, so it ties with the claim's own report on the best
    # mention. Its first version, the one whose event is read, reports the other stay.
    ordered = {"other.test/2013": OTHER, "later.test/2013": OTHER_LATER}
    ordered |= {k: v for k, v in TEXTS.items() if k not in ordered}
    ids = store_texts(store, clock, ordered)
    edited = f"Earlier reports that {CLAIM[0].lower()}{CLAIM[1:-1]} were inaccurate.\n{OTHER}"
    page = stored_page("https://other.test/2013", edited, clock.now())
    store.save_recheck(ids["other.test/2013"], now=clock.now(), next_check_at=None, page=page)
    claims = Claims(store, clock)
    claims.add("rehab", CLAIM)
    by_slug = {r.article_id for r in claims.who_repeated("rehab").rows}
    by_text = {r.article_id for r in claims.who_repeated(CLAIM).rows}
    assert by_slug == by_text == {ids[key] for key in EVENT}
