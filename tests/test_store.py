"""The store on real SQLite files and real PostgreSQL databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tracker.clock import ManualClock
from tracker.domain import Extracted, Link
from tracker.domain.crawl import NewEntry, StoredPage
from tracker.errors import NotFound
from tracker.store import FeedPoll, Store, current_revision, head_revision, make_engine, upgrade
from tracker.store.db import _heads_from_text, downgrade, migrations_path
from tracker.store.foreign import include_object
from tracker.store.fulltext import is_full_text_object
from tracker.store.models import Base


@pytest.fixture
def store(database_url: str) -> Store:
    engine = make_engine(database_url)
    upgrade(engine)
    return Store(engine, redirect_confirmations=2)


def _page(url: str, text: str, when, **extra) -> StoredPage:
    return StoredPage(
        requested_url=url,
        final_url=extra.pop("final_url", url),
        status=200,
        fetched_at=when,
        extracted=Extracted(text=text, title="T", links=(Link("https://a.test/x", "x"),)),
        content_hash=str(hash(text)),
        raw_html=b"<html>" + text.encode() + b"</html>",
        etag='"e1"',
        last_modified=None,
        **extra,
    )


def test_head_revision_is_alembics_and_current_revision_reads_the_database(
    database_url: str, tmp_path
) -> None:
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory(str(migrations_path())).get_current_head()
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    upgrade(engine, "0002")
    with engine.connect() as conn:
        assert current_revision(engine) == MigrationContext.configure(conn).get_current_revision()
    assert current_revision(engine) == "0002"
    engine.dispose()
    # A branch (two scripts revising one) is not read from the text: Alembic decides.
    for name, revision in [("a.py", "0001"), ("b.py", "0002"), ("c.py", "0003")]:
        down = None if revision == "0001" else "0001"
        (tmp_path / name).write_text(f'revision = "{revision}"\ndown_revision = {down!r}\n')
    assert _heads_from_text(tmp_path) == ["0002", "0003"]
    (tmp_path / "d.py").write_text('revision = "0004"\ndown_revision = ("0002", "0003")\n')
    assert _heads_from_text(tmp_path) is None


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    # The full-text index is raw DDL outside the models: compared apart, it must exist.
    opts = {"compare_type": True, "include_object": include_object}
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
    names = set(inspect(engine).get_table_names())
    names |= {i["name"] for i in inspect(engine).get_indexes("versions") if i["name"]}
    assert any(is_full_text_object(name) for name in names)
    if engine.dialect.name == "postgresql":  # the job queue's schema comes with the migrations
        assert "procrastinate_jobs" in names
    engine.dispose()


def test_downgrade_then_upgrade_round_trips(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert {"feeds", "articles", "versions"} <= set(inspect(engine).get_table_names())


def test_feed_poll_stores_entries_once_with_validators(store: Store, clock: ManualClock) -> None:
    feed, new = store.add_feed("https://ledger.test/feed.xml", outlet="Ledger", now=clock.now())
    assert new and feed.outlet == "Ledger"
    _, again = store.add_feed("https://ledger.test/feed.xml", outlet=None, now=clock.now())
    assert not again
    entries = [
        NewEntry(
            "g1", "g1", "https://ledger.test/a?utm_source=x", "https://ledger.test/a", "A", None
        ),
        NewEntry("g2", "g2", "https://ledger.test/b", "https://ledger.test/b", "B", None),
    ]
    poll = FeedPoll(200, '"v1"', None, "Ledger", entries, clock.now(), feed.url, False)
    assert store.save_feed_poll(feed.id, poll, clock.now()) == 2
    assert store.save_feed_poll(feed.id, poll, clock.now()) == 0
    stored = store.list_feeds()[0]
    assert stored.etag == '"v1"' and stored.entry_count == 2
    assert [p.canonical_url for p in store.pending_articles(clock.now())] == [
        "https://ledger.test/a",
        "https://ledger.test/b",
    ]


def test_new_article_attaches_entries_and_keeps_versions(store: Store, clock: ManualClock) -> None:
    feed, _ = store.add_feed("https://ledger.test/feed.xml", outlet=None, now=clock.now())
    entry = NewEntry("g1", None, "https://ledger.test/a", "https://ledger.test/a", "A", None)
    poll = FeedPoll(200, None, None, "", [entry], clock.now(), feed.url, False)
    store.save_feed_poll(feed.id, poll, clock.now())
    article_id, new = store.save_new_article(
        "https://ledger.test/a",
        _page("https://ledger.test/a", "first text", clock.now()),
        outlet_name=None,
        published=None,
        next_check_at=clock.now() + timedelta(hours=1),
        now=clock.now(),
    )
    assert new
    assert store.pending_articles(clock.now()) == []
    clock.advance(timedelta(hours=2))
    assert [r.article_id for r in store.due_rechecks(clock.now())] == [article_id]
    store.save_recheck(
        article_id,
        now=clock.now(),
        next_check_at=None,
        page=_page("https://ledger.test/a", "second text", clock.now()),
    )
    versions = store.versions(article_id)
    assert [v.text for v in versions] == ["first text", "second text"]
    assert versions[0].links[0].url == "https://a.test/x"
    assert store.get_article("http://www.ledger.test/a?utm_medium=rss").version_count == 2
    with pytest.raises(NotFound):
        store.get_article("https://ledger.test/nothing")


def test_a_due_recheck_carries_the_hash_of_its_latest_version(
    store: Store, clock: ManualClock
) -> None:
    ids = []
    for name in ("a", "b"):
        url = f"https://ledger.test/{name}"
        article_id, _ = store.save_new_article(
            url, _page(url, f"{name} one", clock.now()), outlet_name=None, published=None,
            next_check_at=clock.now() + timedelta(hours=1), now=clock.now(),
        )  # fmt: skip
        ids.append(article_id)
    clock.advance(timedelta(hours=2))
    for text in ("a two", "a three"):
        store.save_recheck(
            ids[0], now=clock.now(), next_check_at=clock.now(),
            page=_page("https://ledger.test/a", text, clock.now()),
        )  # fmt: skip
    due = {r.article_id: r.content_hash for r in store.due_rechecks(clock.now())}
    assert due == {ids[0]: str(hash("a three")), ids[1]: str(hash("b one"))}
    only = store.due_rechecks(clock.now(), article_id=ids[1])
    assert [(r.article_id, r.content_hash) for r in only] == [(ids[1], str(hash("b one")))]


def test_a_redirect_alias_resolves_to_the_same_article(store: Store, clock: ManualClock) -> None:
    page = _page(
        "https://ledger.test/short", "text", clock.now(), final_url="https://ledger.test/long"
    )
    first, new = store.save_new_article(
        "https://ledger.test/short",
        page,
        outlet_name=None,
        published=None,
        next_check_at=None,
        now=clock.now(),
    )
    assert new
    page2 = _page("https://ledger.test/long", "text", clock.now())
    second, new2 = store.save_new_article(
        "https://ledger.test/long",
        page2,
        outlet_name=None,
        published=None,
        next_check_at=None,
        now=clock.now(),
    )
    assert (second, new2) == (first, False)
    assert store.counts()["articles"] == 1


def test_permanent_redirect_adopted_only_when_consistent(store: Store, clock: ManualClock) -> None:
    feed, _ = store.add_feed("https://old.test/feed", outlet=None, now=clock.now())
    moved = FeedPoll(200, None, None, "", [], clock.now(), "https://new.test/feed", True)
    store.save_feed_poll(feed.id, moved, clock.now())
    assert store.list_feeds()[0].url == "https://old.test/feed"
    store.save_feed_poll(feed.id, moved, clock.now())
    assert store.list_feeds()[0].url == "https://new.test/feed"


def test_removed_feed_is_not_due(store: Store, clock: ManualClock) -> None:
    store.add_feed("https://ledger.test/feed.xml", outlet=None, now=clock.now())
    assert len(store.due_feeds(clock.now())) == 1
    store.remove_feed("https://ledger.test/feed.xml")
    assert store.due_feeds(clock.now()) == []
    with pytest.raises(NotFound):
        store.remove_feed("https://ledger.test/feed.xml")


def test_runs_left_running_become_interrupted(store: Store, clock: ManualClock) -> None:
    first = store.start_run(clock.now())
    second = store.start_run(clock.now())
    store.finish_run(second, {"feed_updated": 1}, now=clock.now())
    runs = {r.id: r for r in store.recent_runs()}
    assert runs[first].status == "interrupted"
    assert runs[second].counts == {"feed_updated": 1}
