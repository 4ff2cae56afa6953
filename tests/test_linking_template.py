"""An outlet's footer is its template from its first pages on: a footer alone makes no edge."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import START
from tests.support.linking_story import BRIDGE, FOOTER, INDEPENDENT, LIBRARY, ORIGINAL, WATER
from tracker.config import LinkSettings
from tracker.domain import EdgeKind
from tracker.linking.boilerplate import paragraph_hash, shared_template
from tracker.pipeline.linking_stage import LinkingStage
from tracker.store import Store, make_engine, upgrade
from tracker.store.link_tables import LinkStateRow

from .test_linking_stage import add, edges

# A long footer of two paragraphs: on short stories it is about half of each text.
PITCH = (
    "Independent local journalism costs money. Subscribe today for unlimited access to every "
    "story, the weekly print edition, our archive back to 1952 and events for members only."
)
TAIL = f"{FOOTER}\n{PITCH}"
STORIES = [LIBRARY, WATER, INDEPENDENT]
SETTINGS = LinkSettings()


@pytest.fixture
def store(database_url: str) -> Store:
    engine = make_engine(database_url)
    upgrade(engine)
    store = Store(engine)
    store.ensure_outlet("ledger.example", name="The Harbor Ledger", now=START)
    return store


def test_the_shared_top_or_bottom_of_two_different_stories_is_template() -> None:
    first, second = f"{LIBRARY}\n{TAIL}", f"{WATER}\n{TAIL}"
    assert shared_template(first, second) == {paragraph_hash(FOOTER), paragraph_hash(PITCH)}
    assert shared_template(f"{PITCH}\n{LIBRARY}", f"{PITCH}\n{WATER}") == {paragraph_hash(PITCH)}


def test_two_tellings_of_one_story_share_no_template() -> None:
    copy = f"{ORIGINAL}\n{TAIL}"
    assert shared_template(copy, copy) == frozenset()  # a republished article
    updated = "\n".join([*BRIDGE[:3], "A new paragraph with the latest news.", *BRIDGE[3:], TAIL])
    assert shared_template(copy, updated) == frozenset()  # an update keeps its middle
    assert shared_template(f"{LIBRARY}\n{TAIL}", f"{BRIDGE[0]}\n{LIBRARY}\n{TAIL}") == frozenset()
    assert shared_template(f"{LIBRARY}\n{TAIL}", f"{WATER}\n{PITCH}\n{FOOTER}") == frozenset()


@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("copy_min_share", [SETTINGS.copy_min_share, 0.1])
def test_different_stories_of_one_outlet_sharing_a_footer_are_not_linked(
    store: Store, count: int, copy_min_share: float
) -> None:
    urls = [f"https://courier.example/story-{i}" for i in range(count)]
    for i, url in enumerate(urls):
        add(store, url, f"{STORIES[i]}\n{TAIL}", START + timedelta(hours=i))
    LinkingStage(replace(SETTINGS, copy_min_share=copy_min_share)).run(
        store, START + timedelta(days=1)
    )
    assert edges(store.engine) == set()


def test_the_blanked_footer_is_kept_with_the_link_state(store: Store) -> None:
    first = add(store, "https://courier.example/a", f"{LIBRARY}\n{TAIL}", START)
    second = add(store, "https://courier.example/b", f"{WATER}\n{TAIL}", START + timedelta(hours=1))
    LinkingStage(SETTINGS).run(store, START + timedelta(days=1))
    with Session(store.engine) as session:
        rows = session.execute(select(LinkStateRow.article_id, LinkStateRow.boilerplate))
        blanked = {article: hashes for article, hashes in rows}
    assert set(blanked[second]) == {paragraph_hash(FOOTER), paragraph_hash(PITCH)}
    assert blanked[first] == []  # nothing of its outlet was known when it was linked


def test_a_copy_across_outlets_is_still_linked_and_a_republished_page_too(store: Store) -> None:
    ledger = "https://ledger.example/news/bridge"
    add(store, ledger, f"{ORIGINAL}\n{TAIL}", START)
    add(store, "https://ledger.example/news/library", f"{LIBRARY}\n{TAIL}", START)
    copy = "https://courier.example/bridge-copy"
    add(store, copy, f"{ORIGINAL}\nFollow the Valley Courier for more.", START + timedelta(hours=1))
    again = "https://ledger.example/news/bridge-again"
    add(store, again, f"{ORIGINAL}\n{TAIL}", START + timedelta(hours=2))
    # A partial copy of its own story: the original's top and a line of its own.
    short = "https://ledger.example/news/bridge-short"
    own_line = "Local officials said they were monitoring the situation closely."
    add(store, short, "\n".join([*BRIDGE[:4], own_line]), START + timedelta(hours=3))
    LinkingStage(SETTINGS).run(store, START + timedelta(days=1))
    found = edges(store.engine)
    assert (ledger, copy, EdgeKind.COPIES.value, True) in found
    assert (ledger, again, EdgeKind.COPIES.value, True) in found
    assert (ledger, short, EdgeKind.COPIES.value, True) in found
    assert {target for _, target, _, _ in found} == {copy, again, short}


def test_a_partial_copy_or_an_update_of_the_outlets_own_story_is_no_template() -> None:
    # A partial copy: the original's first paragraphs and a line of its own.
    partial = "\n".join([*BRIDGE[:4], "Local officials said they were monitoring the situation."])
    assert shared_template(partial, ORIGINAL) == frozenset()
    assert shared_template(ORIGINAL, partial) == frozenset()
    # An update: a new lead in place of the old one, the rest kept.
    update = "\n".join(["The bridge will now reopen on Friday, the department said.", *BRIDGE[1:]])
    assert shared_template(update, ORIGINAL) == frozenset()


def test_a_footer_longer_than_the_stories_is_template_from_the_third_page_on(store: Store) -> None:
    # No home page read: two pages alone could be one story retold, three different ones cannot.
    events = "Join our reporters at the members' evening on the first Thursday of every month."
    long_tail = f"{TAIL}\n{events}"
    urls = [f"https://courier.example/short-{i}" for i in range(3)]
    for i, url in enumerate(urls):
        add(store, url, f"{STORIES[i].split(chr(10))[0]}\n{long_tail}", START + timedelta(hours=i))
    LinkingStage(SETTINGS).run(store, START + timedelta(days=1))
    assert {target for _, target, _, _ in edges(store.engine)} == {urls[1]}
