"""Run one crawl pass against a generated web in a separate process (killed by tests)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from tracker.api import Tracker
from tracker.clock import ManualClock
from tracker.testing.synthweb import resolver

from ..conftest import make_settings


def main() -> None:
    """argv: database URL, data folder, ISO time of the pass, feed URLs..."""
    database_url, folder, moment, *feeds = sys.argv[1:]
    clock = ManualClock(datetime.fromisoformat(moment))
    settings = make_settings(database_url, Path(folder))
    with Tracker(settings, clock=clock, resolver=resolver()) as tracker:
        for url in feeds:
            tracker.add_feed(url)
        print("started", flush=True)
        tracker.crawl()
    print("finished", flush=True)


if __name__ == "__main__":
    main()
