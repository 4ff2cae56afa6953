"""WARC records written byte by byte, so that tests can make them as broken as they like."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Sequence


def page(title: str, words: str) -> bytes:
    """A small article page whose text extraction keeps."""
    paragraphs = "".join(
        f"<p>{words} This is paragraph {n} of the report on {title.lower()}, "
        f"with enough words in it to count as an article's body text.</p>"
        for n in range(6)
    )
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><article>"
        f"<h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def record(
    url: str,
    body: bytes,
    *,
    date: str = "2024-05-01T08:00:00Z",
    record_id: str | None = None,
    status: str = "200 OK",
    headers: Sequence[tuple[str, str]] = (("Content-Type", "text/html; charset=utf-8"),),
    kind: str = "response",
) -> bytes:
    """One uncompressed WARC record holding an HTTP response (or another `kind`)."""
    http = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    block = http.encode() + body
    rid = record_id or f"<urn:uuid:{uuid.uuid4()}>"
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {url}\r\nWARC-Date: {date}\r\n"
        f"WARC-Record-ID: {rid}\r\nContent-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def gz(*records: bytes) -> bytes:
    """Records as a .warc.gz: one gzip member each, as archives write them."""
    return b"".join(gzip.compress(r, mtime=0) for r in records)


def chunked(body: bytes, size: int = 100) -> bytes:
    """`body` in HTTP/1.1 chunked transfer coding."""
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts) + b"0\r\n\r\n"
