"""The demo story: its manifest and truths hold together, and its local web answers by the clock."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta
from importlib import resources
from urllib.parse import parse_qs, urlsplit

import feedparser
import httpx
import lxml.html
import pytest

from tracker.clock import ManualClock
from tracker.demo.corpus import (
    Corpus,
    DemoArticle,
    FeedFormat,
    Reuse,
    Takedown,
    load_corpus,
)
from tracker.demo.web import DemoWeb, demo_resolver, serve_demo
from tracker.domain import EdgeKind, Stance, UptakeKind
from tracker.urls import canonical_url

CARRIES = {Stance.ASSERTS, Stance.ATTRIBUTES}
NOTE_OPENINGS = ("Correction:", "Update:", "Editor's note:")
CORPUS_DIR = resources.files("tracker.demo").joinpath("corpus")


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


def _words(article: DemoArticle) -> list[int]:
    return [len(re.findall(r"\w+(?:['’-]\w+)*", v.plain_text)) for v in article.versions]


def _earliest_correction(corpus: Corpus, claim: str) -> timedelta:
    return min(c.at for c in corpus.corrections_of(claim)) - corpus.start


# ---------------------------------------------------------------- the manifest


def test_manifest_loads_with_two_claims_from_one_origin(corpus: Corpus) -> None:
    assert corpus.start.utcoffset() == timedelta(0)
    assert len(corpus.claims) >= 2
    origins = {claim.origin for claim in corpus.claims}
    assert len(origins) == 1
    origin = corpus.article(origins.pop())
    assert origin.served_from == corpus.start
    assert {claim.slug for claim in corpus.claims} <= set(origin.claims)
    assert len({a.outlet for a in corpus.articles} - {origin.outlet}) >= 15


def test_every_body_file_named_in_the_manifest_exists() -> None:
    manifest = tomllib.loads(CORPUS_DIR.joinpath("story.toml").read_text(encoding="utf-8"))
    bodies = [v["body"] for a in manifest["articles"] for v in a["versions"]]
    assert bodies
    for body in bodies:
        assert CORPUS_DIR.joinpath(*body.split("/")).is_file(), body
    for template in ("article.html", "amp.html", "index.html", "rss.xml", "atom.xml"):
        assert CORPUS_DIR.joinpath("templates", template).is_file(), template


def test_hosts_are_unique_and_reserved_for_testing(corpus: Corpus) -> None:
    hosts = [outlet.host for outlet in corpus.outlets]
    assert len(hosts) == len(set(hosts))
    assert all(host.endswith(".test") for host in hosts)
    assert len({outlet.slug for outlet in corpus.outlets}) == len(corpus.outlets)
    assert {FeedFormat.RSS, FeedFormat.ATOM, FeedFormat.JSON} <= {
        outlet.feed_format for outlet in corpus.outlets
    }


def test_article_ids_and_urls_are_unique(corpus: Corpus) -> None:
    ids = [article.id for article in corpus.articles]
    assert len(ids) == len(set(ids))
    places = [(article.outlet, article.path) for article in corpus.articles]
    assert len(places) == len(set(places))


def test_sources_exist_and_were_served_earlier(corpus: Corpus) -> None:
    for article in corpus.articles:
        for edge in article.truth.edges:
            source = corpus.article(edge.source)
            assert source.served_from < article.served_from, (article.id, edge.source)
        for pitfall in corpus.not_sources:
            if pitfall.article == article.id:
                assert pitfall.source not in {e.source for e in article.truth.edges}


def test_every_repeat_has_a_source_and_an_uptake_per_claim(corpus: Corpus) -> None:
    for claim in corpus.claims:
        repeaters = corpus.repeaters(claim.slug)
        assert len(repeaters) >= 12
        for article in repeaters:
            assert article.truth.source_article is not None, article.id
            assert claim.slug in article.truth.uptake, (article.id, claim.slug)
    for article in corpus.articles:
        carried = {slug for slug, stances in article.claims.items() if CARRIES & set(stances)}
        assert set(article.truth.uptake) <= carried, article.id


def test_uptake_matches_what_the_versions_do(corpus: Corpus) -> None:
    for article in corpus.articles:
        for claim, uptake in article.truth.uptake.items():
            first, last = (
                article.versions[0].stances_of(claim),
                article.versions[-1].stances_of(claim),
            )
            if uptake is UptakeKind.TAKEN_DOWN:
                assert article.taken_down_at is not None, article.id
            elif uptake is UptakeKind.NONE:
                assert article.taken_down_at is None and first == last, (article.id, claim)
            elif uptake is UptakeKind.NOTED:  # the old text stays whole; a note is appended
                kept = set(article.versions[0].paragraphs) <= set(article.versions[-1].paragraphs)
                notes = [p for p in article.versions[-1].paragraphs if p.startswith(NOTE_OPENINGS)]
                assert kept and notes and Stance.DISPUTES in last, (article.id, claim)
            elif uptake is UptakeKind.EDITED:  # the old text itself was changed
                kept = set(article.versions[0].paragraphs) <= set(article.versions[-1].paragraphs)
                assert not kept and first != last, (article.id, claim)
            elif uptake is UptakeKind.FOLLOWED_UP:
                follow_ups = [a for a in corpus.articles if a.truth.follows_up == article.id]
                assert any(Stance.DISPUTES in f.claims.get(claim, ()) for f in follow_ups)
            if uptake is not UptakeKind.NONE:
                changed_at = [v.starts_at for v in article.versions[1:]]
                changed_at += [
                    a.served_from for a in corpus.articles if a.truth.follows_up == article.id
                ]
                changed_at += [article.taken_down_at] if article.taken_down_at else []
                correction = corpus.start + _earliest_correction(corpus, claim)
                assert changed_at and min(changed_at) >= correction, (article.id, claim)


def test_late_repeats_come_after_the_correction(corpus: Corpus) -> None:
    late = [article for article in corpus.articles if article.truth.late]
    assert late
    for article in corpus.articles:
        carried = [slug for slug, stances in article.claims.items() if CARRIES & set(stances)]
        after = any(
            article.served_from > corpus.start + _earliest_correction(corpus, slug)
            for slug in carried
        )
        disputes = any(Stance.DISPUTES in stances for stances in article.claims.values())
        assert article.truth.late == (after and not disputes), article.id


def test_corrections_are_carried_by_their_articles(corpus: Corpus) -> None:
    kinds = {correction.kind.value for correction in corpus.corrections}
    assert {"correction", "rebuttal"} <= kinds
    for correction in corpus.corrections:
        version = corpus.article(correction.article).version_at(correction.at)
        assert version is not None
        assert version.stances_of(correction.claim) and Stance.DISPUTES in version.stances_of(
            correction.claim
        )
    # The originator corrects one claim and keeps the other; the company denies both.
    corrected = {c.claim for c in corpus.corrections if c.kind.value == "correction"}
    denied = {c.claim for c in corpus.corrections if c.kind.value == "rebuttal"}
    assert denied == {claim.slug for claim in corpus.claims} and 0 < len(corrected) < len(denied)
    origin = corpus.article(corpus.claims[0].origin)
    kept = (denied - corrected).pop()
    assert Stance.ASSERTS in origin.versions[-1].stances_of(kept)
    assert any(v.jsonld_correction for a in corpus.articles for v in a.versions)


def test_distractors_mention_no_claim(corpus: Corpus) -> None:
    distractors = [article for article in corpus.articles if article.truth.distractor]
    assert len(distractors) >= 6
    for article in distractors:
        assert not any(version.stances for version in article.versions), article.id
        assert not article.truth.uptake
    ai_tools = corpus.article("glimmerfield-ai-tools").versions[0].plain_text.lower()
    assert "ai" in ai_tools and "outage" not in ai_tools and "parcelwise" not in ai_tools


def test_the_story_has_every_kind_of_repeat(corpus: Corpus) -> None:
    origin = corpus.claims[0].origin
    by_kind: dict[EdgeKind, list[DemoArticle]] = {}
    for article in corpus.articles:
        if article.truth.edge_kind:
            by_kind.setdefault(article.truth.edge_kind, []).append(article)
    assert len([a for a in by_kind[EdgeKind.COPIES] if a.truth.source_article == origin]) >= 4
    assert len(by_kind[EdgeKind.PARAPHRASES]) >= 2
    assert len([a for a in by_kind[EdgeKind.CREDITS] if a.outlet != "wire"]) >= 2
    assert len(by_kind[EdgeKind.LINKS_TO]) >= 2
    wire_copies = [a for a in by_kind[EdgeKind.COMMON_SOURCE] if not a.truth.distractor]
    assert len({a.truth.source_article for a in wire_copies}) == 1 and len(wire_copies) == 2
    chain = [a for a in by_kind[EdgeKind.COPIES] if a.truth.source_article != origin]
    assert chain and all(corpus.article(a.truth.source_article or "").truth.edges for a in chain)
    reuse = {a.truth.reuse for a in corpus.articles}
    assert {Reuse.VERBATIM, Reuse.PARTIAL, Reuse.LIGHT, Reuse.HEAVY} <= reuse
    takedowns = {a.takedown for a in corpus.articles if a.takedown}
    assert Takedown.REDIRECT_HOME in takedowns and takedowns & {Takedown.GONE, Takedown.NOT_FOUND}
    assert any(o.feed_gone_at and o.feed_gone_at < corpus.end for o in corpus.outlets)


def test_backdated_copy_claims_an_earlier_date_but_appears_later(corpus: Corpus) -> None:
    origin = corpus.article(corpus.claims[0].origin)
    backdated = [a for a in corpus.articles if a.published_at < a.served_from]
    assert backdated
    for article in backdated:
        assert (
            article.published_at < origin.published_at <= origin.served_from < article.served_from
        )
        assert article.truth.source_article == origin.id
        assert any(p.article == origin.id and p.source == article.id for p in corpus.not_sources)


def test_texts_are_news_length_and_copies_really_copy(corpus: Corpus) -> None:
    for article in corpus.articles:
        for count in _words(article):
            assert 250 <= count <= 700, (article.id, count)
    for article in corpus.articles:
        source_id = article.truth.source_article
        if article.truth.reuse is Reuse.VERBATIM and source_id:
            source_text = corpus.article(source_id).versions[0].plain_text
            assert article.versions[0].plain_text == source_text, article.id
        if article.truth.reuse is Reuse.PARTIAL and source_id:
            source_paragraphs = set(corpus.article(source_id).versions[0].paragraphs)
            shared = [p for p in article.versions[0].paragraphs if p in source_paragraphs]
            assert len(shared) >= 3, article.id


def test_credits_and_links_are_in_the_texts(corpus: Corpus) -> None:
    for article in corpus.articles:
        text = article.versions[0].plain_text
        for edge in article.truth.edges:
            source = corpus.article(edge.source)
            names = (corpus.outlet(source.outlet).name, *corpus.outlet(source.outlet).aliases)
            if edge.kind is EdgeKind.CREDITS:
                assert any(name in text for name in names), article.id
            if edge.kind is EdgeKind.LINKS_TO:
                targets = {link.target for link in article.versions[0].links}
                assert source.id in targets, article.id
    links = [link for a in corpus.articles for v in a.versions for link in v.links]
    assert any(link.amp for link in links)
    assert any("utm_source" in link.query for link in links)
    origin = corpus.article(corpus.claims[0].origin)
    ledger = corpus.outlet(origin.outlet)
    for version in origin.versions:  # the original never names itself, so copies carry no credit
        assert not any(name in version.plain_text for name in (ledger.name, *ledger.aliases))


# ---------------------------------------------------------------- the local web


@pytest.fixture(scope="module")
def clock(corpus: Corpus) -> ManualClock:
    return ManualClock(corpus.start)


@pytest.fixture(scope="module")
def web(clock: ManualClock, corpus: Corpus) -> Iterator[DemoWeb]:
    with serve_demo(clock, corpus) as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as session:
        yield session


def _get(
    client: httpx.Client, web: DemoWeb, url: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """GET a demo URL by connecting to 127.0.0.1 and sending the demo host as Host."""
    parts = urlsplit(url)
    target = f"http://127.0.0.1:{web.base_port}{parts.path}" + (
        f"?{parts.query}" if parts.query else ""
    )
    return client.get(target, headers={"Host": parts.netloc, **(headers or {})})


def _online(corpus: Corpus, outlet: str, moment: datetime) -> list[DemoArticle]:
    """The outlet's articles that have appeared and not been taken down by `moment`."""
    return [
        article
        for article in corpus.articles_of(outlet)
        if article.served_from <= moment
        and (article.taken_down_at is None or moment < article.taken_down_at)
    ]


