"""A real HTTP server on 127.0.0.1 for tests: a routing table of handlers and a log of requests.

Usage:
    with LocalServer() as server:
        server.route("/feed", reply(200, b"<rss/>", {"Content-Type": "application/rss+xml"}))
        url = server.url("/feed")            # http://127.0.0.1:<port>/feed
        url = server.url("/feed", "a.test")  # same server under another name (stub the resolver)
        server.hits("/feed")                 # how many requests reached /feed

A handler receives the request (a `BaseHTTPRequestHandler`) and writes the whole answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops SYNs when a crawler opens many connections
    # at once, and each dropped one costs the client a 1 s retransmit.
    request_queue_size = 128
    daemon_threads = True


__all__ = ["Handler", "Hit", "LocalServer", "reply", "send", "stream"]

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Hit:
    """One request the server received."""

    method: str
    path: str
    host: str
    headers: dict[str, str]
    started: float  # time.monotonic()
    finished: float = field(default=0.0)


def send(
    request: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> None:
    """Write a complete answer; Content-Length is added unless `headers` sets it."""
    request.send_response(status)
    given = {key.lower() for key in (headers or {})}
    for key, value in (headers or {}).items():
        request.send_header(key, value)
    if "content-length" not in given and "transfer-encoding" not in given:
        request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    if body and request.command != "HEAD":
        request.wfile.write(body)


def reply(
    status: int = 200, body: bytes = b"", headers: Mapping[str, str] | None = None
) -> Handler:
    """A handler that always gives the same answer."""
    return lambda request: send(request, status, body, headers)


def stream(
    chunks: Iterable[bytes],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    delay: float = 0.0,
) -> Handler:
    """A handler that sends `chunks` one by one (after `delay` each), then closes the connection.

    Without a Content-Length in `headers` the body is delimited by closing the connection.
    """

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.send_header("Connection", "close")
        request.end_headers()
        request.close_connection = True
        for chunk in chunks:
            if delay:
                time.sleep(delay)
            request.wfile.write(chunk)
            request.wfile.flush()

    return handle


class LocalServer:
    """A threaded HTTP/1.1 server bound to 127.0.0.1 on a free port."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.log: list[Hit] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._server.server_address[1])

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        """An absolute URL of `path` on this server, under the name `host`."""
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> None:
        """Answer requests for `path` (query string ignored) with `handler`."""
        self.routes[path] = handler

    def hits(self, path: str | None = None) -> int:
        """How many requests arrived, for `path` or in all."""
        with self._lock:
            return sum(1 for hit in self.log if path is None or hit.path == path)

    def hits_for(self, path: str) -> list[Hit]:
        """The requests that arrived for `path`, in order of arrival."""
        with self._lock:
            return [hit for hit in self.log if hit.path == path]

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            # Headers and body leave in separate writes; with Nagle on, a keep-alive client
            # waits out the peer's delayed ACK (~40 ms) on every request.
            disable_nagle_algorithm = True
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                hit = Hit(
                    method=self.command,
                    path=path,
                    host=(self.headers.get("Host") or "").rsplit(":", 1)[0],
                    headers={key.lower(): value for key, value in self.headers.items()},
                    started=time.monotonic(),
                )
                with server._lock:
                    server.log.append(hit)
                handler = server.routes.get(path) or reply(404, b"not found")
                try:
                    handler(self)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up; nothing to report
                finally:
                    hit.finished = time.monotonic()

            do_HEAD = do_GET

        return RequestHandler
