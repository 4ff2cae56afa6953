"""Sitemaps and sitemap indexes as feeds: Google News fields, caps, gzip, hostile documents."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import uuid
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracker.domain import ParsedFeed
from tracker.errors import NotAFeed
from tracker.web.sitemaps import (
    MAX_RECORDS,
    SitemapChild,
    SitemapIndex,
    gunzip_capped,
    looks_like_sitemap,
    newest_children,
    parse_sitemap,
)

from .support.httpserver import LocalServer, reply

CAP = 1024 * 1024
NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://paper.example/2026/03/02/outages</loc>
    <lastmod>2026-03-02T10:00:00+01:00</lastmod>
    <news:news>
      <news:publication><news:name>The Paper</news:name><news:language>en</news:language>
      </news:publication>
      <news:publication_date>2026-03-02T08:30:00+01:00</news:publication_date>
      <news:title>Outages &amp; the code behind them</news:title>
    </news:news>
  </url>
  <url>
    <loc> https://paper.example/2026/03/01/earlier </loc>
    <news:news>
      <news:publication><news:name>The Paper</news:name></news:publication>
      <news:publication_date>2026-03-01</news:publication_date>
      <news:title>Earlier</news:title>
    </news:news>
  </url>
  <url><loc>javascript:alert(1)</loc></url>
</urlset>"""
INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://paper.example/sitemap-2026-01.xml</loc><lastmod>2026-01-31</lastmod></sitemap>
  <sitemap><loc>https://paper.example/sitemap-2026-03.xml</loc><lastmod>2026-03-02</lastmod></sitemap>
  <sitemap><loc>https://paper.example/sitemap-2026-02.xml</loc><lastmod>2026-02-28</lastmod></sitemap>
  <sitemap><loc>file:///etc/passwd</loc></sitemap>
</sitemapindex>"""


def _parse(data: bytes, *, max_urls: int = 1000) -> ParsedFeed | SitemapIndex:
    return parse_sitemap(
        data, url="https://paper.example/news.xml", max_bytes=CAP, max_urls=max_urls
    )


def test_a_news_sitemap_gives_links_titles_dates_and_the_publication() -> None:
    parsed = _parse(NEWS)
    assert isinstance(parsed, ParsedFeed)
    assert parsed.format == "news-sitemap" and parsed.title == "The Paper"
    first, second, bad = parsed.entries
    assert first.link == "https://paper.example/2026/03/02/outages"
    assert first.title == "Outages & the code behind them"
    assert first.published == datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
    assert first.updated == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert second.link == "https://paper.example/2026/03/01/earlier"
    assert second.published == datetime(2026, 3, 1, tzinfo=UTC) and second.updated is None
    assert bad.link is None  # counted as an entry without a usable link, never fetched
    assert parsed.warning is None


def test_a_plain_sitemap_uses_lastmod_as_updated_only() -> None:
    plain = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>http://a.example/x</loc><lastmod>2026-02</lastmod></url></urlset>"""
    parsed = _parse(plain)
    assert isinstance(parsed, ParsedFeed) and parsed.format == "sitemap"
    (entry,) = parsed.entries
    assert entry.published is None and entry.updated == datetime(2026, 2, 1, tzinfo=UTC)


def test_a_long_sitemap_keeps_only_its_newest_urls_in_document_order() -> None:
    rows = "".join(
        f"<url><loc>http://a.example/{day}</loc><lastmod>2026-01-{day:02d}</lastmod></url>"
        for day in (5, 1, 20, 9, 13)
    )
    parsed = _parse(f"<urlset>{rows}</urlset>".encode(), max_urls=3)
    assert isinstance(parsed, ParsedFeed)
    assert [entry.link for entry in parsed.entries] == [
        "http://a.example/20",
        "http://a.example/9",
        "http://a.example/13",
    ]


def test_an_index_lists_its_http_children_and_the_newest_are_chosen() -> None:
    index = _parse(INDEX)
    assert isinstance(index, SitemapIndex)
    assert [child.url for child in index.children] == [
        "https://paper.example/sitemap-2026-01.xml",
        "https://paper.example/sitemap-2026-03.xml",
        "https://paper.example/sitemap-2026-02.xml",
    ]
    assert [child.url.rsplit("-", 1)[-1] for child in newest_children(index, 2)] == [
        "03.xml",
        "02.xml",
    ]


def test_undated_children_rank_last_listed_first() -> None:
    index = SitemapIndex((SitemapChild("http://a.example/1"), SitemapChild("http://a.example/2")))
    assert [c.url for c in newest_children(index, 5)] == [
        "http://a.example/2",
        "http://a.example/1",
    ]


def test_gzip_sitemaps_are_unpacked() -> None:
    parsed = _parse(gzip.compress(NEWS))
    assert isinstance(parsed, ParsedFeed) and len(parsed.entries) == 3


def test_a_gzip_bomb_stops_at_the_cap() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    bomb = b"".join(packer.compress(block) for _ in range(64)) + packer.flush()  # 64 MiB inside
    assert len(bomb) < 100_000
    with pytest.raises(NotAFeed, match="larger than the cap"):
        gunzip_capped(bomb, CAP)
    with pytest.raises(NotAFeed, match="larger than the cap"):
        _parse(bomb)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x1f\x8b\x08\x00garbage",
        gzip.compress(NEWS)[:40],  # cut short
        b"%PDF-1.7 \x00\x01\x02",
        b"<!doctype html><html><body>hi</body></html>",
        b'{"urlset": []}',
        b"<urlset><url><loc>http://a.example/x</loc>",  # nothing complete before the end
    ],
    ids=["empty", "bad-gzip", "cut-gzip", "binary", "html", "json", "truncated"],
)
def test_what_is_not_a_sitemap_raises_not_a_feed_only(body: bytes) -> None:
    with pytest.raises(NotAFeed):
        _parse(body)


