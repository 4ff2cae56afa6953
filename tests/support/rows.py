"""Table contents in a comparable form: natural keys instead of ids, runs left out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text


def _plain(cell: Any) -> str:
    # SQLite hands back datetimes as text, PostgreSQL as aware datetimes: compare them as UTC.
    if isinstance(cell, str):
        try:
            cell = datetime.fromisoformat(cell)
        except ValueError:
            return cell
    if isinstance(cell, datetime):
        moment = cell if cell.tzinfo else cell.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    return str(cell)


def table_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Each main table's rows, sorted, with foreign ids replaced by URLs."""
    queries = {
        "outlets": "select name, domain from outlets",
        "feeds": "select url, state, etag, last_modified, consecutive_errors from feeds",
        "entries": (
            "select f.url, e.entry_key, e.canonical_url, e.state, a.url from entries e "
            "join feeds f on f.id = e.feed_id left join articles a on a.id = e.article_id"
        ),
        "articles": "select url, fetch_url, first_seen, state, check_count from articles",
        "article_urls": (
            "select u.url, a.url from article_urls u join articles a on a.id = u.article_id"
        ),
        "versions": (
            "select a.url, v.seq, v.content_hash, v.fetched_at from versions v "
            "join articles a on a.id = v.article_id"
        ),
    }
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name, sql in queries.items():
            out[name] = sorted(
                (tuple(_plain(c) for c in row) for row in conn.execute(text(sql))), key=repr
            )
    return out
