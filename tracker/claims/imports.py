"""Claims files: CSV, TSV and JSON Lines rows, and schema.org ClaimReview JSON-LD, as drafts.

Pure parsing: the caller reads the file and stores the drafts (`tracker.store.claim_index`,
all or nothing). A problem with the file raises `BadInput` naming the file and line (or, in
JSON-LD, the item) and what is wrong, so the CLI can print one line and store nothing.

Rows name their columns: `slug` and `text` are required, `title` and `url` optional, others
are ignored. ClaimReview items (a single object, a list, or an `@graph`; in JSON Lines one per
line) give `claimReviewed` as the text, the review's `name`/`headline` as the title, the
reviewed item's first appearance as the url, and keep the rating, author, item and the review's
own page; a slug is derived from the text when the item has none (`identifier`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from tracker.domain.claim_sets import ClaimDraft
from tracker.errors import BadInput

__all__ = ["FORMATS", "derive_slug", "detect_format", "parse_claims"]

FORMATS = ("csv", "tsv", "jsonl", "jsonld")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonld",
    ".jsonld": "jsonld",
}
REQUIRED = ("slug", "text")
_ROW_KEYS = frozenset({*REQUIRED, "title", "url"})
SLUG_WORDS_CHARS = 50  # the readable part of a derived slug
# What a ClaimReview says beyond the claim, kept as given.
REVIEW_KEYS = ("url", "reviewRating", "author", "itemReviewed", "datePublished", "name")
_WORD = re.compile(r"[a-z0-9]+")


def detect_format(name: str, explicit: str | None = None) -> str:
    """The format of a file by its suffix (or as given); BadInput when neither says."""
    if explicit is not None:
        if explicit not in FORMATS:
            raise BadInput(f"unknown format {explicit!r} (one of: {', '.join(FORMATS)})")
        return explicit
    found = _SUFFIXES.get(PurePath(name).suffix.lower())
    if found is None:
        raise BadInput(
            f"{name}: unknown format (name it .csv, .tsv, .jsonl or .json for ClaimReview JSON-LD)"
        )
    return found


def parse_claims(name: str, content: str, fmt: str) -> list[ClaimDraft]:
    """Every claim of a file's content, in order; BadInput on the first problem."""
    if fmt in ("csv", "tsv"):
        drafts = list(_rows(name, content, "\t" if fmt == "tsv" else ","))
    elif fmt == "jsonl":
        drafts = list(_json_lines(name, content))
    elif fmt == "jsonld":
        drafts = list(_json_ld(name, content))
    else:
        raise BadInput(f"unknown format {fmt!r} (one of: {', '.join(FORMATS)})")
    if not drafts:
        raise BadInput(f"{name}: no claims in the file")
    seen: dict[str, str] = {}
    for draft in drafts:
        if not draft.text.strip():
            raise BadInput(f"{draft.where}: the claim text is empty")
        first = seen.setdefault(draft.slug, draft.where)
        if first != draft.where:
            place = first.removeprefix(name).lstrip(": ")
            place = place if place.startswith("item") else f"line {place}"
            raise BadInput(f"{draft.where}: slug {draft.slug!r} repeats {place}")
    return drafts


