"""Storage: typed tables, engines and migrations, and the repository named after use cases.

The names load on first use (PEP 562): `tracker status` reads through `tracker.store.db` and
`tracker.store.status_read` without importing the ORM and the mapped tables behind `Store`.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

if _TYPE_CHECKING:
    from tracker.store.db import current_revision, head_revision, make_engine, upgrade
    from tracker.store.repo import FeedPoll, Store, next_check_time

# Public name -> the module that defines it.
_HOMES = {
    "FeedPoll": "tracker.store.repo",
    "Store": "tracker.store.repo",
    "current_revision": "tracker.store.db",
    "head_revision": "tracker.store.db",
    "make_engine": "tracker.store.db",
    "next_check_time": "tracker.store.repo",
    "upgrade": "tracker.store.db",
}

__all__ = [
    "FeedPoll",
    "Store",
    "current_revision",
    "head_revision",
    "make_engine",
    "next_check_time",
    "upgrade",
]


def __getattr__(name: str) -> _Any:
    """Import a public name's module the first time the name is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
