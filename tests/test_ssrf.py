"""The fetcher never reaches a refused address: literal forms, DNS answers, redirects, rebinding."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable, Iterator

import httpcore
import httpx
import pytest

from tracker.config import HttpSettings
from tracker.errors import BadInput, TransientHTTPError, UnsafeURL
from tracker.web.http import Fetcher, check_url, is_public_address

from .support.httpserver import LocalServer, reply, send

PUBLIC_IP = "93.184.216.34"  # stands for a public site; the test backend maps it to the server


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def settings(**changes: object) -> HttpSettings:
    values: dict[str, object] = {"per_host_interval": 0.0, "total_deadline": 5.0}
    values.update(changes)
    return HttpSettings(**values)  # type: ignore[arg-type]


class StubResolver:
    """Answers from a table; a list of answers is handed out one per call (the last repeats)."""

    def __init__(self, table: dict[str, list[str] | list[list[str]]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answer = self.table.get(host)
        if answer is None:
            raise OSError(f"unknown host {host}")
        if answer and isinstance(answer[0], list):
            index = min(self.calls.count(host) - 1, len(answer) - 1)
            return list(answer[index])
        return [str(address) for address in answer]


class _RecordingStream(httpcore.AsyncNetworkStream):
    """Passes through to a real stream; records what TLS would be started for."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, backend: GuardBackend) -> None:
        self._inner = inner
        self._backend = backend

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self._backend.tls_names.append(server_hostname)
        await self._inner.aclose()  # as a real stream does when its handshake fails
        raise httpcore.ConnectError("no TLS on the test server")


