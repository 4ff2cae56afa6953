"""Settings: packaged defaults <- tracker.toml <- TRACKER_* environment <- flags, frozen once.

Every setting lives in a section (`[http]`, `[crawl]`, ...). The environment overrides one with
`TRACKER_<SECTION>_<NAME>`, e.g. `TRACKER_HTTP_ALLOW_PRIVATE=1`; `TRACKER_DATABASE_URL` sets the
top-level `database_url`. The loaded `Settings` is passed explicitly; nothing reads it globally.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from tracker.errors import BadInput

__all__ = [
    "ALLOW_PRIVATE_HINT",
    "CrawlSettings",
    "ExtractSettings",
    "HttpSettings",
    "LinkSettings",
    "QueueSettings",
    "Settings",
    "default_database_url",
    "load_settings",
]

APP_NAME = "propagation-tracker"
VERSION = "0.1.0"  # the package's version (`tracker.__version__`, pyproject.toml)
CONFIG_FILE_NAME = "tracker.toml"
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


@dataclass(frozen=True, slots=True)
class ExtractSettings:
    """Bounds on what extraction accepts."""

    earliest_year: int = 1995  # publication dates before this are rejected
    max_html_bytes: int = 15 * 1024 * 1024
    # Take the headline, standfirst, datelines and layout labels off the text (the standfirst is
    # kept as its own field). Off until the linker's thresholds are measured on such texts: on
    # the dev scenario it lowers first-hop source-and-type from 0.80 to 0.53.
    strip_page_header: bool = False


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
    story_min_score: float = 0.3  # document similarity above which two texts tell one story
    # Articles first seen within this many seconds of each other (one crawl run) are ordered by
    # their publication dates; further apart, first-seen order wins whatever the pages claim.
    first_seen_tolerance: float = 900.0
    # A publication date more than this many seconds before first-seen is not believed.
    max_publication_lead: float = 172800.0
    semantic: bool = False  # sentence-embedding matcher instead of lexical (the `semantic` extra)
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
class Settings:
    """All settings, loaded once and passed explicitly."""

    database_url: str = ""
    data_dir: str = ""
    http: HttpSettings = field(default_factory=HttpSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    link: LinkSettings = field(default_factory=LinkSettings)
    queue: QueueSettings = field(default_factory=QueueSettings)

    def with_database(self, url: str) -> Settings:
        """A copy of these settings pointing at another database."""
        return replace(self, database_url=url)


def default_data_dir() -> Path:
    """The per-user data folder (e.g. ~/.local/share/propagation-tracker)."""
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


def _apply(section: Any, values: Mapping[str, Any], where: str) -> Any:
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
            changes[key] = _apply(current, value, f"{where}{key}.")
        else:
            changes[key] = _coerce(value, current, f"{where}{key}")
    return replace(section, **changes)


def _from_environment(environ: Mapping[str, str], base: Settings) -> dict[str, Any]:
    """Collect TRACKER_* variables into a nested mapping shaped like the TOML file."""
    out: dict[str, Any] = {}
    sections = {f.name for f in fields(base) if dataclasses.is_dataclass(getattr(base, f.name))}
    for name, value in environ.items():
        if not name.startswith("TRACKER_"):
            continue
        key = name.removeprefix("TRACKER_").lower()
        section, _, rest = key.partition("_")
        if section in sections and rest:
            out.setdefault(section, {})[rest] = value
        elif key in {"database_url", "data_dir"}:
            out[key] = value
    return out


def load_settings(
    config_path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Load settings from defaults, a TOML file, the environment and explicit overrides."""
    env = os.environ if environ is None else environ
    settings = Settings()
    path = config_path
    if path is None and env.get("TRACKER_CONFIG"):
        path = Path(env["TRACKER_CONFIG"])
    if path is None:
        candidate = Path(CONFIG_FILE_NAME)
        if candidate.is_file():
            path = candidate
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BadInput(f"config file not found: {path}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BadInput(f"config file {path} is not valid TOML: {exc}") from None
        settings = _apply(settings, data, "")
    settings = _apply(settings, _from_environment(env, settings), "")
    if overrides:
        settings = _apply(settings, overrides, "")
    if not settings.data_dir:
        settings = replace(settings, data_dir=str(default_data_dir()))
    if not settings.database_url:
        settings = replace(settings, database_url=default_database_url(Path(settings.data_dir)))
    assert isinstance(settings, Settings)
    return settings
