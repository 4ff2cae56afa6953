"""WARC files in and out: captured HTTP responses read in constant memory, archived pages written.

The one module that touches warcio (the reader and writer pywb is built on): its records, streams
and exceptions stay in here; the rest of the tracker sees `Capture`, `WarcProblem` and
`ArchivedPage`. A damaged file does not end the read: the reader reports the damage, looks for
the next record boundary, and goes on from there.
"""

from __future__ import annotations

import contextlib
import io
import os
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tracker.errors import BodyTooLarge, TrackerError
from tracker.text.cleaning import remove_control_chars
from tracker.web._decode import STEP, BodyDecoder

__all__ = ["ArchivedPage", "Capture", "WarcProblem", "read_warc", "write_warc"]

_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = b"WARC/1."
_SCAN = 1024 * 1024  # bytes read at once while looking for the next record after damage
_SLACK = 4  # trailing bytes (CRLFs) after the last record that are not damage


class _QuietIterator(ArchiveIterator):  # type: ignore[misc]
    """warcio's iterator, with its warnings about mis-sized records counted, not printed."""

    def __init__(self, handle: BinaryIO) -> None:
        super().__init__(handle)
        self.missized = 0

    def _consume_blanklines(self) -> Any:
        # warcio writes this warning straight to sys.stderr; here it becomes a problem line.
        with contextlib.redirect_stderr(io.StringIO()) as sink:
            result = super()._consume_blanklines()
        if sink.getvalue():
            self.missized += 1
        return result


class _Stopped(Exception):
    """The reader stopped before the end of the file."""

    def __str__(self) -> str:
        return "the file ends inside a record, or a record cannot be parsed"


@dataclass(frozen=True, slots=True)
class Capture:
    """One archived HTTP response: what a crawler saw at a URL at one moment."""

    url: str
    captured_at: datetime
    record_id: str
    status: int
    content_type: str
    body: bytes  # Content-Encoding and chunking undone, at most the cap
    offset: int  # of the record in the file, for messages
    location: str | None = None  # a redirect's target


@dataclass(frozen=True, slots=True)
class WarcProblem:
    """A record (or a stretch of the file) that could not be read, and why."""

    offset: int
    message: str


@dataclass(frozen=True, slots=True)
class ArchivedPage:
    """A stored page to write out as a WARC response record."""

    url: str
    captured_at: datetime
    status: int
    body: bytes
    content_type: str = "text/html"
    location: str | None = None  # a redirect's target


def read_warc(path: Path, *, max_body: int) -> Iterator[Capture | WarcProblem]:
    """Every response record of a WARC file (gzipped or not), and every problem on the way.

    Only `response` records with HTTP headers are captures; other record types (request,
    warcinfo, metadata, revisit) are passed over. Memory stays flat: a body is read up to
    `max_body` decoded bytes, the rest of its record is skipped unread.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield WarcProblem(0, f"cannot read the file: {exc.strerror or exc}")
        return
    with handle:
        size = os.fstat(handle.fileno()).st_size
        head = handle.read(_SCAN)
        gzipped = head.startswith(_GZIP_MAGIC)
        start: int | None = 0
        read_any = False
        if not _starts_a_record(head, gzipped):
            # Not a WARC file (warcio would also try it as the old ARC format, which this is
            # not either); a file whose start is damaged may still hold records further on.
            yield WarcProblem(0, "not a WARC file: it does not start with a WARC/1.x record")
            start = _next_boundary(handle, 1, gzipped)
            read_any = start is not None
        while start is not None:
            handle.seek(start)
            records = _QuietIterator(handle)
            offset = start
            try:
                for record in records:
                    offset = records.offset  # the current record's start (no read-ahead)
                    missized = records.missized
                    item = _capture(record, offset, max_body)
                    read_any = True
                    if item is not None:
                        yield item
                    if records.missized > missized:
                        yield WarcProblem(offset, "a record's Content-Length does not fit it")
            except Exception as exc:
                # warcio meeting a damaged file raises what its parsers raise (its own errors,
                # zlib, EOF, ValueError, ...): any of them ends this stretch, not the import.
                where = offset if read_any else start
                yield WarcProblem(where, _damage(exc, read_any or start > 0))
                start = _next_boundary(handle, where + 1, gzipped)
                continue
            # warcio also stops quietly where a record is cut short or unreadable: what is left
            # after the last record it read is damage too (a few blank bytes are not).
            stopped = records.offset
            if size - stopped <= _SLACK:
                return
            yield WarcProblem(stopped, _damage(_Stopped(), read_any or start > 0))
            start = _next_boundary(handle, stopped + 1, gzipped)


def _starts_a_record(head: bytes, gzipped: bool) -> bool:
    """True when the file's first bytes (decompressed if gzipped) are a WARC record header."""
    if gzipped:
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            return False
    return head.startswith(_WARC_MAGIC)


