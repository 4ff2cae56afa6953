"""Parse feed bytes (RSS, Atom, JSON Feed) and OPML subscription lists; no network, no database.

Every XML feed goes through the same steps: decode to text (`xmltext.decode_document`), drop
the DOCTYPE and all other markup before the root element (`xmltext.strip_prolog`), then hand
feedparser UTF-8 bytes in a BytesIO, never a string (which it may take for a URL or a path and
fetch or open). JSON Feed is read with the json module: feedparser 6 does not know it.
"""

from __future__ import annotations

import io
import json
import re
import xml.sax
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin
from warnings import catch_warnings, simplefilter
from xml.etree import ElementTree

import defusedxml
import defusedxml.ElementTree
import feedparser
from dateutil import parser as dateparser
from w3lib.html import remove_comments, remove_tags, remove_tags_with_content, replace_entities

from tracker.domain import OpmlFeed, ParsedEntry, ParsedFeed
from tracker.errors import NotAFeed
from tracker.text.cleaning import remove_control_chars
from tracker.urls import is_http_url
from tracker.web.dates import ZONE_HOURS, ZONE_SECONDS
from tracker.web.xmltext import decode_document, local_name, strip_prolog

__all__ = ["looks_like_feed", "parse_feed", "parse_opml", "write_opml"]

# Block-level tags: a space goes in before each, so "one</p><p>two" reads "one two".
_BLOCK_TAG = re.compile(
    r"<(?=/?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|blockquote|section|article|figure|"
    r"figcaption|table|hr|img|dd|dt|pre)\b)",
    re.IGNORECASE,
)
_HTML_ROOTS = frozenset({"html", "head", "body"})
_FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
# What can go wrong inside feedparser, dateutil or json on hostile input; wrapped into NotAFeed.
_PARSER_ERRORS = (
    ValueError,  # UnicodeError and json.JSONDecodeError too
    TypeError,
    AttributeError,
    LookupError,  # KeyError, IndexError
    OverflowError,
    RecursionError,
    xml.sax.SAXException,
)
_MESSAGE_LIMIT = 200
# The names feedparser's RFC 822 reader knows; any other name it reads as UTC.
_FEEDPARSER_ZONES = frozenset("ut gmt z edt est cdt cst mdt mst pdt pst met mest".split())
_NO_DATE = datetime(1, 1, 1)  # dateutil's fill-in for the parts a date leaves out


# ---------------------------------------------------------------- public API


def parse_feed(data: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed 1.x bytes fetched from `url`."""
    text, decode_warning = decode_document(bytes(data), content_type)
    text = remove_control_chars(text)
    if not text.strip():
        raise NotAFeed("not a feed: empty body")
    try:
        if text.lstrip().startswith(("{", "[")):
            return _parse_json_feed(text, url)
        return _parse_xml_feed(text, url, decode_warning)
    except _PARSER_ERRORS as exc:
        raise NotAFeed(_one_line(f"not a feed: the parser failed: {_describe(exc)}")) from exc


def looks_like_feed(data: bytes) -> bool:
    """Cheap sniff of the first bytes: True when they open an RSS, Atom or JSON Feed document."""
    text, _ = decode_document(bytes(data[:65536]), None)
    head = text.lstrip()
    if head.startswith("{"):
        return '"items"' in head or "jsonfeed.org" in head
    try:
        root = strip_prolog(head).root
    except NotAFeed:
        return False
    return root is not None and local_name(root) in _FEED_ROOTS


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """The http(s) feeds an OPML 1.0/2.0 file lists, with their folder path as category."""
    try:
        # defusedxml refuses entity declarations and external references before expanding
        # or fetching anything; a plain DOCTYPE without them is harmless and allowed.
        root = defusedxml.ElementTree.fromstring(bytes(data))
    except defusedxml.DefusedXmlException as exc:
        raise NotAFeed(f"not an OPML file: refused unsafe XML ({type(exc).__name__})") from exc
    except (ElementTree.ParseError, ValueError, LookupError) as exc:
        raise NotAFeed(_one_line(f"not an OPML file: {_describe(exc)}")) from exc
    if local_name(root.tag) != "opml":
        raise NotAFeed(f"not an OPML file: the root element is <{local_name(root.tag)}>")
    feeds: dict[str, OpmlFeed] = {}
    for body in _children(root, "body"):
        for feed in _walk_outlines(body, ()):
            feeds.setdefault(feed.url, feed)
    return list(feeds.values())


def write_opml(feeds: Sequence[OpmlFeed], *, title: str = "propagation-tracker feeds") -> bytes:
    """An OPML 2.0 document listing `feeds`, nested in folders by their category path."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = remove_control_chars(title)
    body = ElementTree.SubElement(root, "body")
    folders: dict[tuple[str, ...], ElementTree.Element] = {(): body}
    for feed in feeds:
        path = tuple(part.strip() for part in feed.category.split("/") if part.strip())
        parent = _folder(folders, path)
        name = remove_control_chars(feed.title) or remove_control_chars(feed.url)
        attributes = {
            "type": "rss",
            "text": name,
            "title": name,
            "xmlUrl": remove_control_chars(feed.url),
        }
        if feed.html_url:
            attributes["htmlUrl"] = remove_control_chars(feed.html_url)
        ElementTree.SubElement(parent, "outline", attributes)
    ElementTree.indent(root)
    document: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


# ---------------------------------------------------------------- XML feeds (feedparser)


def _parse_xml_feed(text: str, url: str, decode_warning: str | None) -> ParsedFeed:
    prolog = strip_prolog(text)
    root = prolog.root
    if root is None:
        raise NotAFeed("not a feed: no XML element found")
    document = '<?xml version="1.0" encoding="utf-8"?>\n' + prolog.body.lstrip()
    result = feedparser.parse(
        io.BytesIO(document.encode("utf-8")),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": url,
        },
    )
    entries = tuple(_xml_entry(entry, url) for entry in result.get("entries") or ())
    version = str(result.get("version") or "")
    if not entries and not version:
        # An HTML root is not refused up front: real sites wrap feeds in XHTML pages too.
        if local_name(root) in _HTML_ROOTS:
            raise NotAFeed("not a feed: looks like an HTML page")
        if local_name(root) == "opml":
            raise NotAFeed("not a feed: an OPML subscription list (import it as OPML)")
        reason = f"no RSS, Atom or JSON Feed structure (root element <{root}>)"
        if result.get("bozo"):
            reason += f": {_describe(result.get('bozo_exception'))}"
        raise NotAFeed(_one_line(f"not a feed: {reason}"))
    if version == "rss091u" and "netscape" in prolog.doctype.lower():
        version = "rss091n"  # feedparser tells the two apart by the DOCTYPE we removed
    warnings = [decode_warning] if decode_warning else []
    if result.get("bozo"):
        warnings.append(_describe(result.get("bozo_exception")))
    channel = result.get("feed") or {}
    return ParsedFeed(
        title=_text_of(channel, "title"),
        link=_http_link(channel.get("link"), url),
        entries=entries,
        format=version,
        warning=_one_line("; ".join(warnings)) if warnings else None,
    )


