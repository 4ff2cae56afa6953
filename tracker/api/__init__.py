"""The library API: one `Tracker` facade, and the claims API that hangs off it."""

from tracker.api.claims import Claims
from tracker.api.facade import Tracker

__all__ = ["Claims", "Tracker"]
