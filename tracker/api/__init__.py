"""The library API: one `Tracker` facade, the claims API that hangs off it, and their answers.

The CLI imports only this package (and the ground floor): every type a command renders is
named here, so no front door reaches past the API into the rooms below.

The names load on first use (PEP 562): `tracker --help` imports this package but none of the
database, extraction and graph libraries behind it (tests/test_cli_startup.py checks).
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

if _TYPE_CHECKING:
    from tracker.api.alerts import Alerts, ShownSubscription
    from tracker.api.claim_sets import TextMatches
    from tracker.api.claims import Claims, ClaimSummary, Registered
    from tracker.api.errors import readable_errors
    from tracker.api.facade import (
        GraphFile,
        ImportReport,
        Tracker,
        database_revision,
        upgrade_database,
    )
    from tracker.api.status import Status, read_status
    from tracker.claims.suggest import Suggestion
    from tracker.domain.claim_sets import ClaimMatch, ImportSummary
    from tracker.domain.formats import GraphFormat
    from tracker.export.csv_rows import write_csv as write_csv_rows
    from tracker.export.graph import NO_CORRECTION, StorySummary
    from tracker.export.timeline import duration_text
    from tracker.pipeline.crawl import AddReport, RunReport
    from tracker.pipeline.warc_import import WarcImport
    from tracker.queries.claims import (
        OutletUptake,
        Repeat,
        TimelineEvent,
        WhoRepeated,
    )
    from tracker.queries.links import Hop, Repeaters, SourceChain

# Public name -> (the module that defines it, its name there).
_HOMES = {
    "NO_CORRECTION": ("tracker.export.graph", "NO_CORRECTION"),
    "AddReport": ("tracker.pipeline.crawl", "AddReport"),
    "Alerts": ("tracker.api.alerts", "Alerts"),
    "ClaimMatch": ("tracker.domain.claim_sets", "ClaimMatch"),
    "ImportSummary": ("tracker.domain.claim_sets", "ImportSummary"),
    "ShownSubscription": ("tracker.api.alerts", "ShownSubscription"),
    "TextMatches": ("tracker.api.claim_sets", "TextMatches"),
    "ClaimSummary": ("tracker.api.claims", "ClaimSummary"),
    "Claims": ("tracker.api.claims", "Claims"),
    "GraphFile": ("tracker.api.facade", "GraphFile"),
    "GraphFormat": ("tracker.domain.formats", "GraphFormat"),
    "Hop": ("tracker.queries.links", "Hop"),
    "ImportReport": ("tracker.api.facade", "ImportReport"),
    "OutletUptake": ("tracker.queries.claims", "OutletUptake"),
    "Registered": ("tracker.api.claims", "Registered"),
    "Repeat": ("tracker.queries.claims", "Repeat"),
    "Repeaters": ("tracker.queries.links", "Repeaters"),
    "RunReport": ("tracker.pipeline.crawl", "RunReport"),
    "SourceChain": ("tracker.queries.links", "SourceChain"),
    "Status": ("tracker.api.status", "Status"),
    "read_status": ("tracker.api.status", "read_status"),
    "StorySummary": ("tracker.export.graph", "StorySummary"),
    "Suggestion": ("tracker.claims.suggest", "Suggestion"),
    "TimelineEvent": ("tracker.queries.claims", "TimelineEvent"),
    "Tracker": ("tracker.api.facade", "Tracker"),
    "WarcImport": ("tracker.pipeline.warc_import", "WarcImport"),
    "WhoRepeated": ("tracker.queries.claims", "WhoRepeated"),
    "database_revision": ("tracker.api.facade", "database_revision"),
    "duration_text": ("tracker.export.timeline", "duration_text"),
    "readable_errors": ("tracker.api.errors", "readable_errors"),
    "upgrade_database": ("tracker.api.facade", "upgrade_database"),
    "write_csv_rows": ("tracker.export.csv_rows", "write_csv"),
}
_SUBMODULES = ("alerts", "claim_sets", "claims", "errors", "facade", "status")

__all__ = [
    "NO_CORRECTION",
    "AddReport",
    "Alerts",
    "ClaimMatch",
    "ClaimSummary",
    "Claims",
    "GraphFile",
    "GraphFormat",
    "Hop",
    "ImportReport",
    "ImportSummary",
    "OutletUptake",
    "Registered",
    "Repeat",
    "Repeaters",
    "RunReport",
    "ShownSubscription",
    "SourceChain",
    "Status",
    "StorySummary",
    "Suggestion",
    "TextMatches",
    "TimelineEvent",
    "Tracker",
    "WarcImport",
    "WhoRepeated",
    "database_revision",
    "duration_text",
    "read_status",
    "readable_errors",
    "upgrade_database",
    "write_csv_rows",
]


def __getattr__(name: str) -> _Any:
    if name in _SUBMODULES:  # `import tracker.api; tracker.api.facade...` as before
        return _importlib.import_module(f"tracker.api.{name}")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tracker.api' has no attribute {name!r}")
    value = getattr(_importlib.import_module(home[0]), home[1])
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
