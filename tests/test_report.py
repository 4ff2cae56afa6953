"""The HTML report: its parts are there, it loads nothing, and no text from a story is markup."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace

import lxml.html
import pytest

from tracker.domain import UptakeKind
from tracker.domain.story import ClaimStory
from tracker.export.graph import outlet_rows, summarise
from tracker.export.report import content_security_policy, render_report, safe_href
from tracker.export.timeline import DENSE_LANES, duration_text
from tracker.testing.stories import demo_like_story, generated_story

HOSTILE = "</script><script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
FORMULA = '=HYPERLINK("http://evil.test/","x")'


@pytest.fixture(scope="module")
def story() -> ClaimStory:
    return demo_like_story()


@pytest.fixture(scope="module")
def page(story: ClaimStory) -> str:
    return render_report(story)


def tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def classed(root: lxml.html.HtmlElement, tag: str, name: str) -> list[lxml.html.HtmlElement]:
    """The `tag` elements under `root` whose class list holds `name`."""
    return root.xpath(f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def lanes_of(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    return doc.get_element_by_id("timeline-lanes")


def test_the_report_names_the_claim_and_shows_its_figures(story: ClaimStory, page: str) -> None:
    doc = tree(page)
    assert story.claim.text in doc.findtext(".//p[@class='claim']")
    summary = summarise(story)
    figures = [li.text_content() for li in doc.xpath("//ul[@id='figures']/li")]
    assert any(f.startswith(f"{summary.repeaters}repeats") for f in figures)
    assert any(f.startswith(f"{summary.reach_before} → {summary.reach_now}") for f in figures)
    assert any(duration_text(summary.median_lag_seconds) in f for f in figures)


def test_the_timeline_has_a_lane_per_outlet_a_dot_per_article_and_an_arrow_per_edge(
    story: ClaimStory, page: str
) -> None:
    doc = tree(page)
    lanes = classed(lanes_of(doc), "g", "lane")
    names = [lane.xpath(".//title")[0].text for lane in lanes]  # the full name, as a tooltip
    assert names == [row.outlet for row in outlet_rows(story)]
    dots = classed(lanes_of(doc), "circle", "repeat")
    assert sorted(int(dot.get("data-node")) for dot in dots) == sorted(a.id for a in story.articles)
    assert len(classed(lanes_of(doc), "path", "edge")) == len(story.edges)
    late = [dot for dot in dots if "late" in dot.get("class")]
    assert [int(d.get("data-node")) for d in late] == [a.id for a in story.articles if a.late]
    assert len(classed(lanes_of(doc), "line", "correction-line")) == len(story.corrections)
    axis_labels = classed(doc.get_element_by_id("timeline-axis"), "text", "marker-label")
    assert axis_labels[0].text.startswith("rebuttal")
    # Stance colours the dots; the legend names every stance and uptake.
    legend = doc.get_element_by_id("legend").text_content()
    for word in ("asserts", "attributes", "disputes", "edited", "taken down", "still carries"):
        assert word in legend
    # Uptake is shown on each judged repeat: inline labels in a story this size.
    labels = [t.text for t in classed(lanes_of(doc), "text", "uptake-label")]
    judged = [a for a in story.repeaters() if a.uptake is not None]
    assert len(labels) == len(judged)
    assert labels.count("still carries") == sum(a.uptake is UptakeKind.NONE for a in judged)


def test_the_outlet_table_lists_uptake_and_lag(story: ClaimStory, page: str) -> None:
    doc = tree(page)
    rows = doc.xpath("//table[@id='outlets']/tbody/tr")
    expected = outlet_rows(story)
    assert len(rows) == len(expected)
    by_outlet = {row.xpath("td")[0].text_content(): row for row in rows}
    northgate = [c.text_content().strip() for c in by_outlet["Northgate Observer"].xpath("td")]
    assert northgate[5] == "noted" and northgate[6] == "12 h"
    assert "late" in by_outlet["Driftwood Dispatch"].get("data-state")
    assert by_outlet["The Ferncastle Courier"].get("data-state") == "carries"


def test_evidence_shows_passages_side_by_side_the_credit_phrase_and_the_link(
    story: ClaimStory, page: str
) -> None:
    doc = tree(page)
    details = classed(doc, "details", "edge")
    assert len(details) == len(story.edges)
    copy = doc.get_element_by_id("edge-1-2-copies")
    sides = copy.xpath(".//div[@class='side']/figure/mark")
    assert len(sides) >= 2 and sides[0].text_content() == sides[1].text_content()
    credited = next(e for e in story.edges if "credit" in e.evidence)
    block = doc.get_element_by_id(f"edge-{credited.source_id}-{credited.target_id}-credits")
    phrase = credited.evidence["credit"]["phrase"]  # type: ignore[index]
    assert phrase in block.xpath(".//blockquote/mark")[0].text_content()
    linked = next(e for e in story.edges if "href" in e.evidence)
    block = doc.get_element_by_id(f"edge-{linked.source_id}-{linked.target_id}-links_to")
    assert linked.evidence["href"] in [a.get("href") for a in block.xpath(".//a")]


def test_late_repeats_are_listed(story: ClaimStory, page: str) -> None:
    doc = tree(page)
    rows = doc.xpath("//table[@id='late-repeats']/tbody/tr")
    late = [a for a in story.repeaters() if a.late]
    assert [r.xpath("td")[0].text_content() for r in rows] == [a.outlet for a in late]


def test_the_report_loads_nothing_from_anywhere(page: str) -> None:
    doc = tree(page)
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in ("src", "srcset", "data", "poster", "background", "action", "formaction"):
            assert element.get(attribute) is None, (element.tag, attribute)
        assert element.tag not in ("link", "img", "iframe", "object", "embed", "frame", "base")
    scripts = doc.xpath("//script")
    assert len(scripts) == 1 and scripts[0].get("src") is None
    style = doc.xpath("//style")[0].text
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    # Hyperlinks (to the articles) are fine; references that load things are not.
    assert not re.search(r"url\((?!#arrow-)", page), "only the arrowhead markers use url()"
    hrefs = {a.get("href") for a in doc.xpath("//a")}
    assert all(href.startswith(("https://", "http://")) for href in hrefs)


def test_the_policy_allows_exactly_the_inline_style_and_script(page: str) -> None:
    doc = tree(page)
    policy = doc.xpath("//meta[@http-equiv='Content-Security-Policy']")[0].get("content")
    assert policy == content_security_policy()
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy

    def digest(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"script-src '{digest(doc.xpath('//script')[0].text)}'" in policy
    assert f"style-src '{digest(doc.xpath('//style')[0].text)}'" in policy
    assert doc.xpath("//*[@style]") == []  # no inline style attributes: the policy forbids them


def hostile_story() -> ClaimStory:
    story = demo_like_story()
    articles = list(story.articles)
    articles[1] = replace(articles[1], title=HOSTILE, outlet=IMG, url="javascript:alert(3)")
    articles[2] = replace(articles[2], title=FORMULA, text=HOSTILE + " " + articles[2].text)
    claim = replace(story.claim, text=f"{HOSTILE} & <b>bold</b>", slug="x<y")
    corrections = (replace(story.corrections[0], text=IMG, url="javascript:alert(4)"),)
    edges = [replace(story.edges[0], evidence={"href": "javascript:alert(5)", "anchor": HOSTILE})]
    return replace(
        story,
        claim=claim,
        articles=tuple(articles),
        corrections=corrections,
        edges=(*edges, *story.edges[1:]),
    )


def test_hostile_titles_names_and_urls_are_inert() -> None:
    page = render_report(hostile_story())
    doc = tree(page)
    assert page.count("<script") == 1 and len(doc.xpath("//script")) == 1
    assert doc.xpath("//img") == [] and "<img" not in page and "<b>" not in page
    assert HOSTILE not in page and "&lt;/script&gt;&lt;script&gt;alert(1)" in page
    assert "javascript:" not in " ".join(a.get("href") for a in doc.xpath("//a"))
    # The text is still there for the reader, as text.
    assert HOSTILE in doc.findtext(".//p[@class='claim']")
    assert FORMULA in page.replace("&#34;", '"')
    titles = [t.text for t in lanes_of(doc).xpath(".//title")]
    assert any(IMG in (t or "") for t in titles)
    assert doc.xpath("//*[@onerror]") == []


def test_safe_href_only_links_http_and_https() -> None:
    assert safe_href("https://a.test/x?y=1") == "https://a.test/x?y=1"
    assert safe_href("HTTP://a.test/") == "HTTP://a.test/"
    for bad in ("javascript:alert(1)", " javascript:x", "data:text/html,x", "//a.test/", "", None,
                "file:///etc/passwd", "http://[::1"):  # fmt: skip
        assert safe_href(bad) is None


def test_a_story_of_300_outlets_stays_readable() -> None:
    story = generated_story(300, seed=5)
    page = render_report(story)
    doc = tree(page)
    assert len(classed(lanes_of(doc), "g", "lane")) == 300 > DENSE_LANES
    # Dense: no inline uptake labels (tooltips instead), evidence collapsed, chain elided.
    assert classed(lanes_of(doc), "text", "uptake-label") == []
    assert all(d.get("open") is None for d in classed(doc, "details", "edge"))
    assert all(len(t.text or "") <= 32 for t in classed(lanes_of(doc), "text", "lane-label"))
    chain = next(
        li for li in doc.xpath("//ul[@id='figures']/li") if "longest chain" in li.text_content()
    )
    assert "more" in chain.text_content() or len(summarise(story).longest_chain) <= 5
    assert len(doc.xpath("//table[@id='outlets']/tbody/tr")) == 300
    assert len(page) < 3_000_000


def test_a_small_story_has_its_evidence_open_for_printing(page: str) -> None:
    assert all(d.get("open") is not None for d in classed(tree(page), "details", "edge"))


def test_a_claim_without_a_correction_shows_no_correction_registered() -> None:
    story = demo_like_story()
    # Repeats judged "still carries" although nothing was ever corrected.
    articles = tuple(
        replace(a, uptake=UptakeKind.NONE) if a.uptake is not None else a for a in story.articles
    )
    bare = replace(story, corrections=(), articles=articles)
    assert summarise(bare).picked_up_share is None
    doc = tree(render_report(bare))
    figures = " ".join(doc.get_element_by_id("figures").itertext())
    assert "no correction registered" in figures
    assert "0%" not in figures and "picked up the correction (" not in figures
