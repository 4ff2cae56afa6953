"""Main-text quality and speed of tracker.web.extract.extract_page against bare trafilatura.

Usage: python benchmarks/extraction.py [DATA_DIR] [--workers N] [--rounds R] [--breakdown]
                                      [--digest [SCENARIO_DIR]]

Reads DATA_DIR/extraction-aeb (the Article Extraction Benchmark's pages and ground truth).
The tracker's text is `extract_page(...).text`, the product's own path (headline and standfirst
taken off, layout strings and site chrome dropped); `extract.strip_page_header = false`, which
keeps trafilatura's text as it is, is measured beside it. The last line is one JSON object
with the figures.
Quality is the benchmark's own measure: multisets of 4-word shingles of \\w+ tokens, per page
TP/FP/FN normalised to sum 1, then macro precision over pages with any prediction, macro recall
over pages with any truth, F1 from those two. The benchmark's evaluate.py does not lower-case;
both the case-sensitive and the lower-cased figures are printed.

With --digest, instead: the extraction workers' own function (`extract_for_store`: extraction,
content hash, compressed page) over every page of extraction-aeb, dates-mediacloud2020 and the
scenario's site.json (SCENARIO_DIR, default ../shared/scenario/dev), once without a feed date
and once with one the pages mostly disagree with (so htmldate's full search runs), at a fixed
"now"; prints a SHA-256 over every field of every result, the compressed page as it reads back
(`zlib.decompress`: the compression level may change, what is stored may not), so equal digests
mean identical output, e.g. between two checkouts; and the CPU seconds per page, best of
--rounds, and the compressed pages' size as a share of the raw bytes.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import hashlib
import json
import pstats
import re
import statistics
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import trafilatura
from _report import emit, skipped

from tracker.config import ExtractSettings
from tracker.pipeline.extraction_pool import extract_for_store
from tracker.web.extract import extract_page

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SETTINGS = ExtractSettings()
UNSTRIPPED = ExtractSettings(strip_page_header=False)
NOW = datetime.now(UTC)
_TOKEN = re.compile(r"\w+")

Page = tuple[str, bytes, str]  # id, html, url


def load_pages(folder: Path) -> tuple[list[Page], dict[str, str]]:
    """The pages and their true article bodies."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [
        (key, gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()), item["url"])
        for key, item in sorted(truth.items())
    ]
    return pages, {key: item.get("articleBody", "") for key, item in truth.items()}


def shingles(text: str, lower: bool) -> Counter[tuple[str, ...]]:
    """The multiset of 4-token shingles, as the benchmark's evaluate.py builds it."""
    tokens = _TOKEN.findall(text.lower() if lower else text)
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3)) if tokens)


