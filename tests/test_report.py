"""The HTML report: its parts are there, it loads nothing, and no text from a story is markup."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace

import lxml.html
import pytest

from tracker.domain import Edge, EdgeKind, UptakeKind
from tracker.domain.story import ClaimStory
from tracker.export.graph import outlet_rows, summarise
from tracker.export.report import content_security_policy, render_report, safe_href
from tracker.export.timeline import (
    CORRECTION_COLOURS,
    DENSE_LANES,
    EDGE_STYLES,
    STANCE_COLOURS,
    UNKNOWN_COLOUR,
    UPTAKE_COLOURS,
    duration_text,
)
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


def with_evidence(
    story: ClaimStory, kind: EdgeKind, evidence: dict[str, object]
) -> tuple[Edge, tuple[Edge, ...]]:
    """The story's first edge of `kind` given `evidence`, and the story's edges with it."""
    old = next(e for e in story.edges if e.kind is kind)
    new = replace(old, evidence=evidence)
    return new, tuple(new if e is old else e for e in story.edges)


def sentence_span(text: str, index: int) -> tuple[int, int]:
    """Where the `index`-th sentence (ended by ". ") of `text` starts and ends."""
    start = 0
    for _ in range(index):
        start = text.index(". ", start) + 2
    return start, text.index(".", start) + 1


def test_paraphrase_evidence_shows_the_stored_sentence_pairs(story: ClaimStory) -> None:
    by_id = {a.id: a for a in story.articles}
    edge = next(e for e in story.edges if e.kind is EdgeKind.PARAPHRASES)
    source, target = by_id[edge.source_id].text, by_id[edge.target_id].text
    spans = [(sentence_span(source, i), sentence_span(target, i + 1)) for i in range(4)]
    pairs = [
        {"source_start": s0, "source_end": s1, "target_start": t0, "target_end": t1,
         "similarity": 0.8}
        for (s0, s1), (t0, t1) in spans
    ]  # fmt: skip
    edges = [replace(e, evidence={"paraphrase": {"score": 0.7, "pairs": pairs}}) if e == edge
             else e for e in story.edges]  # fmt: skip
    doc = tree(render_report(replace(story, edges=tuple(edges))))
    block = doc.get_element_by_id(f"edge-{edge.source_id}-{edge.target_id}-paraphrases")
    shown = [
        [figure.text_content() for figure in side.xpath("figure")]
        for side in classed(block, "div", "pair")
    ]
    assert len(shown) == 3 and "1 more sentence pairs" in block.text_content()
    for (said, repeated), ((s0, s1), (t0, t1)) in zip(shown, spans, strict=False):
        assert said.endswith(source[s0:s1]) and repeated.endswith(target[t0:t1])
    # Claim-based paraphrase edges keep the two claim sentences themselves.
    claims = [{"source": {"text": "The source said so."}, "target": {"text": "It was said."}}]
    edges = [replace(e, evidence={"claims": claims}) if e == edge else e for e in story.edges]
    doc = tree(render_report(replace(story, edges=tuple(edges))))
    block = doc.get_element_by_id(f"edge-{edge.source_id}-{edge.target_id}-paraphrases")
    figures = block.xpath(".//div[contains(@class, 'pair')]/figure")
    texts = [f.text_content().removeprefix(f.xpath("figcaption")[0].text) for f in figures]
    assert texts == ["The source said so.", "It was said."]


def test_each_edge_shows_one_number_and_says_what_it_means(page: str) -> None:
    doc = tree(page)
    note = doc.xpath("//section[@id='evidence']/p[@class='note']")[0].text_content()
    assert "strength of its evidence" in note and "0–100%" in note
    for block in classed(doc, "details", "edge"):
        summary = block.xpath("summary")[0].text_content()
        assert len(re.findall(r"\d+%", summary)) == 1 and "evidence strength" in summary
        text = block.text_content().lower()
        assert "score" not in text and "similarity" not in text


def test_passages_are_cut_on_word_boundaries(story: ClaimStory) -> None:
    words = [f"w{i:04d}" for i in range(800)]
    text = " ".join(words)
    start = text.index("w0300")
    end = text.index("w0500") + 5  # a marked passage longer than the page shows whole
    passage = {"source_start": start, "source_end": end, "target_start": start,
               "target_end": end, "text": text[start:end]}  # fmt: skip
    edge, edges = with_evidence(story, EdgeKind.COPIES, {"passages": [passage], "share": 0.4})
    articles = tuple(
        replace(a, text=text) if a.id in (edge.source_id, edge.target_id) else a
        for a in story.articles
    )
    doc = tree(render_report(replace(story, articles=articles, edges=edges)))
    block = doc.get_element_by_id(f"edge-{edge.source_id}-{edge.target_id}-copies")
    figure = block.xpath(".//div[@class='side']/figure")[0]
    shown = figure.text_content().removeprefix(figure.xpath("figcaption")[0].text_content())
    tokens = shown.split()
    assert tokens[0] == "…" and tokens[-1] == "…" and "…" in tokens[1:-1]  # context, cut passage
    assert all(token in words for token in tokens if token != "…"), tokens
    assert len(shown) < len(text) // 2


def contrast_on_white(colour: str) -> float:
    """WCAG 2 contrast ratio of `colour` (#rgb or #rrggbb) against white."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


# Backgrounds and grid lines: not marks that carry data.
BACKGROUNDS = {"none", "#fff", "#ffffff", "#f6f7f9", "#e3e3e3", "#ccc"}


def test_every_colour_of_the_palette_has_3_to_1_contrast_on_white(page: str) -> None:
    assert contrast_on_white("#ffffff") == pytest.approx(1.0)
    assert contrast_on_white("#000") == pytest.approx(21.0)
    assert contrast_on_white("#E69F00") < 3  # the light Okabe-Ito orange would fail
    palette = {
        UNKNOWN_COLOUR,
        *STANCE_COLOURS.values(),
        *UPTAKE_COLOURS.values(),
        *CORRECTION_COLOURS.values(),
        *(colour for colour, _ in EDGE_STYLES.values()),
    }
    doc = tree(page)
    for part in ("timeline-lanes", "timeline-axis", "legend", "outlets"):
        for element in doc.get_element_by_id(part).iter():
            for name in ("fill", "stroke"):
                value = element.get(name)
                if value and value.lower() not in BACKGROUNDS:
                    palette.add(value)
    ratios = {colour: round(contrast_on_white(colour), 2) for colour in palette}
    assert len(ratios) >= 12
    assert all(ratio >= 3.0 for ratio in ratios.values()), ratios


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
    names = classed(doc, "li", "lane-name")
    assert len(names) == 300 and all(len(name.text or "") <= 32 for name in names)
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
