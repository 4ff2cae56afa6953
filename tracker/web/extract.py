"""Main text, metadata, dates, body links and correction notices of a fetched page.

With page_metadata (and _date_languages, which sets htmldate's date parser), the only module that
imports trafilatura and htmldate. The HTML is decoded
and parsed once with lxml; the same tree goes to trafilatura (which copies it before pruning), to
htmldate and to the link and correction walks, so no stage parses the page again.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urldefrag, urljoin

import charset_normalizer
import htmldate
import lxml.etree
import lxml.html
import trafilatura
import trafilatura.settings
from w3lib.encoding import html_to_unicode, read_bom

from tracker.clock import utc
from tracker.config import ExtractSettings
from tracker.domain import Extracted, Link
from tracker.text.cleaning import clean_utf8, remove_control_chars
from tracker.urls import is_http_url
from tracker.web._date_languages import judging_in
from tracker.web._decode import mostly_utf8
from tracker.web.article_text import ArticleText, article_text
from tracker.web.dates import choose_published, offset_minutes, parse_stated, url_day
from tracker.web.page_metadata import PageMetadata, page_metadata

__all__ = ["content_hash", "decode_html", "extract_page", "normalise_text"]

LOGGER = logging.getLogger(__name__)

# A tree with more elements than this is not an article page (it would be a link farm or a
# generated attack page); trafilatura's pruning grows faster than linearly with the element
# count (measured: 50k inline elements ~1 s, 1M ~2 min), so such pages are refused as no-text.
_MAX_ELEMENTS = 50_000
# Bound on the characters searched while matching link blocks against the main text, so a huge
# text with thousands of links stays linear; links past the budget are dropped.
_LINK_SCAN_BUDGET = 200_000_000
_MAX_NOTICE_CHARS = 1000
_MIN_TEXT_CHARS = 80
# No article runs to half a million characters (long reads stay under ~300,000); a page with
# more is padding or an attack, and the linking stage's time grows with the text it compares
# (measured: a 15 MB text held one crawl's linking stage for ~40 s).
_MAX_TEXT_CHARS = 500_000
# Invalid sequences in a page labelled UTF-8 before another encoding is considered.
_MIN_BAD_BYTES = 8
# htmldate's output pattern: keeps the time and zone when the page gives them.
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
# A page date and a feed date closer than this agree (time zones shift days).
_DATE_TOLERANCE = timedelta(days=1, hours=12)

_BLOCK_TAGS = frozenset(
    "p li dd dt blockquote td th h1 h2 h3 h4 h5 h6 figcaption pre div section article aside"
    " header footer main body ul ol table".split()
)
_LINK_BLOCKS = "//a[@href]/ancestor::*[{}][1]".format(
    " or ".join(f"self::{tag}" for tag in sorted(_BLOCK_TAGS))
)
_CHROME_TAGS = ("nav", "header", "footer", "aside", "menu")
_NOTICE_TAGS = tuple(
    "p div li aside section blockquote dd td span em strong i b small font h2 h3 h4 h5 h6".split()
)
_NOTICE_KEYWORD = re.compile(r"\s*(?:correct|clarif|update|editor)", re.IGNORECASE)
# "Correction:", "Update (May 3):", "UPDATE, 5 p.m. -", "Editor's note:" at the start of a block.
_NOTICE_START = re.compile(
    r"(?:correction|corrected|clarification|update|updated|editor[’']?s[’']? note)"
    r"(?:\s*\([^)]{0,60}\)|,[^:\n]{0,40}|\s*#?\d{1,2})?\s*(?::|\s[-–—]\s|[–—])",
    re.IGNORECASE,
)
# Words that only make up a timestamp ("Updated: Nov. 19, 2019 at 5:30 p.m. ET").
_TIMESTAMP_WORDS = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july"
    " august september october november december mon tue wed thu fri sat sun monday tuesday"
    " wednesday thursday friday saturday sunday am pm a m p et est edt ct cst cdt pt pst pdt utc"
    " gmt bst cet cest ist at on by last updated published ago hour hours minute minutes min mins"
    " hr hrs day days today yesterday".split()
)


def normalise_text(text: str) -> str:
    """NFC, illegal characters removed, whitespace collapsed per paragraph, empty lines dropped."""
    clean = unicodedata.normalize("NFC", remove_control_chars(text))
    lines = (" ".join(line.split()) for line in clean.splitlines())
    return "\n".join(line for line in lines if line)


def content_hash(text: str) -> str:
    """The sha256 hex digest of the normalised text: equal hashes mean an unchanged version."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def _detect_encoding(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data[:262_144]).best()
    return best.encoding if best is not None else None


