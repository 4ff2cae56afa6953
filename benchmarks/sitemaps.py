"""Sitemap parsing cost: a generated news sitemap at the protocol's maximum (50,000 URLs).

Generated here (no data set needed), plain and gzip'd; parsed with `tracker.web.sitemaps`
beside a bare `xml.etree.ElementTree.fromstring` of the same bytes, so the cost of the safe,
tolerant reader shows as a ratio. Also a gzip bomb (1 GiB of zeros) against the cap.

Usage: python benchmarks/sitemaps.py [DATA_FOLDER (unused)] [--urls 50000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from tracker.errors import NotAFeed
from tracker.web.sitemaps import parse_sitemap

BOMB_CAP = 15 * 1024 * 1024  # the default [http] max_body_bytes
CAP = 64 * 1024 * 1024  # above the protocol's 50 MB limit, so a full sitemap fits


def _sitemap(urls: int) -> bytes:
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    rows = []
    for i in range(urls):
        when = (start - timedelta(minutes=7 * i)).isoformat()
        rows.append(
            f"<url><loc>https://paper.example/2026/{i}/story-{i}</loc><lastmod>{when}</lastmod>"
            "<news:news><news:publication><news:name>The Paper</news:name>"
            "<news:language>en</news:language></news:publication>"
            f"<news:publication_date>{when}</news:publication_date>"
            f"<news:title>Story number {i} &amp; more</news:title></news:news></url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(rows) + "</urlset>"
    ).encode()


def _best(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        call()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    """Print the figures; the last line is one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", nargs="?", help="unused: the sitemap is generated")
    parser.add_argument("--urls", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    def ours(data: bytes) -> Callable[[], object]:
        return lambda: parse_sitemap(
            data, url="https://paper.example/s.xml", max_bytes=CAP, max_urls=args.urls
        )

    # The bomb first: the peak memory of the large parses would hide its growth.
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    bomb = b"".join(packer.compress(block) for _ in range(1024)) + packer.flush()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    try:
        parse_sitemap(bomb, url="https://x.example/b.xml.gz", max_bytes=BOMB_CAP, max_urls=1000)
        bomb_outcome = "parsed"
    except NotAFeed as exc:
        bomb_outcome = str(exc)
    bomb_seconds = time.process_time() - start
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    plain = _sitemap(args.urls)
    packed = gzip.compress(plain)
    bare = _best(lambda: ElementTree.fromstring(plain), args.repeats)
    tracker_plain = _best(ours(plain), args.repeats)
    tracker_gzip = _best(ours(packed), args.repeats)
    figures = {
        "urls": args.urls,
        "sitemap_mb": round(len(plain) / 1e6, 2),
        "gzip_mb": round(len(packed) / 1e6, 2),
        "bare_etree_s": round(bare, 3),
        "tracker_s": round(tracker_plain, 3),
        "tracker_gzip_s": round(tracker_gzip, 3),
        "ratio_tracker_to_bare": round(tracker_plain / bare, 2),
        "urls_per_s": round(args.urls / tracker_plain),
        "bomb_compressed_kb": len(bomb) // 1024,
        "bomb_s": round(bomb_seconds, 3),
        "bomb_rss_growth_mb": round(grown_mb, 1),
        "bomb_outcome": bomb_outcome,
    }
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
