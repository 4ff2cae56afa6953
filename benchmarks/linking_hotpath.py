"""The pure cost of linking one new article: fingerprint plus comparison with N candidates.

No store: this is the part of `tracker crawl`'s linking that runs per new article once the
candidates are fetched, so its cost depends on the candidate count only, never on how many
articles are stored. Texts are generated (1,000-word articles of made-up Zipf-distributed words
in sentences and paragraphs); a fifth of the candidates copy part of the new article, the rest
share its vocabulary (a worst case: every one of them gets a paraphrase score).
Printed per candidate count: milliseconds per article (median of repeats), the same with the
candidates' prepared texts already cached (`link_article(cache=...)`, as a pipeline keeping an
LRU of them would see for candidates met before), and peak memory (tracemalloc).

Usage: python benchmarks/linking_hotpath.py [repeats]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from _report import emit

from tracker.config import LinkSettings
from tracker.domain import ArticleRef
from tracker.linking.choose import link_article
from tracker.linking.compare import Candidate, Prepared
from tracker.linking.fingerprint import fingerprint

START = datetime(2026, 3, 2, tzinfo=UTC)


def _article(rng: random.Random, words: list[str], weights: list[float], size: int) -> str:
    """A text of about `size` words: sentences of 12-30 words, paragraphs of 3-5 sentences."""
    paragraphs: list[str] = []
    count = 0
    while count < size:
        sentences = []
        for _ in range(rng.randint(3, 5)):
            length = rng.randint(12, 30)
            body = rng.choices(words, weights, k=length)
            sentences.append(body[0].capitalize() + " " + " ".join(body[1:]) + ".")
            count += length
        paragraphs.append(" ".join(sentences))
    return "\n".join(paragraphs)


def main() -> None:
    """Time the hot path for 0, 10, 25 and 50 candidates."""
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rng = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(8000)]
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(words))]
    settings = LinkSettings()
    text = _article(rng, words, weights, 1000)
    paragraphs = text.split("\n")
    pool: list[Candidate] = []
    for i in range(50):
        if i % 5 == 0:  # a partial copy: half the paragraphs plus its own
            body = "\n".join(paragraphs[: len(paragraphs) // 2]) + "\n"
            body += _article(rng, words, weights, 500)
        else:
            body = _article(rng, words, weights, 1000)
        ref = ArticleRef(i + 1, f"https://o{i}.example/a", f"o{i}.example", START)
        pool.append(Candidate(ref, body))
    article = ArticleRef(100, "https://new.example/a", "new.example", START + timedelta(hours=1))
    print(f"new article: {len(text.split())} words; candidates of ~1,000 words")
    print(f"{'candidates':>10}{'ms/article':>12}{'cached':>8}{'peak MiB':>10}{'edges':>7}")
    figures: dict[str, float] = {"repeats": repeats}
    for count in (0, 10, 25, 50):
        candidates = pool[:count]
        timings = []
        cached = []
        edges = 0
        cache: dict[int, Prepared] = {}
        for _ in range(repeats):
            started = time.perf_counter()
            fingerprint(text, settings)
            decision = link_article(article, text, candidates, settings)
            timings.append(time.perf_counter() - started)
            edges = len(decision.edges)
            link_article(article, text, candidates, settings, cache=cache)
            started = time.perf_counter()
            fingerprint(text, settings)
            link_article(article, text, candidates, settings, cache=cache)
            cached.append(time.perf_counter() - started)
        tracemalloc.start()
        fingerprint(text, settings)
        link_article(article, text, candidates, settings)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        median = 1000 * statistics.median(timings)
        warm = 1000 * statistics.median(cached)
        print(f"{count:>10}{median:>12.1f}{warm:>8.1f}{peak:>10.1f}{edges:>7}")
        figures[f"ms_per_article_{count}"] = round(median, 2)
        figures[f"ms_cached_{count}"] = round(warm, 2)
        figures[f"peak_mib_{count}"] = round(peak, 1)
    emit("linking_hotpath", figures)


if __name__ == "__main__":
    main()
