"""The linking stage on real databases: incremental, resumable, and a rebuild writes the same."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.conftest import START
from tests.support.linking_story import (
    BRIDGE,
    FOOTER,
    INDEPENDENT,
    LIBRARY,
    ORIGINAL,
    OWN,
    PARAPHRASE,
    WATER,
)
from tracker.config import LinkSettings
from tracker.domain import Edge, EdgeKind, Extracted, Link
from tracker.domain.crawl import StoredPage
from tracker.domain.links import LinkTarget, LinkWrite
from tracker.linking.fingerprint import fingerprint
from tracker.pipeline import linking_stage
from tracker.pipeline.linking_stage import LinkingStage
from tracker.queries.links import copies_of, sources_of
from tracker.store import Store, link_repo, make_engine, upgrade
from tracker.store.link_repo import LinkRepo

SETTINGS = LinkSettings()
LEDGER = "https://ledger.example/news/bridge"
COURIER = "https://courier.example/bridge-copy"
GAZETTE = "https://gazette.example/bridge-plus"
NORTHSIDE = "https://northside.example/bridge-chain"
DAILY = "https://daily.example/bridge-credit"
LINKER = "https://linker.example/bridge-link"
LIBRARY_URL = "https://courier.example/library"
WATER_URL = "https://northside.example/water"
GAZETTE_TEXT = "\n".join([OWN[0], *BRIDGE])
CREDIT_TEXT = "\n".join(
    [
        "The harbor bridge is closed for weeks, according to the Harbor Ledger.",
        INDEPENDENT,
    ]
)
LINK_TEXT = "\n".join(
    [
        "The Marlow Bay harbor bridge is shut for at least three weeks because of cracked "
        "steel support beams, and commuters face long detours on the coastal ring road.",
        "Read the whole account in a report published this morning about the cracked beams.",
        "Ferries will add crossings between the north pier and the wharf until it reopens.",
    ]
)

Edges = set[tuple[str, str, str, bool]]


@pytest.fixture
def store(database_url: str) -> Store:
    engine = make_engine(database_url)
    upgrade(engine)
    store = Store(engine)
    store.ensure_outlet("ledger.example", name="The Harbor Ledger", now=START, aliases=["Ledger"])
    return store


def add(
    store: Store,
    url: str,
    body: str,
    when: datetime,
    *,
    published: datetime | None = None,
    links: tuple[Link, ...] = (),
) -> int:
    """Store a fetched article (first version) as the crawl would."""
    page = StoredPage(
        requested_url=url,
        final_url=url,
        status=200,
        fetched_at=when,
        extracted=Extracted(text=body, title=body[:40], links=links, published=published),
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
        raw_html=body.encode(),
        etag=None,
        last_modified=None,
    )
    article_id, _ = store.save_new_article(
        url, page, outlet_name=None, published=published, next_check_at=None, now=when
    )
    return article_id


def edit(store: Store, article_id: int, url: str, body: str, when: datetime) -> None:
    """Store a changed text of an article as a re-check would."""
    page = StoredPage(url, url, 200, when, Extracted(text=body, title=body[:40]), "x" + body[:8],
                      body.encode(), None, None)  # fmt: skip
    store.save_recheck(article_id, now=when, next_check_at=None, page=page)


def edges(engine: Engine) -> Edges:
    """Every edge as (source url, target url, kind, primary)."""
    sql = text(
        'select s.url, t.url, e.kind, e."primary" from edges e '
        "join articles s on s.id = e.source_id join articles t on t.id = e.target_id"
    )
    with engine.connect() as conn:
        return {(s, t, k, bool(p)) for s, t, k, p in conn.execute(sql)}


def the_story(store: Store) -> None:
    """The original, a copy, an intermediary with its own paragraph, a copy of it, a credit,
    a link through a tracking-parameter URL, and two unrelated stories, over three passes."""
    add(store, LEDGER, ORIGINAL, START)
    add(store, LIBRARY_URL, LIBRARY, START)
    add(store, COURIER, ORIGINAL, START + timedelta(hours=1))
    add(store, GAZETTE, GAZETTE_TEXT, START + timedelta(hours=1))


def later_in_the_week(store: Store) -> None:
    """The second pass's articles."""
    when = START + timedelta(hours=6)
    add(store, NORTHSIDE, "\n".join([OWN[0], *BRIDGE[:3]]), when)
    add(store, DAILY, CREDIT_TEXT, when)
    link = Link(f"{LEDGER}?utm_source=newsletter", "a report published this morning")
    add(store, LINKER, LINK_TEXT, when, links=(link,))
    add(store, WATER_URL, WATER, when)


