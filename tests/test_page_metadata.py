"""page_metadata gives the fields trafilatura's own extract_metadata gives, page by page."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from trafilatura.metadata import extract_metadata

from tracker.web.page_metadata import page_metadata

PAGES = Path(__file__).parent / "fixtures" / "pages"
DATE_PARAMS: dict[str, Any] = {
    "original_date": True,
    "extensive_search": False,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
    "min_date": "1995-01-01",
    "max_date": "2026-12-03",
    "deferred_url_extractor": True,
}


def _page(head: str, body: str) -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


# Each case takes one branch of the metadata steps: <meta>, JSON-LD, the <title> parts, a byline
# element, the canonical link, the site name's clean-up and the URL fallback, entities and length.
INLINE = {
    "meta": _page(
        '<meta name="author" content="Ann Roe">'
        '<meta property="og:title" content="Headline &amp;amp; more">'
        '<meta name="description" content="  A  summary.  ">'
        '<meta property="og:site_name" content="@dailypaper">',
        "<p>Text.</p>",
    ),
    "json-ld": _page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "From JSON",'
        ' "author": {"@type": "Person", "name": "Pat Lee"},'
        ' "datePublished": "2020-05-04T10:00:00Z",'
        ' "publisher": {"@type": "Organization", "name": "the courier"}}</script>',
        "<p>Text.</p>",
    ),
    "title-parts": _page(
        "<title>A headline - example.com</title>",
        '<h1>A headline</h1><div class="byline"><span class="author">By Jo Bloggs</span></div>',
    ),
    "canonical": _page(
        '<link rel="canonical" href="https://www.courier.example/2021/03/04/story">',
        "<h2>Only a subheading</h2>",
    ),
    "long": _page(f'<meta name="description" content="{"word " * 3000}">', "<p>x</p>"),
    "nothing": _page("", "<p>Nothing here.</p>"),
}


def _cases() -> list[Any]:
    cases = [pytest.param(html, id=name) for name, html in INLINE.items()]
    for page in sorted(PAGES.glob("*.html")):
        html = page.read_bytes().decode("utf-8", "replace")
        cases.append(pytest.param(html, id=page.stem))
    return cases


@pytest.mark.parametrize("html", _cases())
@pytest.mark.parametrize("url", ["https://news.example/a/story", ""])
def test_the_fields_are_trafilaturas(html: str, url: str) -> None:
    tree = lxml.html.document_fromstring(html.encode(), parser=lxml.html.HTMLParser())
    mine = page_metadata(tree, url, DATE_PARAMS)
    theirs = extract_metadata(copy.deepcopy(tree), url, dict(DATE_PARAMS), True)
    for field in ("title", "author", "sitename", "description", "url", "date"):
        assert getattr(mine, field) == getattr(theirs, field), field


@pytest.mark.parametrize("html", _cases())
def test_the_tree_is_left_as_it_was(html: str) -> None:
    # extract_page reads the same tree again afterwards (links, corrections, dates).
    tree = lxml.html.document_fromstring(html.encode())
    before = lxml.html.tostring(tree)
    page_metadata(tree, "https://news.example/a/story", DATE_PARAMS)
    assert lxml.html.tostring(tree) == before