def decode_html(html: bytes, content_type: str | None = None) -> str:
    """Decode page bytes (BOM, valid UTF-8, HTTP header, <meta>, detection); never fails."""
    if read_bom(html)[0] is None and b"\x00" not in html[:1024]:
        # Bytes that decode as UTF-8 are UTF-8 whatever the header claims: servers often send a
        # stale ISO-8859-1 default, while text in another encoding is almost never valid UTF-8
        # (early NUL bytes mean UTF-16/32 without a BOM, left to the header). The incremental
        # decoder tolerates a multibyte character cut by truncation at the end.
        try:
            return codecs.getincrementaldecoder("utf-8")().decode(html, final=False)
        except UnicodeDecodeError:
            pass
        damaged = mostly_utf8(html)  # a few stray bytes in UTF-8 are replaced, not re-read
        if damaged is not None:
            return damaged
    encoding, text = html_to_unicode(content_type, html, auto_detect_fun=_detect_encoding)
    if codecs.lookup(encoding).name == "utf-8":
        # The label says UTF-8 but the bytes are not (checked above): a server default or a
        # copied <meta> over a legacy page, e.g. Shift_JIS. A few bad bytes are damage to keep
        # as U+FFFD; mostly bad ones mean another encoding, taken when detection reads it whole.
        bad = text.count("\ufffd")
        good = sum(1 for char in text if char > "\x7f") - bad
        if bad >= _MIN_BAD_BYTES and bad > good:
            detected = _detect_encoding(html)
            if detected and codecs.lookup(detected).name != "utf-8":
                try:
                    return html.decode(detected)
                except (UnicodeDecodeError, LookupError):
                    pass
    return text


def _bounded(text: str) -> str:
    """The text cut at a line break before _MAX_TEXT_CHARS (a page cannot stall later stages)."""
    if len(text) <= _MAX_TEXT_CHARS:
        return text
    cut = text.rfind("\n", 0, _MAX_TEXT_CHARS)
    return text[: cut if cut > 0 else _MAX_TEXT_CHARS]


# lxml.html's own lookup calls back into Python for every element proxy it makes (to give form
# elements their classes, which nothing here reads): ~3,000 calls a page through trafilatura's
# walks. One C-level default lookup gives every element lxml.html's HtmlElement all the same.
_ELEMENT_CLASSES = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def _parse(text: str) -> Any:
    """Parse decoded HTML into an lxml tree, or None when nothing parses."""
    # A fresh parser per call: lxml parsers must not be shared between threads. huge_tree lifts
    # libxml2's depth cap from 256 to a few thousand, so real deep pages keep their text; our own
    # walks below are iterative, and the element cap bounds the work on what parses.
    parser = lxml.html.HTMLParser(
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        default_doctype=False,
        huge_tree=True,
    )
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    data = clean_utf8(text)
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        return None


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _squeeze(text: str) -> str:
    """The text without any whitespace."""
    return "".join(text.split())


def _http_url(href: str | None, base: str) -> str | None:
    """`href` made absolute against `base`, without fragment, if it is http(s)."""
    if not href:
        return None
    try:
        absolute = urldefrag(urljoin(base, href.strip()))[0]
    except ValueError:  # malformed, e.g. an invalid IPv6 host
        return None
    return absolute if is_http_url(absolute) else None


def _base_url(tree: Any, url: str) -> str:
    base = tree.find(".//base[@href]")
    if base is not None:
        resolved = _http_url(base.get("href"), url)
        if resolved:
            return resolved
    return url


def _canonical_url(tree: Any, base: str) -> str | None:
    for link in tree.iterfind(".//link[@rel][@href]"):
        if "canonical" in link.get("rel", "").lower().split():
            found = _http_url(link.get("href"), base)
            if found:
                return found
    for meta in tree.iterfind(".//meta[@property='og:url'][@content]"):
        found = _http_url(meta.get("content"), base)
        if found:
            return found
    return None