def derive_slug(text: str) -> str:
    """A slug from a claim's text: its first words, and a short hash so other texts differ."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words: list[str] = []
    for word in _WORD.findall(ascii_text):
        if len("-".join([*words, word])) > SLUG_WORDS_CHARS:
            break
        words.append(word)
    digest = hashlib.sha1(" ".join(text.split()).encode(), usedforsecurity=False).hexdigest()[:8]
    return "-".join([*words, digest])


# ---------------------------------------------------------------- rows


def _rows(name: str, content: str, delimiter: str) -> Iterator[ClaimDraft]:
    """CSV or TSV with a header line."""
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = [column.strip().lower().lstrip("\ufeff") for column in header]
        missing = [column for column in REQUIRED if column not in columns]
        if missing:
            raise BadInput(
                f"{name}:1: missing column {', '.join(missing)} (the header needs slug and text;"
                " title and url are optional)"
            )
        start = reader.line_num + 1
        for fields in reader:
            where, start = f"{name}:{start}", reader.line_num + 1
            if not any(field.strip() for field in fields):
                continue
            if len(fields) > len(columns):
                raise BadInput(f"{where}: {len(fields)} fields, the header has {len(columns)}")
            yield _draft(where, dict(zip(columns, fields, strict=False)))
    except csv.Error as exc:
        raise BadInput(f"{name}:{reader.line_num}: {exc}") from None


def _json_lines(name: str, content: str) -> Iterator[ClaimDraft]:
    """One JSON object a line: a row (slug, text, ...) or a ClaimReview."""
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict):
            raise BadInput(f"{where}: expected a JSON object")
        if _is_claim_review(item):
            yield _review_draft(where, item)
            continue
        missing = [key for key in REQUIRED if key not in item]
        if missing:
            raise BadInput(f"{where}: missing {', '.join(missing)}")
        try:
            fields = {key: _plain(value) for key, value in item.items() if key in _ROW_KEYS}
        except BadInput as exc:
            raise BadInput(f"{where}: {exc}") from None
        yield _draft(where, fields)


def _draft(where: str, row: Mapping[str, str | None]) -> ClaimDraft:
    """A draft from a row's named fields."""
    slug = (row.get("slug") or "").strip()
    if not slug:
        raise BadInput(f"{where}: the slug is empty")
    url = (row.get("url") or "").strip() or None
    return ClaimDraft(where, slug, row.get("text") or "", (row.get("title") or "").strip(), url)


def _plain(value: Any) -> str | None:
    """A JSON value as a field: strings as they are, numbers as text, nothing for null."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    raise BadInput(f"expected text, found {type(value).__name__}")


# ---------------------------------------------------------------- ClaimReview


def _json_ld(name: str, content: str) -> Iterator[ClaimDraft]:
    """ClaimReview items of a JSON-LD document (an object, a list, or an @graph)."""
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{name}:{exc.lineno}: not JSON ({exc.msg})") from None
    items = list(_items(document))
    if not items:
        raise BadInput(f"{name}: no ClaimReview item (schema.org @type ClaimReview)")
    for number, item in enumerate(items, start=1):
        yield _review_draft(f"{name}: item {number}", item)


def _items(node: Any) -> Iterator[dict[str, Any]]:
    """Every ClaimReview object in a JSON-LD tree, in document order."""
    if isinstance(node, list):
        for child in node:
            yield from _items(child)
    elif isinstance(node, dict):
        if _is_claim_review(node):
            yield node
        elif "@graph" in node:
            yield from _items(node["@graph"])


def _is_claim_review(item: Mapping[str, Any]) -> bool:
    """True for an object whose @type is (or includes) ClaimReview."""
    kind = item.get("@type")
    kinds: Sequence[Any] = kind if isinstance(kind, list) else [kind]
    # "ClaimReview", "schema:ClaimReview" or "https://schema.org/ClaimReview"
    return any(isinstance(k, str) and re.split(r"[/:#]", k)[-1] == "ClaimReview" for k in kinds)


def _review_draft(where: str, item: Mapping[str, Any]) -> ClaimDraft:
    """A draft from one ClaimReview."""
    text = item.get("claimReviewed")
    if not isinstance(text, str) or not text.strip():
        raise BadInput(f"{where}: the ClaimReview has no claimReviewed text")
    identifier = item.get("identifier")
    slug = identifier.strip() if isinstance(identifier, str) and identifier.strip() else ""
    title = next(
        (v.strip() for v in (item.get("name"), item.get("headline")) if isinstance(v, str)), ""
    )
    review = {key: item[key] for key in REVIEW_KEYS if key in item}
    return ClaimDraft(
        where, slug or derive_slug(text), text, title, _appearance(item.get("itemReviewed")), review
    )


def _appearance(item: Any) -> str | None:
    """Where the reviewed claim was made: the item's first appearance, else its first one."""
    if not isinstance(item, dict):
        return None
    for key in ("firstAppearance", "appearance"):
        value = item.get(key)
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, str) and entry.startswith(("http://", "https://")):
                return entry
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                return str(entry["url"])
    return None
