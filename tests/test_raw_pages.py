"""Stored pages: what ISA-L writes is a zlib stream, and pages zlib wrote earlier still read."""

from __future__ import annotations

import zlib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tracker.store.raw_pages import pack_page, unpack_page

DEMO_PAGES = Path(__file__).resolve().parents[1] / "tracker" / "demo" / "corpus"


@given(st.binary(max_size=20_000))
def test_any_bytes_round_trip_through_zlib(data: bytes) -> None:
    packed = pack_page(data)
    assert zlib.decompress(packed) == data  # the format every reader of the column knows
    assert unpack_page(packed) == data


def test_pages_stored_by_zlib_before_still_read() -> None:
    page = b"<html><body>" + b"<p>The same paragraph again.</p>" * 500 + b"</body></html>"
    for level in (1, 3, 6, 9):
        assert unpack_page(zlib.compress(page, level)) == page


def test_pages_of_text_shrink() -> None:
    template = (DEMO_PAGES / "templates" / "article.html").read_text()
    texts = sorted((DEMO_PAGES / "articles").glob("*.txt"))
    assert texts
    for path in texts:
        page = (template + path.read_text()).encode()
        packed = pack_page(page)
        assert unpack_page(packed) == page
        assert len(packed) < len(page) * 0.8