def _damage(exc: Exception, started: bool) -> str:
    # The parser's message may quote the file's bytes: one short line, no control characters.
    first = remove_control_chars((str(exc).strip().splitlines() or [type(exc).__name__])[0])[:200]
    if not started:
        return f"not a readable WARC file ({first})"
    return f"damaged or truncated record ({first}); looking for the next one"


def _next_boundary(handle: BinaryIO, position: int, gzipped: bool) -> int | None:
    """Where the next record seems to start at or after `position`, or None at the end."""
    magic = _GZIP_MAGIC if gzipped else _WARC_MAGIC
    handle.seek(position)
    carry = b""
    base = position
    while True:
        chunk = handle.read(_SCAN)
        if not chunk:
            return None
        data = carry + chunk
        found = data.find(magic)
        if found >= 0:
            return base - len(carry) + found
        carry = data[-(len(magic) - 1) :]
        base += len(chunk)


def _capture(record: Any, offset: int, max_body: int) -> Capture | WarcProblem | None:
    """The capture a record holds, a problem, or None for records that are not responses."""
    if record.rec_type != "response":
        return None
    headers = record.rec_headers
    url = remove_control_chars(headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    record_id = (headers.get_header("WARC-Record-ID") or "").strip()
    if not url.lower().startswith(("http://", "https://")):
        return WarcProblem(offset, f"record for {url[:200]!r} skipped: not an http(s) URL")
    if record.http_headers is None:
        return WarcProblem(offset, f"record for {url[:200]} skipped: no HTTP response in it")
    if not record_id:
        return WarcProblem(offset, f"record for {url[:200]} skipped: no WARC-Record-ID")
    captured = _warc_date(headers.get_header("WARC-Date") or "")
    if captured is None:
        return WarcProblem(offset, f"record for {url[:200]} skipped: no readable WARC-Date")
    http = record.http_headers
    try:
        status = int(http.get_statuscode() or 0)
    except ValueError:
        status = 0
    try:
        body = _body(record, http, max_body)
    except BodyTooLarge as exc:
        return WarcProblem(offset, f"record for {url[:200]} skipped: {exc}")
    except TrackerError as exc:
        return WarcProblem(offset, f"record for {url[:200]} skipped: {exc}")
    return Capture(
        url=url,
        captured_at=captured,
        record_id=record_id,
        status=status,
        content_type=http.get_header("Content-Type") or "",
        body=body,
        offset=offset,
        location=http.get_header("Location"),
    )


def _body(record: Any, http: Any, max_body: int) -> bytes:
    """The response body with chunking and Content-Encoding undone, refused past `max_body`."""
    stream: IO[bytes] = record.raw_stream
    is_chunked = (http.get_header("Transfer-Encoding") or "").lower() == "chunked"
    if is_chunked:
        stream = ChunkedDataReader(stream, decomp_type=None)
    encodings = (http.get_header("Content-Encoding") or "").split(",")
    decoder = BodyDecoder([e for e in encodings if e.strip()])
    out = bytearray()

    def take(pieces: Iterable[bytes]) -> None:
        for piece in pieces:
            out.extend(piece)
            if len(out) > max_body:
                # The same cap as the Fetcher's, counted after decompression: a bomb stops here.
                raise BodyTooLarge(f"body larger than {max_body} bytes after decompression")

    while True:
        raw = stream.read(STEP)
        if not raw:
            break
        take(decoder.feed(raw))
    take(decoder.finish())
    if not is_chunked and getattr(record.raw_stream, "limit", 0) > 0:
        # Fewer bytes than the record's Content-Length: the file was cut inside this body.
        raise TrackerError("the record is cut short (truncated file?)")
    return bytes(out)


def _warc_date(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


def write_warc(
    out: BinaryIO, pages: Iterable[ArchivedPage], *, info: dict[str, str], filename: str
) -> int:
    """Write a warcinfo record, then each page as a gzipped response record; how many pages."""
    writer = WARCWriter(out, gzip=True)
    warcinfo = writer.create_warcinfo_record(filename, info)
    writer.write_record(warcinfo)
    written = 0
    for page in pages:
        reason = _REASONS.get(page.status, "")
        fields = [("Content-Type", page.content_type), ("Content-Length", str(len(page.body)))]
        if page.location:
            fields.append(("Location", page.location))
        http = StatusAndHeaders(f"{page.status} {reason}".strip(), fields, protocol="HTTP/1.1")
        record = writer.create_warc_record(
            page.url,
            "response",
            payload=io.BytesIO(page.body),
            length=len(page.body),
            http_headers=http,
            warc_headers_dict={
                "WARC-Date": _iso(page.captured_at),
                "WARC-Record-ID": f"<urn:uuid:{uuid.uuid4()}>",
            },
        )
        writer.write_record(record)
        written += 1
    return written


_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found", 410: "Gone"}
