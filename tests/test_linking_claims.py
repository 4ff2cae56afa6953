"""Claim-based edges on real databases: a heavy paraphrase that carries a tracked claim.

The demo story's texts (the Ledger's report, a copy of it, a heavy paraphrase, the company's
denial and an unrelated story) stored as a crawl would, linked by the linking stage, with the
claim registered before or after; the edges are checked against the story's truth.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.conftest import START
from tracker.api.claims import Claims
from tracker.clock import ManualClock
from tracker.config import LinkSettings
from tracker.demo.corpus import load_corpus
from tracker.domain import Extracted, Link
from tracker.domain.crawl import StoredPage
from tracker.pipeline.claims_stage import ClaimsStage
from tracker.pipeline.linking_stage import LinkingStage
from tracker.queries.links import sources_of
from tracker.store import Store, make_engine, upgrade
from tracker.store.link_repo import LinkRepo

CORPUS = load_corpus()
CLAIM = CORPUS.claim("ai-code").text
SETTINGS = LinkSettings()
LEDGER = "https://harborledger.test/business/parcelwise-outages"
COPY = "https://ferncastle-courier.test/news/parcelwise-outages"
PARAPHRASE = "https://tidewatersignal.test/news/insiders-ai-program"
DENIAL = "https://parcelwise-newsroom.test/press/statement"
UNRELATED = "https://glimmerfield.test/ai-tools"
STORY = (  # url, corpus article, hours after the start
    (LEDGER, "ledger-original", 0),
    (COPY, "ferncastle-copy", 5),
    (PARAPHRASE, "tidewater-paraphrase", 26),
    (UNRELATED, "glimmerfield-ai-tools", 50),
    (DENIAL, "parcelwise-denial", 84),
)

Row = tuple[str, str, str, float, bool, int | None, str]


@pytest.fixture
def store(database_url: str) -> Store:
    engine = make_engine(database_url)
    upgrade(engine)
    store = Store(engine)
    store.ensure_outlet(
        "harborledger.test", name="The Harbor Ledger", now=START, aliases=["Harbor Ledger"]
    )
    return store


def _page(url: str, body: str, when: datetime, links: tuple[Link, ...] = ()) -> StoredPage:
    return StoredPage(
        requested_url=url,
        final_url=url,
        status=200,
        fetched_at=when,
        extracted=Extracted(text=body, title=body[:40], links=links, published=when),
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
        raw_html=body.encode(),
        etag=None,
        last_modified=None,
    )


def add(store: Store, url: str, article: str, when: datetime) -> int:
    """Store a corpus article's first text as a crawl would have fetched it."""
    body = CORPUS.article(article).versions[0].plain_text
    article_id, _ = store.save_new_article(
        url, _page(url, body, when), outlet_name=None, published=when, next_check_at=None, now=when
    )
    return article_id


def rows(engine: Engine) -> list[Row]:
    """Every edge in full: (source url, target url, kind, score, primary, version, evidence)."""
    sql = text(
        'select s.url, t.url, e.kind, e.score, e."primary", e.version_id, e.evidence from edges e '
        "join articles s on s.id = e.source_id join articles t on t.id = e.target_id"
    )
    with engine.connect() as conn:
        return sorted(
            (s, t, k, score, bool(p), v, json.dumps(_loaded(ev), sort_keys=True))
            for s, t, k, score, p, v, ev in conn.execute(sql)
        )


def _loaded(evidence: Any) -> dict[str, Any]:
    return json.loads(evidence) if isinstance(evidence, str) else dict(evidence)


def edges(engine: Engine) -> set[tuple[str, str, str, bool, bool]]:
    """(source url, target url, kind, primary, claim-based) of every edge."""
    return {
        (s, t, k, p, json.loads(ev).get("basis") == "claim")
        for s, t, k, _, p, _, ev in rows(engine)
    }


TRUTH = {
    (LEDGER, COPY, "copies", True, False),
    (LEDGER, PARAPHRASE, "paraphrases", True, True),
}


def crawl(store: Store, clock: ManualClock, stages: tuple[Any, ...]) -> None:
    """The story's articles arrive one pass at a time; the stages run after each pass."""
    for url, article, hours in STORY:
        clock.set(START + timedelta(hours=hours))
        add(store, url, article, clock.now())
        for stage in stages:
            stage.run(store, clock.now())


def test_a_claim_registered_later_links_the_old_paraphrase_to_the_origin(
    store: Store, clock: ManualClock
) -> None:
    crawl(store, clock, (LinkingStage(SETTINGS),))
    # Text alone: the paraphrase scores under the threshold and gets nothing.
    assert edges(store.engine) == {e for e in TRUTH if not e[4]}
    claims = Claims(store, clock)
    claims.add("ai-code", CLAIM)
    # The copy keeps its copy edge and gets no second one; the denial (which only disputes the
    # claim), the unrelated story and the origin get none.
    assert edges(store.engine) == TRUTH
    hop = sources_of(store, PARAPHRASE).hops[0]
    assert (hop.source.url, hop.kind.value, hop.basis) == (LEDGER, "paraphrases", "claim")
    # The claim and the sentence of each side that carries it.
    assert hop.claim == "ai-code"
    pair = hop.sentences[0]
    assert pair.source in CORPUS.article("ledger-original").versions[0].plain_text
    assert pair.repeater in CORPUS.article("tidewater-paraphrase").versions[0].plain_text
    assert "code" in pair.source and "program" in pair.repeater
    repeats = {row.url: row.source for row in claims.who_repeated("ai-code").rows}
    assert (repeats[PARAPHRASE].kind, repeats[PARAPHRASE].outlet) == (
        "paraphrases",
        "The Harbor Ledger",
    )
    assert repeats[COPY].kind == "copies"