EXPECTED: Edges = {
    (LEDGER, COURIER, EdgeKind.COPIES.value, True),
    (LEDGER, GAZETTE, EdgeKind.COPIES.value, True),
    (GAZETTE, NORTHSIDE, EdgeKind.COPIES.value, True),
    (LEDGER, DAILY, EdgeKind.CREDITS.value, True),
    (LEDGER, LINKER, EdgeKind.LINKS_TO.value, True),
}


def test_each_pass_links_only_what_is_new(store: Store) -> None:
    stage = LinkingStage(SETTINGS)
    the_story(store)
    first = stage.run(store, START + timedelta(hours=1))
    assert first == {"linked": 4, "linked_with_source": 2}
    assert edges(store.engine) == {e for e in EXPECTED if e[1] in (COURIER, GAZETTE)}
    later_in_the_week(store)
    second = stage.run(store, START + timedelta(hours=6))
    assert second == {"linked": 4, "linked_with_source": 3}
    assert edges(store.engine) == EXPECTED
    assert stage.run(store, START + timedelta(hours=7)) == {}
    assert edges(store.engine) == EXPECTED


def test_a_rebuild_writes_the_same_edges(store: Store) -> None:
    stage = LinkingStage(SETTINGS)
    the_story(store)
    stage.run(store, START)
    later_in_the_week(store)
    stage.run(store, START + timedelta(hours=6))
    edit(store, store.article_for_url(GAZETTE) or 0, GAZETTE, GAZETTE_TEXT + "\n" + OWN[1],
         START + timedelta(hours=8))  # fmt: skip
    stage.run(store, START + timedelta(hours=8))
    before = edges(store.engine)
    counts = LinkingStage(SETTINGS).rebuild(store, START + timedelta(days=1))
    assert counts["linked"] == 9  # eight articles, one of them with two versions
    assert edges(store.engine) == before == EXPECTED


class Crash(Exception):
    """Stands in for the process being killed."""


class CrashingStage(LinkingStage):
    """A stage that dies after writing `units` units of work."""

    def __init__(self, units: int) -> None:
        super().__init__(SETTINGS)
        self.left = units

    def _link(self, repo: LinkRepo, target: LinkTarget, *args: object, **kw: object) -> list[int]:
        if self.left == 0:
            raise Crash
        self.left -= 1
        return super()._link(repo, target, *args, **kw)  # type: ignore[arg-type]


def test_killed_at_any_unit_the_next_pass_ends_with_the_same_edges(
    store: Store, tmp_path: Path
) -> None:
    the_story(store)
    later_in_the_week(store)
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(reference)
    whole = Store(reference)
    whole.ensure_outlet("ledger.example", name="The Harbor Ledger", now=START, aliases=["Ledger"])
    the_story(whole)
    later_in_the_week(whole)
    LinkingStage(SETTINGS).run(whole, START)
    expected = edges(reference)
    for units in (0, 1, 3, 5, 7):
        LinkRepo(store).reset()
        with pytest.raises(Crash):
            CrashingStage(units).run(store, START)
        LinkingStage(SETTINGS).run(store, START)
        assert edges(store.engine) == expected, f"killed after {units} units"


def test_an_original_stored_after_its_copy_in_one_pass_is_linked_first(store: Store) -> None:
    # Fetched in one pass, the copy first; the original's page states the earlier date. Linked
    # in fetch order the copy would be linked twice (before and after its original).
    copy = add(store, COURIER, ORIGINAL, START, published=START - timedelta(minutes=5))
    add(store, LEDGER, ORIGINAL, START, published=START - timedelta(minutes=50))
    counts = LinkingStage(SETTINGS).run(store, START)
    assert edges(store.engine) == {(LEDGER, COURIER, "copies", True)}, counts
    assert counts.get("relinked", 0) == 0, counts
    assert LinkRepo(store).flagged() == []
    assert copy == store.article_for_url(COURIER)


