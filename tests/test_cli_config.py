"""Settings from the user's config folder too, `tracker config` shows them, shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli import app
from tracker.config import LoadedSettings, load_traced

from .support.cli_run import run_cli as run

TRACKER = [sys.executable, "-c", "from tracker.cli import main; main()"]


@pytest.fixture
def layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user file and a project file that disagree, in a fresh working folder."""
    xdg = tmp_path / "xdg"
    (xdg / "propagation-tracker").mkdir(parents=True)
    (xdg / "propagation-tracker" / "tracker.toml").write_text(
        "[http]\nper_host_interval = 3\nmax_redirects = 4\n[queue]\nconcurrency = 8\n"
        "[crawl]\nfeed_interval = 120\n"
    )
    work = tmp_path / "work"
    work.mkdir()
    (work / "tracker.toml").write_text("[http]\nmax_redirects = 2\n[crawl]\nfeed_interval = 90\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRACKER_CRAWL_FEED_INTERVAL", "60")
    monkeypatch.chdir(work)
    return tmp_path


def test_each_layer_wins_over_the_one_before(layers: Path) -> None:
    loaded = load_traced(overrides={"queue": {"concurrency": 2}}, flags={})
    settings = loaded.settings
    user = layers / "xdg/propagation-tracker/tracker.toml"
    project = layers / "work/tracker.toml"
    assert settings.http.per_host_interval == 3.0  # user file only
    assert settings.http.max_redirects == 2  # project file beats user file
    assert settings.crawl.feed_interval == 60.0  # environment beats both files
    assert settings.queue.concurrency == 2  # a flag beats everything
    assert settings.http.max_connections == 32  # nobody set it
    origin = loaded.origin
    assert origin("http.per_host_interval").describe() == f"user file {user}"
    assert origin("http.max_redirects").describe() == f"project file {project}"
    assert origin("crawl.feed_interval").describe() == "environment TRACKER_CRAWL_FEED_INTERVAL"
    assert origin("queue.concurrency").describe() == "flag"
    assert origin("http.max_connections").describe() == "default"
    assert origin("data_dir").describe() == "environment TRACKER_DATA_DIR"
    assert [(f.role, f.path, f.found) for f in loaded.files] == [
        ("user file", user, True),
        ("project file", project, True),
    ]


def test_xdg_config_home_is_respected_and_a_relative_one_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    home_file = tmp_path / "home/.config/propagation-tracker/tracker.toml"
    home_file.parent.mkdir(parents=True)
    home_file.write_text("[http]\nmax_redirects = 7\n")
    unset = {k: v for k, v in os.environ.items() if k != "XDG_CONFIG_HOME"}
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert load_traced(environ=unset).settings.http.max_redirects == 7  # ~/.config
    relative = {**unset, "XDG_CONFIG_HOME": "relative/dir"}
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    assert load_traced(environ=relative).settings.http.max_redirects == 7
    elsewhere = {**unset, "XDG_CONFIG_HOME": str(tmp_path / "empty")}
    assert load_traced(environ=elsewhere).settings.http.max_redirects == 5


def _table(stdout: str) -> dict[str, tuple[str, str]]:
    lines = stdout.splitlines()
    header = lines.index("setting\tvalue\tfrom")
    rows = [line.split("\t") for line in lines[header + 1 :]]
    return {name: (value, origin) for name, value, origin in rows}


def test_the_config_command_shows_values_origins_and_the_database(layers: Path) -> None:
    database = layers / "t.db"
    result = CliRunner().invoke(app, ["--db", str(database), "config"])
    assert result.exit_code == 0, result.output
    assert f"database: {database}  (from flag --db)" in result.stdout
    user = layers / "xdg/propagation-tracker/tracker.toml"
    assert f"user file: {user}  (read)" in result.stdout
    table = _table(result.stdout)
    assert table["http.per_host_interval"] == ("3.0", f"user file {user}")
    assert table["http.max_redirects"] == ("2", f"project file {layers / 'work/tracker.toml'}")
    assert table["crawl.feed_interval"] == ("60.0", "environment TRACKER_CRAWL_FEED_INTERVAL")
    assert table["database_url"] == (f"sqlite:///{database}", "flag --db")
    assert table["http.allow_private"] == ("false", "default")
    assert not database.exists()  # showing settings opens no database
    answer = json.loads(CliRunner().invoke(app, ["--db", str(database), "config", "--json"]).stdout)
    assert answer["database"] == str(database) and answer["database_from"] == "flag --db"
    by_name = {row["name"]: row for row in answer["settings"]}
    assert by_name["http.max_redirects"]["value"] == "2"
    assert by_name["crawl.feed_interval"]["origin"] == "environment TRACKER_CRAWL_FEED_INTERVAL"
    assert answer["files"][0] == {"role": "user file", "path": str(user), "found": True}


def test_secrets_are_never_printed(layers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "TRACKER_DATABASE_URL", "postgresql://me:hunter2@db.test/t?password=hunter3&sslmode=x"
    )
    for args in (["config"], ["config", "--json"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "hunter2" not in result.output and "hunter3" not in result.output
        assert "postgresql://me:***@db.test/t?password=***&sslmode=x" in result.stdout


def test_the_alert_secrets_are_never_printed(layers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_ALERTS_WEBHOOK_SECRET", "whsec-hunter4")
    monkeypatch.setenv("TRACKER_ALERTS_SMTP_PASSWORD", "smtp-hunter5")
    for args in (["config"], ["config", "--json"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "hunter4" not in result.output and "hunter5" not in result.output
    shown = {row["name"]: row for row in json.loads(result.stdout)["settings"]}
    assert shown["alerts.webhook_secret"]["value"] == "***"
    assert shown["alerts.smtp_password"]["value"] == "***"


def test_a_setting_named_like_a_secret_is_hidden() -> None:
    # The rule holds for any setting whose name says it is secret.
    loaded = load_traced(environ={})
    assert isinstance(loaded, LoadedSettings)
    from tracker.config import _shown

    for name in ("queue.api_token", "http.proxy_password", "x.client_secret"):
        assert _shown(name, "s3cr3t") == "***"
    assert _shown("http.user_agent", "ua") == "ua"


def test_a_broken_user_file_is_one_line_naming_it(
    layers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user = layers / "xdg/propagation-tracker/tracker.toml"
    user.write_text("[http]\nno_such_setting = 1\n")
    code, out, err = run(["config"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "no_such_setting" in err
    user.write_text("not = [toml")
    code, _, err = run(["config"], capsys)
    assert code == 2 and str(user) in err


def test_completion_can_be_shown_installed_and_answers(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash"}
    shown = subprocess.run(
        [*TRACKER, "--show-completion", "bash"], capture_output=True, text=True, env=env
    )
    assert shown.returncode == 0, shown.stderr
    assert "_TRACKER_COMPLETE=complete_bash" in shown.stdout
    answered = subprocess.run(
        TRACKER,
        capture_output=True,
        text=True,
        env={**env, "_TRACKER_COMPLETE": "complete_bash", "COMP_WORDS": "tracker fe",
             "COMP_CWORD": "1"},
    )  # fmt: skip
    assert answered.stdout.split() == ["feeds"]
    installed = subprocess.run(
        [*TRACKER, "--install-completion", "bash"], capture_output=True, text=True, env=env
    )
    assert installed.returncode == 0, installed.stderr
    assert "_TRACKER_COMPLETE" in (tmp_path / ".bash_completions/tracker.sh").read_text()
    assert ".bash_completions/tracker.sh" in (tmp_path / ".bashrc").read_text()