def test_a_sitemap_broken_half_way_keeps_what_came_before() -> None:
    body = b"<urlset><url><loc>http://a.example/1</loc></url><url><loc>http://a.ex</urlset>"
    parsed = _parse(body)
    assert isinstance(parsed, ParsedFeed)
    assert [e.link for e in parsed.entries] == ["http://a.example/1"]
    assert parsed.warning and "ParseError" in parsed.warning


def test_reading_stops_at_the_protocol_limit_of_records() -> None:
    body = b"<urlset>" + b"<url/>" * (MAX_RECORDS + 10_000) + b"</urlset>"
    parsed = _parse(body, max_urls=2 * MAX_RECORDS)
    assert isinstance(parsed, ParsedFeed) and len(parsed.entries) == MAX_RECORDS
    assert parsed.warning and "the rest were not read" in parsed.warning


def test_looks_like_sitemap_tells_sitemaps_from_feeds() -> None:
    assert looks_like_sitemap(NEWS) and looks_like_sitemap(INDEX)
    assert not looks_like_sitemap(b'<?xml version="1.0"?><rss version="2.0"/>')
    assert not looks_like_sitemap(b"<!-- unterminated")


# ---------------------------------------------------------------- XML attacks (in a child)

_CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from tracker.errors import NotAFeed
from tracker.web.sitemaps import parse_sitemap
data = sys.stdin.buffer.read()
start = time.process_time()
try:
    result = parse_sitemap(data, url="http://attack.example/s.xml", max_bytes=1 << 24,
                           max_urls=1000)
    outcome, text = type(result).__name__, repr(result)
except NotAFeed as exc:
    outcome, text = "NotAFeed", str(exc)
print(json.dumps({"outcome": outcome, "text": text, "elapsed": time.process_time() - start}))
"""
_LAUGHS = "".join(
    f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
).replace("&lol0;", "lol")


def _attack(payload: bytes) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD], input=payload, capture_output=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")[-2000:]
    report: dict[str, Any] = json.loads(completed.stdout)
    assert report["elapsed"] < 2.0, report["outcome"]
    return report


def _urlset(prolog: str, text: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n{prolog}\n<urlset xmlns:news="n"><url>'
        f"<loc>http://attack.example/{text}</loc><news:news><news:title>{text}</news:title>"
        "</news:news></url></urlset>"
    ).encode()


@pytest.mark.parametrize(
    "prolog",
    [f'<!DOCTYPE urlset [<!ENTITY lol "lol">{_LAUGHS}]>', f"<!DOCTYPE urlset [\n{_LAUGHS}\n]>"],
)
def test_billion_laughs_sitemap(prolog: str) -> None:
    report = _attack(_urlset(prolog, "&lol9;"))
    assert report["outcome"] == "NotAFeed" and "lollollol" not in report["text"]


def test_external_file_entity_sitemap(tmp_path: Path) -> None:
    secret = f"SECRET-{uuid.uuid4().hex}"
    (tmp_path / "secret.txt").write_text(secret)
    for prolog in (
        f'<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{tmp_path}/secret.txt">]>',
        f'<!DOCTYPE urlset [<!ENTITY % p SYSTEM "file://{tmp_path}/secret.txt">%p;]>',
        f'<!DOCTYPE urlset SYSTEM "file://{tmp_path}/secret.txt">',
    ):
        report = _attack(_urlset(prolog, "&xxe;"))
        assert secret not in report["text"]


def test_external_http_reference_sitemap() -> None:
    with LocalServer() as server:
        server.route("/evil.dtd", reply(200, b'<!ENTITY trap "TRAPPED">'))
        server.route("/entity", reply(200, b"TRAPPED"))
        base = server.url("").rstrip("/")
        for prolog in (
            f'<!DOCTYPE urlset SYSTEM "{base}/evil.dtd">',
            f'<!DOCTYPE urlset [<!ENTITY trap SYSTEM "{base}/entity">]>',
            f'<!DOCTYPE urlset [<!ENTITY % p SYSTEM "{base}/evil.dtd">%p;]>',
        ):
            report = _attack(_urlset(prolog, "&trap;"))
            assert "TRAPPED" not in report["text"]
        assert server.hits() == 0


def test_a_field_sent_one_character_at_a_time_costs_linear_time() -> None:
    # expat hands each character reference to the target on its own: 3 million calls.
    report = _attack(
        b"<urlset><url><loc>http://a.example/" + b"&#65;" * 3_000_000 + b"</loc></url></urlset>"
    )
    assert report["outcome"] == "ParsedFeed"


def test_an_entity_declared_after_the_root_is_refused() -> None:
    # A DOCTYPE cannot follow the root; the parser refuses it rather than reading it.
    body = (
        b'<urlset><!DOCTYPE x [<!ENTITY a "b">]><url><loc>http://a.example/&a;</loc></url></urlset>'
    )
    report = _attack(body)
    assert report["outcome"] == "NotAFeed"