def _xml_entry(entry: Mapping[str, Any], feed_url: str) -> ParsedEntry:
    link = _http_link(entry.get("link"), feed_url)
    if link is None:
        for candidate in entry.get("links") or ():
            if candidate.get("rel", "alternate") == "alternate":
                link = _http_link(candidate.get("href"), feed_url)
                if link:
                    break
    summary = _text_of(entry, "summary")
    if not summary and entry.get("content"):
        summary = _text_of(entry["content"][0], "value", detail=entry["content"][0])
    return ParsedEntry(
        link=link,
        guid=_plain(entry.get("id")) or None,
        title=_text_of(entry, "title"),
        summary=summary,
        published=_entry_date(entry, "published"),
        updated=_entry_date(entry, "updated"),
        author=_plain(entry.get("author")),
    )


def _text_of(
    record: Mapping[str, Any], key: str, *, detail: Mapping[str, Any] | None = None
) -> str:
    """A feedparser text field as plain text; markup is stripped only when it is HTML."""
    detail = detail if detail is not None else record.get(f"{key}_detail") or {}
    is_html = "html" in str(detail.get("type") or "text/html")
    return _clean_text(record.get(key), html=is_html)


def _entry_date(entry: Mapping[str, Any], key: str) -> datetime | None:
    """An entry's date as aware UTC: feedparser's reading, corrected where it is known to slip."""
    parsed = _struct_time_to_utc(entry.get(f"{key}_parsed"))
    raw = entry.get(key)
    if not isinstance(raw, str) or not raw.strip():
        return parsed
    zone = raw.split()[-1].lower()
    # feedparser reads an RFC 822 date without a zone as no date at all, and a zone name it
    # does not know (CET, BST, JST...) as UTC; both are common in real feeds.
    if parsed is None or (zone in ZONE_HOURS and zone not in _FEEDPARSER_ZONES):
        return _loose_date(raw) or parsed
    return parsed


def _loose_date(text: str) -> datetime | None:
    """A date in any common written form (naive means UTC); None without a full date."""
    try:
        with catch_warnings():
            simplefilter("ignore")  # dateutil warns on each zone name it does not know
            # A fixed default instead of today's date: a date without a year must not borrow
            # the year of the machine's clock (year 1 is then refused as implausible).
            moment = dateparser.parse(text, default=_NO_DATE, tzinfos=ZONE_SECONDS)
    except (ValueError, OverflowError, TypeError):
        return None
    if moment.year == _NO_DATE.year:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _struct_time_to_utc(value: Any) -> datetime | None:
    """feedparser's `*_parsed` (a UTC struct_time) as an aware datetime."""
    if value is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in tuple(value)[:6])
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


# ---------------------------------------------------------------- JSON Feed


