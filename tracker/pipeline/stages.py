"""Stages that run after each crawl pass over what the store holds (linking, claims, ...).

A stage is idempotent and resumable: it finds its own pending work in the database (versions
not yet linked, versions not yet matched against every claim, ...), does it, and returns named
outcome counts that the crawl run records beside its own. The crawler runs stages in order on
its store thread, after fetching and re-checking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from tracker.config import Settings
from tracker.pipeline.claims_stage import ClaimsStage
from tracker.pipeline.linking_stage import LinkingStage
from tracker.store import Store

__all__ = ["Stage", "default_stages"]


class Stage(Protocol):
    """One post-fetch stage of the pipeline."""

    name: str

    def run(self, store: Store, now: datetime) -> Mapping[str, int]:
        """Do all pending work; return counts of named outcomes."""
        ...


def default_stages(settings: Settings) -> Sequence[Stage]:
    """The stages a crawl runs, in order."""
    # The claims stage orders articles as linking does, for the claim-based edges it writes.
    return (
        LinkingStage(settings.link),
        ClaimsStage(link=settings.link, report_url=settings.alerts.report_url),
    )