def _language(tree: Any) -> str | None:
    """The primary language subtag the page declares (html lang, Content-Language, og:locale)."""
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for meta in tree.iterfind(".//meta[@content]"):
        name = (meta.get("http-equiv") or meta.get("property") or "").lower()
        if name in {"content-language", "og:locale"}:
            candidates.append(meta.get("content"))
    for value in candidates:
        primary = re.split(r"[-_,;\s]", (value or "").strip(), maxsplit=1)[0].lower()
        if 2 <= len(primary) <= 3 and primary.isascii() and primary.isalpha():
            return primary
    return None


def _body_links(tree: Any, text: str, base: str) -> tuple[Link, ...]:
    """Hyperlinks whose enclosing block made it into the extracted main text."""
    # trafilatura drops the markup when it keeps no links, and keeping links changes which text
    # it selects (measured on the AEB pages: F1 -0.007, 15 % slower), so the links are found here:
    # an <a> counts when its nearest block's text occurs in the main text. Whitespace is ignored
    # on both sides (trafilatura turns <br> into line breaks). A short block (a menu item) must
    # match a whole line, and anything inside nav/header/footer/aside is refused outright.
    skeleton = _squeeze(text)
    lines = {_squeeze(line) for line in text.splitlines()}
    scanned = 0
    links: dict[str, Link] = {}
    # One XPath pass (in C) yields each link's nearest block, deduplicated, in document order.
    for block in tree.xpath(_LINK_BLOCKS):
        scanned += len(skeleton)
        if scanned > _LINK_SCAN_BUDGET:
            break
        block_text = _squeeze(block.text_content())
        if not (block_text in lines or (len(block_text) >= 40 and block_text in skeleton)):
            continue
        if block.tag in _CHROME_TAGS or next(block.iterancestors(*_CHROME_TAGS), None) is not None:
            continue
        for anchor in block.iterfind(".//a[@href]"):
            label = _collapse(anchor.text_content())
            target = _http_url(anchor.get("href"), base)
            if label and target is not None and target != base and target not in links:
                links[target] = Link(url=target, text=label[:500])
    return tuple(links.values())


def _json_values(node: object, key: str) -> Iterator[object]:
    """Every value stored under `key` anywhere in a parsed JSON document (iteratively)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for name, value in item.items():
                if name == key:
                    yield value
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _correction_texts(value: object) -> Iterator[str]:
    """Text of a schema.org `correction` value: a string, a CorrectionComment, or a list."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for field in ("text", "description", "name"):
            if isinstance(value.get(field), str):
                yield value[field]
                return
    elif isinstance(value, list):
        for item in value:
            yield from _correction_texts(item)


def _structured_corrections(tree: Any) -> Iterator[str]:
    for script in tree.iter("script"):
        body = script.text or ""
        if "ld+json" not in (script.get("type") or "").lower() or "correction" not in body:
            continue
        try:
            document = json.loads(body, strict=False)
        except (ValueError, RecursionError):
            continue
        for value in _json_values(document, "correction"):
            yield from _correction_texts(value)
    for element in tree.xpath("//*[@itemprop][contains(@itemprop, 'orrection')]"):
        if "correction" not in element.get("itemprop", "").lower().split():
            continue
        parts = element.xpath(".//*[@itemprop='text' or @itemprop='description']")
        if parts:
            yield " ".join(part.text_content() for part in parts)
        else:
            yield element.get("content") or element.text_content()


def _is_timestamp_only(rest: str) -> bool:
    """True for 'Updated: Nov. 19, 2019 5:30 p.m. ET', which notes a time, not a change."""
    words = [w for w in re.findall(r"[^\W\d_]+", rest.lower()) if w not in _TIMESTAMP_WORDS]
    return len(words) < 2


def _notice_paragraphs(tree: Any) -> Iterator[str]:
    """Blocks that open with a correction/update marker, in or outside the main text."""
    seen: set[Any] = set()
    for element in tree.iter(*_NOTICE_TAGS):
        if not element.text or not _NOTICE_KEYWORD.match(element.text[:40]):
            continue
        block = element
        if element.tag not in _BLOCK_TAGS:
            block = next(element.iterancestors(*_BLOCK_TAGS), element)
        if block in seen:
            continue
        seen.add(block)
        notice = _collapse(block.text_content())
        match = _NOTICE_START.match(notice)
        if match and not _is_timestamp_only(notice[match.end() :]):
            yield notice


