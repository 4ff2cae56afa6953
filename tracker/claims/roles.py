"""The part an article plays for a claim, read from the stances of its first mentioning version.

An article repeats a claim when the first version that mentions it carries the claim (as fact or
as someone's account) without its denial; one that first reports the claim together with its
denial has carried the denial (a disputer: a rebuttal, or a follow-up of its outlet). The origin
is the article the user named when registering the claim. An article whose mentions match the
claim but that reports another event of the same kind (`tracker.claims.one_event`) is kept as
`other_event`: never shown as a repeater.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from enum import StrEnum

from tracker.domain import Stance

__all__ = ["Role", "first_stances", "role_of", "shown_stance"]


class Role(StrEnum):
    """How an article relates to a claim."""

    ORIGIN = "origin"
    REPEATER = "repeater"
    DISPUTER = "disputer"
    OTHER_EVENT = "other_event"


def first_stances(
    version_order: Sequence[int], stances: Mapping[int, Collection[Stance]]
) -> frozenset[Stance]:
    """The stances of the first version (in `version_order`) that mentions the claim."""
    for version_id in version_order:
        found = stances.get(version_id)
        if found:
            return frozenset(found)
    return frozenset()


def role_of(stances: Collection[Stance], *, origin: bool) -> Role | None:
    """The role of an article whose first mentioning version carries `stances`."""
    if origin:
        return Role.ORIGIN
    if not stances:
        return None
    if Stance.DISPUTES in stances:
        return Role.DISPUTER
    return Role.REPEATER


def shown_stance(stances: Collection[Stance]) -> Stance | None:
    """The stance to show for an article: the strongest it first carried the claim with."""
    for stance in (Stance.ASSERTS, Stance.ATTRIBUTES, Stance.DISPUTES):
        if stance in stances:
            return stance
    return None
