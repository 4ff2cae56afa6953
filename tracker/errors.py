"""The tracker's exceptions: few, named, and split into retryable and permanent.

    TrackerError
    ├── RetryableError            try again later (with backoff); never disables a feed
    │   ├── FetchTimeout          the total deadline of one fetch ran out
    │   ├── TransientHTTPError    5xx, 429, connection reset/refused; may carry Retry-After
    │   ├── StoreBusy             the database stayed locked past the busy timeout
    │   ├── StoreFailed           the database failed a write (I/O error, disk full, connection)
    │   └── CrawlLocked           another crawl holds this database's crawl lock
    └── PermanentError            the same input will fail the same way
        ├── BadInput              a user-supplied value is wrong (URL, file, option)
        │   ├── UnsafeURL         scheme not http(s), or an address that is private/loopback/...
        │   ├── NotAFeed          the bytes are not RSS/Atom/JSON Feed/OPML
        │   └── DatabaseProblem   the database cannot be used: not a database, no server, read-only
        ├── BodyTooLarge          the decoded body passed the size cap
        ├── RobotsDisallowed      the site's robots.txt forbids fetching the URL
        ├── TooManyRedirects      more hops than allowed, or a loop
        ├── HTTPStatusError       a 4xx other than 404/410/429 (404/410 are outcomes, not errors)
        ├── StoreRefused          the database refused one item's rows (a constraint, a trigger)
        └── NotFound              a named thing (feed, outlet, claim) is not in the database

The CLI turns every TrackerError into one readable line and exit code 2.
"""

from __future__ import annotations

__all__ = [
    "BadInput",
    "BodyTooLarge",
    "CrawlLocked",
    "DatabaseProblem",
    "FetchTimeout",
    "HTTPStatusError",
    "NotAFeed",
    "NotFound",
    "PermanentError",
    "RetryableError",
    "RobotsDisallowed",
    "StoreBusy",
    "StoreFailed",
    "StoreRefused",
    "TooManyRedirects",
    "TrackerError",
    "TransientHTTPError",
    "UnsafeURL",
]


class TrackerError(Exception):
    """Base of every error the tracker raises on purpose."""


class RetryableError(TrackerError):
    """A failure that may go away by itself; retried with backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FetchTimeout(RetryableError):
    """The total deadline for one fetch ran out."""


class TransientHTTPError(RetryableError):
    """A 5xx or 429 answer, or a connection-level failure."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, retry_after=retry_after)
        self.status = status


class StoreBusy(RetryableError):
    """The database stayed locked longer than the busy timeout."""


class StoreFailed(RetryableError):
    """The database failed a write for a reason that may pass (I/O, disk full, connection)."""


class CrawlLocked(RetryableError):
    """Another crawl is running on the same database; this one did not start."""


class PermanentError(TrackerError):
    """A failure that will repeat for the same input."""


class BadInput(PermanentError):
    """A value supplied by the user (URL, file, option) is not acceptable."""


class UnsafeURL(BadInput):
    """The URL's scheme or resolved address is refused by the safety policy."""

    def __init__(self, message: str, *, private: bool = False) -> None:
        super().__init__(message)
        self.private = private  # refused for a non-public address (allowed by a setting)


class NotAFeed(BadInput):
    """The document is not a feed (RSS, Atom, JSON Feed) or an OPML list."""


class DatabaseProblem(BadInput):
    """The configured database cannot be used (not a database, no server, read-only, ...)."""


class BodyTooLarge(PermanentError):
    """The decoded response body exceeded the configured cap."""

    def __init__(
        self, message: str, *, limit: int | None = None, received: int | None = None
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.received = received  # decoded bytes held when the fetch gave up


class RobotsDisallowed(PermanentError):
    """The site's robots.txt does not allow this user agent to fetch the URL."""


class TooManyRedirects(PermanentError):
    """More redirect hops than allowed, or a redirect loop."""


class HTTPStatusError(PermanentError):
    """A client-error status that retrying will not fix."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class StoreRefused(PermanentError):
    """The database refused one item's rows; the same rows would be refused again."""


class NotFound(PermanentError):
    """A named feed, outlet, article or claim does not exist in the database."""
