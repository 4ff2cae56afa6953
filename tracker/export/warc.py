"""A claim's evidence as a WARC file: every stored page of its story, as the tracker saw it.

Each version's raw HTML becomes a response record with the URL it was read from and the time it
was fetched, so pywb or ReplayWeb.page replay the story and an archive can keep it. An article
found taken down adds a 404 record at the time that was seen. Records are in time order.
"""

from __future__ import annotations

import heapq
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from tracker.config import VERSION
from tracker.domain.story import ClaimStory
from tracker.errors import BadInput
from tracker.export.files import confine
from tracker.store.captures import CaptureStore
from tracker.web.warc import ArchivedPage, write_warc

__all__ = ["write_story_warc"]

TAKEN_DOWN_STATUS = 404  # the store keeps that an article was gone, not which status said so


def write_story_warc(
    story: ClaimStory,
    captures: CaptureStore,
    output: Path,
    *,
    root: Path,
    also: Iterable[int] = (),
) -> tuple[Path, int]:
    """Write the story's pages (and `also` these articles') to `output` inside `root`.

    Returns the file written and how many response records it holds.
    """
    target = confine(output, root)
    ids = sorted({a.id for a in story.articles} | set(also))
    gone = [
        ArchivedPage(url, at, TAKEN_DOWN_STATUS, b"", "text/plain")
        for _, url, at in captures.takedowns(ids)
    ]
    gone.sort(key=lambda page: page.captured_at)
    stored = (
        ArchivedPage(c.url, c.fetched_at, c.status, c.html, "text/html")
        for c in captures.pages(ids)
    )
    pages = _by_time(stored, gone)
    info = {
        "software": f"propagation-tracker {VERSION}",
        "format": "WARC File Format 1.1",
        "description": f"Stored pages of the story of claim {story.claim.slug!r}: "
        f"{story.claim.text}",
        "isPartOf": story.claim.slug,
    }
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                written = write_warc(stream, pages, info=info, filename=target.name)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise BadInput(f"cannot write {target}: {exc.strerror or exc}") from None
    return target, written


def _by_time(stored: Iterator[ArchivedPage], gone: list[ArchivedPage]) -> Iterator[ArchivedPage]:
    """Both streams (each already in time order) merged by time."""
    return heapq.merge(stored, gone, key=lambda page: page.captured_at)
