"""Publication dates found by tracker.web.extract.extract_page, beside bare htmldate.

Usage: python benchmarks/dates.py [DATA_DIR] [-v]

Reads DATA_DIR/dates-mediacloud2020 (dates.json: {url: {"file", "date"}} and html/<file>.gz).
For each page: exactly right (same day), wrong (another day: worse than none, it reorders who
was first) or none. The tracker's `published` is an aware UTC datetime and is compared by its
UTC day; a page whose annotation has no date ("nan") counts as right only when no date is found.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import htmldate

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
    """The UTC day of extract_page's `published`."""
    extracted = extract_page(html, url, settings=SETTINGS, now=NOW)
    return extracted.published.date() if extracted and extracted.published else None


def htmldate_day(url: str, html: bytes) -> date | None:
    """htmldate.find_date with original_date=True (its own defaults otherwise)."""
    found = htmldate.find_date(html, original_date=True, url=url)
    return date.fromisoformat(found) if found else None


def zone_shift(url: str, html: bytes, found: date, truth: date) -> bool:
    """True when the page states a local time on the expected day whose UTC day is `found`."""
    stated = htmldate.find_date(
        html,
        original_date=True,
        extensive_search=False,
        url=url,
        deferred_url_extractor=True,
        outputformat="%Y-%m-%dT%H:%M:%S%z",
    )
    if not stated:
        return False
    moment = datetime.fromisoformat(stated)
    return (
        moment.tzinfo is not None
        and moment.date() == truth
        and moment.astimezone(UTC).date() == found
    )


def evaluate(
    name: str, method: Callable[[str, bytes], date | None], pages: list[Page], verbose: bool
) -> None:
    """Print the shares of right, wrong and missing dates."""
    right = wrong = none = off_by_one = shifted = 0
    start = time.process_time()
    for url, html, truth in pages:
        found = method(url, html)
        if found == truth:
            right += 1
        elif found is None:
            none += 1
        else:
            wrong += 1
            if truth is not None and abs((found - truth).days) == 1:
                off_by_one += 1
                shifted += name.startswith("tracker") and zone_shift(url, html, found, truth)
        if verbose and found != truth:
            print(f"  {name}: found {found} expected {truth}  {url[:90]}")
    elapsed = time.process_time() - start  # includes the zone_shift diagnosis (rare)
    total = len(pages)
    print(
        f"{name:<34} right {right / total:6.1%}  wrong {wrong / total:6.1%} "
        f"(off by one day: {off_by_one}, of which the page's own local day is right and only "
        f"the UTC day differs: {shifted})  none {none / total:6.1%}  "
        f"{1000 * elapsed / total:5.1f} ms/page CPU"
    )
    if shifted:
        print(
            f"{'':<34} on the page's local day: right {(right + shifted) / total:6.1%}  "
            f"wrong {(wrong - shifted) / total:6.1%}"
        )


def main() -> int:
    """Print the date figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    folder = args.data_dir / "dates-mediacloud2020"
    if not (folder / "dates.json").is_file():
        print(f"skipped: data folder missing ({folder})")
        return 0
    pages = load_pages(folder)
    undated = sum(truth is None for _, _, truth in pages)
    print(f"{len(pages)} pages from {folder} ({undated} annotated as having no date)")
    evaluate("tracker extract_page.published", tracker_day, pages, args.verbose)
    evaluate("htmldate.find_date(original_date)", htmldate_day, pages, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
