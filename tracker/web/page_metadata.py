"""trafilatura's metadata of a page, only the fields the tracker reads.

`trafilatura.bare_extraction(with_metadata=True)` also looks for categories, tags, a licence and
the host name, which the tracker never reads: on the AEB pages those walks cost about 7 % of the
extraction's CPU. This runs trafilatura's own metadata steps in trafilatura's order
(`trafilatura.metadata.extract_metadata`) without them, so the fields kept come out as they did;
`tests/test_page_metadata.py` compares them with `extract_metadata` on every page it is given.
The author search, the costliest of those steps, gives trafilatura's answer from one walk over the
page instead of a pruned copy of it and three XPath searches (`_author`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from copy import deepcopy
from dataclasses import dataclass
from html import unescape
from typing import Any

import lxml.etree
from htmldate import find_date
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.utils import line_processing, trim
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

__all__ = ["PageMetadata", "page_metadata"]

LOGGER = logging.getLogger(__name__)

# trafilatura.settings.Document.clean_and_trim: longer strings are cut to this many characters.
_MAX_CHARS = 10000


@dataclass(frozen=True, slots=True)
class PageMetadata:
    """The page's title, author, site name, description, canonical URL and htmldate's date."""

    title: str | None = None
    author: str | None = None
    sitename: str | None = None
    description: str | None = None
    url: str | None = None
    date: str | None = None


def _trimmed(value: Any) -> Any:
    """A string as Document.clean_and_trim leaves it: cut, entities decoded, spaces trimmed."""
    if not isinstance(value, str):
        return value
    if len(value) > _MAX_CHARS:
        value = value[: _MAX_CHARS - 1] + "…"
    return line_processing(unescape(value))


# ---------------------------------------------------------------- author

# trafilatura's `extract_author` copies the whole page, prunes the copy (comments, dates, figures,
# sidebars: AUTHOR_DISCARD_XPATHS) and runs three XPath expressions over it (AUTHOR_XPATHS), each
# `//*[...]` with several predicates: about 5.7 ms a call on the 193 real pages of
# benchmarks/warc_import.py (~800 elements a page). `_author` gives the same answer from one walk
# over the page in Python (1.6 ms a call): those expressions test only an element's own name and
# attributes (and a `rel` child's text, left to trafilatura on the rare page with a <rel>), so the
# pruned copy's matches are the page's matches outside the pruned parts, in the same order; only
# a match's own text is read from a pruned copy of that element alone. The predicates below are
# those of trafilatura 2.3's expressions, whose source text `_MIRRORED` fingerprints: with any other
# trafilatura, `_author` is `extract_author` itself.
_MIRRORED = "8cea8abb3ec3f7d9dd28eba92f32ebad066ec4e9"
_E1_TAGS = frozenset("a address div link p span strong".split())
_E1_CLASS = re.compile("author-?name|AuthorName|authorName")
_E1_IDS = frozenset({"author"})
_E1_TESTIDS = frozenset({"AuthorCard", "AuthorURL"})
_E2_TAGS = frozenset("a div h3 h4 p span".split())
_E2_CLASSES = frozenset({"byline", "username", "byl", "BBL"})
_E2_ID = re.compile("author|zuozhe|bianji|xiaobian")
_E2_CLASS = re.compile(
    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_E3_ID = re.compile("[Aa]uthor")
_E3_CLASS = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
_DISCARD_TAGS = frozenset("a div section span".split())
_DISCARD_CLASSES = frozenset({"comments", "title", "date"})
_DISCARD_ID = re.compile("^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    "|article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_AUTHOR_MAX_CHARS = 120  # extract_author's len_limit


def _expressions_fingerprint() -> str:
    """SHA-1 of the source text of trafilatura's author and author-discard expressions."""
    sources = "\n".join(x.path for x in (*AUTHOR_XPATHS, *AUTHOR_DISCARD_XPATHS))
    return hashlib.sha1(sources.encode("utf-8"), usedforsecurity=False).hexdigest()


