"""The cycle collector paused while claims are matched (reference counting still frees)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cycles_uncollected"]


@contextmanager
def cycles_uncollected() -> Iterator[None]:
    """Pause the cycle collector for the block; it is left as it was found.

    Matching claims makes ~10^6 short-lived objects (tokens, analyses, match details, profiles)
    that hold no reference cycles, and keeps thousands alive in its memos; each allocation burst
    set off collections, the full ones walking every object of the process. Free text at 100k
    stored articles spent about a tenth of its CPU there, the claims stage of a crawl pass of the
    dev scenario (474 new articles, 20 claims) a sixth; the stage left ~6,000 objects of cyclic
    garbage behind (the store's), collected once the collector runs again. Another thread may
    have paused it too: it is enabled again only by the one that found it enabled.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
