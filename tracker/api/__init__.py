"""The library API: one `Tracker` facade, the claims API that hangs off it, and their answers.

The CLI imports only this package (and the ground floor): every type a command renders is
named here, so no front door reaches past the API into the rooms below.
"""

from tracker.api.claims import Claims, ClaimSummary, Registered
from tracker.api.facade import (
    GraphFile,
    ImportReport,
    Status,
    Tracker,
    database_revision,
    upgrade_database,
)
from tracker.claims.suggest import Suggestion
from tracker.export.csv_rows import write_csv as write_csv_rows
from tracker.export.files import GraphFormat
from tracker.export.graph import NO_CORRECTION, StorySummary
from tracker.export.timeline import duration_text
from tracker.pipeline.crawl import RunReport
from tracker.queries.claims import (
    OutletUptake,
    Repeat,
    TimelineEvent,
    WhoRepeated,
)
from tracker.queries.links import Hop, Repeaters, SourceChain
from tracker.store.db import readable_errors

__all__ = [
    "NO_CORRECTION",
    "ClaimSummary",
    "Claims",
    "GraphFile",
    "GraphFormat",
    "Hop",
    "ImportReport",
    "OutletUptake",
    "Registered",
    "Repeat",
    "Repeaters",
    "RunReport",
    "SourceChain",
    "Status",
    "StorySummary",
    "Suggestion",
    "TimelineEvent",
    "Tracker",
    "WhoRepeated",
    "database_revision",
    "duration_text",
    "readable_errors",
    "upgrade_database",
    "write_csv_rows",
]
