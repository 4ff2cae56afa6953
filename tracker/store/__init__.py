"""Storage: typed tables, engines and migrations, and the repository named after use cases."""

from tracker.store.db import current_revision, head_revision, make_engine, upgrade
from tracker.store.repo import FeedPoll, Store, next_check_time

__all__ = [
    "FeedPoll",
    "Store",
    "current_revision",
    "head_revision",
    "make_engine",
    "next_check_time",
    "upgrade",
]
