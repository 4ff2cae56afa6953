"""`tracker demo` end to end: the week of the demo story crawled into a fresh SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.api import Tracker
from tracker.demo.corpus import Corpus, load_corpus
from tracker.demo.run import DemoSummary, crawl_demo_week, demo_settings
from tracker.urls import canonical_url


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="module")
def week(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return crawl_demo_week(tmp_path_factory.mktemp("demo") / "demo.db", corpus=corpus)


def _stored(summary: DemoSummary) -> dict[str, tuple[str, int]]:
    """Path of each stored article -> (state, version count)."""
    with Tracker(demo_settings(summary.database)) as tracker:
        return {
            canonical_url(a.url).split(":", 2)[2].split("/", 1)[1]: (a.state, a.version_count)
            for a in tracker.articles()
        }


def test_every_article_of_the_story_is_stored_once(corpus: Corpus, week: DemoSummary) -> None:
    stored = _stored(week)
    expected = {a.path.lstrip("/") for a in corpus.articles}
    assert set(stored) == expected
    assert week.articles == len(corpus.articles)


def test_take_downs_are_recorded(corpus: Corpus, week: DemoSummary) -> None:
    stored = _stored(week)
    gone = {path for path, (state, _) in stored.items() if state == "taken_down"}
    assert gone == {a.path.lstrip("/") for a in corpus.articles if a.takedown is not None}


def test_edits_become_versions_and_unchanged_pages_stay_single(
    corpus: Corpus, week: DemoSummary
) -> None:
    stored = _stored(week)
    for article in corpus.articles:
        texts = {v.plain_text for v in article.versions}
        _, versions = stored[article.path.lstrip("/")]
        if len(texts) == 1:
            assert versions == 1, f"{article.id} changed without an edit"
        elif article.takedown is None or article.taken_down_at is None:
            assert versions >= 2, f"{article.id}: its edit was not seen"


def test_the_feed_that_went_away_is_stopped(corpus: Corpus, week: DemoSummary) -> None:
    with Tracker(demo_settings(week.database)) as tracker:
        states = {f.url.split("//", 1)[1].split(":", 1)[0]: f.state for f in tracker.feeds()}
    gone = {o.host for o in corpus.outlets if o.feed_gone_at is not None}
    assert gone and {host for host, state in states.items() if state == "gone"} == gone


def test_the_demo_command_reports_what_it_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from tracker.cli import main

    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["tracker", "demo", "-o", str(tmp_path / "d.db")])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code in (0, None)
    out = capsys.readouterr().out
    assert "The Harbor Ledger" in out and str(tmp_path / "d.db") in out


def test_the_demo_command_answers_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import sys

    from tracker.cli import main

    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    database = tmp_path / "d.db"
    monkeypatch.setattr(sys, "argv", ["tracker", "demo", "-o", str(database), "--json"])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code in (0, None)
    summary = json.loads(capsys.readouterr().out)  # paths come out as text, not a crash
    assert summary["database"] == str(database)
