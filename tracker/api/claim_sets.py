"""Claims in bulk: import a file of claims, and rank the registered claims for texts.

What `tracker claims import` and `tracker claims match` call; `Claims.import_file` and
`Claims.match` hang these off the claims API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tracker.claims.imports import detect_format, parse_claims
from tracker.claims.match import LexicalMatcher
from tracker.claims.rank import CANDIDATES, ClaimRanker, query_text
from tracker.domain.claim_sets import ClaimMatch, ImportSummary
from tracker.errors import BadInput
from tracker.store.claim_index import ClaimIndex
from tracker.text.embeddings import load_default_encoder

__all__ = [
    "MAX_FILE_BYTES",
    "ClaimMatcher",
    "TextMatches",
    "import_claims_file",
    "read_match_file",
    "read_text_file",
]

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_TOP = 1000


@dataclass(frozen=True, slots=True)
class TextMatches:
    """The claims ranked for one text of a `--file`: its id and the best matches."""

    id: str
    matches: tuple[ClaimMatch, ...]


def read_text_file(path: Path) -> str:
    """A UTF-8 file's text; BadInput (one line) when it cannot be read or decoded."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise BadInput(f"{path}: larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadInput(f"{path}:{line}: not UTF-8 text") from None


def import_claims_file(
    index: ClaimIndex, path: Path, now: datetime, fmt: str | None = None
) -> ImportSummary:
    """Read, check and store every claim of a file in one transaction (all or nothing)."""
    kind = detect_format(str(path), fmt)
    drafts = parse_claims(str(path), read_text_file(path), kind)
    return index.import_claims(str(path), kind, drafts, now)


def read_match_file(path: Path) -> list[tuple[str, str]]:
    """(id, text) pairs of a file with one `id<TAB>text` a line (blank lines skipped)."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, line in enumerate(read_text_file(path).splitlines(), start=1):
        if not line.strip():
            continue
        key, tab, body = line.partition("\t")
        if not tab or not key.strip():
            raise BadInput(f"{path}:{number}: expected an id, a tab, then the text")
        if not body.strip():
            raise BadInput(f"{path}:{number}: the text is empty")
        if key in seen:
            raise BadInput(f"{path}:{number}: id {key[:40]!r} repeats")
        seen.add(key)
        pairs.append((key, body))
    if not pairs:
        raise BadInput(f"{path}: no texts in the file")
    return pairs


class ClaimMatcher:
    """Ranks the registered claims for texts: BM25 candidates from the store, re-scored."""

    def __init__(self, index: ClaimIndex, lexical: LexicalMatcher | None = None) -> None:
        """Re-score with `lexical` (the claims stage's matcher) and the packaged embeddings."""
        self.index = index
        self.ranker = ClaimRanker(load_default_encoder(), lexical)

    def match(self, text: str, top: int = 5, *, sync: bool = True) -> list[ClaimMatch]:
        """The `top` registered claims that best match `text`, best first."""
        if not text.strip():
            raise BadInput("give a text to match")
        if not 1 <= top <= MAX_TOP:
            raise BadInput(f"--top must be between 1 and {MAX_TOP}")
        text = self.clean(text)
        candidates = self.index.search(text, max(CANDIDATES, top), sync=sync)
        return self.ranker.rank(text, candidates, top)

    @staticmethod
    def clean(text: str) -> str:
        """The text as it is matched: links dropped (they name no claim), handles written out."""
        return query_text(text)

    def match_many(self, texts: Sequence[tuple[str, str]], top: int = 5) -> list[TextMatches]:
        """The best claims for each (id, text), in order."""
        self.index.sync()  # once, not per text
        return [TextMatches(key, tuple(self.match(body, top, sync=False))) for key, body in texts]
