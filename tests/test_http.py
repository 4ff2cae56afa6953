"""The one HTTP client against a real local server: conditional GET, politeness, caps, deadline,
redirects, status handling, robots.txt."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import socket
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import TypeVar

import httpx
import pytest

from tracker.clock import ManualClock
from tracker.config import HttpSettings
from tracker.domain import FetchResult
from tracker.errors import (
    BodyTooLarge,
    FetchTimeout,
    HTTPStatusError,
    RobotsDisallowed,
    TooManyRedirects,
    TransientHTTPError,
)
from tracker.web.http import Fetcher, parse_retry_after

from .support.httpserver import Hit, LocalServer, reply, send, stream

T = TypeVar("T")
MiB = 1024 * 1024
CAP = 1 * MiB
AGENT = "propagation-tracker/0.1 (+https://github.com/propagation-tracker)"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def settings(**changes: object) -> HttpSettings:
    values: dict[str, object] = {
        "allow_private": True,
        "per_host_interval": 0.0,
        "max_body_bytes": CAP,
        "total_deadline": 5.0,
        "user_agent": AGENT,
    }
    values.update(changes)
    return HttpSettings(**values)  # type: ignore[arg-type]


async def loopback_names(host: str, port: int) -> list[str]:
    """Every name is this machine: lets one server stand for several hosts."""
    return ["127.0.0.1"]


def with_fetcher(
    work: Callable[[Fetcher], Awaitable[T]], clock: ManualClock | None = None, **changes: object
) -> T:
    async def go() -> T:
        async with Fetcher(settings(**changes), resolver=loopback_names, clock=clock) as fetcher:
            return await work(fetcher)

    return asyncio.run(go())


def get(url: str, clock: ManualClock | None = None, **changes: object) -> FetchResult:
    return with_fetcher(lambda fetcher: fetcher.fetch(url), clock, **changes)


# ------------------------------------------------------------ plain fetches


def test_fetch_returns_body_headers_and_clock_time(server: LocalServer, clock: ManualClock) -> None:
    server.route(
        "/a",
        reply(200, b"<p>hi</p>", {"Content-Type": "text/html", "ETag": '"v1"'}),
    )
    result = with_fetcher(lambda f: f.fetch(server.url("/a"), accept="text/html"), clock)
    assert result.status == 200
    assert result.body == b"<p>hi</p>"
    assert result.content_type == "text/html"
    assert result.etag == '"v1"'
    assert result.fetched_at == clock.now()
    assert result.url == result.requested_url == server.url("/a")
    assert result.redirects == ()
    sent = server.hits_for("/a")[0].headers
    assert sent["user-agent"] == AGENT
    assert sent["accept-encoding"] == "gzip, deflate"
    assert sent["accept"] == "text/html"
    assert "if-none-match" not in sent


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, no zlib header
    ],
)
def test_compressed_bodies_are_decoded(
    server: LocalServer, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    text = b"a repeated sentence. " * 5000
    server.route("/z", reply(200, encode(text), {"Content-Encoding": encoding}))
    assert get(server.url("/z")).body == text


def test_conditional_get_gives_304(server: LocalServer) -> None:
    def handler(request: BaseHTTPRequestHandler) -> None:
        if request.headers.get("If-None-Match") == '"v7"' or request.headers.get(
            "If-Modified-Since"
        ):
            send(request, 304, headers={"ETag": '"v7"'})
        else:
            send(request, 200, b"full body", {"ETag": '"v7"'})

    server.route("/feed", handler)

    async def work(fetcher: Fetcher) -> list[FetchResult]:
        return [
            await fetcher.fetch(server.url("/feed")),
            await fetcher.fetch(server.url("/feed"), etag='"v7"'),
            await fetcher.fetch(server.url("/feed"), last_modified="Mon, 02 Mar 2026 08:00:00 GMT"),
        ]

    full, by_etag, by_date = with_fetcher(work)
    assert (full.status, full.body) == (200, b"full body")
    assert (by_etag.status, by_etag.body, by_etag.not_modified) == (304, b"", True)
    assert by_etag.etag == '"v7"'
    assert (by_date.status, by_date.body) == (304, b"")
    assert by_date.last_modified == "Mon, 02 Mar 2026 08:00:00 GMT"
    headers = [hit.headers for hit in server.hits_for("/feed")]
    assert headers[1]["if-none-match"] == '"v7"'
    assert headers[2]["if-modified-since"] == "Mon, 02 Mar 2026 08:00:00 GMT"


# ------------------------------------------------------------ politeness


def _slow(seconds: float) -> Callable[[BaseHTTPRequestHandler], None]:
    def handler(request: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        send(request, 200, b"ok")

    return handler


def _overlap(first: Hit, second: Hit) -> bool:
    return first.started < second.finished and second.started < first.finished


def test_one_host_never_overlaps_while_two_hosts_overlap(server: LocalServer) -> None:
    server.route("/slow", _slow(0.3))

    async def work(fetcher: Fetcher) -> None:
        hosts = ["a.test", "a.test", "b.test"]
        await asyncio.gather(*(fetcher.fetch(server.url("/slow", host)) for host in hosts))

    with_fetcher(work)  # no interval: only the one-at-a-time rule keeps the a.test pair apart
    hits = server.hits_for("/slow")
    same = sorted((hit for hit in hits if hit.host == "a.test"), key=lambda hit: hit.started)
    other = next(hit for hit in hits if hit.host == "b.test")
    assert len(same) == 2
    assert not _overlap(same[0], same[1])
    assert _overlap(same[0], other)


def test_starts_to_one_host_are_spaced_by_the_interval(server: LocalServer) -> None:
    server.route("/page", reply(200, b"ok"))

    async def work(fetcher: Fetcher) -> None:
        hosts = ["a.test"] * 3 + ["b.test"]
        await asyncio.gather(*(fetcher.fetch(server.url("/page", host)) for host in hosts))

    with_fetcher(work, per_host_interval=0.4)
    same = [hit.started for hit in server.hits_for("/page") if hit.host == "a.test"]
    other = next(hit for hit in server.hits_for("/page") if hit.host == "b.test")
    assert len(same) == 3
    # The client spaces the starts of its requests by 0.4 s. The server sees each start late by
    # however long the accept took, which on a loaded machine reaches a tenth of a second or more,
    # so a gap may look that much shorter; without spacing the gaps would be a few ms.
    assert all(later - earlier >= 0.25 for earlier, later in itertools.pairwise(same))
    assert same[-1] - same[0] >= 0.65
    assert other.started - same[0] < 0.3  # another host does not wait for a.test's interval


def test_max_connections_bounds_requests_across_hosts() -> None:
    # A mock transport has no pool limit of its own, so only the Fetcher's limit can hold.
    in_flight: list[int] = [0]
    peak: list[int] = [0]

    async def handler(request: httpx.Request) -> httpx.Response:
        in_flight[0] += 1
        peak[0] = max(peak[0], in_flight[0])
        await asyncio.sleep(0.05)
        in_flight[0] -= 1
        return httpx.Response(200, content=b"ok")

    async def go() -> None:
        transport = httpx.MockTransport(handler)
        async with Fetcher(settings(max_connections=2), transport=transport) as fetcher:
            hosts = [f"h{index}.test" for index in range(6)]
            await asyncio.gather(*(fetcher.fetch(f"http://{host}/") for host in hosts))

    asyncio.run(go())
    assert peak[0] == 2


# ------------------------------------------------------------ size cap


def _zeros(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    for _ in range(total // chunk):
        yield b"\0" * chunk


def _gzip_bomb(decoded: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * MiB
    parts = [compressor.compress(block) for _ in range(decoded // MiB)]
    return b"".join([*parts, compressor.flush()])


def test_body_with_true_content_length_over_cap_is_refused_before_reading(
    server: LocalServer,
) -> None:
    server.route("/big", stream(_zeros(50 * MiB), headers={"Content-Length": str(50 * MiB)}))
    with pytest.raises(BodyTooLarge) as caught:
        get(server.url("/big"))
    assert caught.value.received is None  # refused on the header alone


def test_false_huge_content_length_is_refused_before_reading(server: LocalServer) -> None:
    server.route("/liar", reply(200, b"tiny", {"Content-Length": str(50 * MiB)}))
    with pytest.raises(BodyTooLarge) as caught:
        get(server.url("/liar"))
    assert caught.value.received is None


def test_body_without_content_length_is_cut_at_the_cap(server: LocalServer) -> None:
    server.route("/endless", stream(_zeros(50 * MiB)))
    with pytest.raises(BodyTooLarge) as caught:
        get(server.url("/endless"))
    assert caught.value.received is not None
    assert CAP < caught.value.received < 1.1 * CAP


def test_false_small_content_length_never_yields_more_than_it_declared(
    server: LocalServer,
) -> None:
    server.route("/short", stream(_zeros(50 * MiB), headers={"Content-Length": "100"}))
    assert get(server.url("/short")).body == b"\0" * 100


def test_gzip_bomb_is_stopped_within_a_tenth_over_the_cap(server: LocalServer) -> None:
    bomb = _gzip_bomb(256 * MiB)
    assert len(bomb) < CAP  # the compressed body alone is under the cap
    server.route("/bomb", reply(200, bomb, {"Content-Encoding": "gzip"}))
    with pytest.raises(BodyTooLarge) as caught:
        get(server.url("/bomb"))
    assert caught.value.received is not None
    assert CAP < caught.value.received < 1.1 * CAP


def test_body_at_the_cap_passes_and_one_byte_more_fails(server: LocalServer) -> None:
    server.route("/exact", reply(200, b"x" * CAP))
    server.route("/over", stream([b"x" * CAP, b"x"]))
    assert len(get(server.url("/exact")).body) == CAP
    with pytest.raises(BodyTooLarge):
        get(server.url("/over"))


def test_in_memory_answers_of_a_mock_transport_are_capped_too() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        size = CAP if request.url.path == "/fits" else CAP + 1
        return httpx.Response(200, content=b"x" * size)

    async def go(path: str) -> bytes:
        transport = httpx.MockTransport(handler)
        async with Fetcher(settings(), transport=transport) as fetcher:
            return (await fetcher.fetch(f"http://example.test{path}")).body

    assert len(asyncio.run(go("/fits"))) == CAP
    with pytest.raises(BodyTooLarge):
        asyncio.run(go("/over"))


# ------------------------------------------------------------ deadline


def test_total_deadline_cuts_a_drip_while_another_host_completes(server: LocalServer) -> None:
    server.route("/drip", stream((b"x" for _ in range(40)), delay=0.5))
    server.route("/quick", reply(200, b"done"))

    async def timed_drip(fetcher: Fetcher) -> float:
        start = time.monotonic()
        with pytest.raises(FetchTimeout):
            await fetcher.fetch(server.url("/drip", "drip.test"))
        return time.monotonic() - start

    async def work(fetcher: Fetcher) -> tuple[float, FetchResult]:
        return await asyncio.gather(
            timed_drip(fetcher), fetcher.fetch(server.url("/quick", "other.test"))
        )

    took, other = with_fetcher(work, total_deadline=1.5, read_timeout=5.0)
    assert 1.4 <= took < 2.5
    assert other.body == b"done"


def test_total_deadline_spans_all_redirect_hops(server: LocalServer) -> None:
    def slow_redirect(request: BaseHTTPRequestHandler) -> None:
        time.sleep(0.6)
        send(request, 302, headers={"Location": server.url("/hop2")})

    server.route("/hop1", slow_redirect)
    server.route("/hop2", _slow(0.6))
    with pytest.raises(FetchTimeout):
        get(server.url("/hop1"), total_deadline=1.0, read_timeout=5.0)
    assert server.hits("/hop2") == 1  # each hop alone was within the deadline


# ------------------------------------------------------------ redirects


def _redirect(server: LocalServer, status: int, path: str) -> Callable[..., None]:
    return reply(status, headers={"Location": server.url(path)})


def test_redirects_are_listed_and_permanence_needs_every_hop(server: LocalServer) -> None:
    server.route("/old", _redirect(server, 301, "/older"))
    server.route("/older", _redirect(server, 308, "/new"))
    server.route("/temp", _redirect(server, 302, "/new"))
    server.route("/mixed", _redirect(server, 301, "/temp"))
    server.route("/new", reply(200, b"new"))
    permanent = get(server.url("/old"))
    assert permanent.redirects == (server.url("/old"), server.url("/older"))
    assert permanent.url == server.url("/new")
    assert permanent.permanent_redirect
    assert permanent.body == b"new"
    mixed = get(server.url("/mixed"))
    assert mixed.redirects == (server.url("/mixed"), server.url("/temp"))
    assert not mixed.permanent_redirect


def test_relative_redirect_is_followed(server: LocalServer) -> None:
    server.route("/rel", reply(303, headers={"Location": "/target?x=1"}))
    server.route("/target", reply(200, b"t"))
    assert get(server.url("/rel")).url == server.url("/target?x=1")


def test_redirect_loop_is_refused(server: LocalServer) -> None:
    server.route("/ping", _redirect(server, 302, "/pong"))
    server.route("/pong", _redirect(server, 302, "/ping"))
    with pytest.raises(TooManyRedirects, match="loop"):
        get(server.url("/ping"))
    assert server.hits() == 2


def test_long_redirect_chain_stops_after_max_hops(server: LocalServer) -> None:
    for step in range(25):
        server.route(f"/step{step}", _redirect(server, 301, f"/step{step + 1}"))
    server.route("/step25", reply(200, b"end"))
    with pytest.raises(TooManyRedirects):
        get(server.url("/step0"))
    assert server.hits() == 6  # the first request and five redirects followed, no more
    assert get(server.url("/step20")).body == b"end"  # exactly five hops is fine


# ------------------------------------------------------------ statuses


def test_404_and_410_are_results(server: LocalServer) -> None:
    server.route("/gone", reply(410, b"gone"))
    assert get(server.url("/gone")).status == 410
    assert get(server.url("/missing")).status == 404


def test_other_client_errors_raise(server: LocalServer) -> None:
    server.route("/forbidden", reply(403))
    with pytest.raises(HTTPStatusError) as caught:
        get(server.url("/forbidden"))
    assert caught.value.status == 403


def test_429_carries_retry_after_and_holds_the_host(server: LocalServer) -> None:
    server.route("/busy", reply(429, headers={"Retry-After": "1"}))
    server.route("/fine", reply(200, b"ok"))

    async def work(fetcher: Fetcher) -> TransientHTTPError:
        with pytest.raises(TransientHTTPError) as caught:
            await fetcher.fetch(server.url("/busy"))
        await fetcher.fetch(server.url("/fine"))
        return caught.value

    error = with_fetcher(work)
    assert (error.status, error.retry_after) == (429, 1.0)
    busy, fine = server.hits_for("/busy")[0], server.hits_for("/fine")[0]
    assert fine.started - busy.started >= 1.0


def test_retry_after_longer_than_the_deadline_fails_fast_without_a_request(
    server: LocalServer, clock: ManualClock
) -> None:
    later = format_datetime(clock.now() + timedelta(seconds=120), usegmt=True)
    server.route("/down", reply(503, headers={"Retry-After": later}))

    async def work(fetcher: Fetcher) -> tuple[TransientHTTPError, TransientHTTPError]:
        with pytest.raises(TransientHTTPError) as first:
            await fetcher.fetch(server.url("/down"))
        with pytest.raises(TransientHTTPError) as second:
            await fetcher.fetch(server.url("/down"))
        return first.value, second.value

    first, second = with_fetcher(work, clock)
    assert (first.status, first.retry_after) == (503, 120.0)
    assert second.retry_after is not None and 100 < second.retry_after <= 120
    assert server.hits("/down") == 1


def test_parse_retry_after(clock: ManualClock) -> None:
    now = clock.now()
    date = format_datetime(now + timedelta(minutes=5), usegmt=True)
    assert parse_retry_after("30", now=now, cap=3600) == 30.0
    assert parse_retry_after(date, now=now, cap=3600) == 300.0
    assert parse_retry_after(date, now=now, cap=60) == 60.0
    assert parse_retry_after("999999", now=now, cap=3600) == 3600.0
    past = format_datetime(now - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(past, now=now, cap=3600) == 0.0
    assert parse_retry_after("soon", now=now, cap=3600) is None
    assert parse_retry_after(None, now=now, cap=3600) is None


def test_connection_failures_are_transient(server: LocalServer) -> None:
    def hang_up(request: BaseHTTPRequestHandler) -> None:
        request.close_connection = True  # no answer at all

    server.route("/hangup", hang_up)
    with pytest.raises(TransientHTTPError):
        get(server.url("/hangup"))
    with socket.socket() as probe:  # a port that was free a moment ago refuses connections
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransientHTTPError):
        get(f"http://127.0.0.1:{port}/")


def test_transport_errors_are_translated() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/timeout":
            raise httpx.ReadTimeout("slow", request=request)
        raise httpx.ConnectError("refused", request=request)

    async def go(path: str) -> None:
        fetcher = Fetcher(settings(), transport=httpx.MockTransport(handler))
        async with fetcher:
            await fetcher.fetch(f"http://example.test{path}")

    with pytest.raises(FetchTimeout):
        asyncio.run(go("/timeout"))
    with pytest.raises(TransientHTTPError):
        asyncio.run(go("/refused"))


# ------------------------------------------------------------ robots.txt


def test_robots_disallow_is_honoured_and_cached(server: LocalServer) -> None:
    robots = b"User-agent: *\nDisallow: /private\n"
    server.route("/robots.txt", reply(200, robots, {"Content-Type": "text/plain"}))
    server.route("/public", reply(200, b"pub"))
    server.route("/private", reply(200, b"secret"))

    async def work(fetcher: Fetcher) -> tuple[bytes, list[bool]]:
        with pytest.raises(RobotsDisallowed):
            await fetcher.fetch(server.url("/private"), robots=True)
        page = await fetcher.fetch(server.url("/public"), robots=True)
        checks = [await fetcher.allowed_by_robots(server.url(p)) for p in ["/public", "/private"]]
        return page.body, checks

    body, checks = with_fetcher(work)
    assert body == b"pub"
    assert checks == [True, False]
    assert server.hits("/private") == 0
    assert server.hits("/robots.txt") == 1
    assert server.hits_for("/robots.txt")[0].headers["user-agent"] == AGENT


def test_robots_is_fetched_once_for_concurrent_fetches_until_it_expires(
    server: LocalServer,
) -> None:
    server.route("/robots.txt", reply(200, b"User-agent: *\nDisallow: /private\n"))
    server.route("/page", reply(200, b"ok"))

    async def many(fetcher: Fetcher) -> None:
        await asyncio.gather(*(fetcher.fetch(server.url("/page"), robots=True) for _ in range(5)))

    with_fetcher(many)
    assert server.hits("/robots.txt") == 1
    with_fetcher(many, robots_cache_seconds=0.0)  # nothing is kept: asked again every time
    assert server.hits("/robots.txt") == 1 + 5


def test_robots_group_of_our_agent_applies(server: LocalServer) -> None:
    # RFC 9309 2.2.1: the group naming our product token replaces the "*" group for us.
    robots = b"User-agent: *\nDisallow: /\n\nUser-agent: propagation-tracker\nDisallow: /nobots\n"
    server.route("/robots.txt", reply(200, robots))
    server.route("/page", reply(200, b"ok"))

    async def work(fetcher: Fetcher) -> bytes:
        with pytest.raises(RobotsDisallowed):
            await fetcher.fetch(server.url("/nobots"), robots=True)
        return (await fetcher.fetch(server.url("/page"), robots=True)).body

    assert with_fetcher(work) == b"ok"
    assert server.hits("/nobots") == 0


def test_robots_redirected_to_another_host_is_followed(server: LocalServer) -> None:
    server.route("/robots.txt", reply(301, headers={"Location": server.url("/r.txt", "cdn.test")}))
    server.route("/r.txt", reply(200, b"User-agent: *\nDisallow: /x\n"))
    allowed = with_fetcher(lambda fetcher: fetcher.allowed_by_robots(server.url("/x", "site.test")))
    assert allowed is False


def test_robots_rules_for_another_agent_do_not_apply(server: LocalServer) -> None:
    server.route("/robots.txt", reply(200, b"User-agent: otherbot\nDisallow: /\n"))
    server.route("/page", reply(200, b"ok"))
    result = with_fetcher(lambda fetcher: fetcher.fetch(server.url("/page"), robots=True))
    assert result.body == b"ok"


def test_missing_robots_allows_and_failing_robots_disallows_for_now(server: LocalServer) -> None:
    server.route("/page", reply(200, b"ok"))
    assert with_fetcher(lambda f: f.fetch(server.url("/page"), robots=True)).body == b"ok"
    server.route("/robots.txt", reply(500))

    async def work(fetcher: Fetcher) -> bool:
        with pytest.raises(TransientHTTPError, match="robots"):
            await fetcher.fetch(server.url("/page"), robots=True)
        return await fetcher.allowed_by_robots(server.url("/page"))

    assert with_fetcher(work) is False
    assert server.hits("/page") == 1


def test_robots_can_be_switched_off(server: LocalServer) -> None:
    server.route("/robots.txt", reply(200, b"User-agent: *\nDisallow: /\n"))
    server.route("/page", reply(200, b"ok"))
    result = with_fetcher(
        lambda fetcher: fetcher.fetch(server.url("/page"), robots=True), respect_robots=False
    )
    assert result.body == b"ok"
    assert server.hits("/robots.txt") == 0
