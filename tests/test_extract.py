"""tracker.web.extract: fixture pages with expectation sidecars, hostile pages, text hashing."""

from __future__ import annotations

import codecs
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.config import ExtractSettings
from tracker.domain import Extracted
from tracker.web.extract import content_hash, decode_html, extract_page, normalise_text

PAGES = Path(__file__).parent / "fixtures" / "pages"
SETTINGS = ExtractSettings()
NOW = datetime(2024, 3, 10, tzinfo=UTC)


def _moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _fixture_cases() -> list[Any]:
    params = []
    for sidecar in sorted(PAGES.glob("*.expected.json")):
        page = sidecar.with_name(sidecar.name.removesuffix(".expected.json") + ".html")
        for number, case in enumerate(json.loads(sidecar.read_text(encoding="utf-8"))["cases"]):
            params.append(pytest.param(page, case, id=f"{page.stem}-{number}"))
    return params


def _extract_case(page: Path, case: dict[str, Any]) -> Extracted | None:
    return extract_page(
        page.read_bytes(),
        case["url"],
        settings=replace(SETTINGS, **case.get("settings", {})),
        now=datetime.fromisoformat(case["now"]),
        feed_published=_moment(case.get("feed_published")),
        content_type=case.get("content_type"),
    )


def test_every_fixture_page_has_a_sidecar() -> None:
    pages = {page.stem for page in PAGES.glob("*.html")}
    sidecars = {path.name.removesuffix(".expected.json") for path in PAGES.glob("*.expected.json")}
    assert pages == sidecars
    assert len(pages) >= 8


@pytest.mark.parametrize(("page", "case"), _fixture_cases())
def test_fixture_page(page: Path, case: dict[str, Any]) -> None:
    extracted = _extract_case(page, case)
    expect = case["expect"]
    if expect is None:
        assert extracted is None
        return
    assert extracted is not None
    assert extracted.text == normalise_text(extracted.text)
    for name in ("title", "standfirst", "byline", "site_name", "language", "canonical_url"):
        if name in expect:
            assert getattr(extracted, name) == expect[name], name
    for name in ("published", "modified"):
        if name in expect:
            found = getattr(extracted, name)
            assert found == _moment(expect[name]), name
            assert found is None or found.tzinfo is UTC
    if "published_offset" in expect:
        assert extracted.published_offset == expect["published_offset"]
    if "published_local" in expect:
        local = extracted.published_local
        assert local is not None and local.isoformat() == expect["published_local"]
    if "text_starts" in expect:
        assert extracted.text.startswith(expect["text_starts"]), extracted.text[:200]
    for phrase in expect.get("text_contains", []):
        assert phrase in extracted.text
    for phrase in expect.get("text_lacks", []):
        assert phrase not in extracted.text
    if "links" in expect:
        assert [[link.url, link.text] for link in extracted.links] == expect["links"]
    if "corrections" in expect:
        assert list(extracted.corrections) == expect["corrections"]


def _news_article() -> bytes:
    return (PAGES / "news-article.html").read_bytes()


def test_nav_footer_and_sidebar_links_are_not_body_links() -> None:
    extracted = extract_page(
        _news_article(), "https://ledger.example.com/a", settings=SETTINGS, now=NOW
    )
    assert extracted is not None
    urls = {link.url for link in extracted.links}
    for chrome in ("/", "/politics", "/about", "/privacy", "/tech/2024/03/01/nimbus-layoffs"):
        assert f"https://ledger.example.com{chrome}" not in urls


def _short_story(site: str, story: str) -> bytes:
    """A short article in a site's header and footer (text extractors take their lines in)."""
    return (
        f"<html><head><title>{story[:40]} | {site}</title></head><body>"
        f"<header><div class='logo'>{site}</div><div class='promo'>Subscribe to {site} for"
        " unlimited access. Get the weekly edition delivered.</div></header>"
        f"<main><article><h1>{story[:40]}</h1><p>{story}</p><p>Read the full report.</p>"
        "</article></main><footer><p>Contact the newsroom. Privacy policy. Terms of use.</p>"
        "<p>Sign up for our morning newsletter and never miss a story.</p></footer></body></html>"
    ).encode()


