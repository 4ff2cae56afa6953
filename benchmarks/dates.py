"""Publication dates found by tracker.web.extract.extract_page, beside bare htmldate.

Usage: python benchmarks/dates.py [DATA_DIR] [-v]

Reads DATA_DIR/dates-mediacloud2020 (dates.json: {url: {"file", "date"}} and html/<file>.gz).
For each page: exactly right (same day), wrong (another day: worse than none, it reorders who
was first) or none. The tracker's `published` is compared by the page's local day (at the UTC
offset the page states, `Extracted.published_local`), and for reference by its UTC day; a page
whose annotation has no date ("nan") counts as right only when no date is found. The last line
is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import htmldate
from _report import emit, skipped

from tracker.config import ExtractSettings
from tracker.web.extract import extract_page

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SETTINGS = ExtractSettings()
NOW = datetime.now(UTC)

Page = tuple[str, bytes, date | None]  # url, html, true day


def load_pages(folder: Path) -> list[Page]:
    """The annotated pages."""
    annotations = json.loads((folder / "dates.json").read_text(encoding="utf-8"))
    pages = []
    for url, item in sorted(annotations.items()):
        html = gzip.decompress((folder / "html" / f"{item['file']}.gz").read_bytes())
        try:
            truth: date | None = date.fromisoformat(item["date"])
        except (TypeError, ValueError):
            truth = None
        pages.append((url, html, truth))
    return pages


def tracker_day(url: str, html: bytes) -> date | None:
    """The page's local day of extract_page's `published` (at the offset the page states)."""
    extracted = extract_page(html, url, settings=SETTINGS, now=NOW)
    local = extracted.published_local if extracted else None
    return local.date() if local else None


def tracker_utc_day(url: str, html: bytes) -> date | None:
    """The UTC day of extract_page's `published` (what the tracker reported before offsets)."""
    extracted = extract_page(html, url, settings=SETTINGS, now=NOW)
    return extracted.published.date() if extracted and extracted.published else None


def htmldate_day(url: str, html: bytes) -> date | None:
    """htmldate.find_date with original_date=True (its own defaults otherwise)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateutil warns on zone names it does not know
        found = htmldate.find_date(html, original_date=True, url=url)
    return date.fromisoformat(found) if found else None


def evaluate(
    name: str, method: Callable[[str, bytes], date | None], pages: list[Page], verbose: bool
) -> dict[str, Any]:
    """Print and return the shares of right, wrong and missing dates, and which pages were right."""
    right = wrong = none = off_by_one = 0
    hits: set[str] = set()
    start = time.process_time()
    for url, html, truth in pages:
        found = method(url, html)
        if found == truth:
            right += 1
            hits.add(url)
        elif found is None:
            none += 1
        else:
            wrong += 1
            off_by_one += truth is not None and abs((found - truth).days) == 1
        if verbose and found != truth:
            print(f"  {name}: found {found} expected {truth}  {url[:90]}")
    elapsed = time.process_time() - start
    total = len(pages)
    print(
        f"{name:<40} right {right / total:6.1%}  wrong {wrong / total:6.1%} "
        f"(off by one day: {off_by_one})  none {none / total:6.1%}  "
        f"{1000 * elapsed / total:5.1f} ms/page CPU"
    )
    return {
        "right": round(right / total, 4),
        "wrong": round(wrong / total, 4),
        "none": round(none / total, 4),
        "ms_per_page_cpu": round(1000 * elapsed / total, 1),
        "hits": hits,
    }


def main() -> int:
    """Print the date figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    folder = args.data_dir / "dates-mediacloud2020"
    if not (folder / "dates.json").is_file():
        return skipped("dates", f"data folder missing ({folder})")
    pages = load_pages(folder)
    undated = sum(truth is None for _, _, truth in pages)
    print(f"{len(pages)} pages from {folder} ({undated} annotated as having no date)")
    local = evaluate("tracker, page's local day", tracker_day, pages, args.verbose)
    utc_day = evaluate("tracker, UTC day", tracker_utc_day, pages, False)
    bare = evaluate("htmldate.find_date(original_date)", htmldate_day, pages, args.verbose)
    worse = sorted(bare.pop("hits") - local.pop("hits"))
    utc_day.pop("hits")
    print(f"pages where bare htmldate is right and the tracker is not: {len(worse)}")
    for url in worse:
        print(f"  {url[:100]}")
    figures = {"pages": len(pages), "tracker_local_day": local, "tracker_utc_day": utc_day}
    emit("dates", {**figures, "htmldate": bare, "worse_than_htmldate": len(worse)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
