"""Feed and OPML parsing: fixtures that carry their own expectations, XML attacks, encodings."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.httpserver import LocalServer, reply
from tracker.domain import OpmlFeed, ParsedEntry, ParsedFeed
from tracker.errors import NotAFeed
from tracker.web.feeds import looks_like_feed, parse_feed, parse_opml, write_opml

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
DEFAULT_URL = "https://fixtures.example/feed.xml"
EXPECTED_SUFFIX = ".expected.json"


def _fixture_pairs() -> Iterator[tuple[Path, dict[str, Any]]]:
    for expected_path in sorted(FIXTURES.glob(f"*{EXPECTED_SUFFIX}")):
        stem = expected_path.name[: -len(EXPECTED_SUFFIX)]
        documents = [
            path
            for path in FIXTURES.glob(f"{stem}.*")
            if not path.name.endswith(EXPECTED_SUFFIX) and path.name.split(".")[0] == stem
        ]
        assert len(documents) == 1, f"{expected_path.name}: expected one document, {documents}"
        yield documents[0], json.loads(expected_path.read_text(encoding="utf-8"))


PAIRS = list(_fixture_pairs())
FEED_CASES = [pair for pair in PAIRS if pair[0].suffix != ".opml"]
OPML_CASES = [pair for pair in PAIRS if pair[0].suffix == ".opml"]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# What each key of an expectation file means, read off the parsed feed.
FEED_FIELDS: dict[str, Any] = {
    "format": lambda feed: feed.format,
    "title": lambda feed: feed.title,
    "link": lambda feed: feed.link,
    "entries": lambda feed: len(feed.entries),
    "warning": lambda feed: feed.warning is not None,
    "first_title": lambda feed: feed.entries[0].title,
    "first_link": lambda feed: feed.entries[0].link,
    "first_guid": lambda feed: feed.entries[0].guid,
    "first_summary": lambda feed: feed.entries[0].summary,
    "first_author": lambda feed: feed.entries[0].author,
    "first_published": lambda feed: _iso(feed.entries[0].published),
    "first_updated": lambda feed: _iso(feed.entries[0].updated),
    "links": lambda feed: [entry.link for entry in feed.entries],
    "guids": lambda feed: [entry.guid for entry in feed.entries],
    "titles": lambda feed: [entry.title for entry in feed.entries],
    "summaries": lambda feed: [entry.summary for entry in feed.entries],
    "published": lambda feed: [_iso(entry.published) for entry in feed.entries],
}
INPUT_KEYS = {"url", "content_type"}
OTHER_KEYS = {"error", "error_contains", "title_not_contains", "feeds", "urls", "categories"}


def _parse_fixture(document: Path, expected: dict[str, Any]) -> ParsedFeed:
    return parse_feed(
        document.read_bytes(),
        url=expected.get("url", DEFAULT_URL),
        content_type=expected.get("content_type"),
    )


# ---------------------------------------------------------------- fixtures


def test_every_fixture_has_known_expectations() -> None:
    assert len(FEED_CASES) >= 25 and len(OPML_CASES) >= 4
    known = set(FEED_FIELDS) | INPUT_KEYS | OTHER_KEYS | {"html_urls"}
    for document, expected in PAIRS:
        assert set(expected) <= known, f"{document.name}: unknown keys {set(expected) - known}"
        assert set(expected) - INPUT_KEYS, f"{document.name} expects nothing"


@pytest.mark.parametrize(
    ("document", "expected"), FEED_CASES, ids=[path.name for path, _ in FEED_CASES]
)
def test_feed_fixture(document: Path, expected: dict[str, Any]) -> None:
    if "error" in expected:
        with pytest.raises(NotAFeed) as caught:
            _parse_fixture(document, expected)
        message = str(caught.value)
        assert expected["error_contains"] in message
        assert "\n" not in message and message.startswith("not a feed")
        return
    feed = _parse_fixture(document, expected)
    for key, read in FEED_FIELDS.items():
        if key in expected:
            assert read(feed) == expected[key], f"{document.name}: {key}"
    if "title_not_contains" in expected:
        assert expected["title_not_contains"] not in feed.title
        assert all(expected["title_not_contains"] not in entry.title for entry in feed.entries)


@pytest.mark.parametrize(
    ("document", "expected"), OPML_CASES, ids=[path.name for path, _ in OPML_CASES]
)
def test_opml_fixture(document: Path, expected: dict[str, Any]) -> None:
    if "error" in expected:
        with pytest.raises(NotAFeed, match=expected["error_contains"]):
            parse_opml(document.read_bytes())
        return
    feeds = parse_opml(document.read_bytes())
    assert len(feeds) == expected["feeds"]
    assert [feed.url for feed in feeds] == expected["urls"]
    assert [feed.category for feed in feeds] == expected["categories"]
    if "titles" in expected:
        assert [feed.title for feed in feeds] == expected["titles"]
    if "html_urls" in expected:
        assert [feed.html_url for feed in feeds] == expected["html_urls"]


# ---------------------------------------------------------------- feed behaviour


def _entries(name: str, url: str = DEFAULT_URL) -> tuple[ParsedEntry, ...]:
    return parse_feed((FIXTURES / name).read_bytes(), url=url).entries


def test_relative_links_follow_the_feed_url() -> None:
    entries = _entries("relative-links.xml", "http://other.example/deep/path/feed")
    assert [entry.link for entry in entries[:3]] == [
        "http://other.example/2024/03/story-a",
        "http://other.example/deep/path/story-b.html",
        "http://cdn-news.example/story-c",
    ]


def test_dates_are_aware_utc() -> None:
    for name in ("rss20.xml", "atom10.xml", "jsonfeed11.json", "rss10-rdf.xml"):
        for entry in _entries(name):
            for moment in (entry.published, entry.updated):
                assert moment is None or moment.utcoffset() == UTC.utcoffset(None)


def test_missing_guid_is_none_and_permalink_guid_is_the_link() -> None:
    assert [entry.guid for entry in _entries("missing-guid.xml")] == [None, None]
    permalink, said_so, not_permalink = _entries("guid-permalink.xml")[:3]
    assert permalink.link == permalink.guid == "https://guid.example/p/1"
    assert said_so.link == "https://guid.example/p/2"
    assert not_permalink.link is None and not_permalink.guid == "https://guid.example/p/3"


def test_html_page_is_not_a_feed_even_when_served_as_xml() -> None:
    page = (FIXTURES / "html-page.html").read_bytes()
    for content_type in (None, "text/html; charset=utf-8", "application/rss+xml"):
        with pytest.raises(NotAFeed, match="looks like an HTML page"):
            parse_feed(page, url=DEFAULT_URL, content_type=content_type)


def test_opml_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed, match="OPML"):
        parse_feed((FIXTURES / "nested.opml").read_bytes(), url=DEFAULT_URL)


def test_empty_bytes_are_not_a_feed() -> None:
    with pytest.raises(NotAFeed, match="empty"):
        parse_feed(b"", url=DEFAULT_URL)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[" * 100_000, b'{"items": "not a list", "version": "x"}', b"\x00\x01\x02"],
)
def test_broken_json_and_binary_are_not_feeds(body: bytes) -> None:
    with pytest.raises(NotAFeed):
        parse_feed(body, url=DEFAULT_URL)


def test_bytes_naming_a_file_are_not_opened(tmp_path: Path) -> None:
    # feedparser opens a string or bytes that names a file; parse_feed must treat them as content.
    feed_file = tmp_path / "feed.xml"
    feed_file.write_bytes((FIXTURES / "rss20.xml").read_bytes())
    with pytest.raises(NotAFeed):
        parse_feed(str(feed_file).encode(), url=DEFAULT_URL)


def test_encoding_fixtures_are_what_they_claim() -> None:
    # The encoding tests only prove something if the bytes really are in those encodings.
    cp1252 = (FIXTURES / "cp1252.xml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        cp1252.decode("utf-8")
    assert (FIXTURES / "utf16-bom.xml").read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert (FIXTURES / "utf16be-nobom.xml").read_bytes()[:4] == b"\x00<\x00?"
    assert b"<?xml" not in (FIXTURES / "utf8-nodecl.xml").read_bytes()


def test_warning_is_one_line_and_only_for_broken_feeds() -> None:
    broken = parse_feed((FIXTURES / "bozo-entries.xml").read_bytes(), url=DEFAULT_URL)
    assert broken.warning and "\n" not in broken.warning
    assert parse_feed((FIXTURES / "rss20.xml").read_bytes(), url=DEFAULT_URL).warning is None


def test_looks_like_feed() -> None:
    for name in ("rss20.xml", "atom10.xml", "rss10-rdf.xml", "jsonfeed11.json", "utf16-bom.xml"):
        assert looks_like_feed((FIXTURES / name).read_bytes()), name
    for name in ("html-page.html", "empty.xml", "garbage.txt", "json-not-a-feed.json"):
        assert not looks_like_feed((FIXTURES / name).read_bytes()), name


FEED_SEEDS = [(FIXTURES / name).read_bytes() for name in ("rss20.xml", "atom10.xml")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(FEED_SEEDS),
    cut=st.integers(min_value=0, max_value=2000),
    insert=st.binary(max_size=40),
)
def test_damaged_feeds_only_ever_raise_not_a_feed(seed: bytes, cut: int, insert: bytes) -> None:
    damaged = seed[:cut] + insert + seed[cut + len(insert) :]
    try:
        feed = parse_feed(damaged, url=DEFAULT_URL)
    except NotAFeed as exc:
        assert "\n" not in str(exc)
        return
    for entry in feed.entries:
        assert entry.link is None or entry.link.startswith(("http://", "https://"))
        assert "\x00" not in entry.title + entry.summary


# ---------------------------------------------------------------- OPML behaviour


def test_opml_round_trip_keeps_nesting_titles_and_pages() -> None:
    feeds = parse_opml((FIXTURES / "nested.opml").read_bytes())
    again = parse_opml(write_opml(feeds))
    assert again == feeds


def test_write_opml_escapes_and_nests() -> None:
    tricky = [
        OpmlFeed(url="https://a.example/rss?x=1&y=2", title="</title><b> \"quoted\" & 'apos'"),
        OpmlFeed(url="https://b.example/rss", title="Nul\x00 and bell\x07", category="A/B/C"),
        OpmlFeed(
            url="https://c.example/rss", title="", category="A", html_url="https://c.example/"
        ),
    ]
    document = write_opml(tricky, title="Mine & <yours>")
    root = ElementTree.fromstring(document)
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "Mine & <yours>"
    assert parse_opml(document) == [
        OpmlFeed(url="https://a.example/rss?x=1&y=2", title="</title><b> \"quoted\" & 'apos'"),
        OpmlFeed(url="https://b.example/rss", title="Nul and bell", category="A/B/C"),
        OpmlFeed(
            url="https://c.example/rss",
            title="https://c.example/rss",  # an untitled feed is written under its URL
            category="A",
            html_url="https://c.example/",
        ),
    ]


_NAME = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"),
    min_size=1,
    max_size=20,
).map(lambda text: " ".join(text.split()))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(_NAME.filter(bool), st.lists(_NAME.filter(bool), max_size=3)),
        max_size=8,
    )
)
def test_opml_round_trip_property(rows: list[tuple[str, list[str]]]) -> None:
    feeds = [
        OpmlFeed(url=f"https://feed{index}.example/rss", title=title, category="/".join(path))
        for index, (title, path) in enumerate(rows)
    ]
    # Feeds come back grouped by folder, so compare without order.
    assert sorted(parse_opml(write_opml(feeds)), key=str) == sorted(feeds, key=str)


def test_garbage_is_not_opml() -> None:
    for body in (b"", b"hello", b"<opml><body>", "<ö/>".encode("utf-16")):
        with pytest.raises(NotAFeed, match="not an OPML file"):
            parse_opml(body)


# ---------------------------------------------------------------- XML attacks

# Each attack runs in a child process, so a regression shows up as a failed test, not a hung
# or swapped-out test run: the child caps its address space and the parent its wall time.
# Unprotected, the quadratic blow-ups take feedparser minutes and gigabytes; here well under 2 s.
_CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from tracker.errors import NotAFeed
from tracker.web.feeds import parse_feed, parse_opml
data = sys.stdin.buffer.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()  # CPU time: other processes on the machine do not inflate it
try:
    if sys.argv[1] == "feed":
        result = parse_feed(data, url="http://attack.example/feed")
        outcome, text = f"{len(result.entries)} entries", repr(result)
    else:
        result = parse_opml(data)
        outcome, text = f"{len(result)} feeds", repr(result)
except NotAFeed as exc:
    outcome, text = "NotAFeed", str(exc)
elapsed = time.process_time() - start
grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"outcome": outcome, "text": text, "elapsed": elapsed, "grown_mb": grown_mb}))
"""
_LAUGHS = "".join(
    f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">\n' for level in range(1, 10)
).replace("&lol0;", "lol")
_BIG_ENTITY = '<!ENTITY big "' + "x" * 20_000 + '">'
_MANY_REFS = "&big;" * 20_000  # unprotected: 400 million characters


