"""`tracker add URL...`: exit 0 when every URL was stored, 1 when some were, 2 when none was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.testing.synthweb import SynthSpec, serve_synth

from .support.cli_run import run_cli as run

PARAGRAPH = (
    "The harbour authority said on Tuesday that the new crane would double the number of "
    "containers unloaded each day, a change the dock workers' union welcomed with caution. "
)
ARTICLE = (
    "<!doctype html><html><head><title>Crane doubles harbour capacity</title></head><body>"
    "<article><h1>Crane doubles harbour capacity</h1>"
    + "".join(f"<p>{PARAGRAPH}Paragraph {n} adds its own detail.</p>" for n in range(6))
    + "</article></body></html>"
).encode()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TRACKER_HTTP_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("TRACKER_HTTP_PER_HOST_INTERVAL", "0")
    monkeypatch.setenv("TRACKER_CRAWL_EXTRACT_WORKERS", "1")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return str(tmp_path / "add.db")


def _failures(err: str) -> dict[str, str]:
    """URL -> the line stderr gave it."""
    out = {}
    for line in err.splitlines():
        assert line.startswith("error: not stored: "), line
        url = line.removeprefix("error: not stored: ").split(": ", 1)[0]
        out[url] = line
    return out


def test_exit_codes_say_whether_all_some_or_none_were_stored(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_synth(SynthSpec(sites=0)) as web:
        base = f"http://127.0.0.1:{web.port}"
        web.put("127.0.0.1", "/story.html", ARTICLE)
        web.put("127.0.0.1", "/notes.txt", b"just some plain text, not a page")
        story, notes, missing = f"{base}/story.html", f"{base}/notes.txt", f"{base}/gone.html"
        unreachable = "http://127.0.0.1:9/nothing-listens"

        code, out, err = run(["--db", db, "add", story], capsys)
        assert (code, err) == (0, ""), err
        assert "article_new=1" in out

        code, out, err = run(["--db", db, "add", story, notes, missing, "ftp://x.test/a"], capsys)
        assert code == 1, err
        failed = _failures(err)
        assert sorted(failed) == sorted([notes, missing, "ftp://x.test/a"])
        assert "not an HTML page" in failed[notes]
        assert "404" in failed[missing]
        assert "http(s)" in failed["ftp://x.test/a"]

        code, out, err = run(["--db", db, "add", unreachable, "--json"], capsys)
        assert code == 2
        assert list(_failures(err)) == [unreachable]
        answer = json.loads(out)
        assert answer["stored"] == [] and answer["failed"][0][0] == unreachable
    code, out, _ = run(["--db", db, "articles", "list", "--json"], capsys)
    assert [a["url"] for a in json.loads(out)] == [story]


def test_a_refused_url_alone_is_exit_2_with_the_reason(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TRACKER_HTTP_ALLOW_PRIVATE")
    code, out, err = run(["--db", db, "add", "http://127.0.0.1:9/story"], capsys)
    assert code == 2
    (line,) = err.splitlines()
    assert line.startswith("error: not stored: http://127.0.0.1:9/story: article_refused")
    code, out, err = run(["--db", db, "add", "not a url"], capsys)
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert "not an http(s) URL" in line
