"""Time passage alignment of 1,000-word articles: the seed-and-extend aligner against difflib.

Texts are generated (Zipf-distributed made-up words, so common words recur as in prose); the
target copies some of the source's paragraphs, in another order, between paragraphs of its own.
Usage: python benchmarks/align_speed.py [repeats]
"""

from __future__ import annotations

import difflib
import random
import sys
import time

from _report import emit

from tracker.linking.align import align
from tracker.linking.fingerprint import word_sequence

MIN_WORDS = 12


def _vocabulary(rng: random.Random, size: int = 5000) -> tuple[list[str], list[float]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(size)]
    weights = [1.0 / (rank + 1) for rank in range(size)]
    return words, weights


def _paragraphs(rng: random.Random, vocab: tuple[list[str], list[float]], count: int) -> list[str]:
    words, weights = vocab
    return [" ".join(rng.choices(words, weights, k=100)) + "." for _ in range(count)]


def main() -> None:
    """Print milliseconds per alignment for both methods and the shared words each finds."""
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rng = random.Random(7)
    vocab = _vocabulary(rng)
    source_paragraphs = _paragraphs(rng, vocab, 10)
    own = _paragraphs(rng, vocab, 5)
    copied = rng.sample(source_paragraphs, 5)
    source = "\n".join(source_paragraphs)
    target = "\n".join(p for pair in zip(copied, own, strict=True) for p in pair)
    src, tgt = word_sequence(source), word_sequence(target)
    print(f"source {len(src)} words, target {len(tgt)} words, 500 copied in 5 moved paragraphs")

    start = time.perf_counter()
    for _ in range(repeats):
        result = align(src, tgt, MIN_WORDS)
    seed_ms = (time.perf_counter() - start) / repeats * 1000
    print(f"seed-and-extend: {seed_ms:.2f} ms per pair, {result.shared_words} shared words")

    start = time.perf_counter()
    for _ in range(repeats):
        matcher = difflib.SequenceMatcher(None, src.words, tgt.words, autojunk=False)
        blocks = [b for b in matcher.get_matching_blocks() if b.size >= MIN_WORDS]
    difflib_ms = (time.perf_counter() - start) / repeats * 1000
    shared = sum(b.size for b in blocks)
    print(f"difflib (autojunk off): {difflib_ms:.2f} ms per pair, {shared} shared words")
    figures = {
        "seed_extend_ms": round(seed_ms, 3),
        "seed_extend_shared": result.shared_words,
        "difflib_ms": round(difflib_ms, 3),
        "difflib_shared": shared,
        "repeats": repeats,
    }
    emit("align_speed", figures)


if __name__ == "__main__":
    main()
