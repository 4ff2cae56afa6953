"""kill -9 during a pass, then another pass, ends with the same rows as one clean pass."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.store import make_engine
from tracker.testing.synthweb import SynthSpec, resolver, serve_synth

from .conftest import make_settings
from .support.rows import table_rows

# Answers take 0.2 s, so each site's 8 articles arrive over more than a second and the pass
# stores them a few at a time: with 0.05 s a loaded machine stored all 48 in one batch before
# the kill at 16 landed ("48 < 48"), and the test no longer killed anything mid-pass.
SPEC = SynthSpec(sites=6, feeds_per_site=2, articles_per_feed=4, paragraphs=3, latency=0.2)
ROOT = Path(__file__).resolve().parents[1]


def _count(url: str, table: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"select count(*) from {table}")).scalar_one())
    except Exception:
        return 0
    finally:
        engine.dispose()


def _crawl_and_kill(
    url: str, folder: Path, moment: str, feeds: tuple[str, ...], table: str, at: int
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.crawl_runner", url, str(folder), moment, *feeds],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and child.poll() is None:
            if _count(url, table) >= at:
                break
            time.sleep(0.01)
        assert child.poll() is None, f"the pass ended before the kill: {child.stderr.read()!r}"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize(("table", "at"), [("entries", 1), ("articles", 1), ("articles", 16)])
def test_kill_during_a_pass_then_rerun_equals_one_clean_pass(
    database_url: str, tmp_path: Path, clock: ManualClock, table: str, at: int
) -> None:
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    moment = clock.now().isoformat()
    with serve_synth(SPEC) as web:
        with Tracker(make_settings(clean_url, tmp_path), clock=clock, resolver=resolver()) as clean:
            for feed in web.feed_urls:
                clean.add_feed(feed)
            clean.crawl()
            expected = table_rows(clean.engine)
        assert len(expected["articles"]) == 48
        _crawl_and_kill(database_url, tmp_path, moment, web.feed_urls, table, at)
        killed = Tracker(make_settings(database_url, tmp_path), clock=clock, resolver=resolver())
        with killed:
            assert len(table_rows(killed.engine)["articles"]) < 48
            for feed in web.feed_urls:
                killed.add_feed(feed)
            killed.crawl()
            assert table_rows(killed.engine) == expected
            runs = killed.status().runs
            assert [r.status for r in runs[:2]] == ["finished", "interrupted"]