def _feed_links(response: httpx.Response) -> list[str]:
    if response.headers["content-type"].startswith("application/feed+json"):
        return [item["url"] for item in response.json()["items"]]
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [entry.link for entry in parsed.entries]


def test_feed_lists_only_what_is_served_by_the_clock(
    web: DemoWeb, clock: ManualClock, client: httpx.Client, corpus: Corpus
) -> None:
    ledger = corpus.outlet("ledger")
    clock.set(corpus.at(1))
    day0 = _feed_links(_get(client, web, web.feed_url(ledger)))
    assert day0[0] == web.article_url(corpus.article("ledger-original"))  # newest first
    assert set(day0) == {web.article_url(a) for a in _online(corpus, "ledger", corpus.at(1))}
    wire = corpus.outlet("wire")
    assert _feed_links(_get(client, web, web.feed_url(wire))) == []
    clock.set(corpus.at(7 * 24))
    assert len(_feed_links(_get(client, web, web.feed_url(wire)))) == 2
    for outlet in corpus.outlets:
        response = _get(client, web, web.feed_url(outlet))
        if outlet.feed_gone_at and outlet.feed_gone_at <= clock.now():
            assert response.status_code == 410
            continue
        links = {canonical_url(link) for link in _feed_links(response)}
        expected = {
            canonical_url(web.article_url(a)) for a in _online(corpus, outlet.slug, clock.now())
        }
        assert links == expected, outlet.slug
        if outlet.feed_link_query:
            assert all(parse_qs(urlsplit(link).query) for link in _feed_links(response))