def _attack(kind: str, payload: bytes) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, kind],
        input=payload,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")[-2000:]
    report: dict[str, Any] = json.loads(completed.stdout)
    assert report["elapsed"] < 2.0, report["outcome"]
    assert report["grown_mb"] < 100, report["grown_mb"]
    return report


def _rss(prolog: str, text: str, *, declaration: str = '<?xml version="1.0"?>') -> str:
    return (
        f'{declaration}\n{prolog}\n<rss version="2.0"><channel><title>{text}</title>'
        f"<item><title>{text}</title><description>{text}</description>"
        "<link>http://attack.example/1</link></item></channel></rss>"
    )


def _opml(prolog: str, text: str) -> str:
    return (
        f'<?xml version="1.0"?>\n{prolog}\n<opml version="2.0"><head><title>{text}</title></head>'
        f'<body><outline text="{text}" xmlUrl="http://attack.example/rss"/></body></opml>'
    )


@pytest.fixture
def secret_file(tmp_path: Path) -> tuple[Path, str]:
    secret = f"SECRET-{uuid.uuid4().hex}"
    path = tmp_path / "secret.txt"
    path.write_text(secret)
    return path, secret


@pytest.fixture
def trap_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.route("/evil.dtd", reply(200, b'<!ENTITY trap "TRAPPED">'))
        server.route("/entity", reply(200, b"TRAPPED"))
        yield server