def test_an_original_of_a_later_pass_becomes_the_source_of_a_copy_linked_before(
    store: Store,
) -> None:
    # The copy is linked in one pass; its original, fetched minutes later (within the first-seen
    # tolerance) with the earlier stated date, in the next: the copy is linked again.
    copy = add(store, COURIER, ORIGINAL, START, published=START - timedelta(minutes=5))
    LinkingStage(SETTINGS).run(store, START)
    later = START + timedelta(minutes=5)
    add(store, LEDGER, ORIGINAL, later, published=START - timedelta(minutes=50))
    with pytest.raises(Crash):  # killed after the original, before the copy was linked again
        CrashingStage(1).run(store, later)
    assert edges(store.engine) == set()
    counts = LinkingStage(SETTINGS).run(store, later)
    assert edges(store.engine) == {(LEDGER, COURIER, "copies", True)}, counts
    assert counts["relinked"] == 1, counts
    assert LinkRepo(store).flagged() == []
    assert copy == store.article_for_url(COURIER)


def test_versions_linked_out_of_id_order_are_not_lost_when_the_pass_is_killed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stored newest first (the pages state the reverse order), committed one linking at a time,
    # with a lookback of two versions: a pass linking the whole backlog by date and killed half
    # way would leave the oldest ids below the next pass's floor.
    monkeypatch.setattr(link_repo, "GROUP_SAVES", 1)
    monkeypatch.setattr(link_repo, "LOOKBACK_VERSIONS", 2)
    monkeypatch.setattr(linking_stage, "LOOKBACK_VERSIONS", 2)
    for i in range(6):
        body = f"Story {i}: " + " ".join(f"word{i}x{j}" for j in range(30))
        add(store, f"https://site{i}.example/story", body, START, published=START - timedelta(i))
    with pytest.raises(Crash):
        CrashingStage(3).run(store, START)
    LinkingStage(SETTINGS).run(store, START)
    assert LinkRepo(store).pending(100, full=True) == []


def test_a_backdated_copy_seen_later_is_not_the_source(store: Store) -> None:
    add(store, LEDGER, ORIGINAL, START, published=START)
    late = START + timedelta(hours=30)
    # Its page claims a time before the original's, believable on its own (within two days of
    # when it was seen), but it was first seen a day later: first-seen order wins.
    add(store, COURIER, ORIGINAL, late, published=START - timedelta(hours=1))
    LinkingStage(SETTINGS).run(store, late)
    assert edges(store.engine) == {(LEDGER, COURIER, "copies", True)}


def test_an_edited_repeat_keeps_its_source_and_its_first_evidence(store: Store) -> None:
    stage = LinkingStage(SETTINGS)
    add(store, LEDGER, ORIGINAL, START)
    copy = add(store, COURIER, ORIGINAL, START + timedelta(hours=1))
    stage.run(store, START + timedelta(hours=1))
    edit(store, copy, COURIER, "\n".join([*OWN, LIBRARY]), START + timedelta(hours=9))
    assert stage.run(store, START + timedelta(hours=9)) == {"linked": 1}
    assert edges(store.engine) == {(LEDGER, COURIER, "copies", True)}


def test_an_outlets_recurring_footer_stops_counting_as_a_copy(store: Store) -> None:
    stories = [LIBRARY, WATER, INDEPENDENT, "\n".join(OWN), BRIDGE[2] + " " + BRIDGE[4]]
    urls = [f"https://courier.example/story-{i}" for i in range(len(stories))]
    for i, (url, body) in enumerate(zip(urls, stories, strict=True)):
        add(store, url, f"{body}\n{FOOTER}", START + timedelta(hours=i))
    settings = replace(SETTINGS, copy_min_share=0.1)
    LinkingStage(settings).run(store, START + timedelta(days=1))
    # From the fourth page on the counts know the footer; before that, each page's footer is
    # the one it shares at its bottom with a different story of its outlet (its template).
    assert edges(store.engine) == set()


