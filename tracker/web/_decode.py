"""Decoding bytes: Content-Encoding in bounded steps, and text that is UTF-8 but for a few bytes.

httpx's own decoders call zlib without an output limit, so one 64 KiB read of a gzip bomb can
expand to ~64 MiB before the caller sees a byte. These decoders hand out at most `STEP` bytes per
piece, so a size cap checked between pieces stops a bomb within one step of the cap.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

from tracker.errors import TransientHTTPError

__all__ = ["STEP", "BodyDecoder", "mostly_utf8"]

STEP = 64 * 1024  # the most decoded bytes handed out at once
_GZIP_WBITS = 16 + zlib.MAX_WBITS


class _ZlibLayer:
    """One gzip or deflate layer, decoded in pieces of at most STEP bytes."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding != "deflate"
        self._decoder = zlib.decompressobj(_GZIP_WBITS if self._gzip else zlib.MAX_WBITS)
        self._started = False  # some output came out: the format guess is settled
        self._raw = False
        self._head = b""  # input kept until the first output, to retry as raw deflate

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decode `data`, yielding the output in bounded pieces."""
        if not self._started:
            self._head += data
        pending = data
        while True:
            try:
                out = self._decoder.decompress(pending, STEP)
            except zlib.error:
                if self._gzip or self._started or self._raw:
                    raise
                # "deflate" is often sent as raw deflate without the zlib header; httpx and
                # browsers retry that way too.
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                self._raw = True
                pending = self._head
                continue
            if out or self._decoder.eof:
                self._started = True
                self._head = b""
            if out:
                yield out
            if self._decoder.eof:
                pending = self._decoder.unused_data
                if not (pending and self._gzip):
                    return  # bytes after the end of a deflate stream are ignored
                self._decoder = zlib.decompressobj(_GZIP_WBITS)  # a further gzip member
                continue
            pending = self._decoder.unconsumed_tail
            if not pending and len(out) < STEP:
                return

    def finish(self) -> Iterator[bytes]:
        """Whatever output remains once all input has arrived (less than one step)."""
        rest = self._decoder.flush()
        if rest:
            yield rest


class BodyDecoder:
    """Decodes a body through its Content-Encoding layers, innermost last."""

    def __init__(self, encodings: Sequence[str]) -> None:
        names = [name.strip().lower() for name in encodings]
        layers = [
            _ZlibLayer("deflate" if name == "deflate" else "gzip")
            for name in names
            if name in {"gzip", "x-gzip", "deflate"}
        ]
        # Codings are listed in the order applied, so they are undone from the last one.
        # An unknown coding (we never advertise one) passes through as httpx would; the cap
        # still applies to those bytes.
        self._layers = layers[::-1]

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decoded pieces of `data`, each at most STEP bytes (unless no coding is applied)."""
        return self._through(0, data)

    def finish(self) -> Iterator[bytes]:
        """The decoded bytes left once the body has ended."""
        for index, layer in enumerate(self._layers):
            for piece in self._guarded(layer.finish()):
                yield from self._through(index + 1, piece)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._layers):
            if data:
                yield data
            return
        for piece in self._guarded(self._layers[index].feed(data)):
            yield from self._through(index + 1, piece)

    @staticmethod
    def _guarded(pieces: Iterator[bytes]) -> Iterator[bytes]:
        try:
            yield from pieces
        except zlib.error as exc:
            # Usually a body cut short in transit; trying again later is the useful answer.
            raise TransientHTTPError(f"the body is not valid gzip/deflate: {exc}") from None


def mostly_utf8(data: bytes) -> str | None:
    """`data` as UTF-8 with its few invalid bytes replaced (U+FFFD); None when it is not UTF-8.

    One stray byte (a cut-and-pasted cp1252 quote, a truncated character) must not turn a whole
    UTF-8 document into mojibake by sending it to a legacy code page. Text in a legacy encoding
    almost never holds valid multi-byte UTF-8 sequences by chance, so it is taken as UTF-8 when
    its valid non-ASCII characters outnumber the invalid bytes at least two to one.
    """
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd") - data.count("\ufffd".encode())
    if not replaced:
        return text
    good = sum(1 for char in text if char > "\x7f") - text.count("\ufffd")
    return text if good >= 2 * replaced else None
