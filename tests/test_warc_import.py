"""`tracker import`: archived responses become versions in time order, once, through the stages."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.store import models as m
from tracker.testing.warcs import generated_pages, write_generated_warc

from .conftest import make_settings
from .support.cli_run import run_cli
from .support.warcs import gz, page, record

T1, T2, T3 = "2024-05-01T08:00:00Z", "2024-05-02T08:00:00Z", "2024-05-03T08:00:00Z"
STORY = "https://news.example/2024/05/harbour"


def _versions(tracker: Tracker) -> list[tuple[str, int, datetime, str | None, str | None]]:
    with tracker.engine.connect() as conn:
        rows = conn.execute(
            select(
                m.Article.url,
                m.Version.seq,
                m.Version.fetched_at,
                m.Version.warc_file,
                m.Version.warc_record_id,
                m.Version.content_hash,
            )
            .join(m.Article, m.Article.id == m.Version.article_id)
            .order_by(m.Article.url, m.Version.seq)
        ).all()
    return [
        (u, s, f.replace(tzinfo=UTC) if f.tzinfo is None else f, w, r) for u, s, f, w, r, _ in rows
    ]


def _tracker(database_url: str, tmp_path: Path) -> Tracker:
    return Tracker(
        make_settings(database_url, tmp_path), clock=ManualClock(datetime(2024, 6, 1, tzinfo=UTC))
    )


def test_captures_become_versions_in_time_order_with_their_evidence(
    database_url: str, tmp_path: Path
) -> None:
    first = page("Harbour closes", "The harbour closed on Monday after the storm.")
    edited = page("Harbour closes", "The harbour closed on Monday; it reopens on Friday.")
    later = tmp_path / "later.warc.gz"
    later.write_bytes(gz(record(STORY, edited, date=T3, record_id="<urn:uuid:later>")))
    earlier = tmp_path / "earlier.warc.gz"
    earlier.write_bytes(
        gz(
            record(STORY, first, date=T1, record_id="<urn:uuid:first>"),
            record(STORY, first, date=T2, record_id="<urn:uuid:same>"),  # unchanged: no version
        )
    )
    with _tracker(database_url, tmp_path) as tracker:
        done = tracker.import_warc([later])
        assert done.stored == 1 and done.problems == ()
        done = tracker.import_warc([earlier])  # an older capture of a stored URL
        assert done.stored == 1
        assert done.run.counts["warc_unchanged"] == 1
        article, versions = tracker.article(STORY)
        rows = _versions(tracker)
    assert article.first_seen == datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert [v.seq for v in versions] == [1, 2]
    assert "reopens" not in versions[0].text and "reopens" in versions[1].text
    assert [(r[1], r[3], r[4]) for r in rows] == [
        (1, "earlier.warc.gz", "<urn:uuid:first>"),
        (2, "later.warc.gz", "<urn:uuid:later>"),
    ]
    assert done.run.counts.get("linked", 0) + done.run.counts.get("relinked", 0) >= 1


def test_an_import_run_again_or_resumed_adds_nothing_twice(
    database_url: str, tmp_path: Path
) -> None:
    records = [
        record(
            f"https://site{n % 3}.example/news/{n}",
            page(f"Story {n}", f"Report {n}."),
            date=f"2024-05-01T{8 + n:02d}:00:00Z",
        )
        for n in range(8)
    ]
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gz(*records))
    cut = tmp_path / "whole-cut.warc.gz"  # an import stopped half-way: the first five only
    cut.write_bytes(gz(*records[:5]))
    with _tracker(database_url, tmp_path / "a") as tracker:
        assert tracker.import_warc([cut]).stored == 5
        resumed = tracker.import_warc([whole])
        assert resumed.stored == 3 and resumed.run.counts["warc_duplicate"] == 5
        again = tracker.import_warc([whole])
        assert again.stored == 0 and again.usable == 8
        twice = _versions(tracker)
    with _tracker(f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "b") as tracker:
        tracker.import_warc([whole])
        once = _versions(tracker)
    assert [(r[0], r[1], r[2], r[4]) for r in twice] == [(r[0], r[1], r[2], r[4]) for r in once]
    assert len(once) == 8


def test_a_take_down_in_the_archive_marks_the_article(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "gone.warc.gz"
    path.write_bytes(
        gz(
            record(STORY, page("Harbour closes", "Closed."), date=T1),
            record(STORY, b"gone", date=T2, status="410 Gone"),
            record("https://other.example/a", page("Other", "Other story."), date=T1),
            record(
                "https://other.example/a",
                b"",
                date=T3,
                status="301 Moved Permanently",
                headers=[("Location", "https://other.example/")],
            ),
            record("https://never.example/b", b"", date=T2, status="404 Not Found"),
        )
    )
    with _tracker(database_url, tmp_path) as tracker:
        done = tracker.import_warc([path])
        assert done.run.counts["article_taken_down"] == 2
        gone = {a.url: a for a in tracker.articles()}
    assert gone[STORY].state == "taken_down"
    assert gone[STORY].taken_down_at == datetime(2024, 5, 2, 8, tzinfo=UTC)
    assert gone["https://other.example/a"].state == "taken_down"
    assert "https://never.example/b" not in gone


def test_hostile_files_give_one_line_each_and_the_rest_is_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_HTTP_MAX_BODY_BYTES", str(1024 * 1024))
    monkeypatch.setenv("TRACKER_CRAWL_EXTRACT_WORKERS", "1")
    bomb = gzip.compress(b"<p>" + b"a" * (40 * 1024 * 1024))
    mixed = tmp_path / "mixed.warc.gz"
    whole = gz(
        record("https://ok.example/one", page("One", "First good page.")),
        record("https://bomb.example/x", bomb, headers=[("Content-Encoding", "gzip")]),
        record("dns:ok.example", b"1.2.3.4"),
        record("https://ok.example/two", page("Two", "Second good page.")),
        record("https://ok.example/three", page("Three", "Cut page.")),
    )
    mixed.write_bytes(whole[:-150])
    junk = tmp_path / "junk.warc"
    junk.write_bytes(b"<html>this is not an archive</html>\n" * 10)
    db = str(tmp_path / "cli.db")
    code, out, err = run_cli(["--db", db, "import", str(mixed), str(junk)], capsys)
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 4, err  # the bomb, the dns: record, the cut record, the junk file
    assert any("bomb.example" in line and "larger than" in line for line in lines)
    assert any("dns:ok.example" in line for line in lines)
    assert any(line.startswith("junk.warc:") and "not a WARC file" in line for line in lines)
    assert "Traceback" not in err
    assert "2 new articles" in out
    code, out, err = run_cli(["--db", db, "import", str(junk)], capsys)
    assert code == 2
    assert len([line for line in err.splitlines() if line.strip()]) == 1
    code, out, err = run_cli(["--db", db, "import", str(tmp_path / "missing.warc")], capsys)
    assert code == 2 and "cannot read the file" in err


def test_an_import_killed_half_way_is_finished_by_running_it_again(tmp_path: Path) -> None:
    archive = tmp_path / "many.warc.gz"
    write_generated_warc(archive, generated_pages(120, paragraphs=4))
    killed = tmp_path / "killed.db"
    env = {
        **os.environ,
        "TRACKER_CRAWL_EXTRACT_WORKERS": "1",
        "TRACKER_DATA_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "tracker", "--db", str(killed), "import", str(archive)]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stored = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and child.poll() is None:
            try:
                engine = create_engine(f"sqlite:///{killed}")
                with engine.connect() as conn:
                    stored = conn.execute(text("select count(*) from versions")).scalar_one()
                engine.dispose()
            except Exception:  # the schema is not there yet
                stored = 0
            if stored >= 10:
                break
            time.sleep(0.05)
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert 10 <= stored < 120
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    with _tracker(f"sqlite:///{killed}", tmp_path / "k") as tracker:
        resumed = _versions(tracker)
        assert tracker.status().runs[1].status == "interrupted"
    with _tracker(f"sqlite:///{tmp_path / 'clean.db'}", tmp_path / "c") as tracker:
        tracker.import_warc([archive])
        clean = _versions(tracker)
    assert len(clean) == 120
    assert [(r[0], r[1], r[2], r[4]) for r in resumed] == [(r[0], r[1], r[2], r[4]) for r in clean]