def test_crawl_rerun_and_rebuild_write_the_same_claim_edges(
    store: Store, clock: ManualClock
) -> None:
    Claims(store, clock).add("ai-code", CLAIM)
    crawl(store, clock, (LinkingStage(SETTINGS), ClaimsStage(link=SETTINGS)))
    assert edges(store.engine) == TRUTH
    crawled = rows(store.engine)
    again = ClaimsStage(link=SETTINGS).run(store, clock.now())
    assert "claim_links_written" not in again
    assert rows(store.engine) == crawled
    counts = LinkingStage(SETTINGS).rebuild(store, clock.now())
    assert counts["linked_by_claim"] == 1
    assert rows(store.engine) == crawled


def test_the_batched_reads_of_relink_are_the_per_article_ones(
    store: Store, clock: ManualClock
) -> None:
    """`relink` reads all its articles at once: the same mentions and edges, article by article."""
    Claims(store, clock).add("ai-code", CLAIM)
    crawl(store, clock, (LinkingStage(SETTINGS), ClaimsStage(link=SETTINGS)))
    repo = LinkRepo(store)
    with store.engine.connect() as connection:
        ids = [int(i) for i in connection.execute(text("SELECT id FROM articles")).scalars()]
    batched = repo.claim_mentions_of([*ids, *ids])
    assert batched == {a: repo.claim_mentions(a) for a in ids if repo.claim_mentions(a)}
    assert len(batched) >= 3  # the origin, the copy and the paraphrase at least
    with store.engine.connect() as connection:
        versions = {
            int(v): int(a)
            for v, a in connection.execute(text("SELECT id, article_id FROM versions"))
        }
    # Linking asks once per batch of versions which of their articles carry a claim.
    assert repo.carrying_articles(list(versions)) == set(batched)
    one = min(batched)
    assert repo.carrying_articles([v for v, a in versions.items() if a == one]) == {one}
    assert repo.edged_articles(ids, by_claim=False) == {a for a in ids if repo.has_source(a)}
    claimed = repo.edged_articles(ids, by_claim=True)
    assert claimed == set(repo.claim_edge_targets()) and claimed


class Crash(Exception):
    """Stands in for the process being killed."""


def test_killed_while_linking_by_claim_the_next_run_writes_the_edge(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    Claims(store, clock).add("ai-code", CLAIM)
    crawl(store, clock, (LinkingStage(SETTINGS),))
    saved = LinkRepo.save_claim_edges

    def crash(*args: Any, **kwargs: Any) -> bool:
        raise Crash

    monkeypatch.setattr(LinkRepo, "save_claim_edges", crash)
    with pytest.raises(Crash):
        ClaimsStage(link=SETTINGS).run(store, clock.now())
    monkeypatch.setattr(LinkRepo, "save_claim_edges", saved)
    assert edges(store.engine) == {e for e in TRUTH if not e[4]}
    counts = ClaimsStage(link=SETTINGS).run(store, clock.now())
    assert counts["claim_links_written"] == 1
    assert edges(store.engine) == TRUTH


def test_a_textual_source_found_later_replaces_the_claim_edge(
    store: Store, clock: ManualClock
) -> None:
    Claims(store, clock).add("ai-code", CLAIM)
    crawl(store, clock, (LinkingStage(SETTINGS), ClaimsStage(link=SETTINGS)))
    paraphrase = store.article_for_url(PARAPHRASE)
    assert paraphrase is not None
    body = CORPUS.article("tidewater-paraphrase").versions[0].plain_text
    body += "\n\nThe Harbor Ledger first reported the account this week."
    clock.advance(timedelta(hours=2))
    page = _page(PARAPHRASE, body, clock.now(), (Link(LEDGER, "first reported"),))
    store.save_recheck(paraphrase, now=clock.now(), next_check_at=None, page=page)
    LinkingStage(SETTINGS).run(store, clock.now())
    ClaimsStage(link=SETTINGS).run(store, clock.now())
    assert (LEDGER, PARAPHRASE, "links_to", True, False) in edges(store.engine)
    assert not any(e[1] == PARAPHRASE and e[4] for e in edges(store.engine))


def test_a_deleted_claim_leaves_no_claim_edge(store: Store, clock: ManualClock) -> None:
    Claims(store, clock).add("ai-code", CLAIM)
    crawl(store, clock, (LinkingStage(SETTINGS), ClaimsStage(link=SETTINGS)))
    assert edges(store.engine) == TRUTH
    with store.engine.begin() as conn:
        conn.execute(text("delete from claims where slug = 'ai-code'"))
    counts = ClaimsStage(link=SETTINGS).run(store, clock.now())
    assert counts["claim_links_written"] == 1
    assert edges(store.engine) == {e for e in TRUTH if not e[4]}
    # Registered again (SQLite hands out the freed id again): its old articles are linked anew.
    Claims(store, clock).add("ai-code", CLAIM)
    assert edges(store.engine) == TRUTH
