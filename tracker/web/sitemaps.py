"""Parse sitemaps (urlset, with Google News extensions) and sitemap indexes; no network.

Parsed here with defusedxml's expat parser and a streaming target rather than taken from a
sitemap library: the well-known ones (ultimate-sitemap-parser and the like) fetch the sitemap and
its children themselves, which would bypass the tracker's Fetcher (address checks, size caps,
politeness, conditional GET). The document goes through the same steps as a feed first: decoded
(`xmltext.decode_document`) and cut at its root (`xmltext.strip_prolog`, which drops any DOCTYPE),
and the parser still refuses entity declarations and external references. Elements are read as
they are parsed, so a document that breaks half-way keeps the URLs read before the break.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import ParseError

import defusedxml
from defusedxml.ElementTree import DefusedXMLParser

from tracker.domain import ParsedEntry, ParsedFeed
from tracker.errors import NotAFeed
from tracker.text.cleaning import remove_control_chars
from tracker.urls import is_http_url
from tracker.web.xmltext import decode_document, local_name, strip_prolog

__all__ = [
    "SitemapChild",
    "SitemapIndex",
    "gunzip_capped",
    "is_gzip",
    "looks_like_sitemap",
    "newest_children",
    "newest_entries",
    "parse_sitemap",
]

_SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
_GZIP_MAGIC = b"\x1f\x8b"
_MESSAGE_LIMIT = 200
_MAX_FIELD = 4096  # characters kept of one text field (a URL, a title, a date)
# Records read from one document: the protocol's own limit. Past it reading stops, so a body of
# millions of empty <url/> elements costs neither the time nor the memory of reading them all.
MAX_RECORDS = 50_000


@dataclass(frozen=True, slots=True)
class SitemapChild:
    """One sitemap a sitemap index lists."""

    url: str
    lastmod: datetime | None = None


@dataclass(frozen=True, slots=True)
class SitemapIndex:
    """A parsed sitemap index: the sitemaps it lists, in document order."""

    children: tuple[SitemapChild, ...]
    warning: str | None = None


def looks_like_sitemap(data: bytes) -> bool:
    """Cheap sniff: True when the root element is <urlset> or <sitemapindex> (gzip is unpacked)."""
    text, _ = decode_document(bytes(data[:65536]), None)
    try:
        root = strip_prolog(text).root
    except NotAFeed:
        return False
    return root is not None and local_name(root) in _SITEMAP_ROOTS


def is_gzip(data: bytes) -> bool:
    """True for bytes that start like gzip (a .xml.gz served without Content-Encoding)."""
    return data.startswith(_GZIP_MAGIC)


def gunzip_capped(data: bytes, cap: int) -> bytes:
    """Gunzip `data`, refusing (NotAFeed) output past `cap` bytes: a .xml.gz may be a bomb."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        # max_length bounds what zlib writes, so a bomb costs at most `cap` bytes of memory.
        out = decoder.decompress(data, cap + 1)
        if len(out) > cap or decoder.unconsumed_tail:
            raise NotAFeed(f"not a feed: gzip content larger than the cap of {cap} bytes")
        if not decoder.eof:
            raise NotAFeed("not a feed: truncated gzip content")
    except zlib.error as exc:
        raise NotAFeed(_one_line(f"not a feed: broken gzip content: {exc}")) from exc
    return out


def parse_sitemap(
    data: bytes, *, url: str, content_type: str | None = None, max_bytes: int, max_urls: int
) -> ParsedFeed | SitemapIndex:
    """A urlset as a ParsedFeed (its `max_urls` newest URLs), or a sitemap index's children.

    Gzip bytes are unpacked first, at most `max_bytes` of them. Raises NotAFeed, never a parser
    error, when nothing usable is found.
    """
    if is_gzip(data):
        data = gunzip_capped(data, max_bytes)
        content_type = None  # the label described the gzip file, not the XML inside
    text, decode_warning = decode_document(bytes(data), content_type)
    text = remove_control_chars(text)
    prolog = strip_prolog(text)
    if prolog.root is None:
        raise NotAFeed("not a sitemap: no XML element found")
    root = local_name(prolog.root)
    if root not in _SITEMAP_ROOTS:
        raise NotAFeed(f"not a sitemap: the root element is <{prolog.root}>")
    reader = _Reader()
    warning = decode_warning
    parser = DefusedXMLParser(target=reader, forbid_dtd=True)
    try:
        parser.feed(prolog.body)
        parser.close()
    except defusedxml.DefusedXmlException as exc:
        raise NotAFeed(f"not a sitemap: refused unsafe XML ({type(exc).__name__})") from exc
    except _Full:
        warning = f"more than {MAX_RECORDS} entries; the rest were not read"
    except (ParseError, ValueError, LookupError, RecursionError) as exc:
        # Whatever was read before the break is kept; the break is the warning.
        if not reader.records:
            raise NotAFeed(_one_line(f"not a sitemap: {type(exc).__name__}: {exc}")) from exc
        warning = _one_line(f"{type(exc).__name__}: {exc}")
    if root == "sitemapindex":
        children = tuple(
            SitemapChild(link, _date(record.get("lastmod")))
            for record in reader.records
            if (link := _http_link(record.get("loc"))) is not None
        )
        return SitemapIndex(children, warning=warning)
    return _urlset(reader, url, max_urls, warning)