@pytest.mark.parametrize(
    "prolog",
    [
        f'<!DOCTYPE rss [\n<!ENTITY lol "lol">\n{_LAUGHS}]>',
        "<!DOCTYPE rss [" + _LAUGHS.replace("\n", "") + "]>",  # one line: past feedparser's filter
    ],
    ids=["multi-line", "one-line"],
)
def test_billion_laughs_feed(prolog: str) -> None:
    report = _attack("feed", _rss(prolog, "&lol9;").encode())
    assert "lollollol" not in report["text"]


@pytest.mark.parametrize(
    ("prolog", "encoding"),
    [
        (f"<!DOCTYPE rss [\n{_BIG_ENTITY}\n]>", "utf-8"),
        (f"<!--\n<!DOCTYPE rss>\n{_BIG_ENTITY}\n-->", "utf-8"),  # feedparser reads inside comments
        (f"<!DOCTYPE rss [\n{_BIG_ENTITY}\n]>", "utf-16"),  # hidden from a byte-level scan
        (f"<?pi\n<!DOCTYPE rss>\n{_BIG_ENTITY}\n?>", "utf-8"),  # and inside instructions
        (f"<!doctype rss [\n{_BIG_ENTITY.replace('ENTITY', 'entity')}\n]>", "utf-8"),
    ],
    ids=["internal-subset", "inside-comment", "utf-16", "inside-pi", "lower-case"],
)
def test_quadratic_blowup_feed(prolog: str, encoding: str) -> None:
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'
    payload = _rss(prolog, _MANY_REFS, declaration=declaration).encode(encoding)
    report = _attack("feed", payload)
    assert "x" * 40_000 not in report["text"]


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file://{path}">\n]>',
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{path}">]>',
        '<!DOCTYPE rss [\n<!ENTITY % p SYSTEM "file://{path}">\n%p;\n]>',
        '<!DOCTYPE rss SYSTEM "file://{path}">',
    ],
    ids=["entity", "entity-one-line", "parameter-entity", "external-dtd"],
)
def test_external_file_entity_feed(prolog: str, secret_file: tuple[Path, str]) -> None:
    path, secret = secret_file
    report = _attack("feed", _rss(prolog.format(path=path), "&xxe;").encode())
    assert secret not in report["text"]


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE rss SYSTEM "{base}/evil.dtd">',
        '<!DOCTYPE rss [\n<!ENTITY trap SYSTEM "{base}/entity">\n]>',
        '<!DOCTYPE rss [\n<!ENTITY % p SYSTEM "{base}/evil.dtd">\n%p;\n]>',
    ],
    ids=["external-dtd", "external-entity", "parameter-entity"],
)
def test_external_http_reference_feed(prolog: str, trap_server: LocalServer) -> None:
    base = trap_server.url("").rstrip("/")
    report = _attack("feed", _rss(prolog.format(base=base), "&trap;").encode())
    assert "TRAPPED" not in report["text"]
    assert trap_server.hits() == 0


