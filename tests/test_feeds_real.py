"""Real feeds from real outlets (../shared/data/feeds-real, some broken) through parse_feed.

The folder is measuring data outside the repository; the whole module skips when it is absent.
Run with `-s` to see entries per feed.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest

from tracker.domain import ParsedFeed
from tracker.errors import NotAFeed
from tracker.web.feeds import parse_feed

FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "feeds-real"
NOT_FEEDS = ("SOURCE", "README", "LICENSE")  # documentation files that sit beside the feeds
MIN_SHARE_WITH_ENTRIES = 0.8
CONTROL_CHARS = {chr(code) for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))}


def _files() -> list[Path]:
    return sorted(path for path in FOLDER.rglob("*") if path.is_file())


@pytest.fixture(scope="module")
def outcomes() -> dict[str, ParsedFeed | NotAFeed]:
    if not FOLDER.is_dir():
        pytest.skip(f"data folder missing: {FOLDER}")
    results: dict[str, ParsedFeed | NotAFeed] = {}
    for path in _files():
        name = path.relative_to(FOLDER).as_posix()
        try:
            results[name] = parse_feed(path.read_bytes(), url=f"https://feeds-real.example/{name}")
        except NotAFeed as exc:
            results[name] = exc
    for name, outcome in results.items():
        if isinstance(outcome, ParsedFeed):
            print(f"{name:55} {outcome.format:8} {len(outcome.entries):4} entries")
        else:
            print(f"{name:55} {'-':8} NotAFeed: {outcome}")
    return results


def _feeds(outcomes: dict[str, ParsedFeed | NotAFeed]) -> list[ParsedFeed]:
    return [outcome for outcome in outcomes.values() if isinstance(outcome, ParsedFeed)]


def test_every_file_parses_or_raises_not_a_feed(outcomes: dict[str, ParsedFeed | NotAFeed]) -> None:
    # Reaching here means no file raised anything else; check the fixture saw every file.
    assert len(outcomes) == len(_files()) >= 50


def test_most_feed_files_yield_entries(outcomes: dict[str, ParsedFeed | NotAFeed]) -> None:
    feed_files = [name for name in outcomes if not Path(name).name.startswith(NOT_FEEDS)]
    with_entries = [
        name
        for name in feed_files
        if isinstance(outcomes[name], ParsedFeed) and outcomes[name].entries  # type: ignore[union-attr]
    ]
    share = len(with_entries) / len(feed_files)
    print(f"{len(with_entries)}/{len(feed_files)} feed files yield entries ({share:.0%})")
    assert share >= MIN_SHARE_WITH_ENTRIES


def test_all_main_formats_are_recognised(outcomes: dict[str, ParsedFeed | NotAFeed]) -> None:
    formats = Counter(feed.format for feed in _feeds(outcomes) if feed.entries)
    print(dict(formats))
    assert {"rss20", "atom10", "rss10", "json"} <= set(formats)


def test_documentation_files_are_not_feeds(outcomes: dict[str, ParsedFeed | NotAFeed]) -> None:
    for name, outcome in outcomes.items():
        if Path(name).name.startswith(NOT_FEEDS):
            assert isinstance(outcome, NotAFeed), name


def test_entries_are_clean(outcomes: dict[str, ParsedFeed | NotAFeed]) -> None:
    for feed in _feeds(outcomes):
        assert feed.link is None or feed.link.startswith(("http://", "https://"))
        assert not CONTROL_CHARS & set(feed.title)
        assert feed.warning is None or "\n" not in feed.warning
        for entry in feed.entries:
            assert entry.link is None or entry.link.startswith(("http://", "https://"))
            assert not CONTROL_CHARS & set(entry.title + entry.summary + entry.author)
            assert entry.title == entry.title.strip() and "  " not in entry.title
            assert "<p>" not in entry.summary and "<div" not in entry.summary
            for moment in (entry.published, entry.updated):
                assert moment is None or moment.utcoffset() == timedelta(0)


def test_messages_are_one_readable_line(outcomes: dict[str, ParsedFeed | NotAFeed]) -> None:
    for outcome in outcomes.values():
        if isinstance(outcome, NotAFeed):
            message = str(outcome)
            assert message.startswith("not a feed: ") and "\n" not in message
            assert len(message) <= 200


def test_never_fewer_entries_than_plain_feedparser(
    outcomes: dict[str, ParsedFeed | NotAFeed],
) -> None:
    # The decoding and DOCTYPE removal in front of feedparser must not cost real feeds entries.
    for path in _files():
        name = path.relative_to(FOLDER).as_posix()
        plain = feedparser.parse(io.BytesIO(path.read_bytes()))
        outcome = outcomes[name]
        ours = len(outcome.entries) if isinstance(outcome, ParsedFeed) else 0
        assert ours >= len(plain.entries), name
