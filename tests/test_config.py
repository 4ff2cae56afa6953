"""Settings load in order: defaults <- TOML file <- TRACKER_* environment <- overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config import Settings, load_settings
from tracker.errors import BadInput


def test_defaults_are_safe() -> None:
    settings = load_settings(environ={})
    assert settings.http.allow_private is False
    assert settings.http.max_redirects == 5
    assert settings.database_url.startswith("sqlite:///")


def test_precedence(tmp_path: Path) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(
        "[http]\nper_host_interval = 2.5\nmax_redirects = 3\n[crawl]\nfeed_interval = 60\n"
    )
    env = {"TRACKER_HTTP_MAX_REDIRECTS": "4", "TRACKER_DATABASE_URL": "sqlite:///x.db"}
    settings = load_settings(config, environ=env, overrides={"crawl": {"feed_interval": 30}})
    assert settings.http.per_host_interval == 2.5  # file
    assert settings.http.max_redirects == 4  # environment beats file
    assert settings.crawl.feed_interval == 30.0  # override beats file
    assert settings.database_url == "sqlite:///x.db"


def test_recheck_schedule_from_environment() -> None:
    settings = load_settings(environ={"TRACKER_CRAWL_RECHECK_AFTER": "60,120"})
    assert settings.crawl.recheck_after == (60.0, 120.0)


@pytest.mark.parametrize(
    "text",
    ["[http]\nnot_a_setting = 1\n", "[http]\nmax_redirects = 'many'\n", "this is not toml ="],
)
def test_bad_config_is_refused(tmp_path: Path, text: str) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(text)
    with pytest.raises(BadInput):
        load_settings(config, environ={})


def test_example_config_documents_every_setting() -> None:
    example = Path(__file__).resolve().parents[1] / "config.example.toml"
    loaded = load_settings(example, environ={})
    assert isinstance(loaded, Settings)
    text = example.read_text()
    for section in ("http", "crawl", "extract", "link"):
        for name in getattr(Settings(), section).__dataclass_fields__:
            assert f"{name} =" in text, f"config.example.toml lacks [{section}] {name}"