def test_billion_laughs_opml() -> None:
    report = _attack(
        "opml", _opml(f'<!DOCTYPE opml [<!ENTITY lol "lol">{_LAUGHS}]>', "&lol9;").encode()
    )
    assert report["outcome"] == "NotAFeed" and "not an OPML file" in report["text"]


def test_quadratic_blowup_opml() -> None:
    report = _attack("opml", _opml(f"<!DOCTYPE opml [{_BIG_ENTITY}]>", _MANY_REFS).encode())
    assert report["outcome"] == "NotAFeed"


def test_external_file_entity_opml(secret_file: tuple[Path, str]) -> None:
    path, secret = secret_file
    for prolog in (
        f'<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file://{path}">]>',
        f'<!DOCTYPE opml [<!ENTITY % p SYSTEM "file://{path}">%p;]>',
    ):
        report = _attack("opml", _opml(prolog, "&xxe;").encode())
        assert report["outcome"] == "NotAFeed" and secret not in report["text"]


def test_external_http_reference_opml(trap_server: LocalServer) -> None:
    base = trap_server.url("").rstrip("/")
    for prolog in (
        f'<!DOCTYPE opml SYSTEM "{base}/evil.dtd">',
        f'<!DOCTYPE opml [<!ENTITY trap SYSTEM "{base}/entity">]>',
    ):
        report = _attack("opml", _opml(prolog, "x").encode())
        assert "TRAPPED" not in report["text"]
    assert trap_server.hits() == 0


