"""The claims commands: exit codes, --json and --csv, filters, and hostile arguments."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from tests.test_claims_store import CLAIM, TEXTS, page
from tracker.clock import ManualClock
from tracker.store import Store, make_engine, upgrade

from .support.cli_run import run_cli as run

FORMULA_TITLE = '=HYPERLINK("https://evil.test","click")'


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> str:
    """A database holding the store tests' articles; one of them has a formula for a title."""
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    path = tmp_path / "claims.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    store = Store(engine)
    for key, body in TEXTS.items():
        now = clock.now()
        url = f"https://{key}"
        title = FORMULA_TITLE if key == "copy.test/copy" else key
        store.save_new_article(
            url,
            page(url, body, now, title=title),
            outlet_name=None,
            published=None,
            next_check_at=None,
            now=now,
        )
        clock.advance(timedelta(hours=1))
    engine.dispose()
    return str(path)


def one_error(code: int, err: str, needle: str = "") -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert needle in lines[0], lines[0]


def rows_of(path: str) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {
            name: conn.execute(f"select count(*) from {name}").fetchone()[0]
            for name in ("articles", "versions", "claims", "mentions", "uptakes")
        }


def test_add_list_show_and_who_repeated(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    origin = "https://ledger.test/original"
    code, out, err = run(
        ["--db", db, "claims", "add", "ai-code", CLAIM, "--origin", origin], capsys
    )
    assert code == 0, err
    assert "4 stored articles carry it" in out
    code, out, _ = run(["--db", db, "claims", "list", "--json"], capsys)
    (listed,) = json.loads(out)
    assert code == 0 and listed["slug"] == "ai-code" and listed["repeaters"] == 3
    code, out, err = run(["--db", db, "claims", "show", "ai-code"], capsys)
    # Not a terminal: the table is tab-separated on stdout, its title a message on stderr.
    assert code == 0 and "who repeated ai-code" in err
    assert "first seen\toutlet\tstance" in out and "https://blog.test/paraphrase" in out
    code, out, _ = run(["--db", db, "who-repeated", "ai-code", "--json"], capsys)
    answer = json.loads(out)
    assert code == 0 and answer["registered"] is True
    stances = {row["url"]: row["stance"] for row in answer["rows"]}
    assert stances["https://wire.test/credit"] == "attributes"
    assert stances["https://blog.test/paraphrase"] == "asserts"
    assert "https://tools.test/ai-tools" not in stances


def test_csv_is_parseable_and_formula_cells_are_escaped(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["--db", db, "claims", "add", "ai-code", CLAIM], capsys)
    code, out, _ = run(["--db", db, "who-repeated", "ai-code", "--csv"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 4
    titles = {row["url"]: row["title"] for row in rows}
    assert titles["https://copy.test/copy"] == "'" + FORMULA_TITLE
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    for command in (["uptake", "ai-code"], ["timeline", "ai-code"], ["claims", "list"]):
        code, out, _ = run(["--db", db, *command, "--csv"], capsys)
        assert code == 0 and next(csv.reader(io.StringIO(out))), command


def test_who_repeated_and_the_graph_write_one_csv_dialect(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same booleans, same time form, same role words in `who-repeated --csv` and `graph -f csv`."""
    run(["--db", db, "claims", "add", "ai-code", CLAIM, "--origin", "https://ledger.test/original"],
        capsys)  # fmt: skip
    code, out, err = run(["--db", db, "who-repeated", "ai-code", "--csv"], capsys)
    assert code == 0, err
    repeated = {row["url"]: row for row in csv.DictReader(io.StringIO(out))}
    code, _, err = run(
        ["--db", db, "graph", "ai-code", "-f", "csv", "-o", "g.csv", "--out-dir", str(tmp_path)],
        capsys,
    )
    assert code == 0, err
    text = (tmp_path / "g.csv").read_text(encoding="utf-8")
    graphed = {row["url"]: row for row in csv.DictReader(io.StringIO(text))}
    assert set(graphed) == set(repeated) and len(graphed) == 4
    moment = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    for url, row in repeated.items():
        other = graphed[url]
        assert row["late"] == other["late"] and row["late"] in ("true", "false")
        assert row["first_seen"] == other["first_seen"] and moment.fullmatch(row["first_seen"])
        assert moment.fullmatch(row["checked_at"]) or row["checked_at"] == ""
        assert row["role"] == other["role"] and row["role"] in ("origin", "repeater", "disputer")
    assert {row["role"] for row in repeated.values()} == {"origin", "repeater"}


def test_filters_narrow_the_answer(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(["--db", db, "claims", "add", "ai-code", CLAIM], capsys)
    base = ["--db", db, "who-repeated", "ai-code", "--json"]
    code, out, _ = run([*base, "--outlet", "wire.test"], capsys)
    assert code == 0 and [r["url"] for r in json.loads(out)["rows"]] == ["https://wire.test/credit"]
    code, out, _ = run([*base, "--until", "2026-03-02T08:30:00Z"], capsys)
    assert [r["url"] for r in json.loads(out)["rows"]] == ["https://ledger.test/original"]
    code, out, _ = run([*base, "--since", "2030-01-01"], capsys)
    assert code == 0 and json.loads(out)["rows"] == []
    code, out, _ = run(
        ["--db", db, "timeline", "ai-code", "--json", "--since", "2030-01-01"], capsys
    )
    assert code == 0 and json.loads(out) == []


def test_corrections_and_suggestions(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(["--db", db, "claims", "add", "ai-code", CLAIM], capsys)
    code, out, err = run(
        ["--db", db, "claims", "correct", "ai-code", "--kind", "rebuttal", "--text", "Denied."],
        capsys,
    )
    assert code == 0, err
    assert "4 articles that mention it will be re-checked" in out
    code, out, _ = run(["--db", db, "claims", "suggestions", "ai-code", "--json"], capsys)
    assert code == 0 and isinstance(json.loads(out), list)
    code, out, _ = run(["--db", db, "uptake", "ai-code", "--json"], capsys)
    assert code == 0 and {o["picked_up"] for o in json.loads(out)} == {"none"}


def test_free_text_works_as_well_as_a_slug(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["--db", db, "who-repeated", "code written by AI caused the Parcelwise outages", "--json"],
        capsys,
    )
    assert code == 0, err
    answer = json.loads(out)
    assert answer["registered"] is False and len(answer["rows"]) == 4
    assert answer["complete"] is True and "were read" not in err


def test_a_free_text_limit_cuts_the_answer_and_says_so(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "code written by AI caused the Parcelwise outages"
    code, out, err = run(["--db", db, "who-repeated", text, "--limit", "1", "--json"], capsys)
    assert code == 0, err
    answer = json.loads(out)
    assert answer["complete"] is False and len(answer["rows"]) < 4
    assert "only the 1 candidate versions" in err and "only the" not in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["who-repeated", "x" * 100_001], "at most"),
        (["who-repeated", "the of and"], "nothing to search"),
        (["who-repeated", "ai-code", "--json", "--csv"], "--json"),
        (["who-repeated", "ai", "--since", "yesterday"], "ISO 8601"),
        (["who-repeated", "ai", "--limit", "0"], "--limit"),
        (["uptake", "no-such-claim"], "no claim named"),
        (["timeline", "'; DROP TABLE claims; --"], "no claim named"),
        (["claims", "correct", "no-such", "--kind", "correction", "--text", "x"], "no claim"),
        (["claims", "add", "Bad Slug", CLAIM], "slug"),
        (["claims", "add", "ok", "x" * 100_001], "at most"),
        (["claims", "add", "ok", CLAIM, "--origin", "file:///etc/passwd"], ""),
    ],
)
def test_errors_are_one_line_and_exit_2(
    db: str, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, _, err = run(["--db", db, *args], capsys)
    one_error(code, err, needle)


def test_a_correction_needs_a_page_or_a_text(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(["--db", db, "claims", "add", "ai-code", CLAIM], capsys)
    code, _, err = run(["--db", db, "claims", "correct", "ai-code", "--kind", "correction"], capsys)
    one_error(code, err, "--url")
    code, _, _ = run(["--db", db, "claims", "correct", "ai-code", "--kind", "oops"], capsys)
    assert code == 2  # a usage error, from typer itself


@pytest.mark.parametrize(
    "hostile",
    ["NEAR(", '"unbalanced', "'; DROP TABLE versions; --", "AND OR NOT *", '" OR 1=1 --'],
)
def test_hostile_query_text_leaves_the_tables_intact(
    db: str, capsys: pytest.CaptureFixture[str], hostile: str
) -> None:
    run(["--db", db, "claims", "add", "ai-code", CLAIM], capsys)
    before = rows_of(db)
    code, out, err = run(["--db", db, "who-repeated", hostile, "--json"], capsys)
    if code == 2:
        one_error(code, err)
    else:
        assert code == 0 and json.loads(out)["registered"] is False
    assert rows_of(db) == before
