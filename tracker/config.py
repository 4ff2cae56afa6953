"""Settings, frozen once, each from the last of these that sets it (later wins):

1. the packaged defaults;
2. the user's file, `$XDG_CONFIG_HOME/propagation-tracker/tracker.toml`
   (`~/.config/propagation-tracker/tracker.toml` when XDG_CONFIG_HOME is not set);
3. the project's file: `--config FILE`, else `$TRACKER_CONFIG`, else `./tracker.toml`;
4. the environment, `TRACKER_<SECTION>_<NAME>` (`TRACKER_HTTP_ALLOW_PRIVATE=1`;
   `TRACKER_DATABASE_URL` and `TRACKER_DATA_DIR` for the two top-level settings);
5. command-line flags (`--db`).

Every setting lives in a section (`[http]`, `[crawl]`, ...). `load_traced` also says where each
value came from (`tracker config` shows it). The loaded `Settings` is passed explicitly;
nothing reads it globally.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tracker.errors import BadInput

__all__ = [
    "ALLOW_PRIVATE_HINT",
    "AlertSettings",
    "ConfigFile",
    "CrawlSettings",
    "ExtractSettings",
    "HttpSettings",
    "LinkSettings",
    "LoadedSettings",
    "Origin",
    "QueueSettings",
    "Setting",
    "Settings",
    "database_location",
    "default_database_url",
    "load_settings",
    "load_traced",
    "user_config_file",
]

APP_NAME = "propagation-tracker"
VERSION = "0.1.0"  # the package's version (`tracker.__version__`, pyproject.toml)
CONFIG_FILE_NAME = "tracker.toml"
HIDDEN = "***"  # what is shown instead of a secret
_SECRET_WORDS = ("password", "secret", "token")
# The two ways to allow non-public addresses, named where they are refused.
ALLOW_PRIVATE_HINT = (
    f"TRACKER_HTTP_ALLOW_PRIVATE=1, or allow_private = true under [http] in {CONFIG_FILE_NAME}"
)


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How the one HTTP client behaves: safety, politeness, limits."""

    user_agent: str = "propagation-tracker/0.1 (+https://github.com/propagation-tracker)"
    # Allow loopback/private/link-local targets. Off by default; tests and the demo switch it on.
    allow_private: bool = False
    max_body_bytes: int = 15 * 1024 * 1024
    max_redirects: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_deadline: float = 60.0  # seconds for one whole fetch, redirects included
    per_host_interval: float = 1.0  # minimum seconds between two requests to one host
    max_connections: int = 32  # requests in flight across all hosts
    respect_robots: bool = True
    robots_cache_seconds: float = 3600.0
    max_retry_after: float = 6 * 3600.0  # a Retry-After longer than this is capped


@dataclass(frozen=True, slots=True)
class CrawlSettings:
    """When feeds and articles are (re)visited."""

    feed_interval: float = 900.0  # seconds between polls of a healthy feed
    backoff_base: float = 300.0  # first delay after a transient failure
    backoff_max: float = 86400.0  # transient failures never push a poll further than this
    # Re-check stored articles this long after first seen (seconds): 1 h, 6 h, 1 d, 3 d, 7 d.
    recheck_after: tuple[float, ...] = (3600.0, 21600.0, 86400.0, 259200.0, 604800.0)
    # A permanent redirect replaces a feed's stored URL after this many consistent sightings.
    redirect_confirmations: int = 3
    extract_workers: int = 0  # processes for extraction; 0 = one per CPU core
    max_articles_per_run: int = 0  # 0 = no limit
    # Sitemaps subscribed as feeds: the newest URLs kept of one sitemap (a plain sitemap may
    # list a whole site), and how many of a sitemap index's newest children (by lastmod) are read.
    sitemap_max_urls: int = 1000
    sitemap_index_children: int = 3
    # Read each outlet's home page once, before its first article is linked: the paragraphs an
    # article ends with that the home page carries too are its footer, never copied text.
    home_pages: bool = True