@pytest.mark.parametrize(
    "story",
    [
        "The council voted on Tuesday to close the central library at the end of the year.",
        "Water rates will rise by four percent in April, the utility board decided on Monday.",
    ],
)
def test_site_header_and_footer_lines_are_not_article_text(story: str) -> None:
    page = _short_story("Valley Courier", story)
    extracted = extract_page(page, "https://courier.example/a", settings=SETTINGS, now=NOW)
    assert extracted is not None
    assert extracted.text.split("\n") == [story, "Read the full report."]
    kept = extract_page(
        page,
        "https://courier.example/a",
        settings=replace(SETTINGS, strip_page_header=False),
        now=NOW,
    )
    assert kept is not None and "Subscribe to Valley Courier" in kept.text  # what is taken off


def test_a_headline_set_again_as_the_first_paragraph_stays_in_the_text() -> None:
    lede = "Microsoft Releases Critical Patch For Browser Flaw Used In Attacks"
    rest = (
        "The company issued an emergency update on Wednesday for a flaw that let attackers "
        "install malware on computers without any action by their users."
    )
    page = (
        f"<html><head><title>{lede}</title></head><body><article><h1>{lede}</h1>"
        f"<p>{lede}</p><p>{rest}</p></article></body></html>"
    ).encode()
    extracted = extract_page(page, "https://courier.example/a", settings=SETTINGS, now=NOW)
    assert extracted is not None
    assert extracted.text.split("\n") == [lede, rest]
    assert extracted.title == lede


def test_html_past_the_cap_is_cut_off() -> None:
    html = (PAGES / "future-date.html").read_bytes()
    cap = html.index(b"Customers affected")
    extracted = extract_page(
        html, "https://n.example.com/a", settings=replace(SETTINGS, max_html_bytes=cap), now=NOW
    )
    assert extracted is not None
    assert "manual configuration change was to blame" in extracted.text
    assert "Customers affected" not in extracted.text


def test_deep_nesting_finishes_quickly() -> None:
    depth = 10_000
    lead = b"<p>" + b"A paragraph before the deep part, with enough words to count. " * 8 + b"</p>"
    html = (
        b"<html><head><title>Deep</title></head><body>"
        + lead
        + b"<div>" * depth
        + b"<p>"
        + b"buried words " * 50
        + b"</p>"
        + b"</div>" * depth
        + b"</body></html>"
    )
    start = time.monotonic()
    extracted = extract_page(html, "https://deep.example.com/", settings=SETTINGS, now=NOW)
    # Generous bound for a shared, loaded machine; it takes well under a second alone.
    assert time.monotonic() - start < 10
    assert extracted is None or "A paragraph before the deep part" in extracted.text


def test_giant_single_line_finishes_and_respects_the_cap() -> None:
    line = b"lorem ipsum dolor sit amet " * (20 * 1024 * 1024 // 27)
    html = b"<html><head><title>Giant</title></head><body><p>" + line + b"</p></body></html>"
    assert len(html) > 20 * 1024 * 1024 and b"\n" not in html
    start = time.monotonic()
    extracted = extract_page(html, "https://giant.example.com/", settings=SETTINGS, now=NOW)
    assert time.monotonic() - start < 30
    assert extracted is None or len(extracted.text) <= SETTINGS.max_html_bytes


def test_a_tree_with_too_many_elements_is_refused() -> None:
    html = b"<html><body><p>" + b"<span>ab</span> " * 60_000 + b"</p></body></html>"
    assert extract_page(html, "https://many.example.com/", settings=SETTINGS, now=NOW) is None


@pytest.mark.parametrize(
    "html",
    [
        b"",
        b"<",
        b"\x00\x01\x02\xff" * 100,
        b'{"not": "html"}',
        b"<html><body><a href='http://[::1'>broken</a></body></html>",
        b"<html>" + b"<script>" * 500 + b"</html>",
    ],
)
def test_garbage_never_raises(html: bytes) -> None:
    result = extract_page(html, "https://x.example.com/", settings=SETTINGS, now=NOW)
    assert result is None or isinstance(result, Extracted)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(lambda s: s.encode("utf-8")))
