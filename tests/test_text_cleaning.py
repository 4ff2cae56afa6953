"""One rule for control characters: extraction, feeds, exports and claims drop the same set."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.export.files import clean_value
from tracker.text.cleaning import clean_utf8, plain_text, remove_control_chars
from tracker.web.extract import normalise_text
from tracker.web.feeds import parse_feed

# NUL, other C0, DEL, C1 (NEL among them), a lone surrogate, U+FFFE and U+FFFF.
REFUSED = ["\x00", "\x01", "\x08", "\x0b", "\x1f", "\x7f", "\x85", "\x9f", "\ud800", "\ufffe"]
KEPT = ["\t", "\n", "\r", "é", "€", "\u00a0"]


@pytest.mark.parametrize("char", REFUSED)
def test_every_door_drops_the_same_characters(char: str) -> None:
    text = f"Parcel{char}wise"
    assert remove_control_chars(text) == "Parcelwise"
    assert normalise_text(text) == "Parcelwise"
    assert clean_value(text) == "Parcelwise"
    # A claim the user registers: the character reads as a space, not as nothing.
    assert plain_text(text) == "Parcel wise"


@pytest.mark.parametrize("char", KEPT)
def test_text_characters_are_kept(char: str) -> None:
    assert remove_control_chars(f"a{char}b") == f"a{char}b"


def test_a_feed_title_is_cleaned_by_the_same_rule() -> None:
    body = (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        "<title>Ledger\u0085 News</title><item><title>A\u0080B</title>"
        "<link>https://ledger.test/a</link></item></channel></rss>"
    ).encode()
    feed = parse_feed(body, url="https://ledger.test/feed.xml")
    assert feed.title == "Ledger News"
    assert feed.entries[0].title == "AB"


# Every refused character, its neighbours in each range, and text characters whose UTF-8 shares
# a first byte with a refused one (0xC2 for U+00A0-U+00BF, 0xEF 0xBF for U+FFF0-U+FFFD).
_PIECES = [
    *REFUSED,
    *KEPT,
    "\x09",
    "\x0e",
    "\x80",
    "\xa0",
    "\xbf",
    "\udfff",
    "\ufffd",
    "\uffff",
    "\U00010000",
    "plain words ",
]


@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=5), max_size=30))
def test_clean_utf8_is_the_cleaned_text_encoded(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert clean_utf8(text) == remove_control_chars(text).encode("utf-8", "replace")