@dataclass(frozen=True, slots=True)
class ExtractSettings:
    """Bounds on what extraction accepts."""

    earliest_year: int = 1995  # publication dates before this are rejected
    max_html_bytes: int = 15 * 1024 * 1024
    # Take the headline, standfirst, datelines, layout labels and site chrome off the text (the
    # title and standfirst are fields of their own): two articles with one headline are not
    # copies of each other for that. Off keeps trafilatura's text as it is.
    strip_page_header: bool = True


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """Thresholds of the similarity stage."""

    shingle_size: int = 5  # words per shingle of the copy fingerprint
    num_perm: int = 128  # MinHash permutations of the copy fingerprint
    # Copy LSH bands (128/64 = 2 rows each): shingle Jaccard 0.2 collides in a band with
    # p=0.93, an unrelated pair (0.002) with p=0.0003, so partial copies are still found.
    bands: int = 64
    term_num_perm: int = 48  # MinHash permutations over content-word stems (topic bands)
    # Topic LSH bands (3 rows each) for paraphrase candidates: stem Jaccard 0.5 collides with
    # p=0.88, 0.2 with p=0.12.
    term_bands: int = 16
    term_min_words: int = 8  # a text with fewer distinct content words gets no topic bands
    max_candidates: int = 50  # earlier articles compared per new article, most shared bands first
    # A paragraph already seen on this many other pages of the same outlet is boilerplate.
    boilerplate_min_pages: int = 3
    copy_min_passage_words: int = 12  # shorter shared runs of words are not copy evidence
    copy_min_share: float = 0.15  # share of the article's words in shared passages for `copies`
    # Document paraphrase score for `paraphrases`. Independent reports of one event reach
    # 0.45-0.55 (ECB+); 0.55 keeps 95% of lightly and 79% of heavily paraphrased answers of the
    # Clough-Stevenson corpus and passes 5% of independent ones.
    paraphrase_min_score: float = 0.55
    sentence_min_similarity: float = 0.5  # a sentence pair at least this similar is "matched"
    # Document similarity above which two texts tell one story: places links and credits (the
    # text's own word for its source); inferred edges ask for the event score below.
    story_min_score: float = 0.3
    # Same-event probability (`tracker.text.specifics.event_score`: agreement of the openings,
    # names, dates, numbers and phrasing) from which two texts report one event, given at least
    # `event_min_story` story similarity. Set on the ECB+ development half
    # (benchmarks/events.py): precision 0.901 at recall 0.853 where story similarity gave 0.719
    # at 0.892 (the former score: 0.826 at 0.862 from 0.4). A floor of 0.2 joined short texts
    # of one town on different stories (tests/test_linking_specifics.py); the floor costs 6.5%
    # of the same-event pairs (one-sentence ECB stubs against whole articles).
    event_min_score: float = 0.48
    event_min_story: float = 0.25
    # Articles first seen within this many seconds of each other (one crawl run) are ordered by
    # their publication dates; further apart, first-seen order wins whatever the pages claim.
    first_seen_tolerance: float = 900.0
    # A publication date more than this many seconds before first-seen is not believed.
    max_publication_lead: float = 172800.0
    semantic: bool = False  # sentence-embedding matcher instead of lexical (MiniLM)
    # The claims stage lifts a sentence's lexical score by its MiniLM cosine with the claim, on
    # gated sentences only (`tracker.claims.semantic`); off, it matches by words alone, for less
    # CPU (docs/benchmarks.md: the stage's cost with and without it).
    claims_paraphrase: bool = True
    # The same two thresholds on the embedding scale, which runs higher (unrelated sentences on
    # one topic already reach ~0.5).
    semantic_sentence_similarity: float = 0.75
    semantic_min_score: float = 0.7


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """Workers on PostgreSQL (`tracker worker`, `tracker schedule`); unused by `tracker crawl`."""

    # Jobs one worker has in hand. Above [http] max_connections: jobs that wait for a busy
    # host (its previous request, the per-host interval) then leave no connection idle.
    concurrency: int = 64
    max_attempts: int = 5  # a job that fails this often is quarantined, not retried again
    retry_base: float = 10.0  # seconds before the first retry; doubles with every attempt
    # Workers write a heartbeat this often; a job whose worker has been silent for
    # `stalled_after` seconds (killed, machine gone) is handed to another worker.
    heartbeat_interval: float = 10.0
    stalled_after: float = 60.0
    schedule_interval: float = 60.0  # seconds between two sweeps for due feeds and re-checks


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """Where alerts go out from and how hard delivery tries (`tracker alerts`)."""

    # Secrets: from TRACKER_ALERTS_WEBHOOK_SECRET / TRACKER_ALERTS_SMTP_PASSWORD or the config
    # file; kept out of repr so that no traceback or log line shows them.
    webhook_secret: str = field(default="", repr=False)  # HMAC-SHA256 key of webhook bodies
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "propagation-tracker@localhost"
    smtp_starttls: bool = False
    timeout: float = 10.0  # seconds one send may take (connect and answer)
    retry_base: float = 60.0  # seconds before the first retry; doubles with every failure
    retry_max: float = 3600.0  # retries of a failing destination are never further apart
    dead_after: int = 5  # failed attempts after which `tracker status` calls a destination dead
    # How long a one-shot `tracker crawl` waits for sending at exit; what is left goes next run.
    send_deadline: float = 30.0
    # The report link in each alert: "{slug}" is replaced by the claim's slug. Empty: the
    # alert names the command that writes the report instead.
    report_url: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings, loaded once and passed explicitly."""

    database_url: str = ""
    data_dir: str = ""
    http: HttpSettings = field(default_factory=HttpSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    link: LinkSettings = field(default_factory=LinkSettings)
    queue: QueueSettings = field(default_factory=QueueSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)

    def with_database(self, url: str) -> Settings:
        """A copy of these settings pointing at another database."""
        return replace(self, database_url=url)


def default_data_dir() -> Path:
    """The per-user data folder (e.g. ~/.local/share/propagation-tracker)."""
    import platformdirs  # here: only when no data folder is configured; it costs 10-30 ms

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_url(data_dir: Path | None = None) -> str:
    """The SQLite file under the user's data folder."""
    folder = data_dir or default_data_dir()
    return f"sqlite:///{folder / 'tracker.db'}"