class GuardBackend(httpcore.AsyncNetworkBackend):
    """The last hop before the socket: fails the test on any address but the fake public one."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.attempts: list[str] = []
        self.tls_names: list[str | None] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.attempts.append(host)
        if host != PUBLIC_IP:
            raise AssertionError(f"a connection was attempted to {host}")
        stream = await self._real.connect_tcp("127.0.0.1", self.server.port, timeout=timeout)
        return _RecordingStream(stream, self)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def guarded_fetcher(
    server: LocalServer, resolver: StubResolver, **changes: object
) -> tuple[Fetcher, GuardBackend]:
    guard = GuardBackend(server)
    return Fetcher(settings(**changes), resolver=resolver, network_backend=guard), guard


def fetch(fetcher: Fetcher, url: str) -> None:
    async def go() -> None:
        async with fetcher:
            await fetcher.fetch(url)

    asyncio.run(go())


# ------------------------------------------------------------ literal forms


REFUSED_URLS = [
    "http://127.0.0.1/",
    "http://127.0.0.1./",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0x7f.0.0.1/",
    "http://017700000001/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1:8080/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://0/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://[fc00::1]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1%25eth0]/",
    "http://[ff02::1]/",
    "http://[::]/",
    "http://localhost:8080/",
    "http://LOCALHOST/",
    "http://api.localhost/",
    "http://printer.local/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata/",
    "https://service.internal/",
    "http://router.home.arpa/",
    "http://evil.example\\@127.0.0.1/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_non_public_hosts_are_refused_before_any_lookup(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check_url(url, allow_private=False)
    assert check_url(url, allow_private=True) == url


def test_dotted_octal_is_refused_even_though_httpx_cannot_send_it() -> None:
    with pytest.raises(BadInput):  # httpx rejects this form; nothing is sent either way
        check_url("http://0177.0.0.1/", allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "gopher://example.com:70/", "ftp://example.com/", "javascript:1"],
)
def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check_url(url, allow_private=True)


@pytest.mark.parametrize("url", ["http://", "http://[::1/", "http://exa mple.com/", "/relative"])
def test_malformed_urls_are_bad_input(url: str) -> None:
    with pytest.raises(BadInput):
        check_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/news/1",
        "http://93.184.216.34/",
        "http://[2606:2800:220:1:248:1893:25c8:1946]/",
        "http://[::ffff:93.184.216.34]/",
        " https://example.com/padded ",
        "http://1.1/",  # 1.0.0.1 in inet_aton's short form: public
    ],
)
def test_public_urls_pass(url: str) -> None:
    assert check_url(url, allow_private=False) == url.strip()


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.31.255.255", False),
        ("172.32.0.1", True),
        ("192.168.0.1", False),
        ("100.64.0.1", False),
        ("100.127.255.255", False),
        ("169.254.169.254", False),
        ("192.0.2.1", False),  # documentation range
        ("198.18.0.1", False),  # benchmarking range
        ("0.0.0.0", False),
        ("224.0.0.251", False),
        ("::1", False),
        ("::", False),
        ("::ffff:10.0.0.1", False),
        ("fe80::1%eth0", False),
        ("fd12:3456::1", False),
        ("ff05::2", False),
        ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
        ("not an address", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


# ------------------------------------------------------------ through the fetcher


def test_literal_forms_never_reach_the_transport() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200)

    resolver = StubResolver({})
    for url in ["http://2130706433/", "http://0x7f000001/", "http://[::ffff:127.0.0.1]/"]:
        fetcher = Fetcher(settings(), resolver=resolver, transport=httpx.MockTransport(handler))
        with pytest.raises(UnsafeURL):
            fetch(fetcher, url)
    with pytest.raises(UnsafeURL):
        fetch(Fetcher(settings(), transport=httpx.MockTransport(handler)), "file:///etc/passwd")
    assert requests == []
    assert resolver.calls == []


def test_name_resolving_to_a_private_address_is_refused_with_mock_transport() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200)

    resolver = StubResolver({"intranet.test": ["10.0.0.5"], "mixed.test": [PUBLIC_IP, "::1"]})
    for url in ["http://intranet.test/", "http://mixed.test/"]:
        fetcher = Fetcher(settings(), resolver=resolver, transport=httpx.MockTransport(handler))
        with pytest.raises(UnsafeURL):
            fetch(fetcher, url)
    assert requests == []


def test_name_resolving_to_a_private_address_makes_no_connection(server: LocalServer) -> None:
    server.route("/", reply(200, b"secret"))
    resolver = StubResolver({"intranet.test": ["127.0.0.1"], "meta.test": ["169.254.169.254"]})
    for host in ["intranet.test", "meta.test"]:
        fetcher, guard = guarded_fetcher(server, resolver)
        with pytest.raises(UnsafeURL):
            fetch(fetcher, server.url("/", host))
        assert guard.attempts == []
    assert server.hits() == 0


def test_public_name_is_fetched_through_the_checked_address(server: LocalServer) -> None:
    server.route("/page", reply(200, b"hello"))
    fetcher, guard = guarded_fetcher(server, StubResolver({"news.test": [PUBLIC_IP]}))

    async def go() -> bytes:
        async with fetcher:
            return (await fetcher.fetch(server.url("/page", "news.test"))).body

    assert asyncio.run(go()) == b"hello"
    assert guard.attempts == [PUBLIC_IP]
    assert server.hits_for("/page")[0].host == "news.test"


def test_international_names_are_checked_in_the_form_that_is_connected(
    server: LocalServer,
) -> None:
    server.route("/", reply(200, b"ok"))
    resolver = StubResolver({"xn--bcher-kva.test": [PUBLIC_IP]})
    fetcher, guard = guarded_fetcher(server, resolver)
    fetch(fetcher, server.url("/", "bücher.test"))
    assert resolver.calls == ["xn--bcher-kva.test", "xn--bcher-kva.test"]
    assert guard.attempts == [PUBLIC_IP]


def test_redirect_to_loopback_is_refused_and_never_requested(server: LocalServer) -> None:
    server.route("/secret", reply(200, b"secret"))
    server.route("/to-literal", reply(302, headers={"Location": server.url("/secret")}))
    server.route("/to-relative", reply(302, headers={"Location": f"//[::1]:{server.port}/secret"}))
    server.route("/to-decimal", reply(301, headers={"Location": "http://2130706433/secret"}))
    server.route(
        "/to-name", reply(307, headers={"Location": server.url("/secret", "intranet.test")})
    )
    resolver = StubResolver({"news.test": [PUBLIC_IP], "intranet.test": ["127.0.0.1"]})
    for path in ["/to-literal", "/to-relative", "/to-decimal", "/to-name"]:
        fetcher, guard = guarded_fetcher(server, resolver)
        with pytest.raises(UnsafeURL):
            fetch(fetcher, server.url(path, "news.test"))
        assert guard.attempts == [PUBLIC_IP]
    assert server.hits("/secret") == 0
    assert server.hits() == 4


def test_dns_rebinding_between_check_and_connect_is_caught(server: LocalServer) -> None:
    server.route("/", reply(200, b"secret"))
    # First answer (the check before the request) public, then loopback (the connection's own).
    resolver = StubResolver({"rebind.test": [[PUBLIC_IP], ["127.0.0.1"]]})
    fetcher, guard = guarded_fetcher(server, resolver)
    with pytest.raises(UnsafeURL):
        fetch(fetcher, server.url("/", "rebind.test"))
    assert resolver.calls == ["rebind.test", "rebind.test"]
    assert guard.attempts == []
    assert server.hits() == 0


def test_connection_goes_to_the_address_that_was_checked(server: LocalServer) -> None:
    server.route("/", reply(200, b"ok"))
    # Public for the two lookups of this fetch, loopback for anyone who asks again afterwards.
    resolver = StubResolver({"rebind.test": [[PUBLIC_IP], [PUBLIC_IP], ["127.0.0.1"]]})
    fetcher, guard = guarded_fetcher(server, resolver)
    fetch(fetcher, server.url("/", "rebind.test"))
    assert guard.attempts == [PUBLIC_IP]  # not a fresh lookup at connect time


def test_rebinding_is_caught_with_an_injected_transport_too() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(302, headers={"Location": "http://rebind.test/next"})

    resolver = StubResolver({"rebind.test": [[PUBLIC_IP], ["127.0.0.1"]]})
    fetcher = Fetcher(settings(), resolver=resolver, transport=httpx.MockTransport(handler))
    with pytest.raises(UnsafeURL):
        fetch(fetcher, "http://rebind.test/")
    assert [str(request.url) for request in requests] == ["http://rebind.test/"]


def test_tls_is_started_for_the_host_name_not_the_address(server: LocalServer) -> None:
    fetcher, guard = guarded_fetcher(server, StubResolver({"secure.test": [PUBLIC_IP]}))
    with pytest.raises(TransientHTTPError):
        fetch(fetcher, f"https://secure.test:{server.port}/")
    assert guard.attempts == [PUBLIC_IP]
    assert guard.tls_names == ["secure.test"]


def test_allow_private_opens_loopback(server: LocalServer) -> None:
    server.route("/", lambda request: send(request, 200, b"local"))

    async def go() -> bytes:
        async with Fetcher(settings(allow_private=True)) as fetcher:
            return (await fetcher.fetch(server.url("/"))).body

    assert asyncio.run(go()) == b"local"