def test_sources_and_copies_follow_the_chain_with_evidence(store: Store) -> None:
    the_story(store)
    later_in_the_week(store)
    LinkingStage(SETTINGS).run(store, START + timedelta(hours=6))
    chain = sources_of(store, NORTHSIDE)
    assert [(h.source.url, h.kind) for h in chain.hops] == [
        (GAZETTE, EdgeKind.COPIES),
        (LEDGER, EdgeKind.COPIES),
    ]
    assert chain.original.url == LEDGER
    passage = chain.hops[0].passages[0]
    assert passage.source == passage.repeater and len(passage.source.split()) >= 12
    # The intermediary's own paragraph, which the original lacks, is named as the reason.
    assert chain.hops[0].only_in_source == (OWN[0].rstrip("."),)
    credit = sources_of(store, DAILY).hops[0]
    assert credit.kind is EdgeKind.CREDITS and credit.credit == "according to the Harbor Ledger"
    assert sources_of(store, LINKER).hops[0].link == f"{LEDGER}?utm_source=newsletter"
    assert sources_of(store, LEDGER).hops == ()
    repeats = {(r.article.url, r.via.url, r.depth) for r in copies_of(store, LEDGER).repeaters}
    assert repeats == {
        (COURIER, LEDGER, 1),
        (GAZETTE, LEDGER, 1),
        (DAILY, LEDGER, 1),
        (LINKER, LEDGER, 1),
        (NORTHSIDE, GAZETTE, 2),
    }


def test_only_band_matches_become_candidates_however_many_articles_are_stored(
    store: Store,
) -> None:
    rng = random.Random(5)
    words = ["".join(rng.choice("abcdefghij") for _ in range(6)) for _ in range(3000)]
    for i in range(40):
        add(store, f"https://filler.example/{i}", " ".join(rng.choices(words, k=120)), START)
    add(store, LEDGER, ORIGINAL, START + timedelta(hours=1))
    stage = LinkingStage(SETTINGS)
    stage.run(store, START + timedelta(hours=1))
    copy = add(store, COURIER, ORIGINAL, START + timedelta(hours=2))
    repo = LinkRepo(store)
    new = repo.target(repo.pending(10)[0])
    assert new is not None and new.ref.id == copy
    prints = fingerprint(ORIGINAL, SETTINGS)
    candidates, _, _ = stage._candidates(repo, new.ref, ORIGINAL, prints, [], ())
    assert [c.ref.url for c in candidates] == [LEDGER]


def test_a_credit_resolves_by_text_however_many_newer_articles_the_outlet_published(
    store: Store,
) -> None:
    # The credited report is over a week old (past the topic-only candidate window) and the
    # outlet has published 500 articles since: only its text can lead to it.
    add(store, LEDGER, ORIGINAL, START)
    rng = random.Random(7)
    words = ["".join(rng.choice("klmnoprstu") for _ in range(7)) for _ in range(4000)]
    for i in range(500):
        body = " ".join(rng.choices(words, k=40))
        add(store, f"https://ledger.example/news/{i}", body, START + timedelta(days=1, minutes=i))
    stage = LinkingStage(SETTINGS)
    stage.run(store, START + timedelta(days=2))
    credit = "\n".join(["The harbor bridge story, according to the Harbor Ledger.", PARAPHRASE])
    add(store, DAILY, credit, START + timedelta(days=8))
    stage.run(store, START + timedelta(days=8))
    assert (LEDGER, DAILY, EdgeKind.CREDITS.value, True) in edges(store.engine)
    assert LinkRepo(store).unresolved(store.get_article(DAILY).id) == []