def _coerce(value: Any, current: Any, where: str) -> Any:
    """Convert a TOML or environment value to the type of the default it replaces."""
    try:
        if isinstance(current, bool):
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered in {"1", "true", "yes", "on"}:
                    return True
                if lowered in {"0", "false", "no", "off", ""}:
                    return False
                raise ValueError(value)
            if isinstance(value, bool):
                return value
            raise ValueError(value)
        if isinstance(current, int):
            return int(value)
        if isinstance(current, float):
            return float(value)
        if isinstance(current, tuple):
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(float(item) for item in items)
        if isinstance(current, str):
            if not isinstance(value, str):
                raise ValueError(value)
            return value
    except (TypeError, ValueError):
        raise BadInput(f"setting {where}: {value!r} is not a valid value") from None
    raise BadInput(f"setting {where}: unsupported type")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a setting's value came from: its kind and, for files, variables and flags, which."""

    kind: str  # "default", "user file", "project file", "environment", "flag"
    where: str = ""  # the file's path, the variable's name or the flag

    def describe(self) -> str:
        """E.g. "environment TRACKER_HTTP_ALLOW_PRIVATE", "user file /home/me/.config/..."."""
        return f"{self.kind} {self.where}" if self.where else self.kind


DEFAULT = Origin("default")


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """A settings file that is looked for: its role, where, and whether it was there."""

    role: str  # "user file" or "project file"
    path: Path
    found: bool


@dataclass(frozen=True, slots=True)
class Setting:
    """One effective setting as shown to people: dotted name, value (secrets hidden), origin."""

    name: str
    value: str
    origin: str


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    """Settings together with where each value came from and which files were looked for."""

    settings: Settings
    origins: Mapping[str, Origin]  # dotted name -> origin; a name not here is a default
    files: tuple[ConfigFile, ...]

    def origin(self, name: str) -> Origin:
        """Where the setting `name` ("http.allow_private", "database_url") came from."""
        return self.origins.get(name, DEFAULT)

    def effective(self) -> tuple[Setting, ...]:
        """Every setting with its value and origin; secrets shown as "***"."""
        return tuple(
            Setting(name, _shown(name, value), self.origin(name).describe())
            for name, value in _leaves(self.settings, "")
        )

    @property
    def database(self) -> str:
        """The database: a SQLite file's path, or the URL with any password hidden."""
        return database_location(self.settings.database_url)


