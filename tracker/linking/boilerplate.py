"""An outlet's recurring paragraphs (footers, newsletter pitches, bios): found and blanked out.

A paragraph is a non-blank line of extracted text. Its hash is taken over its normalised words,
so spacing and case do not matter. The store keeps, per outlet, how many of that outlet's
articles carry each paragraph hash, and updates it incrementally:

    hashes = paragraph_hashes(text)
    counts = store.paragraph_counts(outlet, hashes)          # other articles of the outlet only
    clean = strip_boilerplate(text, recurring(counts, settings.boilerplate_min_pages))
    store.add_paragraphs(outlet, hashes - hashes_of_previous_version)   # count an article once

Counts need a few pages, so an outlet's first pages are covered by `shared_template`: two
different articles of one outlet that open or end with the same paragraphs (a subscription
footer, a standfirst of the site) share its template there, not a story; the linker blanks
those paragraphs whenever it compares an article with another of its own outlet.

Blanking (replacing with spaces, newlines kept) instead of cutting keeps every character offset
of the clean text valid in the stored text, so alignment evidence points into the real article.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping

from tracker.linking.fingerprint import stable_hash, word_sequence

__all__ = [
    "count_paragraphs",
    "paragraph_hash",
    "paragraph_hashes",
    "recurring",
    "shared_template",
    "strip_boilerplate",
]

_LINE = re.compile(r"[^\n]+")


def paragraph_hash(paragraph: str) -> int | None:
    """Hash one paragraph over its normalised words; None when it has no words."""
    words = word_sequence(paragraph).words
    if not words:
        return None
    return stable_hash(" ".join(words).encode("utf-8"))


def _paragraphs(text: str) -> Iterable[tuple[int, int, int]]:
    """Yield (start, end, hash) for each paragraph of `text` that has words."""
    for match in _LINE.finditer(text):
        digest = paragraph_hash(match.group())
        if digest is not None:
            yield match.start(), match.end(), digest


def paragraph_hashes(text: str) -> frozenset[int]:
    """Return the distinct paragraph hashes of `text` (what the store counts per outlet)."""
    return frozenset(digest for _, _, digest in _paragraphs(text))


def count_paragraphs(texts: Iterable[str]) -> Counter[int]:
    """Count, for each paragraph hash, how many of `texts` carry it (each text counts once)."""
    counts: Counter[int] = Counter()
    for text in texts:
        counts.update(paragraph_hashes(text))
    return counts


def recurring(counts: Mapping[int, int], min_pages: int) -> frozenset[int]:
    """Return the hashes seen on at least `min_pages` other pages of the outlet."""
    return frozenset(digest for digest, count in counts.items() if count >= min_pages)


def strip_boilerplate(text: str, boilerplate: Collection[int]) -> str:
    """Blank out the paragraphs of `text` whose hash is in `boilerplate`; offsets stay valid."""
    if not boilerplate:
        return text
    pieces: list[str] = []
    position = 0
    for start, end, digest in _paragraphs(text):
        if digest in boilerplate:
            pieces.append(text[position:start])
            pieces.append(" " * (end - start))
            position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _words_per_paragraph(text: str) -> list[tuple[int, int]]:
    """(hash, word count) of each paragraph of `text` that has words, in order."""
    return [
        (digest, len(word_sequence(text[start:end]).words))
        for start, end, digest in _paragraphs(text)
    ]


def shared_template(text: str, other: str) -> frozenset[int]:
    """Paragraph hashes two articles of one outlet share at their top or bottom: its template.

    The common leading and trailing paragraphs count only when, in each text, the paragraphs
    outside them hold more words than they do and none of those is in the other text. Otherwise
    the two may tell one story: a partial copy keeps the original's top and adds a line, an
    update swaps its lead and keeps the rest, and what they share is the story, not the frame.
    """
    mine, theirs = _words_per_paragraph(text), _words_per_paragraph(other)
    shortest = min(len(mine), len(theirs))
    lead = 0
    while lead < shortest and mine[lead][0] == theirs[lead][0]:
        lead += 1
    trail = 0
    while trail < shortest - lead and mine[-1 - trail][0] == theirs[-1 - trail][0]:
        trail += 1
    frame = frozenset(digest for digest, _ in mine[:lead] + mine[len(mine) - trail :])
    rests = []
    for paragraphs in (mine, theirs):
        rest = [(d, n) for d, n in paragraphs[lead : len(paragraphs) - trail] if d not in frame]
        framed = sum(n for d, n in paragraphs if d in frame)
        if sum(n for _, n in rest) <= framed:
            return frozenset()  # the shared part is most of this text: a story, not a frame
        rests.append({d for d, _ in rest})
    if not frame or rests[0] & rests[1]:
        return frozenset()
    return frame
