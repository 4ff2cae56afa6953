"""The one HTTP client: every fetch of the tracker goes through `Fetcher`.

Safety: http(s) only; every hop's URL and every address its host resolves to must be public
(unless `allow_private`), and the connection goes to the address that was checked; redirects are
followed by hand; the decoded body is capped while it streams; one total deadline per fetch.
Politeness: one request in flight per host, a minimum interval between two starts to one host,
Retry-After honoured, robots.txt on request. Only tracker.errors exceptions leave this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Protocol

import httpcore
import httpx

from tracker.clock import Clock, SystemClock
from tracker.config import HttpSettings
from tracker.domain import FetchResult
from tracker.errors import (
    BadInput,
    BodyTooLarge,
    FetchTimeout,
    HTTPStatusError,
    RobotsDisallowed,
    TooManyRedirects,
    TransientHTTPError,
)
from tracker.web._decode import BodyDecoder
from tracker.web._net import (
    CheckedBackend,
    PinnedTransport,
    Resolver,
    check_url,
    host_and_port,
    is_public_address,
    resolve_public,
    system_resolver,
)
from tracker.web.robots import RobotsCache

__all__ = [
    "Fetcher",
    "Resolver",
    "SharedTurn",
    "SharedTurns",
    "check_url",
    "is_public_address",
    "parse_retry_after",
]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})
_OUTCOMES = frozenset({304, 404, 410})  # answers the caller decides about, not errors
# Only codings that the bounded decoder undoes; br is left out because brotli's streaming API
# has no output limit in the versions commonly installed, so a brotli bomb could not be stopped.
_ACCEPT_ENCODING = "gzip, deflate"
_PRUNE_AT = 4096  # host gates kept before idle ones are forgotten


def parse_retry_after(value: str | None, *, now: datetime, cap: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date), capped at `cap`."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        seconds = float(int(text))
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0.0), cap)


class SharedTurn(Protocol):
    """A host's turn among all workers, held while one request runs."""

    def hold(self, seconds: float) -> None:
        """No worker may start a request to this host for `seconds` (Retry-After)."""
        ...


class SharedTurns(Protocol):
    """Host turns shared by every worker (`tracker.store.host_turns.SharedHostTurns`)."""

    def turn(
        self, host: str, interval: float, max_wait: float
    ) -> contextlib.AbstractAsyncContextManager[SharedTurn]:
        """Wait for `host`'s turn (spaced by `interval`), then hold it."""
        ...


@dataclass(slots=True)
class _HostGate:
    """Politeness state of one host:port."""

    lock: asyncio.Lock
    users: int = 0  # requests holding or waiting for this gate; never forgotten while > 0
    last_start: float = float("-inf")  # time.monotonic() of the last request's start
    not_before: float = float("-inf")  # set by Retry-After


@dataclass(frozen=True, slots=True)
class _Answer:
    """One hop's answer: a redirect to follow, or the final status with its body."""

    status: int
    location: str | None = None
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None