def _apply(
    section: Any,
    values: Mapping[str, Any],
    where: str,
    origin: Origin = DEFAULT,
    origins: dict[str, Origin] | None = None,
) -> Any:
    """Return `section` with `values` applied; unknown keys are an error, not silently ignored."""
    known = {f.name: f for f in fields(section)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise BadInput(f"unknown setting {where}{key}")
        current = getattr(section, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, Mapping):
                raise BadInput(f"setting {where}{key} must be a table")
            changes[key] = _apply(current, value, f"{where}{key}.", origin, origins)
        else:
            changes[key] = _coerce(value, current, f"{where}{key}")
            if origins is not None:
                origins[f"{where}{key}"] = origin
    return replace(section, **changes)


def _from_environment(
    environ: Mapping[str, str], base: Settings
) -> list[tuple[str, dict[str, Any]]]:
    """TRACKER_* variables, each as (its name, a mapping shaped like the TOML file)."""
    out: list[tuple[str, dict[str, Any]]] = []
    sections = {f.name for f in fields(base) if dataclasses.is_dataclass(getattr(base, f.name))}
    for name, value in sorted(environ.items()):
        if not name.startswith("TRACKER_"):
            continue
        key = name.removeprefix("TRACKER_").lower()
        section, _, rest = key.partition("_")
        if section in sections and rest:
            out.append((name, {section: {rest: value}}))
        elif key in {"database_url", "data_dir"}:
            out.append((name, {key: value}))
    return out


def user_config_file(environ: Mapping[str, str] | None = None) -> Path:
    """The user's settings file: $XDG_CONFIG_HOME (or the platform's folder)/APP/tracker.toml."""
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_CONFIG_HOME", "")
    if xdg and Path(xdg).is_absolute():  # the XDG rule: a relative value is ignored
        return Path(xdg) / APP_NAME / CONFIG_FILE_NAME
    import platformdirs  # here: loading it costs 10-30 ms that most commands do not need

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / CONFIG_FILE_NAME


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"config file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise BadInput(f"cannot read config file {path}: {exc.strerror or exc}") from None


def load_traced(
    config_path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    flags: Mapping[str, str] | None = None,
    user_file: bool = True,
) -> LoadedSettings:
    """Load settings (see the module's docstring for the order) and where each came from.

    `flags` names the command-line flag of an override ({"database_url": "--db"}); overrides
    without one are shown as "flag". `user_file=False` skips the user's file.
    """
    env = os.environ if environ is None else environ
    settings = Settings()
    origins: dict[str, Origin] = {}
    files: list[ConfigFile] = []
    if user_file:
        user = user_config_file(env)
        files.append(ConfigFile("user file", user, user.is_file()))
        if user.is_file():
            settings = _apply(
                settings, _read_toml(user), "", Origin("user file", str(user)), origins
            )
    path = config_path
    if path is None and env.get("TRACKER_CONFIG"):
        path = Path(env["TRACKER_CONFIG"])
    if path is None:
        candidate = Path(CONFIG_FILE_NAME)
        files.append(ConfigFile("project file", candidate.absolute(), candidate.is_file()))
        if candidate.is_file():
            path = candidate
    else:
        files.append(ConfigFile("project file", path.absolute(), path.is_file()))
    if path is not None:
        origin = Origin("project file", str(path.absolute()))
        settings = _apply(settings, _read_toml(path), "", origin, origins)
    for name, values in _from_environment(env, settings):
        settings = _apply(settings, values, "", Origin("environment", name), origins)
    for key, value in (overrides or {}).items():
        flag = (flags or {}).get(key, "")
        settings = _apply(settings, {key: value}, "", Origin("flag", flag), origins)
    if not settings.data_dir:
        settings = replace(settings, data_dir=str(default_data_dir()))
    if not settings.database_url:
        settings = replace(settings, database_url=default_database_url(Path(settings.data_dir)))
        if "data_dir" in origins:  # the default file, in a folder set elsewhere
            origins["database_url"] = Origin("default", "(tracker.db in data_dir)")
    assert isinstance(settings, Settings)
    return LoadedSettings(settings, dict(origins), tuple(files))


def load_settings(
    config_path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Load settings from defaults, the settings files, the environment and explicit overrides."""
    return load_traced(config_path, environ=environ, overrides=overrides).settings


# ---------------------------------------------------------------- showing settings


def _leaves(section: Any, where: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for f in fields(section):
        value = getattr(section, f.name)
        if dataclasses.is_dataclass(value):
            out.extend(_leaves(value, f"{where}{f.name}."))
        else:
            out.append((f"{where}{f.name}", value))
    return out


def _shown(name: str, value: Any) -> str:
    """A setting's value as TOML would spell it, with secrets hidden."""
    if isinstance(value, str) and value and any(w in name.lower() for w in _SECRET_WORDS):
        return HIDDEN
    if name == "database_url":
        return _hide_password(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _hide_password(url: str) -> str:
    """`url` with the password of its user part, and secret query values, replaced by "***"."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        credentials, _, host = netloc.rpartition("@")
        user, colon, _password = credentials.partition(":")
        netloc = f"{user}:{HIDDEN}@{host}" if colon else netloc
    query = "&".join(
        f"{key}={HIDDEN}" if any(w in key.lower() for w in _SECRET_WORDS) else f"{key}{eq}{value}"
        for key, eq, value in (item.partition("=") for item in parts.query.split("&") if item)
    )
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # untouched: urlunsplit would drop the empty host of sqlite:////path
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def database_location(url: str) -> str:
    """A SQLite file's path, or the database URL with any password hidden."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///").split("?", 1)[0] or ":memory:"
    if url in ("sqlite://", "sqlite:///:memory:"):
        return ":memory:"
    return _hide_password(url)
