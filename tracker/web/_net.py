"""The wire under the one HTTP client: which addresses may be reached; connecting only to those.

Private to `tracker.web.http`; httpcore's types stay in here and in `tracker.web.http`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator

import httpcore
import httpx

from tracker.errors import (
    BadInput,
    FetchTimeout,
    TransientHTTPError,
    UnsafeURL,
)

__all__ = [
    "CheckedBackend",
    "PinnedTransport",
    "Resolver",
    "check_url",
    "is_public_address",
    "literal_address",
    "resolve_public",
    "system_resolver",
]

Resolver = Callable[[str, int], Awaitable[list[str]]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Names that only mean something inside a private network, a cloud's metadata service or this host.
_PRIVATE_NAMES = frozenset(
    {
        "localhost",
        "localhost.localdomain",
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
# Special-use and private-use domains: RFC 6761 (.localhost), RFC 6762 (.local, mDNS),
# RFC 8375 (.home.arpa) and ICANN's 2024 reservation of .internal.
_PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")
# One part of a legacy inet_aton() IPv4 literal: hex, octal or decimal.
_LEGACY_PART = re.compile(r"0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*", re.IGNORECASE)
_SCHEMES = frozenset({"http", "https"})
# A host name as sent on the wire (IDNs arrive here already in their xn-- form).
_HOST_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?", re.IGNORECASE)


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read the forms inet_aton() accepts (127.1, 0x7f000001, 2130706433, 017700000001)."""
    # Written by hand because `ipaddress` deliberately rejects these forms, while OS resolvers
    # still turn them into addresses; recognising them gives a clear refusal before any DNS.
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_LEGACY_PART.fullmatch(part) for part in parts):
        return None
    values = []
    for part in parts:
        if part[:2].lower() == "0x":
            values.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *leading, last = values
    if any(value > 255 for value in leading) or last >= 256 ** (4 - len(leading)):
        return None
    number = last
    for index, value in enumerate(leading):
        number += value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def literal_address(host: str) -> Address | None:
    """The IP address that `host` spells in any literal form, or None if it is a name."""
    bare = host.strip().strip("[]").rstrip(".")
    bare = bare.split("%", 1)[0]  # an IPv6 zone (fe80::1%eth0, or %25eth0 inside a URL)
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        return _legacy_ipv4(bare)


def _is_public(address: Address) -> bool:
    """True when `address` is globally routable unicast."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _is_public(address.ipv4_mapped)
        if address.sixtofour is not None and not _is_public(address.sixtofour):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def is_public_address(ip: str) -> bool:
    """True when the IP address string is public (not private, loopback, link-local, ...)."""
    address = literal_address(ip)
    return address is not None and _is_public(address)


def _is_private_name(host: str) -> bool:
    name = host.lower().rstrip(".")
    return name in _PRIVATE_NAMES or name.endswith(_PRIVATE_SUFFIXES)


def check_url(url: str, *, allow_private: bool) -> str:
    """Return `url` stripped if it is http(s) and names no refused host; else raise."""
    candidate = url.strip()
    try:
        # The parser that will send the request decides the host, so no second parser disagrees.
        parsed = httpx.URL(candidate)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise BadInput(f"not a valid URL: {url!r} ({exc})") from None
    scheme = parsed.scheme.lower()
    if scheme not in _SCHEMES:
        raise UnsafeURL(f"only http(s) URLs are fetched, not {scheme or 'a relative'} URL {url!r}")
    host = parsed.host
    if not host:
        raise BadInput(f"URL has no host: {url!r}")
    address = literal_address(host)
    if address is None and not _HOST_NAME.fullmatch(parsed.raw_host.decode("ascii")):
        raise BadInput(f"URL has an invalid host: {url!r}")
    if allow_private:
        return candidate
    if address is not None:
        if not _is_public(address):
            raise UnsafeURL(f"refused {url!r}: {address} is not a public address", private=True)
    elif _is_private_name(host):
        raise UnsafeURL(f"refused {url!r}: {host} is a private or local name", private=True)
    return candidate


def host_and_port(url: str) -> tuple[str, int]:
    """The host name and port (explicit or the scheme's default) of an http(s) URL."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    # The ASCII (xn--) form, exactly what the connection layer will be asked to resolve.
    return parsed.raw_host.decode("ascii"), port


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve `host` through the operating system, as the connection would."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


async def resolve_public(
    resolver: Resolver, host: str, port: int, *, allow_private: bool
) -> list[str]:
    """Resolve `host`; every address must be public unless `allow_private`."""
    try:
        addresses = await resolver(host, port)
    except OSError as exc:
        raise TransientHTTPError(f"could not resolve {host}: {exc}") from None
    except UnicodeError:
        raise BadInput(f"not a valid host name: {host!r}") from None
    if not addresses:
        raise TransientHTTPError(f"{host} resolved to no address")
    if not allow_private:
        refused = [address for address in addresses if not is_public_address(address)]
        if refused:
            raise UnsafeURL(
                f"refused {host}: it resolves to non-public {', '.join(refused)}", private=True
            )
    return addresses


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks, then connects to the checked address itself (no DNS rebinding window)."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        allow_private: bool,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolver = resolver
        self._allow_private = allow_private
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first reachable checked address of `host`."""
        addresses = await resolve_public(
            self._resolver, host, port, allow_private=self._allow_private
        )
        failure: Exception | None = None
        for address in addresses:
            try:
                # TLS still verifies and sends SNI for the URL's host name: httpcore passes
                # server_hostname=<origin host> to start_tls, not the address used here.
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never used: fetches only go to TCP addresses that passed the check."""
        raise UnsafeURL("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        """Sleep as the wrapped backend does."""
        await self._inner.sleep(seconds)


@contextlib.contextmanager
def _translated_core_errors() -> Iterator[None]:
    """Turn httpcore's exceptions into the tracker's own."""
    try:
        yield
    except httpcore.TimeoutException as exc:
        raise FetchTimeout(f"timed out: {type(exc).__name__} {exc}".strip()) from None
    except (
        httpcore.NetworkError,
        httpcore.ProtocolError,
        httpcore.ProxyError,
        httpcore.ConnectionNotAvailable,
        httpcore.UnsupportedProtocol,
    ) as exc:
        raise TransientHTTPError(f"connection failed: {type(exc).__name__} {exc}") from None


class _CoreBody(httpx.AsyncByteStream):
    """An httpcore response body seen as an httpx byte stream."""

    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _translated_core_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        closer = getattr(self._stream, "aclose", None)
        if closer is not None:
            await closer()


class PinnedTransport(httpx.AsyncBaseTransport):
    """An httpx transport over an httpcore pool whose connections go through `CheckedBackend`."""

    # Written instead of using httpx.AsyncHTTPTransport because that class offers no public way
    # to pass a network backend; replacing its private `_pool` would break silently on upgrade.

    def __init__(self, backend: CheckedBackend, *, max_connections: int) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max(1, min(max_connections, 20)),
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            retries=0,
            network_backend=backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` through the pool and wrap the answer for httpx."""
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise BadInput("only async request bodies are supported")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _translated_core_errors():
            response = await self._pool.handle_async_request(core_request)
        if not isinstance(response.stream, AsyncIterable):
            raise TransientHTTPError("the connection pool returned a synchronous body")
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_CoreBody(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._pool.aclose()
