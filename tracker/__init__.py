"""Media-coverage propagation tracker: who repeated a claim, from whom, and who corrected it.

The public names a notebook needs, importable from `tracker` itself:

    from tracker import Tracker, load_settings
    with Tracker(load_settings()) as tracker:
        tracker.crawl()
        print(tracker.claims.who_repeated("ai-code").rows)

They load on first use (PEP 562), so `import tracker.web.extract` in an extraction worker does
not pull in the database and the graph libraries.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

if _TYPE_CHECKING:
    from tracker.api import Claims, Tracker
    from tracker.clock import Clock, ManualClock, SystemClock
    from tracker.config import VERSION as __version__
    from tracker.config import Settings, load_settings
    from tracker.domain import (
        Claim,
        Correction,
        CorrectionKind,
        Edge,
        EdgeKind,
        Outlet,
        Stance,
        UptakeKind,
    )
    from tracker.domain.story import ClaimStory
    from tracker.errors import (
        BadInput,
        CrawlLocked,
        NotFound,
        PermanentError,
        RetryableError,
        TrackerError,
    )

# Public name -> the module that defines it.
_HOMES = {
    "BadInput": "tracker.errors",
    "Claim": "tracker.domain",
    "ClaimStory": "tracker.domain.story",
    "Claims": "tracker.api",
    "Clock": "tracker.clock",
    "Correction": "tracker.domain",
    "CorrectionKind": "tracker.domain",
    "CrawlLocked": "tracker.errors",
    "Edge": "tracker.domain",
    "EdgeKind": "tracker.domain",
    "ManualClock": "tracker.clock",
    "NotFound": "tracker.errors",
    "Outlet": "tracker.domain",
    "PermanentError": "tracker.errors",
    "RetryableError": "tracker.errors",
    "Settings": "tracker.config",
    "Stance": "tracker.domain",
    "SystemClock": "tracker.clock",
    "Tracker": "tracker.api",
    "TrackerError": "tracker.errors",
    "UptakeKind": "tracker.domain",
    "load_settings": "tracker.config",
}

__all__ = [
    "BadInput",
    "Claim",
    "ClaimStory",
    "Claims",
    "Clock",
    "Correction",
    "CorrectionKind",
    "CrawlLocked",
    "Edge",
    "EdgeKind",
    "ManualClock",
    "NotFound",
    "Outlet",
    "PermanentError",
    "RetryableError",
    "Settings",
    "Stance",
    "SystemClock",
    "Tracker",
    "TrackerError",
    "UptakeKind",
    "__version__",
    "load_settings",
]


def __getattr__(name: str) -> _Any:
    # `__version__` is lazy too: `tracker --help` then loads no settings code.
    home, attribute = (
        ("tracker.config", "VERSION") if name == "__version__" else (_HOMES.get(name), name)
    )
    if home is None:
        raise AttributeError(f"module 'tracker' has no attribute {name!r}")
    value = getattr(_importlib.import_module(home), attribute)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
