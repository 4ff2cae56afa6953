"""Untrusted XML bytes to text a parser can safely read: decoding and the markup before the root.

Shared by feed parsing; written here rather than taken from feedparser for the reasons given
in `decode_document` and `strip_prolog`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

from tracker.errors import NotAFeed
from tracker.web._decode import mostly_utf8

__all__ = ["Prolog", "decode_document", "local_name", "strip_prolog"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16-LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# What ends a markup declaration, or must be skipped whole while looking for its end.
_DECLARATION_TOKENS = re.compile(r"""["'\[\]>]|<!--|<\?""")
# feedparser's own idea of where the document head ends (`<\w` over bytes, so ASCII only).
_ROOT_START = re.compile(r"<[A-Za-z0-9_]")
_ROOT_NAME = re.compile(r"<([A-Za-z0-9_][^\s/>]*)")


@dataclass(frozen=True, slots=True)
class Prolog:
    """A document cut at its root element, all markup before the root removed."""

    body: str  # the document from its root element on (after any junk text before it)
    root: str | None  # the root element's name as written, None when there is none
    doctype: str  # the removed DOCTYPE (and any other declaration), for the record


def local_name(tag: str) -> str:
    """`{namespace}name` or `prefix:name` -> `name`, lower-cased."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def decode_document(data: bytes, content_type: str | None = None) -> tuple[str, str | None]:
    """Decode an XML or JSON document; returns the text and a warning when the label was wrong.

    Looks at the BOM, then the UTF-16/32 byte pattern, then the charset, then the XML
    declaration, then tries UTF-8, cp1252, latin-1.

    Written here rather than left to feedparser because feedparser 6 tries the HTTP/RFC 3023
    charset (UTF-8 by default) before the BOM, so an ASCII-only UTF-16 feed with a BOM comes
    out as UTF-8 full of NULs; and because the DOCTYPE check must read exactly the text the
    parser will read (an ENTITY declaration hidden by a non-ASCII encoding was CVE-2012-2921).
    The order is RFC 7303's, which replaced RFC 3023.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode_with(data[len(bom) :], codec)
    sniffed = _sniff_wide_encoding(data[:4])
    if sniffed:
        return _decode_with(data, sniffed)
    declared = _declared_encodings(data, content_type)
    if not data.isascii():
        # Bytes that decode as UTF-8 are UTF-8 whatever a label claims (as for pages): a stale
        # server default such as windows-1252 is common, while text in another encoding is
        # almost never valid UTF-8 by chance.
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            others = [label for label in declared if _ascii_compatible_codec(label) != "utf-8"]
            return text, (
                f"declared encoding {others[0]} did not fit; read as utf-8" if others else None
            )
        # UTF-8 but for a few bytes: still UTF-8, the bad bytes replaced (never a code page).
        damaged = mostly_utf8(data)
        if damaged is not None:
            return damaged, "invalid utf-8 bytes replaced"
    latin1_label = False
    for label in declared:
        declared_codec = _ascii_compatible_codec(label)
        if declared_codec is None:
            continue
        try:
            return data.decode(declared_codec), None
        except UnicodeDecodeError:
            # A latin-1 label: cp1252 leaves five bytes undefined, which latin-1 reads.
            latin1_label = latin1_label or declared_codec == "cp1252"
    fallbacks = ("cp1252",) if not latin1_label else ()
    for codec in ("utf-8", *fallbacks, _detected_codec(data), "latin-1"):
        if codec is None:
            continue
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        warning = (
            f"declared encoding {declared[0]} did not fit; read as {codec}"
            if declared and not (latin1_label and codec == "latin-1")
            else None
        )
        return text, warning
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _detected_codec(data: bytes) -> str | None:
    """The encoding statistical detection finds, for bytes no label or default fits."""
    # Only reached when UTF-8 and cp1252 (or the declared encoding) failed: typically a CJK
    # multi-byte encoding mislabelled or not labelled at all, which latin-1 would turn to noise.
    best = charset_normalizer.from_bytes(data[:262_144]).best()
    return best.encoding if best is not None else None


def _decode_with(data: bytes, codec: str) -> tuple[str, str | None]:
    try:
        return data.decode(codec), None
    except UnicodeDecodeError:
        return data.decode(codec, errors="replace"), f"invalid {codec} bytes replaced"


