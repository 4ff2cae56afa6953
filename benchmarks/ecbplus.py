"""Read the ECB+ corpus: each document's text rebuilt from its tokens, with topic and half.

Shared by benchmarks/events.py and benchmarks/derivations.py. In `ecbplus` files sentence 0 is
the source URL and is dropped. Tokens are joined with spaces except before closing punctuation
and after opening brackets, and each sentence becomes one line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

_NO_SPACE_BEFORE = frozenset(",.;:!?%)]}'\"”’") | {"'s", "n't", "''", "'re", "'ve", "'ll", "'d"}
_NO_SPACE_AFTER = frozenset("([{$“‘")
_FILE = re.compile(r"^(?P<topic>\d+)_(?P<number>\d+)(?P<half>ecb|ecbplus)\.xml$")


@dataclass(frozen=True, slots=True)
class Document:
    """One ECB+ article: its topic, which of the topic's two events it reports, and its text."""

    name: str
    topic: str
    half: str  # "ecb" or "ecbplus": the two events of a topic
    text: str


def _detokenise(tokens: list[str]) -> str:
    """Join tokens into readable text."""
    out: list[str] = []
    for token in tokens:
        token = {"``": "“", "''": "”", "-LRB-": "(", "-RRB-": ")"}.get(token, token)
        if out and token not in _NO_SPACE_BEFORE and out[-1] not in _NO_SPACE_AFTER:
            out.append(" ")
        out.append(token)
    return "".join(out)


def read_document(path: Path) -> Document | None:
    """Parse one ECB+ file; None when its name is not of the corpus form."""
    found = _FILE.match(path.name)
    if found is None:
        return None
    root = ET.parse(path).getroot()  # the benchmark data is local and trusted
    sentences: dict[int, list[str]] = {}
    for token in root.iter("token"):
        sentences.setdefault(int(token.get("sentence", "0")), []).append(token.text or "")
    half = found.group("half")
    if half == "ecbplus":
        sentences.pop(0, None)  # the source URL
    text = "\n".join(_detokenise(words) for _, words in sorted(sentences.items()))
    return Document(path.name, found.group("topic"), half, text)


def read_corpus(folder: Path) -> list[Document]:
    """Every document of the corpus folder, sorted by topic then name."""
    documents = [
        doc for path in sorted(folder.glob("*/*.xml")) if (doc := read_document(path)) is not None
    ]
    return sorted(documents, key=lambda d: (int(d.topic), d.name))
