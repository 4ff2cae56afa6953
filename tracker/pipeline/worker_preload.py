"""Imported once by the extraction workers' forkserver, so every worker it forks starts warm.

`multiprocessing`'s forkserver imports its preload modules before it forks any worker; what they
load is then shared by all of them (copy on write) instead of loaded by each on its first page.
Not imported by the crawl process itself: it never parses a date.
"""

from __future__ import annotations

import tracker.web.extract  # noqa: F401 - the parsers every worker uses
from tracker.web._date_languages import warm_parser

warm_parser()
