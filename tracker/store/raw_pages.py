"""Raw pages as the store keeps them: zlib streams, written by ISA-L and read by zlib.

Every version keeps the page it was extracted from (evidence, re-extraction, WARC export), so
every page extracted is compressed once, in the extraction workers. ISA-L's deflate writes the
same zlib format several times faster than zlib's own: over the 193 real pages of
`benchmarks/warc_import.py` (165 KiB each), zlib level 3 took 1.23-1.27 ms of CPU a page for
22.5 % of the raw bytes, ISA-L level 2 0.25 ms for 23.2 % (about 3 % of an import's CPU).
Any stored page, whichever wrote it, reads back with `zlib.decompress`.
"""

from __future__ import annotations

import zlib

from isal import isal_zlib

__all__ = ["PACK_LEVEL", "pack_page", "unpack_page"]

PACK_LEVEL = 2  # ISA-L's levels are 0-3; 3 took twice the time of 2 for 22.4 % instead of 23.2 %


def pack_page(html: bytes) -> bytes:
    """The page's bytes as the store keeps them (a zlib stream)."""
    return isal_zlib.compress(html, PACK_LEVEL)


def unpack_page(packed: bytes) -> bytes:
    """A stored page's bytes back."""
    return zlib.decompress(packed)
