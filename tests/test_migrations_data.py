"""Migrations keep real rows: a database filled at the first revision, taken to head and back.

The rows are written with plain SQL as the first revision's tables stood, so the test does not
depend on today's models. Every step up (and back down to the first revision) must leave each
of those rows exactly as it was: same columns, same values, same checksum. Works for whatever
the head revision is.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from tracker.store import head_revision, make_engine, upgrade
from tracker.store.db import current_revision, downgrade, migrations_path
from tracker.store.repo import Store

FIRST = "0001"
BASE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FIRST_TABLES = ("outlets", "feeds", "articles", "article_urls", "entries", "versions", "crawl_runs")


def _chain() -> list[str]:
    """Revisions from the first to head, in order."""
    script = ScriptDirectory(str(migrations_path()))
    revisions = [r.revision for r in script.walk_revisions("base", "heads")]
    revisions.reverse()
    assert revisions[0] == FIRST and revisions[-1] == head_revision()
    return revisions


def _moment(engine: Engine, hours: float) -> Any:
    moment = BASE + timedelta(hours=hours)
    # As the tracker writes it: naive UTC text on SQLite, an aware timestamp on PostgreSQL.
    if engine.dialect.name == "sqlite":
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return moment


def _insert(engine: Engine, table: str, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    placeholders = []
    for column in columns:
        cast = engine.dialect.name == "postgresql" and column in _JSON_COLUMNS.get(table, ())
        placeholders.append(f"CAST(:{column} AS JSON)" if cast else f":{column}")
    sql = f"insert into {table} ({', '.join(columns)}) values ({', '.join(placeholders)})"
    with engine.begin() as conn:
        conn.execute(text(sql), rows)


_JSON_COLUMNS = {
    "outlets": ("aliases",),
    "versions": ("links", "corrections"),
    "crawl_runs": ("counts",),
}


def _fill_first_revision(engine: Engine) -> None:
    """Rows as a crawl at revision 0001 leaves them, written with plain SQL."""
    t = lambda hours: _moment(engine, hours)  # noqa: E731
    j = lambda value: json.dumps(value, ensure_ascii=False)  # noqa: E731
    outlets = [
        ("The Ledger", "ledger.test", ["the Ledger", "Ledger"]),
        ("Herald Tribune", "herald.test", []),
        ("Zeitung für Alle", "zeitung.test", ["ZfA"]),
    ]
    _insert(
        engine,
        "outlets",
        [
            {"id": n + 1, "name": name, "domain": domain, "aliases": j(aliases), "created_at": t(n)}
            for n, (name, domain, aliases) in enumerate(outlets)
        ],
    )
    feeds = [
        (1, "https://ledger.test/feed.xml", 1, "active", '"etag-1"', None, 0, None),
        (2, "https://herald.test/rss", 2, "active", None, "Mon, 02 Mar 2026 07:00:00 GMT", 2, None),
        (3, "https://zeitung.test/atom", 3, "gone", None, None, 5, "https://zeitung.test/neu"),
        (4, "https://ledger.test/world.xml", 1, "removed", None, None, 0, None),
    ]
    _insert(
        engine,
        "feeds",
        [
            {
                "id": fid,
                "url": url,
                "outlet_id": outlet,
                "title": f"Feed {fid} – Nachrichten",
                "state": state,
                "etag": etag,
                "last_modified": modified,
                "next_poll_at": t(fid + 0.25),
                "last_polled_at": t(fid),
                "last_success_at": t(fid) if errors == 0 else None,
                "last_status": 200 if errors == 0 else 503,
                "last_error": None if errors == 0 else "TransientHTTPError: 503",
                "consecutive_errors": errors,
                "error_count": errors * 2,
                "redirect_url": redirect,
                "redirect_seen": 1 if redirect else 0,
                "created_at": t(0),
            }
            for fid, url, outlet, state, etag, modified, errors, redirect in feeds
        ],
    )
    articles = []
    for n in range(1, 7):
        outlet = (n % 3) + 1
        domain = outlets[outlet - 1][1]
        articles.append(
            {
                "id": n,
                "url": f"https://{domain}/2026/story-{n}",
                "fetch_url": f"https://www.{domain}/2026/story-{n}?utm_source=rss",
                "outlet_id": outlet,
                "title": f"Story {n}: outages «blamed» on AI-written code",
                "first_seen": t(n),
                "published": t(n - 0.5) if n % 2 else None,
                "modified": t(n + 1) if n == 2 else None,
                "state": "taken_down" if n == 6 else "live",
                "taken_down_at": t(30) if n == 6 else None,
                "last_checked_at": t(n + 2),
                "next_check_at": t(n + 24) if n != 6 else None,
                "check_count": n % 4,
                "etag": f'W/"{n}"' if n % 2 else None,
                "last_modified": None,
            }
        )
    _insert(engine, "articles", articles)
    aliases = [{"url": a["url"], "article_id": a["id"]} for a in articles]
    aliases += [
        {"url": "https://ledger.test/amp/2026/story-3", "article_id": 3},
        {"url": "https://herald.test/s/1", "article_id": 1},
    ]
    _insert(engine, "article_urls", aliases)
    entries = []
    for n in range(1, 11):
        article = ((n - 1) % 6) + 1 if n <= 8 else None
        url = articles[article - 1]["url"] if article else f"https://ledger.test/pending-{n}"
        entries.append(
            {
                "id": n,
                "feed_id": 1 if n <= 6 else 2,  # one story in two feeds: 1 and 7, 2 and 8
                "entry_key": f"guid-{n}" if n % 2 else url,
                "guid": f"guid-{n}" if n % 2 else None,
                "url": url + "?utm_medium=feed",
                "canonical_url": url,
                "title": f"Entry {n}",
                "published": t(n) if n % 3 else None,
                "first_seen": t(n),
                "state": "done" if article else ("failed" if n == 10 else "pending"),
                "attempts": 0 if article else n - 8,
                "next_attempt_at": None if article else t(n + 1),
                "last_error": None if article else "article_fetch_error: timed out",
                "article_id": article,
            }
        )
    _insert(engine, "entries", entries)
    versions = []
    for vid, (article, seq) in enumerate(
        [(1, 1), (2, 1), (2, 2), (3, 1), (4, 1), (5, 1), (6, 1), (1, 2)], 1
    ):
        body = f"Version {seq} of story {article}. The outage was blamed on AI-written code.\n" * 3
        html = f"<html><body><p>{body}</p></body></html>".encode()
        versions.append(
            {
                "id": vid,
                "article_id": article,
                "seq": seq,
                "fetched_at": t(article + seq),
                "http_status": 200,
                "final_url": articles[article - 1]["url"],
                "content_hash": hashlib.sha256(body.encode()).hexdigest(),
                "text": body,
                "title": f"Story {article}",
                "byline": "By Staff Writer",
                "site_name": "The Ledger",
                "language": "en" if article != 3 else None,
                "published": t(article - 0.5),
                "modified": None,
                "links": j([{"url": "https://herald.test/s/1", "text": "first reported"}]),
                "corrections": j(
                    ["Correction: an earlier version misstated the cause."] if seq == 2 else []
                ),
                "raw_html": zlib.compress(html, 6),
                "raw_size": len(html),
            }
        )
    _insert(engine, "versions", versions)
    _insert(
        engine,
        "crawl_runs",
        [
            {"id": 1, "started_at": t(1), "finished_at": t(1.1), "status": "finished",
             "counts": j({"article_new": 6, "feed_updated": 3}), "error": None},
            {"id": 2, "started_at": t(2), "finished_at": None, "status": "interrupted",
             "counts": j({}), "error": None},
        ],
    )  # fmt: skip
    if engine.dialect.name == "postgresql":
        # Plain inserts with explicit ids leave the sequences behind; a crawl would collide.
        with engine.begin() as conn:
            for table in FIRST_TABLES:
                if table != "article_urls":
                    conn.execute(
                        text(
                            f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(select max(id) from {table}))"
                        )
                    )


def _cell(value: object) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return "b:" + hashlib.sha256(value).hexdigest()
    if isinstance(value, dict | list):
        return "j:" + json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, datetime):
        return "t:" + value.isoformat()
    return f"{type(value).__name__}:{value}"


def _columns(engine: Engine) -> dict[str, list[str]]:
    inspector = inspect(engine)
    return {table: [c["name"] for c in inspector.get_columns(table)] for table in FIRST_TABLES}


def _snapshot(engine: Engine, columns: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    """Per table of the first revision: its row count and a checksum of those columns."""
    out: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for table, names in columns.items():
            key = "url" if table == "article_urls" else "id"
            rows = conn.execute(
                text(f"select {', '.join(names)} from {table} order by {key}")
            ).all()
            digest = hashlib.sha256()
            for row in rows:
                digest.update(repr([_cell(v) for v in row]).encode())
            out[table] = (len(rows), digest.hexdigest())
    return out


def test_rows_written_at_the_first_revision_survive_every_step_up_and_down(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    chain = _chain()
    upgrade(engine, FIRST)
    _fill_first_revision(engine)
    columns = _columns(engine)
    before = _snapshot(engine, columns)
    assert before["versions"][0] == 8 and before["entries"][0] == 10

    for revision in chain[1:]:
        upgrade(engine, revision)
        assert current_revision(engine) == revision
        assert _snapshot(engine, columns) == before, f"rows changed by the step up to {revision}"
    for revision in reversed(chain[:-1]):
        downgrade(engine, revision)
        assert _snapshot(engine, columns) == before, f"rows changed by the step down to {revision}"
    assert current_revision(engine) == FIRST
    upgrade(engine)
    assert _snapshot(engine, columns) == before

    # The tracker of today reads the old rows and writes beside them.
    store = Store(engine)
    articles = store.list_articles()
    assert len(articles) == 6 and articles[0].url == "https://herald.test/2026/story-1"
    assert [v.seq for v in store.versions(1)] == [1, 2]
    assert "AI-written code" in store.versions(2)[1].text
    assert {f.url for f in store.list_feeds()} >= {"https://ledger.test/feed.xml"}
    run = store.start_run(BASE + timedelta(days=2))
    assert run == 3
    engine.dispose()


def test_downgrade_to_base_and_up_again_on_a_filled_database(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, FIRST)
    _fill_first_revision(engine)
    upgrade(engine)
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert _snapshot(engine, _columns(engine))["articles"][0] == 0
    engine.dispose()


def _validators(engine: Engine) -> dict[int, tuple[str | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(text("select id, etag, last_modified from feeds order by id")).all()
    return {fid: (etag, modified) for fid, etag, modified in rows}


def test_0014_clears_the_validators_an_old_sitemap_index_kept(database_url: str) -> None:
    """An index that kept its own validators would answer 304 and hide what its children add."""
    engine = make_engine(database_url)
    upgrade(engine, FIRST)
    _fill_first_revision(engine)
    t = lambda hours: _moment(engine, hours)  # noqa: E731
    index = "https://ledger.test/sitemap-index.xml"
    _insert(
        engine,
        "feeds",
        [
            {
                "id": 5,
                "url": index,
                "outlet_id": 1,
                "title": "Ledger sitemaps",
                "state": "active",
                "etag": '"index-1"',
                "last_modified": "Mon, 02 Mar 2026 07:00:00 GMT",
                "next_poll_at": t(5),
                "last_polled_at": t(4),
                "last_success_at": t(4),
                "last_status": 200,
                "last_error": None,
                "consecutive_errors": 0,
                "error_count": 0,
                "redirect_url": None,
                "redirect_seen": 0,
                "created_at": t(0),
            }
        ],
    )
    # A sitemap's entries carry no guid: each is known by its canonical link.
    _insert(
        engine,
        "entries",
        [
            {
                "id": 11,
                "feed_id": 5,
                "entry_key": "https://ledger.test/2026/story-3",
                "guid": None,
                "url": "https://ledger.test/2026/story-3",
                "canonical_url": "https://ledger.test/2026/story-3",
                "title": "Story 3",
                "published": t(3),
                "first_seen": t(4),
                "state": "done",
                "attempts": 0,
                "next_attempt_at": None,
                "last_error": None,
                "article_id": 3,
            }
        ],
    )
    upgrade(engine, "0013")
    before = _validators(engine)
    assert before[5] == ('"index-1"', "Mon, 02 Mar 2026 07:00:00 GMT")
    upgrade(engine, "0014")
    after = _validators(engine)
    assert after[5] == (None, None)
    # Feeds whose entries have guids (RSS, Atom) keep theirs: their next poll stays conditional.
    assert {fid: v for fid, v in after.items() if fid != 5} == {
        fid: v for fid, v in before.items() if fid != 5
    }
    assert after[1] == ('"etag-1"', None)
    engine.dispose()
