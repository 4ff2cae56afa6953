"""Load the demo story's manifest (`corpus/story.toml` and its body files) into frozen records."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from importlib import resources
from itertools import pairwise
from types import MappingProxyType
from typing import Any, TypeVar

from tracker.clock import utc
from tracker.demo.records import (
    LINK_PATTERN,
    BodyLink,
    Corpus,
    DemoArticle,
    DemoClaim,
    DemoCorrection,
    DemoOutlet,
    DemoVersion,
    ExpectedEdge,
    FeedFormat,
    NotSource,
    Reuse,
    Takedown,
    Truth,
)
from tracker.domain import CorrectionKind, EdgeKind, Stance, UptakeKind
from tracker.errors import BadInput

__all__ = [
    "LINK_PATTERN",
    "BodyLink",
    "Corpus",
    "DemoArticle",
    "DemoClaim",
    "DemoCorrection",
    "DemoOutlet",
    "DemoVersion",
    "ExpectedEdge",
    "FeedFormat",
    "NotSource",
    "Reuse",
    "Takedown",
    "Truth",
    "load_corpus",
    "parse_corpus",
]

MANIFEST_NAME = "story.toml"

_E = TypeVar("_E", bound=StrEnum)


def _required(table: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise BadInput(f"demo manifest: {where} lacks {key!r}")
    return table[key]


def _enum(kind: type[_E], value: object, where: str) -> _E:
    try:
        return kind(str(value))
    except ValueError:
        raise BadInput(f"demo manifest: {where}: {value!r} is not a {kind.__name__}") from None


def _parse_outlet(table: Mapping[str, Any], start: datetime) -> DemoOutlet:
    slug = str(_required(table, "slug", "an outlet"))
    gone = table.get("feed_gone")
    robots = table.get("robots")
    return DemoOutlet(
        slug=slug,
        name=str(_required(table, "name", slug)),
        host=str(_required(table, "host", slug)).lower(),
        aliases=tuple(str(alias) for alias in table.get("aliases", ())),
        kind=str(table.get("kind", "newspaper")),
        tagline=str(table.get("tagline", "")),
        sections=tuple(str(section) for section in _required(table, "sections", slug)),
        feed_path=str(_required(table, "feed_path", slug)),
        feed_format=_enum(FeedFormat, _required(table, "feed_format", slug), slug),
        amp=bool(table.get("amp", False)),
        robots=robots.lstrip("\n") if isinstance(robots, str) else "User-agent: *\nAllow: /\n",
        boilerplate_top=str(table.get("boilerplate_top", "")),
        boilerplate_bottom=str(table.get("boilerplate_bottom", "")),
        feed_link_query=str(table.get("feed_link_query", "")),
        feed_gone_at=None if gone is None else start + timedelta(hours=float(gone)),
    )


def _parse_versions(
    tables: list[Mapping[str, Any]], where: str, start: datetime, read_text: Callable[[str], str]
) -> tuple[DemoVersion, ...]:
    versions: list[DemoVersion] = []
    for table in tables:
        previous = versions[-1] if versions else None
        title = table.get("title", previous.title if previous else None)
        if title is None:
            raise BadInput(f"demo manifest: {where}: the first version needs a title")
        stances = {
            str(claim): tuple(_enum(Stance, stance, where) for stance in values)
            for claim, values in dict(table.get("claims", {})).items()
        }
        versions.append(
            DemoVersion(
                starts_at=start + timedelta(hours=float(_required(table, "from", where))),
                title=str(title),
                summary=str(table.get("summary", previous.summary if previous else "")),
                body=read_text(str(_required(table, "body", where))),
                stances=MappingProxyType(stances),
                jsonld_correction=table.get("jsonld_correction"),
            )
        )
    if not versions:
        raise BadInput(f"demo manifest: {where} has no versions")
    if any(a.starts_at >= b.starts_at for a, b in pairwise(versions)):
        raise BadInput(f"demo manifest: {where}: versions must be in time order")
    return tuple(versions)


def _parse_truth(table: Mapping[str, Any], where: str) -> Truth:
    reuse = table.get("reuse")
    follows_up = table.get("follows_up")
    return Truth(
        edges=tuple(
            ExpectedEdge(
                source=str(_required(edge, "source", where)),
                kind=_enum(EdgeKind, _required(edge, "kind", where), where),
            )
            for edge in table.get("edges", ())
        ),
        reuse=None if reuse is None else _enum(Reuse, reuse, where),
        uptake=MappingProxyType(
            {
                str(claim): _enum(UptakeKind, kind, where)
                for claim, kind in dict(table.get("uptake", {})).items()
            }
        ),
        late=bool(table.get("late", False)),
        distractor=bool(table.get("distractor", False)),
        follows_up=None if follows_up is None else str(follows_up),
    )


def _parse_article(
    table: Mapping[str, Any], start: datetime, read_text: Callable[[str], str]
) -> DemoArticle:
    article_id = str(_required(table, "id", "an article"))
    taken_down = table.get("taken_down")
    takedown = table.get("takedown")
    if (taken_down is None) != (takedown is None):
        raise BadInput(f"demo manifest: {article_id}: taken_down and takedown go together")
    return DemoArticle(
        id=article_id,
        outlet=str(_required(table, "outlet", article_id)),
        path=str(_required(table, "path", article_id)),
        section=str(_required(table, "section", article_id)),
        author=str(table.get("author", "")),
        published_at=start + timedelta(hours=float(_required(table, "published", article_id))),
        served_from=start + timedelta(hours=float(_required(table, "served", article_id))),
        versions=_parse_versions(
            list(_required(table, "versions", article_id)), article_id, start, read_text
        ),
        truth=_parse_truth(table.get("truth", {}), article_id),
        taken_down_at=None if taken_down is None else start + timedelta(hours=float(taken_down)),
        takedown=None if takedown is None else _enum(Takedown, takedown, article_id),
    )


def _check_references(corpus: Corpus) -> None:
    """Refuse a manifest whose names point nowhere; the truths themselves are checked by tests."""
    outlets = {outlet.slug for outlet in corpus.outlets}
    articles = {article.id for article in corpus.articles}
    claims = {claim.slug for claim in corpus.claims}
    problems: list[str] = []
    for article in corpus.articles:
        if article.outlet not in outlets:
            problems.append(f"{article.id}: unknown outlet {article.outlet!r}")
        elif article.section not in corpus.outlet(article.outlet).sections:
            problems.append(f"{article.id}: section {article.section!r} not in its outlet")
        if article.versions[0].starts_at != article.served_from:
            problems.append(f"{article.id}: the first version must start when it is served")
        mentioned = {c for v in article.versions for c in v.stances} | set(article.truth.uptake)
        problems += [f"{article.id}: unknown claim {c!r}" for c in mentioned - claims]
        sources = {edge.source for edge in article.truth.edges}
        sources |= {
            link.target for v in article.versions for link in v.links if link.kind == "article"
        }
        if article.truth.follows_up:
            sources.add(article.truth.follows_up)
        problems += [f"{article.id}: unknown article {s!r}" for s in sources - articles]
    for claim in corpus.claims:
        if claim.origin not in articles:
            problems.append(f"claim {claim.slug}: unknown origin {claim.origin!r}")
    for correction in corpus.corrections:
        if correction.claim not in claims or correction.article not in articles:
            problems.append(f"correction {correction}: unknown claim or article")
    for pitfall in corpus.not_sources:
        if {pitfall.article, pitfall.source} - articles:
            problems.append(f"not_sources {pitfall}: unknown article")
    if problems:
        raise BadInput("demo manifest: " + "; ".join(problems))


def parse_corpus(manifest: Mapping[str, Any], read_text: Callable[[str], str]) -> Corpus:
    """Build the corpus from a parsed manifest; `read_text` returns a body file's text."""
    start = _required(manifest, "start", "the manifest")
    if not isinstance(start, datetime):
        raise BadInput("demo manifest: start must be a TOML datetime")
    start = utc(start)
    corpus = Corpus(
        start=start,
        end=start + timedelta(hours=float(manifest.get("end", 168.0))),
        outlets=tuple(_parse_outlet(table, start) for table in manifest.get("outlets", ())),
        articles=tuple(
            _parse_article(table, start, read_text) for table in manifest.get("articles", ())
        ),
        claims=tuple(
            DemoClaim(
                slug=str(_required(table, "slug", "a claim")),
                text=str(_required(table, "text", "a claim")),
                origin=str(_required(table, "origin", "a claim")),
            )
            for table in manifest.get("claims", ())
        ),
        corrections=tuple(
            DemoCorrection(
                claim=str(_required(table, "claim", "a correction")),
                kind=_enum(CorrectionKind, _required(table, "kind", "a correction"), "correction"),
                article=str(_required(table, "article", "a correction")),
                at=start + timedelta(hours=float(_required(table, "at", "a correction"))),
            )
            for table in manifest.get("corrections", ())
        ),
        not_sources=tuple(
            NotSource(
                article=str(_required(table, "article", "a not_sources entry")),
                source=str(_required(table, "source", "a not_sources entry")),
                why=str(table.get("why", "")),
            )
            for table in manifest.get("not_sources", ())
        ),
    )
    _check_references(corpus)
    return corpus


def load_corpus() -> Corpus:
    """The bundled demo story, read from the package data."""
    folder = resources.files("tracker.demo").joinpath("corpus")

    def read_text(relative: str) -> str:
        resource = folder.joinpath(*relative.split("/"))
        if not resource.is_file():
            raise BadInput(f"demo manifest: missing body file {relative!r}")
        return resource.read_text(encoding="utf-8")

    manifest = tomllib.loads(folder.joinpath(MANIFEST_NAME).read_text(encoding="utf-8"))
    return parse_corpus(manifest, read_text)