def newest_entries(entries: list[ParsedEntry], count: int) -> list[ParsedEntry]:
    """The `count` most recent entries (by publication date, else lastmod), in document order."""
    if len(entries) <= count:
        return entries
    # A plain sitemap may list a whole site (50,000 URLs): only the newest are wanted.
    floor = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(
        range(len(entries)),
        key=lambda i: (entries[i].published or entries[i].updated or floor, i),
        reverse=True,
    )
    return [entries[i] for i in sorted(ranked[:count])]


def newest_children(index: SitemapIndex, count: int) -> list[SitemapChild]:
    """The `count` most recent children by lastmod; undated ones after dated, last listed first."""
    # Indexes append new sitemaps at the end, so among equal (or no) dates later means newer.
    ranked = sorted(
        enumerate(index.children),
        key=lambda pair: (pair[1].lastmod or datetime.min.replace(tzinfo=UTC), pair[0]),
        reverse=True,
    )
    seen: set[str] = set()
    chosen: list[SitemapChild] = []
    for _, child in ranked:
        if child.url not in seen and len(chosen) < count:
            seen.add(child.url)
            chosen.append(child)
    return chosen


# ---------------------------------------------------------------- reading


class _Full(Exception):
    """Raised inside the parser's callbacks to stop reading at MAX_RECORDS."""


class _Reader:
    """An expat target that keeps each <url>/<sitemap> record's fields as it is closed."""

    def __init__(self) -> None:
        self.records: list[dict[str, str]] = []
        self.publication = ""
        self._path: list[str] = []
        self._record: dict[str, str] | None = None
        self._text: list[str] = []
        self._length = 0  # characters in _text: a running count, as expat may send 1 at a time

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = local_name(tag)
        self._path.append(name)
        if len(self._path) == 2 and name in {"url", "sitemap"}:
            self._record = {}
        self._text, self._length = [], 0

    def data(self, text: str) -> None:
        if self._record is not None and self._length < _MAX_FIELD:
            self._text.append(text)
            self._length += len(text)

    def end(self, tag: str) -> None:
        name = self._path.pop() if self._path else local_name(tag)
        record = self._record
        if record is None:
            return
        if len(self._path) == 1:  # the record itself closed
            self.records.append(record)
            self._record = None
            if len(self.records) >= MAX_RECORDS:
                raise _Full
            return
        value = " ".join("".join(self._text).split())[:_MAX_FIELD]
        self._text, self._length = [], 0
        parent = self._path[-1] if self._path else ""
        if name in {"loc", "lastmod"} and len(self._path) == 2:
            record[name] = value
        elif parent == "news" and name in {"publication_date", "title", "keywords"}:
            record[f"news_{name}"] = value
        elif parent == "publication" and name == "name":
            record["news_name"] = value
            self.publication = self.publication or value

    def close(self) -> None:
        return None


def _urlset(reader: _Reader, url: str, max_urls: int, warning: str | None) -> ParsedFeed:
    entries: list[ParsedEntry] = []
    is_news = False
    for record in reader.records:
        link = _http_link(record.get("loc"))
        if link is None:
            entries.append(ParsedEntry(link=None))  # counted as an entry without a link
            continue
        published = _date(record.get("news_publication_date"))
        is_news = is_news or any(key.startswith("news_") for key in record)
        entries.append(
            ParsedEntry(
                link=link,
                title=record.get("news_title", ""),
                published=published,
                updated=_date(record.get("lastmod")),
            )
        )
    entries = newest_entries(entries, max_urls)
    return ParsedFeed(
        title=" ".join(remove_control_chars(reader.publication).split()),
        link=None,
        entries=tuple(entries),
        format="news-sitemap" if is_news else "sitemap",
        warning=warning,
    )


def _http_link(value: str | None) -> str | None:
    """A sitemap <loc>: absolute http(s) by the protocol, so nothing is resolved."""
    if not value:
        return None
    candidate = value.strip().replace(" ", "%20")
    return candidate if is_http_url(candidate) else None


def _date(value: str | None) -> datetime | None:
    """A W3C datetime (YYYY, YYYY-MM-DD, or full with zone) as aware UTC; None if unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        # The W3C profile also allows a bare year or year-month.
        formats = {4: "%Y", 7: "%Y-%m"}
        if len(text) not in formats:
            return None
        try:
            moment = datetime.strptime(text, formats[len(text)])
        except ValueError:
            return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _one_line(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= _MESSAGE_LIMIT else message[: _MESSAGE_LIMIT - 1] + "…"
