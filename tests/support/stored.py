"""Articles put straight into a real store, without a crawl: pages made from plain text."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta

from tracker.clock import ManualClock
from tracker.domain import Extracted
from tracker.domain.crawl import StoredPage
from tracker.store import Store


def stored_page(url: str, text: str, when: datetime, title: str = "") -> StoredPage:
    """A fetched page whose extracted text is `text`, as the crawl would hand it to the store."""
    return StoredPage(
        requested_url=url,
        final_url=url,
        status=200,
        fetched_at=when,
        extracted=Extracted(text=text, title=title),
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        raw_html=text.encode(),
        etag=None,
        last_modified=None,
    )


def store_texts(store: Store, clock: ManualClock, texts: Mapping[str, str]) -> dict[str, int]:
    """Store one article per text (key: URL without scheme), an hour apart; ids by key."""
    ids: dict[str, int] = {}
    for key, body in texts.items():
        now = clock.now()
        url = f"https://{key}"
        ids[key], _ = store.save_new_article(
            url,
            stored_page(url, body, now),
            outlet_name=None,
            published=None,
            next_check_at=now + timedelta(days=1),
            now=now,
        )
        clock.advance(timedelta(seconds=3600))
    return ids
