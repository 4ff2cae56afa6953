"""trafilatura's metadata of a page, only the fields the tracker reads.

`trafilatura.bare_extraction(with_metadata=True)` also looks for categories, tags, a licence and
the host name, which the tracker never reads: on the AEB pages those walks cost about 7 % of the
extraction's CPU. This runs trafilatura's own metadata steps in trafilatura's order
(`trafilatura.metadata.extract_metadata`) without them, so the fields kept come out as they did;
`tests/test_page_metadata.py` compares them with `extract_metadata` on every page it is given.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import unescape
from typing import Any

from htmldate import find_date
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.utils import line_processing

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
        metadata.author = extract_author(tree)
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