def test_a_credit_in_words_of_its_own_finds_the_story_by_its_headline(store: Store) -> None:
    # The credited outlet's backlog was read after its report (first seen later: a crawl reads
    # a feed newest first), so its newest few articles are others, and a credit in a line of
    # its own shares too little text with the report for the fingerprint to find it.
    add(store, LEDGER, ORIGINAL, START)
    rng = random.Random(11)
    words = ["".join(rng.choice("klmnoprstu") for _ in range(7)) for _ in range(400)]
    for i in range(2 * linking_stage.CREDIT_RECENT):
        body = " ".join(rng.choices(words, k=40))
        add(store, f"https://ledger.example/news/{i}", body, START + timedelta(minutes=i + 1))
    stage = LinkingStage(SETTINGS)
    stage.run(store, START + timedelta(hours=1))
    add(store, DAILY, CREDIT_TEXT, START + timedelta(hours=6))
    stage.run(store, START + timedelta(hours=6))
    assert (LEDGER, DAILY, EdgeKind.CREDITS.value, True) in edges(store.engine)
    assert LinkRepo(store).unresolved(store.get_article(DAILY).id) == []


def test_a_credit_to_an_outlet_with_no_matching_article_is_kept_unresolved(store: Store) -> None:
    add(store, LIBRARY_URL.replace("courier", "ledger"), LIBRARY, START)
    stage = LinkingStage(SETTINGS)
    stage.run(store, START)
    credit = "\n".join(["The harbor bridge story, according to the Harbor Ledger.", PARAPHRASE])
    add(store, DAILY, credit, START + timedelta(days=1))
    stage.run(store, START + timedelta(days=1))
    assert edges(store.engine) == set()
    chain = sources_of(store, DAILY)
    assert chain.hops == ()
    assert [(c.outlet, c.domain, c.cue) for c in chain.unresolved] == [
        ("The Harbor Ledger", "ledger.example", "according_to")
    ]


def test_a_later_version_merges_its_edges_into_the_earlier_ones(store: Store) -> None:
    ledger = add(store, LEDGER, ORIGINAL, START)
    courier = add(store, COURIER, ORIGINAL, START)
    gazette = add(store, GAZETTE, GAZETTE_TEXT, START + timedelta(hours=1))
    edit(store, gazette, GAZETTE, GAZETTE_TEXT + "\n" + OWN[1], START + timedelta(hours=2))
    first, second = (v.id for v in store.versions(gazette))
    repo = LinkRepo(store)
    now = START + timedelta(hours=3)

    def stored() -> set[tuple[int, str, bool, int | None]]:
        return {(e.source_id, e.kind.value, e.primary, e.version_id)
                for e in repo.edges(targets=[gazette])}  # fmt: skip

    copies, paraphrases = EdgeKind.COPIES, EdgeKind.PARAPHRASES
    repo.save(LinkWrite(gazette, first, [Edge(ledger, gazette, paraphrases, 0.5, {})], ledger, now))
    assert stored() == {(ledger, "paraphrases", True, first)}
    # The later version finds the same source more strongly and a new one it calls primary:
    # the stronger evidence replaces the old edge, the earlier version's primary stays.
    later = [Edge(ledger, gazette, copies, 0.9, {}), Edge(courier, gazette, copies, 0.8, {})]
    repo.save(LinkWrite(gazette, second, later, courier, now))
    assert stored() == {(ledger, "copies", True, second), (courier, "copies", False, second)}
    # A relink of the same version replaces that version's edges outright.
    again = [Edge(courier, gazette, paraphrases, 0.4, {})]
    repo.save(LinkWrite(gazette, second, again, courier, now, relinking=True))
    assert stored() == {(courier, "paraphrases", True, second)}


def test_a_conflict_in_a_batch_skips_that_article_and_links_the_others_in_order(
    store: Store,
) -> None:
    the_story(store)
    courier = store.article_for_url(COURIER) or 0
    version = store.versions(courier)[0].id
    with store.engine.begin() as conn:  # another process wrote this article's bands meanwhile
        conn.execute(
            text(
                "insert into link_bands (article_id, band, hash, version_id) values (:a, 0, 1, :v)"
            ),
            {"a": courier, "v": version},
        )
    counts = LinkingStage(SETTINGS).run(store, START + timedelta(hours=1))
    assert counts["link_conflict"] == 1
    assert edges(store.engine) == {(LEDGER, GAZETTE, "copies", True)}
    with store.engine.connect() as conn:
        linked = conn.execute(text("select count(*) from link_state")).scalar_one()
    assert linked == 3  # all but the conflicting one, whatever the batch had written before
