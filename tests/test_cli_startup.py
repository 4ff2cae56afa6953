"""A command imports only what it runs: `--help` and `status` leave the heavy libraries unloaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tracker.api

# Run the command in this process, then list which of the given top-level modules got loaded.
_WRAPPER = """
import json, sys
watched = sys.argv[1].split(",")
sys.argv = ["tracker", *sys.argv[2:]]
from tracker.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "loaded": sorted(m for m in watched if m in sys.modules)}))
"""
# Libraries a command must not import unless it uses them.
HEAVY = [
    "alembic",
    "datasketch",
    "feedparser",
    "httpx",
    "jinja2",
    "lxml",
    "networkx",
    "numpy",
    "scipy",
    "sqlalchemy",
    "tldextract",
    "trafilatura",
]


def _loaded(tmp_path: Path, *args: str, watched: list[str] = HEAVY) -> tuple[list[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["TRACKER_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, ",".join(watched), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    *shown, last = done.stdout.strip().splitlines()
    answer = json.loads(last)
    assert answer["code"] in (0, None), done.stderr
    return answer["loaded"], "\n".join(shown)


def test_help_imports_no_database_extraction_or_graph_library(tmp_path: Path) -> None:
    loaded, shown = _loaded(tmp_path, "--help")
    assert "who-repeated" in shown  # the help was really printed
    assert loaded == []


# The package's own modules --help does without: the settings and the ~30 record classes (the
# enums its options need live apart, `tracker.domain.kinds`).
OWN = ["tomllib", "tracker.config", "tracker.domain.records", "tracker.domain.story"]


def test_help_loads_neither_the_settings_nor_the_domain_records(tmp_path: Path) -> None:
    loaded, shown = _loaded(tmp_path, "--help", watched=OWN)
    assert "who-repeated" in shown
    assert loaded == []
    # The watch itself works: `--version` reads the version from the settings module.
    loaded, shown = _loaded(tmp_path, "--version", watched=OWN)
    assert shown.startswith("tracker ")
    assert "tracker.config" in loaded


def test_the_domain_names_load_lazily_from_their_homes() -> None:
    import tracker.domain

    for name in tracker.domain.__all__:
        value = getattr(tracker.domain, name)
        if not isinstance(value, (int, float, str)):
            assert value.__module__.startswith("tracker.domain."), name
        assert name in dir(tracker.domain)
    with pytest.raises(AttributeError, match="NoSuchThing"):
        tracker.domain.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    assert tracker.__version__ == tracker.config.VERSION


def test_a_command_help_imports_none_either(tmp_path: Path) -> None:
    loaded, shown = _loaded(tmp_path, "graph", "--help")
    assert "gexf" in shown.lower()
    assert loaded == []


def test_status_on_an_empty_database_reads_it_with_sqlalchemy_only(tmp_path: Path) -> None:
    database = str(tmp_path / "empty.db")
    loaded, _ = _loaded(tmp_path, "--db", database, "status")  # a new file: migrated first
    assert "sqlalchemy" in loaded and "alembic" in loaded
    assert not {"trafilatura", "networkx", "numpy", "lxml", "httpx", "feedparser"} & set(loaded)
    loaded, shown = _loaded(tmp_path, "--db", database, "status")  # at head: no migration tool
    assert "articles: 0" in shown
    assert loaded == ["sqlalchemy"]


# What a `Tracker` brings and `status` does without: the ORM, the mapped tables and the facade.
ORM = ["sqlalchemy.orm", "tracker.store.models", "tracker.store.repo", "tracker.api.facade"]
# typer validates option values with pydantic; options left unset and text need none of it.
VALIDATION = ["pydantic", "typer._adapters"]


def test_status_reads_with_sqlalchemy_core_without_the_orm_or_the_mapped_tables(
    tmp_path: Path,
) -> None:
    database = str(tmp_path / "empty.db")
    _loaded(tmp_path, "--db", database, "db", "upgrade")
    watched = ["sqlalchemy", *ORM, *VALIDATION]
    loaded, shown = _loaded(tmp_path, "--db", database, "status", watched=watched)
    assert "articles: 0" in shown
    assert loaded == ["sqlalchemy"]
    # The watch itself works: a command that opens a Tracker loads all of them.
    loaded, _ = _loaded(tmp_path, "--db", database, "feeds", "list", watched=ORM)
    assert loaded == sorted(ORM)


@pytest.mark.parametrize("name", tracker.api.__all__)
def test_every_api_name_loads_from_its_home(name: str) -> None:
    value = getattr(tracker.api, name)
    if not isinstance(value, (int, str)):
        assert value.__module__.startswith("tracker."), name
    assert name in dir(tracker.api)


def test_unknown_api_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        tracker.api.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_given_values_other_than_text_are_still_validated_by_typer(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["COLUMNS"] = "500"  # the error box must not wrap the message
    done = subprocess.run(
        [sys.executable, "-m", "tracker", "--config", str(tmp_path), "status"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2
    assert "is a directory" in done.stderr  # the --config path check (dir_okay=False)