@pytest.mark.parametrize("label", [None, "application/rss+xml; charset=utf-8", "text/xml"])
def test_a_utf8_feed_with_one_invalid_byte_stays_utf8(label: str | None) -> None:
    titles = ["Straße in Köln gesperrt", "Ça ira: la grève continue", "Årsrapport för Malmö"]
    items = "".join(
        f"<item><title>{t}</title><link>https://news.example/{n}</link></item>"
        for n, t in enumerate(titles)
    )
    channel = f"<channel><title>Nachrichten – Ü</title>{items}</channel>"
    data = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0">{channel}</rss>'.encode()
    # One stray cp1252 byte (a curly quote) pasted into the second title.
    at = data.index("la grève".encode())
    damaged = data[:at] + b"\x93" + data[at:]
    feed = parse_feed(damaged, url="https://news.example/feed", content_type=label)
    got = [entry.title for entry in feed.entries]
    assert got[0] == titles[0] and got[2] == titles[2]
    assert got[1] == "Ça ira: \ufffdla grève continue"
    assert feed.title == "Nachrichten – Ü"


def test_a_legacy_feed_is_still_read_in_its_code_page() -> None:
    item = "<item><title>Köln</title><link>https://news.example/1</link></item>"
    text = f'<rss version="2.0"><channel><title>Straße</title>{item}</channel></rss>'
    data = text.encode("cp1252")
    feed = parse_feed(data, url="https://news.example/feed")
    assert feed.title == "Straße" and feed.entries[0].title == "Köln"
