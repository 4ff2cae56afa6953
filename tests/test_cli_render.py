"""Tables: drawn on a terminal, tab-separated with a header row on a pipe; messages on stderr."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli import app
from tracker.cli.render import print_table, start

TRACKER = [sys.executable, "-c", "from tracker.cli import main; main()"]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    path = str(tmp_path / "render.db")
    runner = CliRunner()
    for url, outlet in (("https://ledger.test/rss", "The Ledger"), ("https://wire.test/atom", "")):
        args = ["--db", path, "feeds", "add", url, "--no-check"]
        result = runner.invoke(app, [*args, "--outlet", outlet] if outlet else args)
        assert result.exit_code == 0, result.output
    return path


def _rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines()]


def test_a_listing_on_a_pipe_is_tab_separated_with_a_header(db: str) -> None:
    result = CliRunner().invoke(app, ["--db", db, "feeds", "list"])  # stdout: not a terminal
    assert result.exit_code == 0, result.output
    header, *rows = _rows(result.stdout)
    assert header == ["url", "outlet", "state", "entries", "last success", "errors", "next poll"]
    assert sorted(row[0] for row in rows) == ["https://ledger.test/rss", "https://wire.test/atom"]
    assert all(len(row) == len(header) for row in rows)
    assert "━" not in result.stdout and "│" not in result.stdout
    assert result.stderr == ""
    by_url = {row[0]: row for row in rows}
    assert by_url["https://ledger.test/rss"][1] == "The Ledger"
    assert by_url["https://wire.test/atom"][4] == ""  # no success yet: an empty cell
    assert "T" in by_url["https://ledger.test/rss"][6]  # times in ISO 8601


def test_several_tables_are_set_apart_and_titles_go_to_stderr(db: str) -> None:
    result = CliRunner().invoke(app, ["--db", db, "status"])
    assert result.exit_code == 0, result.output
    counts, blank, header, *rest = result.stdout.splitlines()
    assert counts.startswith("outlets: ") and blank == ""
    assert header.split("\t")[:2] == ["outlet", "state"]
    assert "" in rest  # the runs table follows after an empty line
    assert result.stderr.splitlines() == ["feeds", "last runs"]


def test_cells_keep_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    start()
    print_table([("a\tb", "line\nbreak", None)], [("x", lambda r: r[0]), ("y", lambda r: r[1]),
                                                  ("z", lambda r: r[2])])  # fmt: skip
    out = capsys.readouterr().out
    assert out == "x\ty\tz\na b\tline break\t\n"


def test_lines_are_printed_as_given(capsys: pytest.CaptureFixture[str]) -> None:
    from tracker.cli.render import echo, err

    echo("a title with :thumbs_up: and [bold]brackets[/bold]")
    err("a note with :smile:")
    out, note = capsys.readouterr()
    assert out == "a title with :thumbs_up: and [bold]brackets[/bold]\n"
    assert note == "a note with :smile:\n"


def test_data_on_stdout_and_messages_on_stderr(db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    exported = runner.invoke(app, ["--db", db, "feeds", "export", "-o", "f.opml"])
    assert exported.exit_code == 0 and exported.stdout == ""
    assert exported.stderr.strip() == f"wrote {tmp_path / 'f.opml'}"
    listed = runner.invoke(app, ["--db", db, "outlets", "list", "--json"])
    assert json.loads(listed.stdout)[0]["name"] == "The Ledger" and listed.stderr == ""


def test_the_installed_command_draws_on_a_terminal_and_not_on_a_pipe(db: str) -> None:
    env = {**os.environ, "COLUMNS": "200"}
    piped = subprocess.run(
        [*TRACKER, "--db", db, "feeds", "list"], capture_output=True, text=True, env=env
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.splitlines()[0].startswith("url\toutlet\t")
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [*TRACKER, "--db", db, "feeds", "list"], stdout=follower, stderr=subprocess.PIPE, env=env
    ) as child:
        os.close(follower)
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the child
                break
            if not chunk:
                break
            drawn += chunk
        assert child.wait() == 0
    os.close(leader)
    text = drawn.decode("utf-8", "replace")
    assert "\t" not in text and "┃" in text and "ledger.test/rss" in text