class Fetcher:
    """Fetches URLs safely and politely; one per process or task group, closed when done."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        shared_turns: SharedTurns | None = None,
    ) -> None:
        self._settings = settings
        # Workers on several machines share host turns through the database; within one
        # process the in-memory gates below still order this process's own requests.
        self._shared = shared_turns
        self._resolver = resolver or system_resolver
        self._clock = clock or SystemClock()
        if transport is None:
            # `network_backend` is what the checked backend finally connects through (the
            # default is httpcore's AnyIO backend); tests pass one that records connections.
            backend = CheckedBackend(
                self._resolver, allow_private=settings.allow_private, inner=network_backend
            )
            transport = PinnedTransport(backend, max_connections=settings.max_connections)
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the address checks
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.total_deadline,
            ),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": _ACCEPT_ENCODING},
        )
        self._gates: dict[str, _HostGate] = {}
        self._in_flight = asyncio.Semaphore(settings.max_connections)
        self._robots = RobotsCache(self._fetch_robots_file, lifetime=settings.robots_cache_seconds)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        robots: bool = False,
        accept: str | None = None,
    ) -> FetchResult:
        """GET `url`, following redirects; 2xx, 304, 404 and 410 come back as results."""
        headers = {"Accept": accept or "*/*"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._fetch(url, headers, robots=robots and self._settings.respect_robots)

    async def allowed_by_robots(self, url: str) -> bool:
        """True when the robots.txt of `url`'s site lets this user agent fetch it."""
        checked = check_url(url, allow_private=self._settings.allow_private)
        policy = await self._robots.policy(_origin(checked))
        return policy.allows(checked, self._settings.user_agent)

    async def robots_sitemaps(self, url: str) -> tuple[str, ...]:
        """The `Sitemap:` URLs of the robots.txt of `url`'s site (read through the cache)."""
        checked = check_url(url, allow_private=self._settings.allow_private)
        policy = await self._robots.policy(_origin(checked))
        return policy.sitemaps()

    # ------------------------------------------------------------------ internals

    async def _fetch_robots_file(self, url: str) -> FetchResult:
        return await self._fetch(url, {"Accept": "text/plain, */*;q=0.5"}, robots=False)

    async def _check_robots(self, url: str) -> None:
        policy = await self._robots.policy(_origin(url))
        if policy.allows(url, self._settings.user_agent):
            return
        if policy.unreachable:
            raise TransientHTTPError(f"robots.txt of {_origin(url)} is unreachable; not fetching")
        if policy.rules is None and not self._settings.allow_private:
            # robots.txt failed for a permanent reason. When the reason is that the host itself
            # is refused, say so: an unsafe address is a refusal, not a robots rule. (Looked up
            # only on this rare path, so a normal fetch costs no extra DNS query.)
            host, port = host_and_port(url)
            await resolve_public(self._resolver, host, port, allow_private=False)
        raise RobotsDisallowed(f"robots.txt of {_origin(url)} disallows {url}")

    async def _fetch(self, url: str, headers: dict[str, str], *, robots: bool) -> FetchResult:
        settings = self._settings
        requested = check_url(url, allow_private=settings.allow_private)
        started = time.monotonic()
        # The deadline counts the time spent on hops (DNS, connect, answer, body), not the
        # time queued behind this Fetcher's own politeness waits.
        budget = settings.total_deadline
        current = requested
        hops: list[str] = []
        statuses: list[int] = []
        seen = {_without_fragment(requested)}
        while True:
            if robots:
                await self._check_robots(current)
            answer, budget = await self._hop(current, headers, budget)
            if answer.location is None:
                break
            hops.append(current)
            statuses.append(answer.status)
            if len(hops) > settings.max_redirects:
                raise TooManyRedirects(
                    f"{requested} redirected more than {settings.max_redirects} times"
                )
            try:
                target = str(httpx.URL(current).join(answer.location))
            except (httpx.InvalidURL, ValueError):
                raise HTTPStatusError(
                    f"{current} redirected to an invalid URL {answer.location!r}",
                    status=answer.status,
                ) from None
            current = check_url(target, allow_private=settings.allow_private)
            if _without_fragment(current) in seen:
                raise TooManyRedirects(f"redirect loop: {current} was already visited")
            seen.add(_without_fragment(current))
        return FetchResult(
            requested_url=requested,
            url=current,
            status=answer.status,
            body=answer.body,
            fetched_at=self._clock.now(),
            content_type=answer.content_type,
            etag=answer.etag or (headers.get("If-None-Match") if answer.status == 304 else None),
            last_modified=answer.last_modified
            or (headers.get("If-Modified-Since") if answer.status == 304 else None),
            redirects=tuple(hops),
            permanent_redirect=bool(statuses) and all(s in _PERMANENT_REDIRECTS for s in statuses),
            elapsed=time.monotonic() - started,
        )

    async def _hop(self, url: str, headers: dict[str, str], budget: float) -> tuple[_Answer, float]:
        """One request within the remaining deadline; returns the answer and the budget left."""
        host, port = host_and_port(url)
        async with self._turn(f"{host.lower()}:{port}") as gate:
            start = time.monotonic()
            try:
                async with asyncio.timeout(budget):
                    answer = await self._request(url, host, port, headers, gate)
            except TimeoutError:
                raise FetchTimeout(
                    f"{url}: the total deadline of {self._settings.total_deadline:g} s ran out"
                ) from None
            return answer, budget - (time.monotonic() - start)

    @contextlib.asynccontextmanager
    async def _turn(self, key: str) -> AsyncIterator[_HostGate]:
        """Wait for this host's turn (one at a time, spaced, Retry-After), then a global slot."""
        gate = self._gates.get(key)
        if gate is None:
            if len(self._gates) >= _PRUNE_AT:
                self._forget_idle_gates()
            gate = self._gates[key] = _HostGate(lock=asyncio.Lock())
        gate.users += 1
        try:
            async with gate.lock:
                now = time.monotonic()
                held = gate.not_before - now
                if held > self._settings.total_deadline:
                    raise TransientHTTPError(
                        f"{key} asked us to wait {held:.0f} s (Retry-After)", retry_after=held
                    )
                interval = self._settings.per_host_interval
                wait = max(gate.last_start + interval, gate.not_before) - now
                if wait > 0:
                    await asyncio.sleep(wait)
                # A connection slot first: waiting for another worker's turn on this host
                # then holds at most `max_connections` database connections, not one per job.
                async with self._in_flight, self._shared_turn(key, gate):
                    gate.last_start = time.monotonic()
                    yield gate
        finally:
            gate.users -= 1

    @contextlib.asynccontextmanager
    async def _shared_turn(self, key: str, gate: _HostGate) -> AsyncIterator[None]:
        """Also wait for the host's turn among every worker, when turns are shared."""
        if self._shared is None:
            yield
            return
        settings = self._settings
        async with self._shared.turn(
            key, settings.per_host_interval, settings.total_deadline
        ) as turn:
            try:
                yield
            finally:
                held = gate.not_before - time.monotonic()
                if held > 0:
                    turn.hold(held)

    def _forget_idle_gates(self) -> None:
        now = time.monotonic()
        interval = self._settings.per_host_interval
        for key, gate in list(self._gates.items()):
            if gate.users == 0 and max(gate.last_start + interval, gate.not_before) < now:
                del self._gates[key]

    async def _request(
        self, url: str, host: str, port: int, headers: dict[str, str], gate: _HostGate
    ) -> _Answer:
        settings = self._settings
        if not settings.allow_private:
            # A clear refusal before any request; the connection layer checks again and then
            # connects to the very address it checked, so a changed DNS answer cannot slip in.
            await resolve_public(self._resolver, host, port, allow_private=False)
        try:
            request = self._client.build_request("GET", url, headers=headers)
            response = await self._client.send(request, stream=True)
            try:
                return await self._answer(url, response, gate)
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"{url}: timed out ({type(exc).__name__})") from None
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise TransientHTTPError(f"{url}: {type(exc).__name__} {exc}") from None
        except httpx.InvalidURL as exc:
            raise BadInput(f"not a valid URL: {url!r} ({exc})") from None

    async def _answer(self, url: str, response: httpx.Response, gate: _HostGate) -> _Answer:
        status = response.status_code
        settings = self._settings
        if status in _REDIRECTS and response.headers.get("Location"):
            return _Answer(status=status, location=response.headers["Location"])
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(
                response.headers.get("Retry-After"),
                now=self._clock.now(),
                cap=settings.max_retry_after,
            )
            if retry_after:
                gate.not_before = max(gate.not_before, time.monotonic() + retry_after)
            raise TransientHTTPError(
                f"{url} answered {status}", status=status, retry_after=retry_after
            )
        if not (200 <= status < 300 or status in _OUTCOMES):
            raise HTTPStatusError(f"{url} answered {status}", status=status)
        body = b"" if status == 304 else await self._read_body(url, response)
        return _Answer(
            status=status,
            body=body,
            content_type=response.headers.get("Content-Type", ""),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )

    async def _read_body(self, url: str, response: httpx.Response) -> bytes:
        """The decoded body, refused as soon as it (or its encoded form) passes the cap."""
        cap = self._settings.max_body_bytes
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            raise BodyTooLarge(
                f"{url} declares {declared} bytes, more than the cap of {cap}", limit=cap
            )
        if response.is_stream_consumed:
            # An answer built in memory (httpx.MockTransport with content=...): httpx has
            # already read and decoded it, so only the cap is left to apply.
            _ensure_within(url, len(response.content), cap)
            return response.content
        decoder = BodyDecoder(response.headers.get_list("Content-Encoding", split_commas=True))
        body = bytearray()
        raw_bytes = 0
        async for raw in response.aiter_raw():
            raw_bytes += len(raw)
            _ensure_within(url, raw_bytes, cap)
            for piece in decoder.feed(raw):
                body += piece
                _ensure_within(url, len(body), cap)
        for piece in decoder.finish():
            body += piece
            _ensure_within(url, len(body), cap)
        return bytes(body)


def _ensure_within(url: str, size: int, cap: int) -> None:
    if size > cap:
        raise BodyTooLarge(
            f"{url}: the body passed the cap of {cap} bytes", limit=cap, received=size
        )


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    host, port = host_and_port(url)
    shown = f"[{host}]" if ":" in host else host
    return f"{parsed.scheme}://{shown}:{port}"


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]
