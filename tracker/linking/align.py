"""Verbatim passage alignment: the runs of words two texts share, with offsets into both.

Seed and extend over words: every run of `_SEED` source words is indexed, the target is scanned
left to right, and each seed hit is extended as far as the words agree; a run of at least
`min_words` becomes a passage and the scan resumes after it. This is written here rather than
taken from difflib because SequenceMatcher keeps only matches in the same order in both texts
(a copy that moves a paragraph loses it) and costs more: measured on two 1,000-word texts
sharing five moved paragraphs, the seed scan took 0.3 ms and found all 500 shared words,
difflib (autojunk off) took 4.7 ms and found 300 (benchmarks/align_speed.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tracker.domain import Passage
from tracker.linking.fingerprint import WordSequence, word_sequence

__all__ = ["Alignment", "align", "align_texts"]

_SEED = 5  # words per seed; shorter seeds only add hits that fail the passage minimum anyway
_MAX_HITS = 32  # source positions tried per seed: bounds the cost on repetitive texts


@dataclass(frozen=True, slots=True)
class Alignment:
    """The passages two texts share, with word spans and the shares of each text they cover."""

    passages: tuple[Passage, ...]
    target_spans: tuple[tuple[int, int], ...]  # word index ranges [start, end) in the target
    source_spans: tuple[tuple[int, int], ...]  # the same passages' word ranges in the source
    target_words: int
    source_words: int

    @property
    def shared_words(self) -> int:
        """How many target words lie in shared passages."""
        return sum(end - start for start, end in self.target_spans)

    @property
    def target_share(self) -> float:
        """The share of the target's words that lie in shared passages."""
        return self.shared_words / self.target_words if self.target_words else 0.0

    @property
    def source_share(self) -> float:
        """The share of the source's words that the target repeats."""
        covered = sum(end - start for start, end in self.source_spans)
        return covered / self.source_words if self.source_words else 0.0


# A candidate is aligned with every new text it is offered to: its index is kept for the few
# texts last aligned (bounded; read only by `align`, never changed).
@functools.lru_cache(maxsize=64)
def _index(words: tuple[str, ...], size: int) -> dict[tuple[str, ...], list[int]]:
    """Map every run of `size` words to the positions where it starts."""
    index: dict[tuple[str, ...], list[int]] = {}
    # The run starting at i, as `words[i : i + size]` gives it: zipped shifted copies, built in C.
    for i, run in enumerate(zip(*(words[k:] for k in range(size)), strict=False)):
        index.setdefault(run, []).append(i)
    return index


def _collapse(text: str) -> str:
    """Collapse runs of white space (blanked boilerplate, line breaks) to single spaces."""
    return " ".join(text.split())


def align(source: WordSequence, target: WordSequence, min_words: int) -> Alignment:
    """Find the verbatim passages of at least `min_words` words `target` shares with `source`."""
    seed = max(1, min(_SEED, min_words))
    src, tgt = source.words, target.words
    index = _index(src, seed)
    spans: list[tuple[int, int, int]] = []  # (source start, target start, length)
    j = 0
    while j <= len(tgt) - seed:
        hits = index.get(tgt[j : j + seed])
        best_start, best_length = -1, 0
        for i in (hits or ())[:_MAX_HITS]:
            length = seed
            while (
                i + length < len(src)
                and j + length < len(tgt)
                and src[i + length] == tgt[j + length]
            ):
                length += 1
            if length > best_length:
                best_start, best_length = i, length
        if best_length >= min_words:
            spans.append((best_start, j, best_length))
            j += best_length
        else:
            j += 1
    passages = tuple(
        Passage(
            source_start=source.starts[i],
            source_end=source.ends[i + length - 1],
            target_start=target.starts[j],
            target_end=target.ends[j + length - 1],
            text=_collapse(target.text[target.starts[j] : target.ends[j + length - 1]]),
        )
        for i, j, length in spans
    )
    return Alignment(
        passages=passages,
        target_spans=tuple((j, j + length) for _, j, length in spans),
        source_spans=tuple((i, i + length) for i, _, length in spans),
        target_words=len(tgt),
        source_words=len(src),
    )


def align_texts(source: str, target: str, min_words: int) -> Alignment:
    """Align two raw texts (tokenising both); see `align`."""
    return align(word_sequence(source), word_sequence(target), min_words)
