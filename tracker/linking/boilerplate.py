"""An outlet's recurring paragraphs (footers, newsletter pitches, bios): found and blanked out.

A paragraph is a non-blank line of extracted text. Its hash is taken over its normalised words,
so spacing and case do not matter. The store keeps, per outlet, how many of that outlet's
articles carry each paragraph hash, and updates it incrementally:

    hashes = paragraph_hashes(text)
    counts = store.paragraph_counts(outlet, hashes)          # other articles of the outlet only
    clean = strip_boilerplate(text, recurring(counts, settings.boilerplate_min_pages))
    store.add_paragraphs(outlet, hashes - hashes_of_previous_version)   # count an article once

Counts need a few pages, so an outlet's first pages are covered in three more ways:

- `site_template`: the paragraphs that end an article and that its outlet's home page carries
  too (learned once per outlet before its first article is linked): a footer from the first page.
- `shared_template`: two different articles of one outlet that open or end with the same
  paragraphs (a subscription footer, a standfirst of the site) share its template there, not a
  story, as long as each tells more of its own than they share;
- `common_frame`: three different articles that open or end alike share a template however long
  it is (a pitch longer than a short story), where two alone could be one story retold.

The linker blanks those paragraphs whenever it compares an article with another of its own outlet.

Blanking (replacing with spaces, newlines kept) instead of cutting keeps every character offset
of the clean text valid in the stored text, so alignment evidence points into the real article.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence

from tracker.linking.fingerprint import line_words, stable_hash, word_sequence

__all__ = [
    "common_frame",
    "count_paragraphs",
    "paragraph_hash",
    "paragraph_hashes",
    "recurring",
    "shared_template",
    "site_template",
    "strip_boilerplate",
]

_LABEL_WORDS = 2  # a closing line this short is a label or a credit ("Reuters"), not a footer


def paragraph_hash(paragraph: str) -> int | None:
    """Hash one paragraph over its normalised words; None when it has no words."""
    words = word_sequence(paragraph).words
    if not words:
        return None
    return stable_hash(" ".join(words).encode("utf-8"))


@functools.lru_cache(maxsize=64)
def _paragraph_words(text: str) -> tuple[tuple[int, int, int, int], ...]:
    """(start, end, hash, word count) of each paragraph of `text` that has words, in order.

    From one split of the whole text into lines and words (`line_words`, which fingerprinting
    the same text reads next), and remembered for the few texts last asked for: linking one
    article counts, blanks, frames and compares the same texts several times over.
    """
    return tuple(
        (start, end, stable_hash(" ".join(words).encode("utf-8")), len(words))
        for start, end, words in line_words(text)
        if words
    )


def _paragraphs(text: str) -> Iterable[tuple[int, int, int]]:
    """Yield (start, end, hash) for each paragraph of `text` that has words."""
    for start, end, digest, _ in _paragraph_words(text):
        yield start, end, digest


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
    return [(digest, words) for _, _, digest, words in _paragraph_words(text)]


def site_template(text: str, site: Collection[int]) -> frozenset[int]:
    """The paragraphs that end `text` and that its outlet's home page carries too: its footer.

    Only the closing run counts, and only when a paragraph before it is not on the home page: a
    home page teases stories by their opening lines, and a blog's shows its newest posts whole
    (every paragraph found), never a story's ending alone. A line of a word or two in the run
    is passed over, not blanked: a wire's name closing a story is a credit, whatever the home
    page's cards are labelled with.
    """
    if not site:
        return frozenset()
    paragraphs = _words_per_paragraph(text)
    found: set[int] = set()
    for index in range(len(paragraphs) - 1, -1, -1):
        digest, words = paragraphs[index]
        if digest not in site:
            return frozenset(found)
        if words > _LABEL_WORDS:
            found.add(digest)
    return frozenset()  # the whole text is on the home page: a post shown there, not a frame


def _frame(
    mine: Sequence[tuple[int, int]], theirs: Sequence[tuple[int, int]]
) -> tuple[frozenset[int], list[list[tuple[int, int]]]]:
    """The leading and trailing paragraphs two texts share, and what each has besides them."""
    shortest = min(len(mine), len(theirs))
    lead = 0
    while lead < shortest and mine[lead][0] == theirs[lead][0]:
        lead += 1
    trail = 0
    while trail < shortest - lead and mine[-1 - trail][0] == theirs[-1 - trail][0]:
        trail += 1
    frame = frozenset(digest for digest, _ in [*mine[:lead], *mine[len(mine) - trail :]])
    rests = [
        [(d, n) for d, n in paragraphs[lead : len(paragraphs) - trail] if d not in frame]
        for paragraphs in (mine, theirs)
    ]
    return frame, rests


def common_frame(text: str, others: Sequence[str]) -> frozenset[int]:
    """Leading or trailing paragraphs `text` shares with two other stories of its outlet.

    Counted whatever their length, when the three texts have nothing else in common: one story
    retold under a new top is one more page that shares it, three different stories that end
    alike end with their outlet's template (a pitch longer than each short story).
    """
    if len(others) < 2:
        return frozenset()  # nothing to pair: the text itself need not be split at all
    mine = _words_per_paragraph(text)
    framed: list[tuple[frozenset[int], set[int]]] = []
    for other in others:
        frame, (own, theirs) = _frame(mine, _words_per_paragraph(other))
        own_digests, their_digests = {d for d, _ in own}, {d for d, _ in theirs}
        if frame and own_digests and their_digests and not own_digests & their_digests:
            framed.append((frame, their_digests))
    found: set[int] = set()
    for i, (frame, rest) in enumerate(framed):
        for other_frame, other_rest in framed[i + 1 :]:
            if not rest & other_rest:
                found |= frame & other_frame
    return frozenset(found)


def shared_template(text: str, other: str) -> frozenset[int]:
    """Paragraph hashes two articles of one outlet share at their top or bottom: its template.

    The common leading and trailing paragraphs count only when, in each text, the paragraphs
    outside them hold more words than they do and none of those is in the other text. Otherwise
    the two may tell one story: a partial copy keeps the original's top and adds a line, an
    update swaps its lead and keeps the rest, and what they share is the story, not the frame.
    """
    mine, theirs = _words_per_paragraph(text), _words_per_paragraph(other)
    frame, rests = _frame(mine, theirs)
    for paragraphs, rest in zip((mine, theirs), rests, strict=True):
        framed = sum(n for d, n in paragraphs if d in frame)
        if sum(n for _, n in rest) <= framed:
            return frozenset()  # the shared part is most of this text: a story, not a frame
    if not frame or {d for d, _ in rests[0]} & {d for d, _ in rests[1]}:
        return frozenset()
    return frame