def score(truth: dict[str, str], predicted: dict[str, str], lower: bool) -> tuple[float, ...]:
    """Macro precision, recall and F1 over pages."""
    precisions, recalls = [], []
    for key, body in truth.items():
        true, pred = shingles(body, lower), shingles(predicted.get(key) or "", lower)
        tp = float(sum((true & pred).values()))
        fp = float(sum((pred - true).values()))
        fn = float(sum((true - pred).values()))
        total = tp + fp + fn
        if total:
            tp, fp, fn = tp / total, fp / total, fn / total
        if tp + fp > 0:
            precisions.append(1.0 if fp == fn == 0 else tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(1.0 if fp == fn == 0 else tp / (tp + fn))
    precision, recall = statistics.mean(precisions), statistics.mean(recalls)
    return precision, recall, 2 * precision * recall / (precision + recall)


def tracker_text(page: Page) -> str:
    """The tracker's main text of one page ("" when it finds none)."""
    _, html, url = page
    extracted = extract_page(html, url, settings=SETTINGS, now=NOW)
    return extracted.text if extracted else ""


def unstripped_text(page: Page) -> str:
    """The tracker's main text with `strip_page_header` off (headline and layout kept)."""
    _, html, url = page
    extracted = extract_page(html, url, settings=UNSTRIPPED, now=NOW)
    return extracted.text if extracted else ""


def bare_text(page: Page) -> str:
    """trafilatura.extract with its default options."""
    return trafilatura.extract(page[1]) or ""


def timed(method: Callable[[Page], str], pages: list[Page]) -> tuple[dict[str, str], float, float]:
    """Texts of all pages, the elapsed wall-clock seconds and this process's CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    texts = {page[0]: method(page) for page in pages}
    return texts, time.perf_counter() - wall, time.process_time() - cpu


def run_pool(pages: list[Page], workers: int) -> tuple[dict[str, str], float]:
    """extract_page over a process pool (started and warmed before the clock starts)."""
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(tracker_text, pages[:workers]))
        start = time.perf_counter()
        texts = list(pool.map(tracker_text, pages, chunksize=4))
        elapsed = time.perf_counter() - start
    return {page[0]: text for page, text in zip(pages, texts, strict=True)}, elapsed


def breakdown(pages: list[Page]) -> None:
    """Where extract_page spends its time, by internal step."""
    profile = cProfile.Profile()
    profile.enable()
    for page in pages:
        tracker_text(page)
    profile.disable()
    stats = pstats.Stats(profile)
    steps = {
        "decode_html": "decode",
        "_parse": "parse (lxml)",
        "_main_text": "trafilatura (text+metadata+published date)",
        "_judged_date": "published date fallback (htmldate, full search)",
        "_modified": "modified date",
        "_body_links": "body links",
        "_corrections": "corrections",
        "_canonical_url": "canonical url",
        "extract_page": "total",
    }
    cumulative = {
        name: row[3]
        for (filename, _, name), row in stats.stats.items()  # type: ignore[attr-defined]
        if filename.endswith("tracker/web/extract.py")
    }
    print("time per page by step (under cProfile, so slower than real):")
    for name, label in steps.items():
        print(f"  {label:<50} {1000 * cumulative.get(name, 0.0) / len(pages):7.2f} ms")


# A fixed "now" and feed date, so a digest depends on the code alone (dates are bounded by now).
DIGEST_NOW = datetime(2026, 12, 1, tzinfo=UTC)
DIGEST_FEED = datetime(2020, 6, 1, 12, tzinfo=UTC)


def digest_pages(data: Path, scenario: Path) -> dict[str, list[tuple[str, bytes]]]:
    """url and bytes of every page of the two real-page sets and of the scenario, by set."""
    sets: dict[str, list[tuple[str, bytes]]] = {}
    aeb = data / "extraction-aeb"
    if (aeb / "ground-truth.json").is_file():
        sets["extraction-aeb"] = [(url, html) for _, html, url in load_pages(aeb)[0]]
    dates = data / "dates-mediacloud2020"
    if (dates / "dates.json").is_file():
        annotations = json.loads((dates / "dates.json").read_text(encoding="utf-8"))
        sets["dates-mediacloud2020"] = [
            (url, gzip.decompress((dates / "html" / f"{item['file']}.gz").read_bytes()))
            for url, item in sorted(annotations.items())
        ]
    if (scenario / "site.json").is_file():
        site = json.loads((scenario / "site.json").read_text(encoding="utf-8"))
        sets["scenario"] = [
            (article["url"].replace("{port}", "8000"), html.encode())
            for article in site["articles"]
            for _, html in sorted(article["versions"].items())
            if html is not None  # a version taken down
        ]
    return sets


def digest(data: Path, scenario: Path, rounds: int) -> int:
    """SHA-256 over every extraction result, and CPU seconds per page, by page set."""
    sets = digest_pages(data, scenario)
    if not sets:
        return skipped("extraction", f"no pages under {data} or {scenario}")
    settings = ExtractSettings()
    figures: dict[str, object] = {}
    whole = hashlib.sha256()
    packed = unpacked = 0
    for name, pages in sets.items():
        best = float("inf")
        digests = set()
        for _ in range(max(1, rounds)):
            hasher = hashlib.sha256()
            cpu = 0.0
            for feed in (None, DIGEST_FEED):
                for url, html in pages:
                    start = time.process_time()
                    result = extract_for_store(html, url, settings, DIGEST_NOW, feed)
                    cpu += time.process_time() - start
                    if result is not None and result.raw_packed is not None:
                        packed += len(result.raw_packed)
                        unpacked += len(html)
                        result = replace(result, raw_packed=zlib.decompress(result.raw_packed))
                    hasher.update(repr((url, feed, result)).encode("utf-8", "surrogatepass"))
            best = min(best, cpu)
            digests.add(hasher.hexdigest())
        # A result that depends on the pages before it (a cache across pages) shows up here.
        found = digests.pop() if len(digests) == 1 else "differs between rounds"
        runs = 2 * len(pages)
        whole.update(found.encode())
        figures[name] = {"pages": runs, "ms_cpu_per_page": round(1000 * best / runs, 2)}
        figures[name + "_sha256"] = found
        print(f"{name:<22} {runs:5d} extractions {1000 * best / runs:7.2f} ms CPU/page  {found}")
    figures["sha256"] = whole.hexdigest()
    figures["packed_share"] = round(packed / max(1, unpacked), 4)
    share = 100 * packed / max(1, unpacked)
    print(f"all: {whole.hexdigest()}; pages stored at {share:.1f} % of the raw bytes")
    emit("extraction", {"digest": figures})
    return 0


def main() -> int:
    """Print quality and speed figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--workers", type=int, default=0, help="also time a process pool")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the best counts")
    parser.add_argument("--breakdown", action="store_true", help="profile extract_page's steps")
    parser.add_argument(
        "--digest",
        nargs="?",
        type=Path,
        const=DEFAULT_DATA.parent / "scenario" / "dev",
        help="digest of every result and CPU per page (scenario folder: default dev)",
    )
    args = parser.parse_args()
    if args.digest is not None:
        return digest(args.data_dir, args.digest, args.rounds)
    folder = args.data_dir / "extraction-aeb"
    if not (folder / "ground-truth.json").is_file():
        return skipped("extraction", f"data folder missing ({folder})")
    pages, truth = load_pages(folder)
    print(f"{len(pages)} pages from {folder}")
    # Rounds alternate between the two methods so machine load hits both alike; the best round
    # counts, and CPU time (this process only) is reported beside wall-clock time because the
    # machine is shared.
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    texts: dict[str, dict[str, str]] = {}
    for _ in range(max(1, args.rounds)):
        for name, method in (
            ("bare trafilatura.extract", bare_text),
            ("tracker", tracker_text),
            ("tracker, strip_page_header=false", unstripped_text),
        ):
            texts[name], elapsed, used = timed(method, pages)
            wall[name] = min(wall.get(name, float("inf")), elapsed)
            cpu[name] = min(cpu.get(name, float("inf")), used)
    figures: dict[str, object] = {"pages": len(pages)}
    for name in texts:
        p, r, f1 = score(truth, texts[name], lower=False)
        lp, lr, lf1 = score(truth, texts[name], lower=True)
        figures[name] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "pages_per_s_wall": round(len(pages) / wall[name], 1),
            "pages_per_s_cpu": round(len(pages) / cpu[name], 1),
        }
        print(
            f"{name:<28} P={p:.3f} R={r:.3f} F1={f1:.3f}  (lower-cased: P={lp:.3f} R={lr:.3f} "
            f"F1={lf1:.3f})  {len(pages) / wall[name]:6.1f} pages/s wall, "
            f"{len(pages) / cpu[name]:6.1f} pages/s CPU"
        )
    bare, ours = "bare trafilatura.extract", "tracker"
    print(
        f"speed ratio tracker/bare (single process): {wall[bare] / wall[ours]:.2f} wall-clock, "
        f"{cpu[bare] / cpu[ours]:.2f} CPU time"
    )
    figures["speed_ratio_tracker_to_bare_cpu"] = round(cpu[bare] / cpu[ours], 3)
    unstripped = "tracker, strip_page_header=false"
    figures["speed_ratio_unstripped_to_bare_cpu"] = round(cpu[bare] / cpu[unstripped], 3)
    if args.workers > 0:
        pooled, elapsed = run_pool(pages, args.workers)
        p, r, f1 = score(truth, pooled, lower=False)
        print(
            f"tracker, {args.workers} worker processes: F1={f1:.3f}  "
            f"{len(pages) / elapsed:6.1f} pages/s"
        )
        figures["pool"] = {"workers": args.workers, "f1": round(f1, 4)}
    if args.breakdown:
        breakdown(pages)
    emit("extraction", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
