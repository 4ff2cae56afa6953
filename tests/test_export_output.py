"""Where output goes: `-o PATH` exactly there, `-o -` on stdout, the umask, missing folders."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_export import cli_story  # noqa: F401  (the fixture)
from tracker.domain.story import ClaimStory
from tracker.errors import BadInput
from tracker.export.output import text_writer, write_file

from .support.cli_run import run_cli as run


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _one_error(code: int, err: str, needle: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    assert needle in lines[0], lines[0]


def test_o_writes_exactly_where_named_with_the_umask(
    cli_story: ClaimStory,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    umask: None,
) -> None:
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    absolute = elsewhere / "claim.graphml"
    code, out, err = run(
        ["--db", "t.db", "graph", "ai-code", "-f", "graphml", "-o", str(absolute)], capsys
    )
    assert code == 0, err
    assert out == "" and f"wrote {absolute}" in err
    assert absolute.read_text(encoding="utf-8").startswith("<?xml")
    assert _mode(absolute) == 0o640  # 0666 less the umask 027, as `>` would make it
    (tmp_path / "sub").mkdir()
    code, _, err = run(["--db", "t.db", "report", "ai-code", "-o", "sub/r.html"], capsys)
    assert code == 0, err
    assert _mode(tmp_path / "sub/r.html") == 0o640
    # A file that is replaced keeps its own permissions.
    (tmp_path / "sub/r.html").chmod(0o600)
    code, _, err = run(["--db", "t.db", "report", "ai-code", "-o", "sub/r.html"], capsys)
    assert code == 0 and _mode(tmp_path / "sub/r.html") == 0o600
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["r.html"]  # no temporary left


def test_o_dash_writes_to_stdout_and_messages_go_to_stderr(
    cli_story: ClaimStory,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["--db", "t.db", "graph", "ai-code", "-f", "json", "-o", "-"], capsys)
    assert code == 0, err
    assert len(json.loads(out)["nodes"]) > 0
    assert "standard output" in err
    code, out, err = run(["--db", "t.db", "report", "ai-code", "-o", "-"], capsys)
    assert code == 0, err
    assert out.startswith("<!DOCTYPE html>") and "repeats" in err
    assert not (tmp_path / "-").exists()


def test_o_into_a_missing_folder_names_it(
    cli_story: ClaimStory,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = tmp_path / "no" / "such"
    for args in (
        ["graph", "ai-code", "-o", str(missing / "g.gexf")],
        ["report", "ai-code", "-o", "no/such/r.html"],
        ["feeds", "export", "-o", str(missing / "f.opml")],
        ["demo", "-o", str(missing / "demo.db")],
    ):
        code, out, err = run(["--db", "t.db", *args], capsys)
        _one_error(code, err, f"the folder {missing} does not exist")
        assert out == ""
    assert not (tmp_path / "no").exists()


def test_feeds_export_writes_a_file_or_stdout(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    umask: None,
) -> None:
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "f.db")
    run(["--db", db, "feeds", "add", "https://ledger.test/rss", "--no-check"], capsys)
    for args in ([], ["-o", "-"]):
        code, out, err = run(["--db", db, "feeds", "export", *args], capsys)
        assert code == 0 and "https://ledger.test/rss" in out and err == ""
    code, out, err = run(["--db", db, "feeds", "export", "-o", "feeds.opml"], capsys)
    assert code == 0 and out == "" and "wrote" in err
    assert "https://ledger.test/rss" in (tmp_path / "feeds.opml").read_text(encoding="utf-8")
    assert _mode(tmp_path / "feeds.opml") == 0o640
    code, out, err = run(["--db", db, "feeds", "export", "-o", "/dev/null"], capsys)
    assert code == 0, err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # written into, not replaced


@pytest.mark.parametrize(
    "args", [["status"], ["db", "upgrade"], ["db", "current"], ["feeds", "list", "--json"]]
)
def test_a_missing_database_folder_is_named_not_made(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    folder = tmp_path / "nonexistent" / "dir"
    code, _out, err = run(["--db", str(folder / "t.db"), *args], capsys)
    _one_error(code, err, f"the database folder {folder} does not exist")
    assert not (tmp_path / "nonexistent").exists()


def test_the_default_data_folder_is_made_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TRACKER_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, _out, err = run(["status", "--json"], capsys)
    assert code == 0, err
    assert (tmp_path / "data/propagation-tracker/tracker.db").is_file()


def test_out_dir_writes_stay_inside_it(tmp_path: Path) -> None:
    root = tmp_path / "out"
    writer = text_writer(lambda stream: stream.write("x"))
    assert write_file(Path("a/b.txt"), writer, root=root) == (root / "a/b.txt").resolve()
    for escape in ("../b.txt", str(tmp_path / "b.txt"), "a/../../b.txt"):
        with pytest.raises(BadInput, match="outside the output folder"):
            write_file(Path(escape), writer, root=root)
    assert not (tmp_path / "b.txt").exists()
