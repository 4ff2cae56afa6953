"""Outlet identity: one outlet per publication on a hosting platform, never a silent rename."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.urls import outlet_domain

from .support.cli_run import run_cli as run


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://alice.substack.com/p/one", "https://bob.substack.com/p/two"),
        ("https://alice.blogspot.com/2026/03/one.html", "https://bob.blogspot.com/two.html"),
        ("https://alice.github.io/one", "https://bob.github.io/two"),
        ("https://alice.wordpress.com/one", "https://bob.wordpress.com/two"),
    ],
)
def test_two_publications_on_one_platform_are_two_outlets(first: str, second: str) -> None:
    assert outlet_domain(first) != outlet_domain(second)
    assert outlet_domain(first).startswith("alice.")


def test_ordinary_domains_keep_their_registered_domain() -> None:
    assert outlet_domain("https://news.bbc.co.uk/a") == "bbc.co.uk"
    assert outlet_domain("https://www.example.com/a") == "example.com"
    assert outlet_domain("https://www.substack.com/") == "substack.com"
    assert outlet_domain("http://site0.test:8080/a") == "site0.test"


def _outlets(db: str, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    code, out, err = run(["--db", db, "outlets", "list", "--json"], capsys)
    assert code == 0, err
    return {row["domain"]: row["name"] for row in json.loads(out)}


def test_a_second_feed_never_renames_an_outlet_silently(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    db = database_url
    add = ["--db", db, "feeds", "add", "--no-check"]
    assert (
        run([*add, "https://alice.substack.com/feed", "--outlet", "Alice Weekly"], capsys)[0] == 0
    )
    assert run([*add, "https://bob.substack.com/feed", "--outlet", "Bob Report"], capsys)[0] == 0
    assert _outlets(db, capsys) == {
        "alice.substack.com": "Alice Weekly",
        "bob.substack.com": "Bob Report",
    }
    # Another feed of Alice's outlet under another name: refused in one line, nothing renamed.
    code, _, err = run(
        [*add, "https://alice.substack.com/podcast", "--outlet", "Alice Daily"], capsys
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "already named 'Alice Weekly'" in err and "--rename" in err
    assert _outlets(db, capsys)["alice.substack.com"] == "Alice Weekly"
    # The same name, or no name, is fine; --rename renames on purpose.
    assert (
        run([*add, "https://alice.substack.com/podcast", "--outlet", "Alice Weekly"], capsys)[0]
        == 0
    )
    assert run([*add, "https://alice.substack.com/notes"], capsys)[0] == 0
    code, _, err = run(
        [*add, "https://alice.substack.com/podcast", "--outlet", "Alice Daily", "--rename"], capsys
    )
    assert code == 0, err
    assert _outlets(db, capsys) == {
        "alice.substack.com": "Alice Daily",
        "bob.substack.com": "Bob Report",
    }
