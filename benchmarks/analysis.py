"""What analysing text costs: the claims matcher's sentence analysis and a version's stored one.

Usage: .venv/bin/python benchmarks/analysis.py [SCENARIO_DIR] [--rounds 7]

The dev scenario's pages (`site.json`) are extracted once, as the crawler extracts them; then,
`--rounds` times each, timed in CPU of this process: `Analyzer.analyse` over every distinct
sentence of the texts (what the claims stage and same-event expansion run on candidate
sentences, `tracker.claims.match.LexicalMatcher.analyse` without its memo), `tokenize` alone over
the same sentences, and `analyse_version` over every page (what is stored for free-text
questions, `tracker.store.analyses`). Printed: the best and the median round of each, in
microseconds a sentence or milliseconds a page, and a sha256 of every analysis (tokens, concept
and joined keys with their token indices, stored payloads) so that two versions of the code that
print the same digest analysed alike. Skips cleanly when the scenario folder is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from _report import emit, skipped

from tracker.claims.match import default_analyzer
from tracker.config import Settings
from tracker.pipeline.extraction_pool import extract_for_store
from tracker.text.sentences import split_sentences
from tracker.text.stored import analyse_version
from tracker.text.words import Analysis, tokenize

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "scenario" / "dev"
PORT = 8000  # the port written into the pages' URLs (nothing listens on it)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _pages(folder: Path) -> list[tuple[str, str]]:
    """(title, text) of every version the scenario serves, extracted as the crawler does."""
    site = json.loads((folder / "site.json").read_text())
    settings = Settings().extract
    out: list[tuple[str, str]] = []
    for article in site["articles"]:
        url = str(article["url"]).replace("{port}", str(PORT))
        for html in article["versions"].values():
            if html is None:
                continue
            body = html.replace("{port}", str(PORT)).encode()
            found = extract_for_store(body, url, settings, NOW, None)
            if found is not None:
                out.append((found.extracted.title or "", found.extracted.text))
    return out


def _rounds(call: Callable[[], object], rounds: int) -> list[float]:
    """CPU seconds of each of `rounds` calls, after one not counted."""
    call()
    times = []
    for _ in range(rounds):
        started = time.process_time()
        call()
        times.append(time.process_time() - started)
    return times


def _shape(analysis: Analysis) -> list[object]:
    return [
        [[t.word, t.stem, t.start, t.end] for t in analysis.tokens],
        sorted(analysis.concepts.items()),
        sorted(analysis.joined.items()),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Time the analyses over the scenario's texts; print the figures and the digest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    if not (args.folder / "site.json").is_file():
        skipped("analysis", f"scenario {args.folder} missing")
        return
    pages = _pages(args.folder)
    sentences = list(
        dict.fromkeys(s.text for _, text in pages for s in split_sentences(text) if s.text)
    )
    analyzer = default_analyzer()
    digest = hashlib.sha256()
    for sentence in sentences:
        digest.update(json.dumps(_shape(analyzer.analyse(sentence))).encode())
    for title, text in pages:
        terms, payload = analyse_version(title, text, analyzer)
        digest.update(terms.encode())
        digest.update(payload)
    analyse = _rounds(lambda: [analyzer.analyse(s) for s in sentences], args.rounds)
    tokens = _rounds(lambda: [tokenize(s) for s in sentences], args.rounds)
    stored = _rounds(lambda: [analyse_version(t, x, analyzer) for t, x in pages], args.rounds)

    def per(times: list[float], count: int, unit: float) -> dict[str, float]:
        return {
            "best": round(unit * min(times) / count, 2),
            "median": round(unit * statistics.median(times) / count, 2),
        }

    emit(
        "analysis",
        {
            "sentences": len(sentences),
            "pages": len(pages),
            "rounds": args.rounds,
            "analyse_us_a_sentence": per(analyse, len(sentences), 1e6),
            "tokenize_us_a_sentence": per(tokens, len(sentences), 1e6),
            "analyse_version_ms_a_page": per(stored, len(pages), 1e3),
            "digest": digest.hexdigest(),
        },
    )


if __name__ == "__main__":
    main()