def test_arbitrary_bytes_never_raise(html: bytes) -> None:
    result = extract_page(html, "https://x.example.com/", settings=SETTINGS, now=NOW)
    assert result is None or isinstance(result, Extracted)


def test_extract_page_runs_in_a_process_pool() -> None:
    here = extract_page(_news_article(), "https://ledger.example.com/a", settings=SETTINGS, now=NOW)
    with ProcessPoolExecutor(max_workers=1) as pool:
        there = pool.submit(
            extract_page,
            _news_article(),
            "https://ledger.example.com/a",
            settings=SETTINGS,
            now=NOW,
        ).result(timeout=60)
    assert there == here
    assert here is not None and there is not None and there.links == here.links


# ---------------------------------------------------------------- text and hashes


def test_normalise_text() -> None:
    raw = "  Cafe\u0301\u00a0 au   lait\r\n\n\t second\x00 para\x0b\x1f  \n\n"
    assert normalise_text(raw) == "Café au lait\nsecond para"
    assert normalise_text("a\ud800b") == "ab"
    assert normalise_text("") == ""


def test_content_hash_ignores_layout_but_not_words() -> None:
    base = content_hash("The claim.\nThe denial.")
    assert base == content_hash("  The   claim. \n\n The denial.\n")
    assert base != content_hash("The claim.\nThe correction.")
    assert base != content_hash("The claim. The denial.")  # paragraphs are part of the text
    assert len(base) == 64 and int(base, 16) >= 0


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalise_text_is_idempotent(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert "\x00" not in once and "\n\n" not in once
    assert content_hash(text) == content_hash(once)


# ---------------------------------------------------------------- decoding


def test_decode_prefers_the_bom() -> None:
    html = codecs.BOM_UTF16_LE + "<p>Grüße</p>".encode("utf-16-le")
    assert decode_html(html, "text/html; charset=iso-8859-1") == "<p>Grüße</p>"


def test_decode_uses_the_header_then_the_meta() -> None:
    koi8 = "<p>Привет, мир</p>".encode("koi8-r")
    assert "Привет, мир" in decode_html(koi8, "text/html; charset=KOI8-R")
    meta = '<meta charset="koi8-r"><p>Привет, мир</p>'.encode("koi8-r")
    assert "Привет, мир" in decode_html(meta)


def test_decode_trusts_valid_utf8_over_a_stale_header() -> None:
    assert decode_html("<p>Grüße</p>".encode(), "text/html; charset=iso-8859-1") == "<p>Grüße</p>"


def test_decode_keeps_utf8_cut_inside_a_character() -> None:
    data = "<p>Grüße €</p>".encode()
    cut = data[: data.index("€".encode()) + 1]
    assert decode_html(cut).startswith("<p>Grüße ")


def test_decode_detects_an_undeclared_legacy_encoding() -> None:
    text = (
        "<html><body><p>Облачный сервис был недоступен почти весь рабочий день. Компания "
        "заявила, что причиной стала ручная ошибка конфигурации, а не код, написанный "
        "искусственным интеллектом. Клиенты ждут подробного отчёта.</p></body></html>"
    )
    assert decode_html(text.encode("cp1251")) == text


def test_decode_replaces_invalid_bytes() -> None:
    decoded = decode_html(b'<meta charset="utf-8"><p>ok \xff\xfe ok</p>')
    assert "ok \ufffd\ufffd ok" in decoded


def test_decode_keeps_a_utf8_page_with_one_stray_byte_utf8() -> None:
    page = "<html><body><p>Straße in Köln: Bürger äußern sich.</p><p>Ça ira</p></body></html>"
    data = page.encode()
    at = data.index("Bürger".encode())
    damaged = data[:at] + b"\x93" + data[at:]
    # Even with a stale Windows label, the UTF-8 text is not turned into mojibake.
    for label in (None, "text/html; charset=windows-1252"):
        decoded = decode_html(damaged, label)
        assert "Straße in Köln: \ufffdBürger äußern sich." in decoded
