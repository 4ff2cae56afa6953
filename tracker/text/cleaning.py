"""One rule for the characters no stored or written text may carry.

Control characters (C0 but tab, newline and return; DEL; the C1 block), lone surrogates and
U+FFFE/U+FFFF. XML 1.0 forbids most of them, PostgreSQL text refuses NUL, and in pages and feeds
the rest is only ever mis-decoding debris. Extraction, feed parsing, exports and the claims a
user registers all clean by this one set, so a text never passes one door and fails another.
"""

from __future__ import annotations

import re

__all__ = ["CONTROL_CHARS", "plain_text", "remove_control_chars"]

CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def remove_control_chars(text: str) -> str:
    """`text` without control characters, lone surrogates and U+FFFE/U+FFFF."""
    return CONTROL_CHARS.sub("", text)


def plain_text(text: str) -> str:
    """User text on one line: those characters as spaces, white space collapsed."""
    return " ".join(CONTROL_CHARS.sub(" ", text).split())
