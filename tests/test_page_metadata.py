"""page_metadata gives the fields trafilatura's own extract_metadata gives, page by page."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from trafilatura.metadata import extract_author, extract_metadata
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

from tracker.web import page_metadata as page_metadata_module
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


# Pages without an author in <meta> or JSON-LD, each reaching one branch of trafilatura's
# author expressions or of the pruning before them.
AUTHORS = {
    "rel-author": '<a rel="author" href="/ann">Ann Roe</a>',
    "author-tag": "<author>Pat Lee</author>",
    "author-name-class": '<p class="meta author-name">By Jo Bloggs</p>',
    "testid": '<div data-testid="AuthorCard"><span>Sam Poe</span></div>',
    "byline-class": '<h4 class="byline">Kim Yu</h4>',
    "itemprop": '<span itemprop="author creator">Lee Chan</span>',
    "id-zuozhe": '<div id="zuozhe-box">Wang Fang</div>',
    "any-element-writer": '<section class="writer-card">Max Mann</section>',
    "byline-component": '<section data-component="ArticleByline">Ida Berg</section>',
    "time-inside": '<p class="author">By Ann Roe <time>May 3</time>, staff writer</p>',
    "nested-prune": (
        '<div class="author"><span class="date">May 3 <figure>x</figure> tail</span>'
        " Ann Roe<time>1</time><time>2</time> end</div>"
    ),
    "in-comments": (
        '<div id="comments"><span class="author">A Commenter</span></div>'
        '<span class="author">Real Author</span>'
    ),
    "in-figure": '<figure><span class="author">Photo Credit</span></figure><p>text</p>',
    "sidebar-then-third": (
        '<div class="sidebar"><a class="byline">Side Bar</a></div>'
        '<em class="Byline-name">Third Expression</em>'
    ),
    "comments-id-prefix": (
        '<div id="comments-42"><span class="author">Gone Away</span></div>'
        '<span class="posted-by">Kept Here</span>'
    ),
    "too-long-then-next": (
        f'<span class="author">{"word " * 40}</span><span class="author">Short Name</span>'
    ),
    "too-short": '<span class="author">Al</span>',
    "tail-after-match": '<p><span class="author">Ann Roe</span> reports from Paris</p>',
    "rel-child": '<div><rel>me</rel>Ann Roe</div><span class="author">Pat Lee</span>',
    "none": "<p>No byline at all.</p>",
}


def _author_cases() -> list[Any]:
    cases = [pytest.param(_page("", body), id=name) for name, body in AUTHORS.items()]
    cases.append(
        pytest.param(
            '<html class="author" id="comments"><body><p>x</p></body></html>', id="root-attrs"
        )
    )
    return cases + _cases()


@pytest.mark.parametrize("html", _author_cases())
def test_the_author_is_trafilaturas(html: str) -> None:
    tree = lxml.html.document_fromstring(html.encode(), parser=lxml.html.HTMLParser())
    assert page_metadata_module._author(tree) == extract_author(tree)


@pytest.mark.parametrize("html", _author_cases())
def test_the_author_walk_finds_what_trafilaturas_expressions_find(html: str) -> None:
    tree = lxml.html.document_fromstring(html.encode(), parser=lxml.html.HTMLParser())
    if next(tree.iter("rel"), None) is not None:
        pytest.skip("a page with <rel> elements is left to trafilatura's own search")
    expressions, discarded = page_metadata_module._author_scan(tree)
    assert list(expressions) == [expression(tree) for expression in AUTHOR_XPATHS]
    assert discarded == {e for expression in AUTHOR_DISCARD_XPATHS for e in expression(tree)}


def test_the_author_walk_mirrors_the_installed_trafilatura() -> None:
    # Fails when trafilatura's author expressions change: `_author` then falls back to
    # extract_author; check the predicates of `_author_scan` against the new text.
    assert page_metadata_module._MIRRORS_INSTALLED


def test_another_trafilatura_gets_its_own_author_search(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = lxml.html.document_fromstring(_page("", '<span class="author">Ann Roe</span>'))
    monkeypatch.setattr(page_metadata_module, "_MIRRORS_INSTALLED", False)
    monkeypatch.setattr(page_metadata_module, "extract_author", lambda _: "theirs")
    assert page_metadata_module._author(tree) == "theirs"
