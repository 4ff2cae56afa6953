"""robots.txt: what a site lets this crawler fetch, decided per RFC 9309 and cached per origin.

The only module importing protego. Fetching is passed in, so robots.txt travels the same safe
path (address checks, caps, deadline, politeness) as every other request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from protego import Protego

from tracker.domain import FetchResult
from tracker.errors import (
    HTTPStatusError,
    PermanentError,
    RetryableError,
    TooManyRedirects,
)

__all__ = ["RobotsCache", "RobotsPolicy", "policy_from_error", "policy_from_result"]

# An unreachable robots.txt is asked again after this long (or the normal lifetime, if shorter).
UNREACHABLE_RETRY_SECONDS = 600.0
_PRUNE_AT = 4096  # cached origins kept before expired ones are dropped


@dataclass(frozen=True, slots=True)
class RobotsPolicy:
    """What one origin's robots.txt allows."""

    rules: Protego | None = None  # None: no rules, so everything is allowed or nothing is
    allow_all: bool = True
    # True when nothing is allowed only because robots.txt could not be read right now.
    unreachable: bool = False

    def sitemaps(self) -> tuple[str, ...]:
        """The URLs of its `Sitemap:` lines, in order."""
        if self.rules is None:
            return ()
        return tuple(dict.fromkeys(str(url).strip() for url in self.rules.sitemaps))

    def allows(self, url: str, user_agent: str) -> bool:
        """True when `user_agent` may fetch `url`."""
        if self.rules is not None:
            return bool(self.rules.can_fetch(url, user_agent))
        return self.allow_all


def policy_from_result(result: FetchResult) -> RobotsPolicy:
    """The policy that a fetched robots.txt answer stands for."""
    if 200 <= result.status < 300:
        text = result.body.decode("utf-8", errors="replace")
        return RobotsPolicy(rules=Protego.parse(text))
    # RFC 9309 2.3.1.3: "unavailable" (a 4xx, here 404/410 returned as results) allows all.
    return RobotsPolicy(allow_all=True)


def policy_from_error(error: Exception) -> RobotsPolicy:
    """The policy when fetching robots.txt failed with `error`."""
    if isinstance(error, HTTPStatusError | TooManyRedirects):
        # RFC 9309 2.3.1.3: any other 4xx is "unavailable" too, so everything is allowed;
        # 2.3.1.2: past five redirects robots.txt may be treated as unavailable.
        return RobotsPolicy(allow_all=True)
    # RFC 9309 2.3.1.4: a server error, timeout or refused connection leaves robots.txt
    # "unreachable", and then the crawler MUST assume complete disallow (for now).
    return RobotsPolicy(allow_all=False, unreachable=isinstance(error, RetryableError))


@dataclass(slots=True)
class _Entry:
    policy: RobotsPolicy
    expires: float  # time.monotonic()


class RobotsCache:
    """robots.txt policies per origin (scheme://host:port), each kept for a while."""

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[FetchResult]],
        *,
        lifetime: float,
    ) -> None:
        self._fetch = fetch
        self._lifetime = lifetime
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def policy(self, origin: str) -> RobotsPolicy:
        """The policy of `origin`, fetching its robots.txt when none is cached."""
        entry = self._entries.get(origin)
        if entry is not None and entry.expires > time.monotonic():
            return entry.policy
        # One fetch per origin at a time; the others wait and then read what it stored.
        lock = self._locks.setdefault(origin, asyncio.Lock())
        try:
            async with lock:
                entry = self._entries.get(origin)
                if entry is not None and entry.expires > time.monotonic():
                    return entry.policy
                return await self._refresh(origin)
        finally:
            # Waiters keep their reference to the lock; later callers find the stored policy.
            self._locks.pop(origin, None)

    async def _refresh(self, origin: str) -> RobotsPolicy:
        lifetime = self._lifetime
        try:
            policy = policy_from_result(await self._fetch(f"{origin}/robots.txt"))
        except (RetryableError, PermanentError) as exc:
            policy = policy_from_error(exc)
            if policy.unreachable:
                lifetime = min(lifetime, UNREACHABLE_RETRY_SECONDS)
        now = time.monotonic()
        if len(self._entries) >= _PRUNE_AT:
            for key in [key for key, entry in self._entries.items() if entry.expires <= now]:
                del self._entries[key]
        self._entries[origin] = _Entry(policy, now + lifetime)
        return policy
