"""The command line: readable one-line errors with exit code 2, JSON listings, help everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.testing.synthweb import SynthSpec, serve_synth

from .support.cli_run import run_cli as run

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>
<item><title>One</title><link>http://127.0.0.1/one</link></item></channel></rss>"""


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TRACKER_HTTP_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("TRACKER_HTTP_PER_HOST_INTERVAL", "0")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return str(tmp_path / "cli.db")


def _one_error_line(code: int, err: str, needle: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and needle in lines[0], lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "bad", ["not a url", "ftp://example.com/feed", "http://", "http://host:99999/feed"]
)
def test_a_bad_url_is_one_line_and_exit_2(
    db: str, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    code, _, err = run(["--db", db, "feeds", "add", bad, "--no-check"], capsys)
    _one_error_line(code, err, "URL")


def test_non_feeds_are_refused_and_nothing_stored_is_lost(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_synth(SynthSpec(sites=0)) as web:
        base = f"http://127.0.0.1:{web.port}"
        web.put("127.0.0.1", "/feed.xml", RSS)
        web.put("127.0.0.1", "/page.html", b"<!doctype html><html><body><p>Hi</p></body></html>")
        web.put("127.0.0.1", "/broken.xml", b"<rss><channel><item><title>x</ti")
        code, out, _ = run(["--db", db, "feeds", "add", f"{base}/feed.xml"], capsys)
        assert code == 0 and "added" in out
        code, _, err = run(["--db", db, "feeds", "add", f"{base}/page.html"], capsys)
        _one_error_line(code, err, "not a feed")
        code, _, err = run(["--db", db, "feeds", "add", f"{base}/broken.xml"], capsys)
        _one_error_line(code, err, "broken.xml")
        code, _, err = run(["--db", db, "feeds", "add", f"{base}/missing.xml"], capsys)
        _one_error_line(code, err, "404")
    code, out, _ = run(["--db", db, "feeds", "list", "--json"], capsys)
    assert code == 0
    assert [f["url"] for f in json.loads(out)] == [f"{base}/feed.xml"]


def test_a_bad_opml_file_is_one_line(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline xmlUrl='http://a.test/f'")
    code, _, err = run(["--db", db, "feeds", "import", str(bad)], capsys)
    _one_error_line(code, err, "OPML")
    code, _, err = run(["--db", db, "feeds", "import", str(tmp_path / "none.opml")], capsys)
    _one_error_line(code, err, "none.opml")


def test_opml_import_then_export_round_trips(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opml = tmp_path / "in.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>'
        '<outline text="News"><outline text="Ledger" xmlUrl="https://ledger.test/rss"/>'
        '<outline text="Wire" xmlUrl="https://wire.test/atom"/></outline></body></opml>'
    )
    code, out, _ = run(["--db", db, "feeds", "import", str(opml)], capsys)
    assert code == 0 and "added 2" in out
    code, out, _ = run(["--db", db, "feeds", "export"], capsys)
    assert "https://ledger.test/rss" in out and "https://wire.test/atom" in out
    code, out, _ = run(["--db", db, "outlets", "list", "--json"], capsys)
    assert sorted(o["name"] for o in json.loads(out)) == ["Ledger", "Wire"]


def test_bad_options_exit_2(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--db", db, "crawl", "--every", "soon"], capsys)
    _one_error_line(code, err, "duration")
    code, _, err = run(["--db", db, "crawl", "--now", "yesterday"], capsys)
    _one_error_line(code, err, "ISO 8601")
    code, _, err = run(["--db", db, "articles", "show", "https://nowhere.test/x"], capsys)
    _one_error_line(code, err, "no stored article")
    code, _, _ = run(["--db", db, "no-such-command"], capsys)
    assert code == 2


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["feeds"],
        ["feeds", "add"],
        ["crawl"],
        ["status"],
        ["add"],
        ["articles", "show"],
        ["db"],
        ["config"],
        ["graph"],
        ["report"],
        ["feeds", "export"],
    ],
)
def test_help_everywhere(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([*args, "--help"], capsys)
    assert code == 0 and "Usage" in out


def test_the_installed_command_runs(db: str) -> None:
    tracker = Path(sys.executable).with_name("tracker")
    result = subprocess.run(
        [str(tracker), "--db", db, "status", "--json"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["feeds"] == 0


def test_a_refused_loopback_feed_names_the_setting_that_allows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TRACKER_HTTP_ALLOW_PRIVATE", raising=False)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "cli.db")
    code, _, err = run(["--db", db, "feeds", "add", "http://127.0.0.1:9/feed.xml"], capsys)
    _one_error_line(code, err, "TRACKER_HTTP_ALLOW_PRIVATE=1")
    assert "allow_private = true" in err and "--no-check" not in err
    code, out, _ = run(["--db", db, "feeds", "list", "--json"], capsys)
    assert code == 0 and json.loads(out) == []  # nothing subscribed


@pytest.mark.parametrize("problem", ["not a database", "a folder", "no server"])
def test_a_database_problem_is_one_line_and_exit_2(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], problem: str
) -> None:
    if problem == "not a database":
        target = tmp_path / "notes.db"
        target.write_text("these are my notes, not a database\n" * 200)
        url, needle = str(target), "file is not a database"
    elif problem == "a folder":
        (tmp_path / "folder.db").mkdir()
        url, needle = str(tmp_path / "folder.db"), "is a folder, not a database file"
    else:  # a port where nothing listens
        url, needle = "postgresql://postgres@127.0.0.1:1/tracker", "Connection refused"
    for args in (["status"], ["feeds", "add", "https://example.com/feed", "--no-check"]):
        code, _, err = run(["--db", url, *args], capsys)
        _one_error_line(code, err, needle)


def test_an_argument_that_is_not_utf8_is_one_line_and_exit_2(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # How Python hands over the bytes of an argument that is not UTF-8 (surrogateescape).
    bad = b"https://exa\xffmple.com/feed".decode("utf-8", "surrogateescape")
    code, _, err = run(["--db", db, "feeds", "add", bad, "--no-check"], capsys)
    _one_error_line(code, err, "is not valid UTF-8")


def _read_only(folder: Path, command: list[str]) -> list[str]:
    """`command` run where `folder` cannot be written (root: a read-only bind mount)."""
    if os.geteuid() != 0:
        for path in folder.iterdir():
            path.chmod(0o444)
        folder.chmod(0o555)
        return command
    script = (
        f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" && exec "$@"'
    )
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", *command]


def test_a_read_only_database_is_read_and_a_write_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    env = {**os.environ, "TRACKER_DATA_DIR": str(folder)}
    tracker = [sys.executable, "-c", "from tracker.cli import main; main()", "--db"]
    database = str(folder / "t.db")
    added = subprocess.run(
        [*tracker, database, "feeds", "add", "https://example.com/feed", "--no-check"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert added.returncode == 0, added.stderr
    try:
        for args, code, needle in (
            (["status", "--json"], 0, "example.com/feed"),
            (["feeds", "list", "--json"], 0, "example.com/feed"),
            (["feeds", "add", "https://example.org/feed", "--no-check"], 2, "read-only"),
        ):
            done = subprocess.run(
                _read_only(folder, [*tracker, database, *args]),
                env=env,
                capture_output=True,
                text=True,
            )
            assert done.returncode == code, done.stderr
            if code == 0:
                assert needle in done.stdout and "Traceback" not in done.stderr
            else:
                _one_error_line(done.returncode, done.stderr, needle)
    finally:
        folder.chmod(0o755)


def test_version_alone_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    from tracker import __version__

    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"tracker {__version__}"
