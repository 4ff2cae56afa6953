"""Imported once by the extraction workers' forkserver, so every worker it forks starts warm.

`multiprocessing`'s forkserver imports its preload modules before it forks any worker; what they
load is then shared by all of them (copy on write) instead of loaded by each on its first page.
The crawl process does not import it: with worker processes it parses no date itself (with one
worker, extraction runs in its thread and loads the parser on first use).
"""

from __future__ import annotations

import tracker.web.extract  # noqa: F401 - the parsers every worker uses
from tracker.web._date_languages import warm_parser

warm_parser()