def test_article_page_changes_between_two_times(
    web: DemoWeb, clock: ManualClock, client: httpx.Client, corpus: Corpus
) -> None:
    article = corpus.article("ledger-original")
    clock.set(corpus.at(10))
    before = _get(client, web, web.article_url(article))
    clock.set(corpus.at(80))
    after = _get(client, web, web.article_url(article))
    assert before.status_code == after.status_code == 200
    assert before.headers["etag"] != after.headers["etag"]
    assert "Correction:" not in before.text and "Correction:" in after.text
    tree = lxml.html.fromstring(after.content)
    data = json.loads(tree.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == "NewsArticle" and "cloud division" in data["correction"]["text"]
    assert tree.xpath("//link[@rel='canonical']/@href") == [web.article_url(article)]
    published = tree.xpath("//meta[@property='article:published_time']/@content")
    assert published == [article.published_at.isoformat()]


def test_page_text_is_escaped_and_round_trips(
    web: DemoWeb, clock: ManualClock, client: httpx.Client, corpus: Corpus
) -> None:
    clock.set(corpus.end)
    for article in corpus.articles:
        if not article.is_live(clock.now()):
            continue
        version = article.version_at(clock.now())
        assert version is not None
        tree = lxml.html.fromstring(_get(client, web, web.article_url(article)).content)
        body = tree.xpath("//article//div[@class='story-body']")[0]
        shown = [
            " ".join(p.text_content().split()) for p in body.xpath("./p[not(@class='promo')]|./h2")
        ]
        expected = [" ".join(p.split()) for p in version.plain_text.split("\n\n")]
        assert shown == expected, article.id
        assert tree.xpath("//h1")[0].text_content() == version.title


def test_unserved_and_taken_down_articles(
    web: DemoWeb, clock: ManualClock, client: httpx.Client, corpus: Corpus
) -> None:
    late = corpus.article("driftwood-late")
    clock.set(late.served_from - timedelta(minutes=1))
    assert _get(client, web, web.article_url(late)).status_code == 404
    clock.set(late.served_from)
    assert _get(client, web, web.article_url(late)).status_code == 200
    for article in corpus.articles:
        if article.taken_down_at is None:
            continue
        clock.set(article.taken_down_at - timedelta(seconds=1))
        assert _get(client, web, web.article_url(article)).status_code == 200
        clock.set(article.taken_down_at)
        response = _get(client, web, web.article_url(article))
        if article.takedown is Takedown.REDIRECT_HOME:
            assert response.status_code == 301
            assert response.headers["location"] == web.url(article.outlet, "/")
        else:
            assert response.status_code == int(article.takedown or "0")
        feed = _get(client, web, web.feed_url(corpus.outlet(article.outlet)))
        assert web.article_url(article) not in feed.text


def test_conditional_get_and_gzip(
    web: DemoWeb, clock: ManualClock, client: httpx.Client, corpus: Corpus
) -> None:
    clock.set(corpus.at(30))
    for url in (
        web.feed_url(corpus.outlet("plainsong")),
        web.article_url(corpus.article("wire-story")),
    ):
        first = _get(client, web, url, {"Accept-Encoding": "gzip"})
        assert first.status_code == 200 and first.headers["content-encoding"] == "gzip"
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert _get(client, web, url, {"If-None-Match": etag}).status_code == 304
        assert _get(client, web, url, {"If-Modified-Since": modified}).status_code == 304
        plain = _get(client, web, url, {"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == first.content
        assert plain.headers["etag"] == etag
    feed_host = urlsplit(web.hosts["wire"]).netloc
    with client.stream(
        "GET",
        f"http://127.0.0.1:{web.base_port}/atom.xml",
        headers={"Host": feed_host, "Accept-Encoding": "gzip"},
    ) as streamed:
        raw = b"".join(streamed.iter_raw())
    plain_feed = _get(
        client, web, web.feed_url(corpus.outlet("wire")), {"Accept-Encoding": "identity"}
    )
    assert len(raw) < len(plain_feed.content) and gzip.decompress(raw) == plain_feed.content
    wire_url = web.article_url(corpus.article("wire-story"))
    etag = _get(client, web, wire_url).headers["etag"]
    clock.set(corpus.at(90))  # the wire story has been updated since
    assert _get(client, web, wire_url, {"If-None-Match": etag}).status_code == 200


def test_links_use_the_served_base(
    web: DemoWeb, clock: ManualClock, client: httpx.Client, corpus: Corpus
) -> None:
    clock.set(corpus.at(40))
    origin_url = web.article_url(corpus.article("ledger-original"))
    hrefs: list[str] = []
    for article_id in ("glimmerfield-link", "orchardview-link"):
        page = _get(client, web, web.article_url(corpus.article(article_id)))
        tree = lxml.html.fromstring(page.content)
        hrefs += tree.xpath("//div[@class='story-body']//a/@href")
        nav = tree.xpath("//header//nav//a/@href")
        assert nav and all(
            href.startswith(web.hosts[corpus.article(article_id).outlet]) for href in nav
        )
    assert len(hrefs) == 2 and all(
        canonical_url(href) == canonical_url(origin_url) for href in hrefs
    )
    assert any("utm_source=" in href for href in hrefs) and any(
        href.endswith("/amp") for href in hrefs
    )
    amp = _get(client, web, next(href for href in hrefs if href.endswith("/amp")))
    assert amp.status_code == 200
    assert lxml.html.fromstring(amp.content).xpath("//link[@rel='canonical']/@href") == [origin_url]


def test_robots_home_and_unknown_hosts(
    web: DemoWeb, clock: ManualClock, client: httpx.Client, corpus: Corpus
) -> None:
    clock.set(corpus.at(40))
    robots = _get(client, web, web.url("silverbirch", "/robots.txt"))
    assert robots.status_code == 200 and "Disallow: /members/" in robots.text
    home = _get(client, web, web.url("ledger", "/"))
    assert web.article_url(corpus.article("ledger-original")) in home.text
    section = _get(client, web, web.url("ledger", "/city/"))
    assert section.status_code == 200
    assert web.article_url(corpus.article("ledger-ferry")) in section.text
    assert web.article_url(corpus.article("ledger-original")) not in section.text
    assert _get(client, web, web.url("ledger", "/no/such/page")).status_code == 404
    stranger = client.get(f"http://127.0.0.1:{web.base_port}/", headers={"Host": "example.test"})
    assert stranger.status_code == 404


def test_resolver_knows_only_the_demo_hosts(corpus: Corpus) -> None:
    resolve = demo_resolver(corpus)

    async def lookups() -> list[list[str]]:
        return [
            await resolve("harborledger.test", 80),
            await resolve("HarborLedger.Test.", 8080),
            await resolve("elsewhere.test", 80),
        ]

    assert asyncio.run(lookups()) == [["127.0.0.1"], ["127.0.0.1"], []]


def test_backdated_page_states_its_false_date(
    web: DemoWeb, clock: ManualClock, client: httpx.Client, corpus: Corpus
) -> None:
    article = corpus.article("hollowmere-backdated")
    clock.set(article.served_from)
    response = _get(client, web, web.article_url(article))
    tree = lxml.html.fromstring(response.content)
    stated = tree.xpath("//meta[@property='article:published_time']/@content")
    assert stated == [article.published_at.isoformat()]
    data = json.loads(tree.xpath("//script[@type='application/ld+json']")[0].text)
    origin = corpus.article("ledger-original")
    assert data["datePublished"] < origin.published_at.isoformat()
    feed = _get(client, web, web.feed_url(corpus.outlet("hollowmere")))
    assert web.article_url(article) in feed.text
    clock.set(article.served_from - timedelta(hours=1))
    feed = _get(client, web, web.feed_url(corpus.outlet("hollowmere")))
    assert web.article_url(article) not in feed.text
