"""One way to read an untrusted HTML page into an lxml tree (feed discovery, home pages)."""

from __future__ import annotations

import lxml.etree
import lxml.html
from w3lib.encoding import html_to_unicode

from tracker.text.cleaning import remove_control_chars

__all__ = ["untrusted_tree"]


def untrusted_tree(html: bytes, content_type: str | None = None) -> lxml.html.HtmlElement | None:
    """The page's document tree, decoded as its headers and bytes say; None when it has none."""
    _, text = html_to_unicode(content_type, bytes(html))
    text = remove_control_chars(text)
    if not text.strip():
        return None
    # No network and no entities: the page is untrusted; recover=True reads broken markup.
    parser = lxml.html.HTMLParser(no_network=True, recover=True, remove_comments=True)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None
