"""Batched writes: a batch stores what its items stored one by one, in few statements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from tracker.clock import ManualClock
from tracker.domain.crawl import NewArticle
from tracker.domain.links import LinkWrite
from tracker.store import Store, make_engine, upgrade
from tracker.store import models as m
from tracker.store.link_repo import LinkRepo
from tracker.store.link_tables import BandRow, LinkStateRow

from .support.stored import stored_page


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield Store(engine)
    engine.dispose()


def _item(url: str, clock: ManualClock, text: str = "", final: str | None = None) -> NewArticle:
    now = clock.now()
    page = stored_page(url, text or f"the text of {url}", now)
    if final is not None:
        page = replace(page, final_url=final)
    return NewArticle(url, page, None, now + timedelta(days=1), now)


def _statements(store: Store) -> list[str]:
    seen: list[str] = []
    event.listen(
        store.engine, "before_cursor_execute", lambda _c, _u, sql, *_: seen.append(sql.split()[0])
    )
    return seen


def test_a_batch_of_new_articles_is_one_statement_per_table(
    store: Store, clock: ManualClock
) -> None:
    first = [_item(f"https://o{i % 5}.test/a{i}", clock) for i in range(40)]
    seen = _statements(store)
    results = store.save_new_articles(first)
    assert [new for _, new in results] == [True] * 40
    assert len({article for article, _ in results}) == 40
    # aliases, outlets (lookup, names, insert, ids), articles (insert, ids), versions, URLs,
    # entries; the transaction's BEGIN on SQLite
    assert len([s for s in seen if s != "BEGIN"]) <= 10
    with store._tx() as s:
        assert s.scalar(select(func.count()).select_from(m.Outlet)) == 5
        assert s.scalar(select(func.count()).select_from(m.Version)) == 40
        urls = dict(s.execute(select(m.ArticleUrl.url, m.ArticleUrl.article_id)).all())
    assert urls["https://o1.test/a1"] == results[1][0]
    assert urls["http://o1.test/a1"] == results[1][0]  # the other scheme is an alias
    seen.clear()
    again = store.save_new_articles(
        [_item(f"https://o{i % 5}.test/b{i}", clock) for i in range(40)]
    )
    assert all(new for _, new in again)
    assert len([s for s in seen if s != "BEGIN"]) <= 7  # outlets stored: looked up, not made


def test_items_of_one_batch_sharing_a_url_resolve_as_one_by_one(
    store: Store, clock: ManualClock
) -> None:
    """A later item whose page redirected to an earlier item's URL becomes its alias."""
    stored = store.save_new_articles([_item("https://x.test/old", clock)])[0][0]
    batch = [
        _item("https://x.test/a", clock),
        _item("https://x.test/short", clock, final="https://x.test/a"),
        _item("https://x.test/moved", clock, final="https://x.test/old"),
        _item("https://y.test/b", clock),
    ]
    results = store.save_new_articles(batch)
    assert results[0][1] is True
    assert results[1] == (results[0][0], False)
    assert results[2] == (stored, False)
    assert results[3][1] is True
    with store._tx() as s:
        owner = dict(s.execute(select(m.ArticleUrl.url, m.ArticleUrl.article_id)).all())
        assert s.scalar(select(func.count()).select_from(m.Article)) == 3
    assert owner["https://x.test/short"] == results[0][0]
    assert owner["https://x.test/moved"] == stored


def _write(article: int, version: int, clock: ManualClock) -> LinkWrite:
    return LinkWrite(
        article_id=article,
        version_id=version,
        edges=[],
        primary=None,
        now=clock.now(),
        bands=[(0, article), (1, 7)],
        outlet_id=None,
    )


def _versions(store: Store) -> dict[int, int]:
    with store._tx() as s:
        return dict(s.execute(select(m.Version.article_id, m.Version.id)).all())


def test_linking_in_a_batch_reads_its_own_writes_and_commits_them(
    store: Store, clock: ManualClock
) -> None:
    ids = [
        a
        for a, _ in store.save_new_articles([_item(f"https://z{i}.test/", clock) for i in range(3)])
    ]
    versions = _versions(store)
    repo = LinkRepo(store)
    with repo.batch():
        repo.save(_write(ids[0], versions[ids[0]], clock))
        # The next article's candidates see the one linked before it, uncommitted as it is.
        assert sorted(a for a, _ in repo.band_hits([(1, 7)], 10)) == [ids[0]]
        assert repo.linked([ids[0]])[ids[0]].version_id == versions[ids[0]]
        assert repo.target(versions[ids[0]]) is None  # linked already
        repo.save(_write(ids[1], versions[ids[1]], clock))
    with store._tx() as s:
        assert sorted(s.scalars(select(LinkStateRow.article_id))) == sorted(ids[:2])
        assert s.scalar(select(func.count()).select_from(BandRow)) == 4


def test_a_batch_that_raises_keeps_nothing_uncommitted(store: Store, clock: ManualClock) -> None:
    """As a killed pass: what was not committed is linked again on the next pass."""
    ids = [
        a
        for a, _ in store.save_new_articles([_item(f"https://k{i}.test/", clock) for i in range(2)])
    ]
    versions = _versions(store)
    repo = LinkRepo(store)
    with pytest.raises(RuntimeError), repo.batch():
        repo.save(_write(ids[0], versions[ids[0]], clock))
        raise RuntimeError("killed")
    assert repo.pending(10) == sorted(versions.values())
    with repo.batch():  # and the repo works on afterwards
        repo.save(_write(ids[0], versions[ids[0]], clock))
    assert repo.pending(10) == [versions[ids[1]]]