_MIRRORS_INSTALLED = _expressions_fingerprint() == _MIRRORED


def _author_scan(tree: Any) -> tuple[tuple[list[Any], list[Any], list[Any]], set[Any]]:
    """Each author expression's matches in document order, and the elements pruning removes."""
    first: list[Any] = []
    second: list[Any] = []
    third: list[Any] = []
    discarded: set[Any] = set()
    for element in tree.iter(lxml.etree.Element):
        tag = element.tag
        if tag == "time" or tag == "figure":
            discarded.add(element)
        attrib = element.attrib
        if not attrib:
            if tag == "author":
                first.append(element)
            continue
        css = attrib.get("class")
        ident = attrib.get("id")
        itemprop = attrib.get("itemprop")
        component = attrib.get("data-component")
        if tag == "author" or (
            tag in _E1_TAGS
            and (
                attrib.get("rel") == "author"
                or ident in _E1_IDS
                or css == "author"
                or itemprop == "author name"
                or attrib.get("data-testid") in _E1_TESTIDS
                or (css is not None and _E1_CLASS.search(css) is not None)
            )
        ):
            first.append(element)
        if tag in _E2_TAGS and (
            css in _E2_CLASSES
            or (itemprop is not None and "author" in itemprop)
            or (ident is not None and _E2_ID.search(ident) is not None)
            or (css is not None and _E2_CLASS.search(css) is not None)
        ):
            second.append(element)
        if (
            (component is not None and "Byline" in component)
            or (itemprop is not None and "author" in itemprop)
            or (ident is not None and _E3_ID.search(ident) is not None)
            or (css is not None and _E3_CLASS.search(css) is not None)
        ):
            third.append(element)
        # `.//*`: never the root itself.
        if (
            tag in _DISCARD_TAGS
            and element is not tree
            and (
                ident == "comments"
                or css in _DISCARD_CLASSES
                or (ident is not None and _DISCARD_ID.search(ident) is not None)
                or (css is not None and _DISCARD_CLASS.search(css) is not None)
                or (component is not None and "Figure" in component)
            )
        ):
            discarded.add(element)
    return (first, second, third), discarded


def _author(tree: Any) -> str | None:
    """trafilatura's `extract_author(tree)`, without copying and pruning the whole page."""
    if not _MIRRORS_INSTALLED or next(tree.iter("rel"), None) is not None:
        return extract_author(tree)
    expressions, discarded = _author_scan(tree)
    for found in expressions:
        for element in found:
            if element in discarded or any(a in discarded for a in element.iterancestors()):
                continue  # pruned from trafilatura's copy
            # Pruning the element alone removes what pruning the page removes inside it (the
            # tails of removed elements join their neighbours within it, as on the page).
            pruned = prune_unwanted_nodes(deepcopy(element), AUTHOR_DISCARD_XPATHS)
            content = trim(" ".join(pruned.itertext()))
            if content and 2 < len(content) < _AUTHOR_MAX_CHARS:
                return normalize_authors(None, content)
    return None


def page_metadata(tree: Any, url: str | None, date_params: dict[str, Any]) -> PageMetadata:
    """trafilatura's title, author, site name, description, URL and date of a parsed page."""
    # The steps and their order are extract_metadata's (trafilatura 2.x); the tree is only read.
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as err:  # as trafilatura: bugs in its JSON-LD reading lose that source only
        LOGGER.debug("error in JSON metadata extraction: %s", err)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = _author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    date = find_date(tree, **{**date_params, "url": metadata.url})
    sitename = metadata.sitename or extract_sitename(tree)
    if sitename:
        sitename = sitename.lstrip("@")  # a Twitter handle
        if sitename and "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
    elif metadata.url:
        found = META_URL.match(metadata.url)
        if found:
            sitename = found[1]
    return PageMetadata(
        title=_trimmed(metadata.title),
        author=_trimmed(metadata.author),
        sitename=_trimmed(sitename),
        description=_trimmed(metadata.description),
        url=_trimmed(metadata.url),
        date=_trimmed(date),
    )