def _corrections(tree: Any, html: str) -> tuple[str, ...]:
    """Correction notices: schema.org `correction` values, then marked paragraphs, deduplicated."""
    # A substring test on the page is ~10x cheaper than looking through its scripts and attributes.
    structured = _structured_corrections(tree) if "orrection" in html else ()
    found: dict[str, str] = {}
    for notice in (*structured, *_notice_paragraphs(tree)):
        clean = _collapse(notice)[:_MAX_NOTICE_CHARS]
        if clean:
            found.setdefault(clean.casefold(), clean)
    return tuple(found.values())


# ---------------------------------------------------------------- header strings

_TITLE_META = frozenset({"og:title", "twitter:title"})
_DESCRIPTION_META = frozenset({"description", "og:description", "twitter:description"})


def _meta_values(tree: Any) -> dict[str, list[str]]:
    """The page's <meta> contents by lower-cased property, name or itemprop, in one pass."""
    found: dict[str, list[str]] = {}
    for element in tree.iterfind(".//meta[@content]"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        found.setdefault(key.lower().strip(), []).append(element.get("content") or "")
    return found


def _header_strings(
    tree: Any,
    found: str | None,
    meta: dict[str, list[str]],
    meta_names: frozenset[str],
    heading: str | None,
) -> list[str]:
    """The page's own strings for its headline or standfirst: trafilatura's, <meta>, a heading."""
    values = [found or ""]
    for name in sorted(meta_names):
        values.extend(meta.get(name, ()))
    if heading is not None:
        first = next(tree.iter(heading), None)
        if first is not None:
            values.append(first.text_content())
    return [_collapse(value) for value in values if value and value.strip()]


def _stripped(
    tree: Any, document: PageMetadata, text: str, meta: dict[str, list[str]]
) -> ArticleText:
    """The text without its headline, standfirst, datelines, layout labels and site chrome."""
    chrome = _SiteChrome(tree)
    return article_text(
        text,
        titles=_header_strings(tree, document.title, meta, _TITLE_META, "h1"),
        descriptions=_header_strings(tree, document.description, meta, _DESCRIPTION_META, None),
        in_page_header=lambda line: _in_page_header(tree, line),
        in_site_chrome=chrome.holds,
        in_page_body=lambda line: _in_page_body(tree, line),
        min_chars=_MIN_TEXT_CHARS,
    )


def _in_page_body(tree: Any, line: str) -> bool:
    """True when the page sets `line` as a paragraph of the article, not as its headline."""
    wanted = _squeeze(line)
    return any(_squeeze(element.text_content()) == wanted for element in tree.xpath(_BODY_BLOCKS))


# Paragraphs outside any header, except those a class names a title ("title", "titulo",
# "headline"): some templates set the headline as a <p>.
_LOWER = "translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_TITLE_CLASSES = ("title", "titul", "titol", "titre", "titel", "headline", "heading")
_BODY_BLOCKS = "//p[not(ancestor::header)][not({})]".format(
    " or ".join(f"contains({_LOWER}, '{name}')" for name in _TITLE_CLASSES)
)


# The site's own header, navigation and footer: outside the article, holding no article. Text
# extractors read their logo, promotion and newsletter lines into short articles' text.
_SITE_CHROME_TAGS = ("header", "footer", "nav")
_ARTICLE_TAGS = ("article", "main")
_ARTICLE_INSIDE_TAGS = ("article", "main", "h1")
_CHROME_BLOCKS = (
    ".//*[self::p or self::div or self::li or self::span or self::a or self::h2 or self::h3]"
)


def _site_chrome(tree: Any) -> list[Any]:
    """Every header, footer and nav outside any article or main that holds no article or h1."""
    # The tag-filtered walks run in C: a third of the time of the one XPath expression
    # "//*[self::header or ...][not(ancestor::article or ... or .//h1)]", same elements, same order.
    return [
        part
        for part in tree.iter(*_SITE_CHROME_TAGS)
        if next(part.iterancestors(*_ARTICLE_TAGS), None) is None
        and next(part.iterdescendants(*_ARTICLE_INSIDE_TAGS), None) is None
    ]


class _SiteChrome:
    """The blocks of the site's header, navigation and footer, read only when a line may be one."""

    def __init__(self, tree: Any) -> None:
        self._parts = _site_chrome(tree)
        self._whole = [_squeeze(part.text_content()) for part in self._parts]
        self._blocks: frozenset[str] | None = None

    def holds(self, line: str) -> bool:
        """True when `line` is the whole text of one block of the site's chrome."""
        wanted = _squeeze(line)
        if not wanted or not any(wanted in whole for whole in self._whole):
            return False  # the common case: a line of the article, in no chrome at all
        if self._blocks is None:
            self._blocks = frozenset(
                _squeeze(block.text_content())
                for part in self._parts
                for block in part.xpath(_CHROME_BLOCKS)
            )
        return wanted in self._blocks


def _in_page_header(tree: Any, line: str) -> bool:
    """True when the page sets `line` as header material: a subheading or inside <header>."""
    # Standfirsts are set as h2/h3 ("sub-head", "subtitle", "dek") or inside the article's
    # <header>; a first paragraph that a meta description copies is set as body text.
    wanted = _squeeze(line)
    return any(_squeeze(element.text_content()) == wanted for element in tree.xpath(_HEADER_BLOCKS))


_HEADER_BLOCKS = "//h2 | //h3 | //h4 | //header//p | //header//div[not(.//div)]"


# ---------------------------------------------------------------- dates


# schema.org types whose datePublished is the article's own (NewsArticle, BlogPosting,
# LiveBlogPosting, ReportageNews, ...); WebPage, ImageObject or VideoObject dates are the page's
# furniture and count only when no article states one.
_ARTICLE_TYPE = re.compile(r"(?:article|posting|news|report)$", re.IGNORECASE)
# <meta> names and properties that state the publication time (lower-cased).
_META_PUBLISHED = frozenset(
    "article:published_time og:published_time article.published datepublished date pubdate"
    " publishdate publish-date publish_date published_time published-date dc.date dc.date.issued"
    " dcterms.issued dcterms.date dcterms.created sailthru.date parsely-pub-date"
    " article_date_original".split()
)


def _schema_types(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type")
    return [t for t in (kind if isinstance(kind, list) else [kind]) if isinstance(t, str)]


def _json_ld_dates(tree: Any) -> tuple[list[str], list[str]]:
    """datePublished values of JSON-LD article objects, and those of any other object."""
    article: list[str] = []
    other: list[str] = []
    for script in tree.iter("script"):
        body = script.text or ""
        if "ld+json" not in (script.get("type") or "").lower() or "datePublished" not in body:
            continue
        try:
            document = json.loads(body, strict=False)
        except (ValueError, RecursionError):
            continue
        stack = [document]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                value = item.get("datePublished")
                if isinstance(value, str):
                    own = any(_ARTICLE_TYPE.search(t) for t in _schema_types(item))
                    (article if own else other).append(value)
                stack.extend(v for v in reversed(item.values()) if isinstance(v, (dict, list)))
    return article, other


def _stated_published(
    tree: Any, source: str, meta: dict[str, list[str]], settings: ExtractSettings, now: datetime
) -> tuple[list[datetime], list[datetime]]:
    """Publication times the page states: the article's own, and those of other objects."""
    # A substring test on the page is far cheaper than walking its scripts and elements.
    article, other = _json_ld_dates(tree) if "datePublished" in source else ([], [])
    stated = [value for name in sorted(_META_PUBLISHED) for value in meta.get(name, ())]
    marked = [
        element.get("datetime") or element.get("content") or ""
        for element in (
            tree.xpath("//body//*[@itemprop='datePublished']") if "datePublished" in source else ()
        )
    ]
    own = [_stated(value, settings, now) for value in (*article, *stated, *marked)]
    furniture = [_stated(value, settings, now) for value in other]
    return [m for m in own if m is not None], [m for m in furniture if m is not None]


def _date_params(
    settings: ExtractSettings, now: datetime, *, original: bool, extensive: bool, url_first: bool
) -> dict[str, Any]:
    """htmldate options; bounds are whole days so its validation caches stay warm across pages."""
    return {
        "original_date": original,
        "extensive_search": extensive,
        "outputformat": _DATE_FORMAT,
        "min_date": f"{settings.earliest_year:04d}-01-01",
        "max_date": (now + timedelta(days=2)).strftime("%Y-%m-%d"),
        # Metadata first: it carries the time of day, a date in the URL only the day.
        "deferred_url_extractor": not url_first,
    }


def _find_date(page: Any, url: str, params: dict[str, Any]) -> str | None:
    try:
        # htmldate hands odd zone names ("GST") to dateutil, which warns on each; the answer
        # is still usable or None, so the warning is only noise on the user's terminal.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return htmldate.find_date(page, url=url, **params)
    except Exception:  # a heuristic library failing on a hostile page: "no date", not a crash
        LOGGER.debug("htmldate failed on %s", url, exc_info=True)
        return None


def _stated(value: str | None, settings: ExtractSettings, now: datetime) -> datetime | None:
    """A date string keeping its stated offset (naive without one), or None when implausible."""
    moment = parse_stated(value) if value else None
    if moment is None:
        return None
    instant = utc(moment)  # a date without zone is taken as UTC
    if instant.year < settings.earliest_year or instant > now + timedelta(days=1):
        return None
    return moment


def _moment(value: str | None, settings: ExtractSettings, now: datetime) -> datetime | None:
    """A date string as an aware UTC datetime, or None when missing or implausible."""
    moment = _stated(value, settings, now)
    return None if moment is None else utc(moment)


def _judged_date(
    source: str, url: str, language: str | None, settings: ExtractSettings, now: datetime
) -> datetime | None:
    """htmldate's full search (URL first, then markup, then free text) over the page source."""
    # The source, not our tree: htmldate parses it keeping HTML comments, where some blogs keep
    # RDF with dc:date (the shared tree drops comments, which trafilatura cannot handle).
    params = _date_params(settings, now, original=True, extensive=True, url_first=True)
    with judging_in(language):  # only the extensive search hands strings to dateparser
        found = _find_date(source, url, params)
    judged = _stated(found, settings, now)
    # A bare year (a copyright line, "© 2020") comes back as 1 January at midnight: no real date.
    if judged is not None and (judged.month, judged.day, judged.time()) == (1, 1, time()):
        return None
    return judged


def _published(
    source: str,
    url: str,
    language: str | None,
    from_metadata: datetime | None,
    feed_published: datetime | None,
    settings: ExtractSettings,
    now: datetime,
) -> datetime | None:
    """The page's own publication date; htmldate's full judgement when missing or contested."""
    # The feed's date only arbitrates between the two; it is never returned itself.
    if from_metadata is not None and (
        feed_published is None or abs(utc(from_metadata) - feed_published) <= _DATE_TOLERANCE
    ):
        return from_metadata
    judged = _judged_date(source, url, language, settings, now)
    if from_metadata is None:
        return judged
    # The metadata disagrees with the feed: htmldate's judgement (which trusts a date in the URL
    # first) decides only when it sides with the feed; otherwise the page's metadata stands.
    if (
        feed_published is not None
        and judged is not None
        and abs(utc(judged) - feed_published) <= _DATE_TOLERANCE
    ):
        return judged
    return from_metadata


def _modified(
    tree: Any, published: datetime | None, settings: ExtractSettings, now: datetime
) -> datetime | None:
    """The last-modified date the page states, when it is later than the publication date."""
    params = _date_params(settings, now, original=False, extensive=False, url_first=False)
    # No URL: a date in the URL is the publication day, not a modification.
    modified = _moment(_find_date(tree, "", params), settings, now)
    # htmldate falls back to the publication date when the page states no other one.
    if modified is None or (published is not None and modified <= published):
        return None
    return modified


# ---------------------------------------------------------------- the page


def _trafilatura_config() -> Any:
    config = trafilatura.settings.use_config()
    # Fewer characters than this is a shell page (menu items, "please enable JavaScript"),
    # which trafilatura would otherwise return as text; a short news brief is still longer.
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", str(_MIN_TEXT_CHARS))
    return config


_TRAFILATURA_CONFIG = _trafilatura_config()


# Pop-up cards that templates nest inside a sentence (a person's name opening a card of links on
# hover): their text is read into the sentence by text extractors. Standard UI class names only.
_POPUP_CLASSES = ("tooltip", "popover", "hovercard", "rollover-", "popup")
_POPUPS = "//p//*[self::span or self::div][@class][{}]".format(
    " or ".join(f"contains(@class, '{name}')" for name in _POPUP_CLASSES)
)


def _drop_popups(tree: Any) -> None:
    """Remove inline pop-up cards from the tree, keeping the text that opens them."""
    # Innermost matches only: an outer match is the wrapper that also holds the opening link.
    found = tree.xpath(_POPUPS)
    inner = set(found)
    for element in found:
        inner.difference_update(element.iterancestors())
    for element in found:
        if element in inner and element.find(".//a") is not None:
            element.drop_tree()


@dataclass(frozen=True, slots=True)
class _MainText:
    """trafilatura's main text of the page, with the metadata fields the tracker reads."""

    text: str
    meta: PageMetadata


def _main_text(tree: Any, url: str, date_params: dict[str, Any]) -> _MainText | None:
    """trafilatura's text and metadata for the tree (it copies the tree before pruning), or None."""
    # fast (no readability/jusText fallback) with favor_recall: on the AEB pages it scores a higher
    # F1 than the default balanced mode and runs faster; comments are not the article. deduplicate
    # stays off: its cache spans documents, so a page's text would depend on the pages before it.
    # The metadata is read first, as bare_extraction's with_metadata does, but without the
    # categories, tags and licence nobody reads (page_metadata); what it finds cannot change the
    # text: the text is taken from a copy of the tree, and the metadata URL only stands in for a
    # missing `url`, as it would inside bare_extraction.
    try:
        meta = page_metadata(tree, url, date_params)
        document = trafilatura.bare_extraction(
            tree,
            url=url or meta.url,
            fast=True,
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            with_metadata=False,
            date_extraction_params=date_params,
            output_format="python",
            config=_TRAFILATURA_CONFIG,
        )
    except Exception:  # a heuristic library failing on a hostile page: "no text", not a crash
        LOGGER.debug("trafilatura failed on %s", url, exc_info=True)
        return None
    if document is None:
        return None
    return _MainText(getattr(document, "text", None) or "", meta)


def extract_page(
    html: bytes,
    url: str,
    *,
    settings: ExtractSettings,
    now: datetime,
    feed_published: datetime | None = None,
    content_type: str | None = None,
) -> Extracted | None:
    """Extract one page's text, metadata, dates, body links and corrections; None without text."""
    # Bytes past the cap are cut off, not refused: the head (metadata) and the start of the body
    # are kept, and the fetcher already refuses bodies over its own cap.
    source = decode_html(html[: settings.max_html_bytes], content_type)
    tree = _parse(source)
    if tree is None or int(tree.xpath("count(//*)")) > _MAX_ELEMENTS:
        return None
    now = utc(now)
    feed = utc(feed_published) if feed_published is not None else None
    params = _date_params(settings, now, original=True, extensive=False, url_first=False)
    _drop_popups(tree)
    main = _main_text(tree, url, params)
    raw_text = _bounded(normalise_text(main.text)) if main is not None else ""
    if main is None or not raw_text:
        return None
    document = main.meta
    meta = _meta_values(tree)
    body = (
        _stripped(tree, document, raw_text, meta)
        if settings.strip_page_header
        else ArticleText(raw_text)
    )
    text = body.text
    base = _base_url(tree, url)
    canonical = _canonical_url(tree, base)
    own, furniture = _stated_published(tree, source, meta, settings, now)
    day = url_day(url) or (url_day(canonical) if canonical else None)
    from_metadata = choose_published(_stated(document.date, settings, now), own, furniture, day)
    language = _language(tree)
    stated = _published(source, url, language, from_metadata, feed, settings, now)
    published = None if stated is None else utc(stated)
    return Extracted(
        text=text,
        title=_collapse(document.title or ""),
        standfirst=body.standfirst,
        byline=_collapse(document.author or ""),
        site_name=_collapse(document.sitename or ""),
        language=language,
        published=published,
        published_offset=None if stated is None else offset_minutes(stated),
        modified=_modified(tree, published, settings, now),
        canonical_url=canonical,
        links=_body_links(tree, text, base),
        corrections=_corrections(tree, source),
    )
