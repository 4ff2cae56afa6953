"""Render the demo's pages and feeds for one served base URL per outlet (pure: no I/O)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from tracker.demo.corpus import (
    LINK_PATTERN,
    Corpus,
    DemoArticle,
    DemoOutlet,
    DemoVersion,
    FeedFormat,
)

__all__ = ["FEED_CONTENT_TYPES", "Rendered", "SiteRenderer", "section_slug"]

FEED_CONTENT_TYPES = {
    FeedFormat.RSS: "application/rss+xml; charset=utf-8",
    FeedFormat.ATOM: "application/atom+xml; charset=utf-8",
    FeedFormat.JSON: "application/feed+json; charset=utf-8",
}
HTML = "text/html; charset=utf-8"
FEED_ITEM_LIMIT = 20
# Paragraphs that open like this are editors' notes, set apart on the page as real sites do.
_NOTE_OPENINGS = ("Correction:", "Update:", "Editor's note:", "Clarification:")
# Bylines naming a desk or a company rather than people.
_ORGANIZATION_BYLINE = re.compile(r"\b(Staff|Wire|Communications|Desk)\b")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered document and the moment it last changed."""

    body: bytes
    content_type: str
    last_modified: datetime


def section_slug(name: str) -> str:
    """The URL segment of a section name ("What's On" -> "whats-on")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")


def _display_time(moment: datetime) -> str:
    hour = moment.strftime("%I:%M").lstrip("0")
    meridiem = "a.m." if moment.hour < 12 else "p.m."
    return f"{moment.strftime('%B')} {moment.day}, {moment.year}, {hour} {meridiem} UTC"


def _people(byline: str) -> list[dict[str, str]]:
    if _ORGANIZATION_BYLINE.search(byline):
        return [{"@type": "Organization", "name": byline}]
    names = [name.strip() for name in re.split(r",| and ", byline) if name.strip()]
    return [{"@type": "Person", "name": name} for name in names]


class SiteRenderer:
    """Renders every outlet's documents with links on the bases the server really answers on."""

    def __init__(self, corpus: Corpus, bases: Mapping[str, str]) -> None:
        self._corpus = corpus
        self._bases = dict(bases)  # outlet slug -> "http://host.test:PORT" (no trailing slash)
        self._templates = Environment(
            loader=PackageLoader("tracker.demo", "corpus/templates"),
            autoescape=select_autoescape(["html", "xml"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    # ------------------------------------------------------------ URLs

    def home_url(self, outlet: DemoOutlet) -> str:
        """The outlet's home page."""
        return f"{self._bases[outlet.slug]}/"

    def article_url(self, article: DemoArticle, *, amp: bool = False) -> str:
        """The canonical URL of an article (or of its AMP variant)."""
        url = f"{self._bases[article.outlet]}{article.path}"
        return f"{url}/amp" if amp else url

    def feed_url(self, outlet: DemoOutlet) -> str:
        """The URL of the outlet's feed."""
        return f"{self._bases[outlet.slug]}{outlet.feed_path}"

    def _section_url(self, outlet: DemoOutlet, name: str) -> str:
        return f"{self._bases[outlet.slug]}/{section_slug(name)}/"

    # ------------------------------------------------------------ bodies

    def _link_href(self, match: re.Match[str]) -> str:
        kind, target, amp, query = match.group(2), match.group(3), match.group(4), match.group(5)
        if kind == "outlet":
            return self.home_url(self._corpus.outlet(target))
        return self.article_url(self._corpus.article(target), amp=bool(amp)) + (query or "")

    def _inline(self, text: str) -> Markup:
        """Escape a paragraph and turn its link markup into anchors."""
        pieces: list[Markup] = []
        position = 0
        for match in LINK_PATTERN.finditer(text):
            pieces.append(escape(text[position : match.start()]))
            href = escape(self._link_href(match))
            pieces.append(Markup('<a href="{}">{}</a>').format(href, match.group(1)))
            position = match.end()
        pieces.append(escape(text[position:]))
        return Markup("").join(pieces)

    def body_blocks(self, version: DemoVersion) -> list[Markup]:
        """The body as HTML blocks: paragraphs, sub-headings and editors' notes."""
        blocks: list[Markup] = []
        for paragraph in version.paragraphs:
            if paragraph.startswith("## "):
                blocks.append(Markup("<h2>{}</h2>").format(self._inline(paragraph[3:])))
            elif paragraph.startswith(_NOTE_OPENINGS):
                note = self._inline(paragraph)
                blocks.append(Markup('<p class="editor-note"><em>{}</em></p>').format(note))
            else:
                blocks.append(Markup("<p>{}</p>").format(self._inline(paragraph)))
        return blocks

    # ------------------------------------------------------------ pages

    def _frame(self, outlet: DemoOutlet) -> dict[str, object]:
        return {
            "outlet": outlet,
            "home_url": self.home_url(outlet),
            "feed_url": self.feed_url(outlet),
            "feed_type": FEED_CONTENT_TYPES[outlet.feed_format].split(";")[0],
            "sections": [
                {"name": name, "url": self._section_url(outlet, name)} for name in outlet.sections
            ],
        }

    def _jsonld(self, article: DemoArticle, version: DemoVersion) -> dict[str, object]:
        outlet = self._corpus.outlet(article.outlet)
        url = self.article_url(article)
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": version.title,
            "description": version.summary,
            "datePublished": article.published_at.isoformat(),
            "dateModified": max(version.starts_at, article.published_at).isoformat(),
            "author": _people(article.author),
            "publisher": {
                "@type": "Organization",
                "name": outlet.name,
                "url": self.home_url(outlet),
            },
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "url": url,
            "articleSection": article.section,
        }
        if version.jsonld_correction:
            data["correction"] = {
                "@type": "CorrectionComment",
                "text": version.jsonld_correction,
                "datePublished": version.starts_at.isoformat(),
            }
        return data

    def article_page(self, article: DemoArticle, version: DemoVersion, *, amp: bool) -> Rendered:
        """The article's page (or its AMP variant) showing `version`."""
        outlet = self._corpus.outlet(article.outlet)
        modified = version.starts_at if version is not article.versions[0] else None
        # The sidebar only lists stories older than this one, so a page changes only with its text.
        older = [
            other
            for other in self._corpus.articles_of(outlet.slug)
            if other.served_from < article.served_from and other.taken_down_at is None
        ]
        context = self._frame(outlet) | {
            "article": article,
            "version": version,
            "url": self.article_url(article),
            "amp_url": self.article_url(article, amp=True) if outlet.amp else None,
            "section_url": self._section_url(outlet, article.section),
            "published_iso": article.published_at.isoformat(),
            "published_text": _display_time(article.published_at),
            "modified_iso": modified.isoformat() if modified else None,
            "modified_text": _display_time(modified) if modified else None,
            "jsonld": self._jsonld(article, version),
            "blocks": self.body_blocks(version),
            "more": [
                {"url": self.article_url(other), "title": other.title}
                for other in sorted(older, key=lambda a: a.served_from, reverse=True)[:5]
            ],
        }
        template = self._templates.get_template("amp.html" if amp else "article.html")
        return Rendered(template.render(context).encode("utf-8"), HTML, version.starts_at)

    def _last_change(self, outlet: DemoOutlet, moment: datetime) -> datetime:
        """The latest moment up to `moment` at which anything the outlet lists changed."""
        events: list[datetime] = []
        for article in self._corpus.articles_of(outlet.slug):
            events += [v.starts_at for v in article.versions if v.starts_at <= moment]
            if article.taken_down_at is not None and article.taken_down_at <= moment:
                events.append(article.taken_down_at)
        return max(events, default=min(moment, self._corpus.start))

    def _items(
        self, outlet: DemoOutlet, moment: datetime, section: str | None = None
    ) -> list[dict[str, str]]:
        items = []
        for article in self._corpus.live_articles(outlet.slug, moment):
            version = article.version_at(moment)
            if version is None or (section is not None and article.section != section):
                continue
            link = self.article_url(article)
            if outlet.feed_link_query:
                link = f"{link}?{outlet.feed_link_query}"
            updated = max(version.starts_at, article.published_at)
            items.append(
                {
                    "title": version.title,
                    "summary": version.summary,
                    "link": link,
                    "url": self.article_url(article),
                    # Tag URIs stay the same whatever port the demo runs on.
                    "guid": f"tag:{outlet.host},2026:{article.id}",
                    "author": article.author,
                    "section": article.section,
                    "published_iso": article.published_at.isoformat(),
                    "published_text": _display_time(article.published_at),
                    "published_rfc822": format_datetime(article.published_at, usegmt=True),
                    "updated_iso": updated.isoformat(),
                }
            )
        return items[:FEED_ITEM_LIMIT]

    def index_page(self, outlet: DemoOutlet, moment: datetime, section: str | None) -> Rendered:
        """The home page, or one section's page, as of `moment`."""
        context = self._frame(outlet) | {
            "url": self._section_url(outlet, section) if section else self.home_url(outlet),
            "section_name": section,
            "items": self._items(outlet, moment, section),
        }
        body = self._templates.get_template("index.html").render(context).encode("utf-8")
        return Rendered(body, HTML, self._last_change(outlet, moment))

    def feed(self, outlet: DemoOutlet, moment: datetime) -> Rendered:
        """The outlet's feed as of `moment`, newest first."""
        items = self._items(outlet, moment)
        updated = self._last_change(outlet, moment)
        content_type = FEED_CONTENT_TYPES[outlet.feed_format]
        if outlet.feed_format is FeedFormat.JSON:
            document = {
                "version": "https://jsonfeed.org/version/1.1",
                "title": outlet.name,
                "description": outlet.tagline,
                "home_page_url": self.home_url(outlet),
                "feed_url": self.feed_url(outlet),
                "language": "en",
                "items": [
                    {
                        "id": item["guid"],
                        "url": item["link"],
                        "title": item["title"],
                        "summary": item["summary"],
                        "date_published": item["published_iso"],
                        "date_modified": item["updated_iso"],
                        "authors": [{"name": item["author"]}],
                        "tags": [item["section"]],
                    }
                    for item in items
                ],
            }
            body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
            return Rendered(body, content_type, updated)
        context = {
            "outlet": outlet,
            "home_url": self.home_url(outlet),
            "feed_url": self.feed_url(outlet),
            "feed_id": f"tag:{outlet.host},2026:feed",
            "updated_iso": updated.isoformat(),
            "updated_rfc822": format_datetime(updated, usegmt=True),
            "items": items,
        }
        name = "rss.xml" if outlet.feed_format is FeedFormat.RSS else "atom.xml"
        body = self._templates.get_template(name).render(context).encode("utf-8")
        return Rendered(body, content_type, updated)

    def error_page(self, status: int, reason: str, message: str, home_url: str | None) -> bytes:
        """A small HTML error page."""
        template = self._templates.get_template("not_found.html")
        context = {"status": status, "reason": reason, "message": message, "home_url": home_url}
        return template.render(context).encode("utf-8")
