"""The domain: frozen records and enums that flow between stages, and the claim story.

The names load on first use (PEP 562, as `tracker` itself): the CLI's options import the enums
(`tracker.domain.kinds`) to build `--help`, which then makes none of the ~30 record classes.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

if _TYPE_CHECKING:
    from tracker.domain.kinds import (
        ArticleState,
        CorrectionKind,
        EdgeKind,
        FeedState,
        FoundKind,
        Outcome,
        Stance,
        UptakeKind,
    )
    from tracker.domain.records import (
        MENTION_THRESHOLD,
        ArticleRef,
        ChildValidators,
        Claim,
        Correction,
        Discovery,
        Edge,
        Extracted,
        FetchResult,
        FoundFeed,
        Link,
        Mention,
        OpmlFeed,
        Outlet,
        ParsedEntry,
        ParsedFeed,
        Passage,
        Uptake,
        VersionRef,
    )

# Public name -> the module that defines it.
_HOMES = {
    "MENTION_THRESHOLD": "tracker.domain.records",
    "ArticleRef": "tracker.domain.records",
    "ArticleState": "tracker.domain.kinds",
    "ChildValidators": "tracker.domain.records",
    "Claim": "tracker.domain.records",
    "Correction": "tracker.domain.records",
    "CorrectionKind": "tracker.domain.kinds",
    "Discovery": "tracker.domain.records",
    "Edge": "tracker.domain.records",
    "EdgeKind": "tracker.domain.kinds",
    "Extracted": "tracker.domain.records",
    "FeedState": "tracker.domain.kinds",
    "FetchResult": "tracker.domain.records",
    "FoundFeed": "tracker.domain.records",
    "FoundKind": "tracker.domain.kinds",
    "Link": "tracker.domain.records",
    "Mention": "tracker.domain.records",
    "OpmlFeed": "tracker.domain.records",
    "Outcome": "tracker.domain.kinds",
    "Outlet": "tracker.domain.records",
    "ParsedEntry": "tracker.domain.records",
    "ParsedFeed": "tracker.domain.records",
    "Passage": "tracker.domain.records",
    "Stance": "tracker.domain.kinds",
    "Uptake": "tracker.domain.records",
    "UptakeKind": "tracker.domain.kinds",
    "VersionRef": "tracker.domain.records",
}

__all__ = [
    "MENTION_THRESHOLD",
    "ArticleRef",
    "ArticleState",
    "ChildValidators",
    "Claim",
    "Correction",
    "CorrectionKind",
    "Discovery",
    "Edge",
    "EdgeKind",
    "Extracted",
    "FeedState",
    "FetchResult",
    "FoundFeed",
    "FoundKind",
    "Link",
    "Mention",
    "OpmlFeed",
    "Outcome",
    "Outlet",
    "ParsedEntry",
    "ParsedFeed",
    "Passage",
    "Stance",
    "Uptake",
    "UptakeKind",
    "VersionRef",
]


def __getattr__(name: str) -> _Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tracker.domain' has no attribute {name!r}")
    value = getattr(_importlib.import_module(home), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