def _sniff_wide_encoding(first: bytes) -> str | None:
    """UTF-16/32 or EBCDIC without a BOM, recognised by the bytes of a leading '<' or space."""
    if len(first) < 4:
        return None
    zero = [byte == 0 for byte in first]
    if zero == [True, True, True, False]:
        return "utf-32-be"
    if zero == [False, True, True, True]:
        return "utf-32-le"
    if zero[0] and not zero[1] and zero[2] and not zero[3]:
        return "utf-16-be"
    if not zero[0] and zero[1] and not zero[2] and zero[3]:
        return "utf-16-le"
    if first == b"\x4c\x6f\xa7\x94":  # '<?xm' in EBCDIC
        return "cp037"
    return None


def _declared_encodings(data: bytes, content_type: str | None) -> list[str]:
    labels: list[str] = []
    if content_type:
        charset = _CHARSET_PARAM.search(content_type)
        if charset:
            labels.append(charset.group(1))
    declaration = _XML_DECLARED_ENCODING.match(data[:1024])
    if declaration:
        labels.append(declaration.group(1).decode("ascii"))
    return labels


def _ascii_compatible_codec(label: str) -> str | None:
    """The Python codec for a charset label, if it reads ASCII as ASCII (else the label lies)."""
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in {"iso8859-1", "latin-1"}:
        return "cp1252"  # as browsers do (WHATWG Encoding): feeds say latin-1 and mean cp1252
    if name == "gb2312":
        return "gb18030"  # a superset; servers say gb2312 for both
    try:
        if "<?xml encoding='x'?>".encode(name) != b"<?xml encoding='x'?>":
            return None
    except (UnicodeError, LookupError):
        return None
    return name


def strip_prolog(text: str) -> Prolog:
    """Remove all markup before the root element: XML declaration, DOCTYPE, comments, PIs.

    Why: feedparser 6 keeps internal ENTITY declarations whose values hold no '&' and, when
    expat gives up, its loose parser expands them itself with no limit, so one 50 kB entity
    referenced 50,000 times hangs it (quadratic blow-up); its filter is a line-anchored regex,
    so declarations that do not start a line slip through to expat, and ones inside a comment
    or processing instruction still count; an external DTD or entity is a file or network
    access we never want. A feed needs none of this markup, so all of it goes before parsing.
    The scan runs up to the first `<` + ASCII word character, which is where feedparser's own
    search for a DOCTYPE stops, so nothing is left for it to find.
    """
    kept: list[str] = []
    doctype: list[str] = []
    position = 0
    while True:
        start = text.find("<", position)
        if start < 0:
            kept.append(text[position:])
            return Prolog("".join(kept), None, "".join(doctype))
        kept.append(text[position:start])
        if _ROOT_START.match(text, start):
            kept.append(text[start:])
            name = _ROOT_NAME.match(text, start)
            return Prolog("".join(kept), name.group(1) if name else None, "".join(doctype))
        if text.startswith("<!--", start):
            position = _end_of(text, "-->", start + 4)
        elif text.startswith("<?", start):
            position = _end_of(text, "?>", start + 2)
        elif text.startswith("<![CDATA[", start):
            position = _end_of(text, "]]>", start + 9)
        elif text.startswith("<!", start):
            position = _end_of_declaration(text, start + 2)
            doctype.append(text[start:position])
        else:  # a lone '<' in junk text before the root; harmless to every parser
            position = start + 1
            kept.append("<")


def _end_of(text: str, terminator: str, position: int) -> int:
    end = text.find(terminator, position)
    if end < 0:
        raise NotAFeed(f"not a feed: unterminated markup before the root element ({terminator!r})")
    return end + len(terminator)


def _end_of_declaration(text: str, position: int) -> int:
    """The index just past a `<!...>` declaration, stepping over quotes, comments, [subsets]."""
    depth = 0
    while True:
        token = _DECLARATION_TOKENS.search(text, position)
        if token is None:
            raise NotAFeed("not a feed: unterminated DOCTYPE or other declaration")
        found = token.group()
        if found in {'"', "'"}:
            position = _end_of(text, found, token.end())
        elif found == "<!--":
            position = _end_of(text, "-->", token.end())
        elif found == "<?":
            position = _end_of(text, "?>", token.end())
        else:
            position = token.end()
            if found == "[":
                depth += 1
            elif found == "]":
                depth = max(depth - 1, 0)
            elif depth == 0:  # '>'
                return position
