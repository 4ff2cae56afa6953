"""Real local alert destinations for tests: a webhook receiver and an SMTP server on 127.0.0.1.

The webhook receiver answers each POST with the next status of a script (then 200), or holds
the request until released (a destination that never answers). The SMTP server is aiosmtpd's.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["Received", "SmtpSink", "WebhookReceiver"]


@dataclass(frozen=True)
class Received:
    """One POST the receiver answered, and with what status."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


class WebhookReceiver:
    """An http.server on 127.0.0.1 that records webhook deliveries."""

    def __init__(self, statuses: Iterable[int] = (), *, hang: bool = False) -> None:
        self.statuses = list(statuses)
        self.hang = hang
        self.release = threading.Event()
        self.arrived = threading.Event()  # set when a request came in (even a held one)
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.arrived.set()
                if receiver.hang:
                    receiver.release.wait(30)
                    return  # closes without an answer
                with receiver._lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.received.append(
                        Received(self.path, dict(self.headers.items()), body, status)
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        """The receiver's URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def accepted(self) -> list[Received]:
        """The deliveries answered with a 2xx status."""
        with self._lock:
            return [r for r in self.received if 200 <= r.status < 300]

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


class _Collect:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class SmtpSink:
    """aiosmtpd on 127.0.0.1 keeping every message it was given."""

    def __init__(self) -> None:
        self._handler = _Collect()
        # A free port picked first: the controller checks it is up by connecting to its port.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[Message]:
        """The messages received so far."""
        with self._handler.lock:
            return list(self._handler.messages)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._controller.stop()
