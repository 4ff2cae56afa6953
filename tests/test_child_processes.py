"""The crawl's extraction workers end with it, however the crawl ends (SIGKILL, SIGTERM, SIGHUP)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support.httpserver import LocalServer, reply

ROOT = Path(__file__).resolve().parents[1]
PAGES = 40
PARAGRAPH = (
    "The city council voted on Tuesday to approve the new budget for the coming year, and "
    "officials said an independent panel would review the plan again next spring. "
)

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")


def _children() -> dict[int, int]:
    """pid -> parent pid of every live process (zombies count as gone)."""
    out: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            out[int(entry.name)] = int(fields[1])
    return out


def _descendants(root: int) -> set[int]:
    parents = _children()
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    return pids & set(_children())


@pytest.fixture
def slow_web() -> Iterator[str]:
    """A feed of PAGES articles served slowly, so a crawl is still busy when it is killed."""
    with LocalServer() as server:
        for n in range(PAGES):
            page = (
                f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
                f"<p>{PARAGRAPH * 4} Story {n}.</p></article></body></html>"
            ).encode()

            def slow(request: object, body: bytes = page) -> None:
                time.sleep(0.5)
                reply(200, body, {"Content-Type": "text/html"})(request)  # type: ignore[arg-type]

            server.route(f"/story/{n}", slow)
        items = "".join(
            f"<item><title>Story {n}</title><link>{server.url(f'/story/{n}')}</link></item>"
            for n in range(PAGES)
        )
        feed = f'<rss version="2.0"><channel><title>Slow</title>{items}</channel></rss>'
        server.route(
            "/feed.xml", reply(200, feed.encode(), {"Content-Type": "application/rss+xml"})
        )
        yield server.url("/feed.xml")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
def test_no_extraction_worker_outlives_the_crawl(
    slow_web: str, tmp_path: Path, how: signal.Signals
) -> None:
    env = {
        **os.environ,
        "TRACKER_HTTP_ALLOW_PRIVATE": "1",
        "TRACKER_HTTP_PER_HOST_INTERVAL": "0",
        "TRACKER_CRAWL_EXTRACT_WORKERS": "2",
        "TRACKER_DATA_DIR": str(tmp_path),
    }
    db = str(tmp_path / "t.db")
    tracker = [sys.executable, "-c", "from tracker.cli import main; main()", "--db", db]
    subprocess.run([*tracker, "feeds", "add", slow_web], env=env, check=True, cwd=ROOT)
    crawl = subprocess.Popen(
        [*tracker, "crawl"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    family: set[int] = set()
    try:
        # Wait until the extraction workers are running (forkserver plus two workers at least).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            family = _descendants(crawl.pid)
            if len(family) >= 3:
                break
            time.sleep(0.2)
        assert len(family) >= 3, f"the crawl started no workers: {family}"
        time.sleep(1.0)  # mid-crawl: pages are being fetched and extracted
        family = _descendants(crawl.pid)
        crawl.send_signal(how)
        crawl.wait(timeout=30)
        deadline = time.monotonic() + 5
        while _alive(family) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _alive(family)
        assert not left, f"still running after {how.name}: {sorted(left)}"
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
        for pid in _alive(family):  # what this test started, nothing else
            os.kill(pid, signal.SIGKILL)