def _parse_json_feed(text: str, url: str) -> ParsedFeed:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotAFeed(_one_line(f"not a feed: invalid JSON: {exc}")) from exc
    items = document.get("items") if isinstance(document, dict) else None
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(items, list) or not (
        (isinstance(version, str) and "jsonfeed.org" in version) or "title" in document
    ):
        raise NotAFeed("not a feed: JSON without JSON Feed structure")
    entries = tuple(_json_entry(item, url) for item in items if isinstance(item, dict))
    return ParsedFeed(
        title=_clean_text(document.get("title"), html=False),
        link=_http_link(document.get("home_page_url"), url),
        entries=entries,
        format="json",
    )


def _json_entry(item: Mapping[str, Any], feed_url: str) -> ParsedEntry:
    raw_id = item.get("id")
    guid = _plain(str(raw_id)) if isinstance(raw_id, str | int) else ""
    summary = _clean_text(item.get("summary"), html=False) or _clean_text(
        item.get("content_text"), html=False
    )
    return ParsedEntry(
        link=_http_link(item.get("url"), feed_url)
        or _http_link(item.get("external_url"), feed_url),
        guid=guid or None,
        title=_clean_text(item.get("title"), html=False),
        summary=summary or _clean_text(item.get("content_html"), html=True),
        published=_rfc3339_to_utc(item.get("date_published")),
        updated=_rfc3339_to_utc(item.get("date_modified")),
        author=", ".join(_json_authors(item)),
    )


def _json_authors(item: Mapping[str, Any]) -> Iterator[str]:
    """Author names: JSON Feed 1.1 `authors`, or 1.0's single `author`."""
    authors = item.get("authors")
    if not isinstance(authors, list):
        authors = [item.get("author")]
    for author in authors:
        if isinstance(author, dict) and _plain(author.get("name")):
            yield _plain(author.get("name"))


def _rfc3339_to_utc(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            moment = dateparser.isoparse(value.strip())
        except (ValueError, OverflowError):
            return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


# ---------------------------------------------------------------- OPML


def _walk_outlines(parent: ElementTree.Element, path: tuple[str, ...]) -> Iterator[OpmlFeed]:
    for outline in _children(parent, "outline"):
        attributes = {name.lower(): value for name, value in outline.attrib.items()}
        title = _clean_text(attributes.get("title") or attributes.get("text"), html=False)
        feed_url = (attributes.get("xmlurl") or "").strip()
        if feed_url and is_http_url(feed_url):
            page = (attributes.get("htmlurl") or "").strip()
            yield OpmlFeed(
                url=feed_url,
                title=title,
                html_url=page if is_http_url(page) else None,
                category="/".join(path),
            )
        yield from _walk_outlines(outline, (*path, title) if title else path)


def _children(parent: ElementTree.Element, name: str) -> Iterator[ElementTree.Element]:
    """Child elements named `name`, ignoring case and namespace (OPML files vary in both)."""
    for child in parent:
        if isinstance(child.tag, str) and local_name(child.tag) == name:
            yield child


def _folder(
    folders: dict[tuple[str, ...], ElementTree.Element], path: tuple[str, ...]
) -> ElementTree.Element:
    """The outline element for a category path, created (with its parents) on first use."""
    if path not in folders:
        parent = _folder(folders, path[:-1])
        name = remove_control_chars(path[-1])
        folders[path] = ElementTree.SubElement(parent, "outline", {"text": name, "title": name})
    return folders[path]


# ---------------------------------------------------------------- small helpers


def _clean_text(value: Any, *, html: bool) -> str:
    """One line of plain text: tags dropped if HTML, illegal characters gone, spaces collapsed."""
    if not isinstance(value, str):
        return ""
    if html:
        # Twice: many feeds escape their HTML twice, so the first pass yields markup again.
        for _ in range(2):
            if "<" not in value and "&" not in value:
                break
            value = _html_to_text(value)
    return " ".join(remove_control_chars(value).split())


def _html_to_text(html: str) -> str:
    html = remove_tags_with_content(html, which_ones=("script", "style"))
    return replace_entities(remove_tags(_BLOCK_TAG.sub(" <", remove_comments(html))))


def _plain(value: Any) -> str:
    return _clean_text(value, html=False)


def _http_link(value: Any, base: str) -> str | None:
    """`value` resolved against `base` if it is then an http(s) URL, else None."""
    if not isinstance(value, str):
        return None
    # As browsers do (WHATWG URL): tabs and newlines inside a URL are dropped, spaces encoded.
    candidate = value.strip().replace("\t", "").replace("\n", "").replace("\r", "")
    candidate = candidate.replace(" ", "%20")
    if not candidate or remove_control_chars(candidate) != candidate:
        return None
    try:
        absolute = urljoin(base, candidate)
    except ValueError:
        return None
    return absolute if is_http_url(absolute) else None


def _describe(exc: object) -> str:
    return f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(exc)


def _one_line(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= _MESSAGE_LIMIT else message[: _MESSAGE_LIMIT - 1] + "…"
