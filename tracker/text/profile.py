"""A text's event profile: what the one-event filter compares of two texts, and its stored form.

Free-text who-repeated keeps the articles that report the event of the article stating the text
best (`queries.claims`): it compares each text's weighted content stems (story similarity) and
its event specifics (`text.specifics`). Both are pure functions of a version's text, so they are
computed when the version is analysed (`text.stored`) and a question only decodes them.

The stored form is JSON: the text's content stems with counts, in the order the text first writes
them (float sums follow that order, so a decoded profile scores exactly as a computed one), its
name stems, and the `Specifics` fields by name. A stored profile whose field names are not the
current `Specifics` fields decodes to None and is computed again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import orjson

from tracker.text.specifics import Specifics, specifics_of
from tracker.text.terms import TermStats, name_tokens, stats_of_tokens

__all__ = [
    "EventProfile",
    "decode_profile",
    "encode_profile",
    "headline_and_body",
    "profile_of",
]


@dataclass(frozen=True, slots=True)
class EventProfile:
    """A text's content stems (with counts and names) and its event specifics."""

    terms: TermStats
    specifics: Specifics


def headline_and_body(title: str, text: str) -> str:
    """The text an event profile is made of: the headline, then the body.

    The event score reads a text's opening sentences, a headline first (as the ECB+ texts it was
    fit on are written); extraction keeps the headline out of the stored body.
    """
    headline = title.strip()
    if not headline or text.lstrip().startswith(headline):
        return text
    return f"{headline}\n{text}"


def profile_of(text: str) -> EventProfile:
    """The profile of `text`, computed now (the text tokenised once for both parts)."""
    tokens = name_tokens(text)
    return EventProfile(stats_of_tokens(tokens), specifics_of(text, tokens))


def _encode_value(value: object) -> list[object]:
    """A `Specifics` field as JSON: a tagged set (of values or tuples), mapping or plain value."""
    if isinstance(value, frozenset | set):
        return ["s", [list(item) if isinstance(item, tuple) else item for item in sorted(value)]]
    if isinstance(value, Mapping):
        return ["m", dict(value)]
    if value is None or isinstance(value, str | int | float | bool):
        return ["v", value]
    raise TypeError(f"cannot store a Specifics field of type {type(value).__name__}")


def _decode_value(tagged: list[Any]) -> Any:
    tag, value = tagged
    if tag == "s":  # one kind of item per set: plain values, or tuples stored as lists
        return frozenset(map(tuple, value) if value and isinstance(value[0], list) else value)
    # A mapping ("m") is the fresh dict the decoder made (not copied again), else a plain value.
    return value


def encode_profile(profile: EventProfile) -> str:
    """The stored form of a profile (JSON)."""
    values = profile.specifics
    specifics = {f.name: _encode_value(getattr(values, f.name)) for f in fields(Specifics)}
    payload = [dict(profile.terms.counts), sorted(profile.terms.names), specifics]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


_FIELDS = frozenset(f.name for f in fields(Specifics))  # what a stored profile must name


def decode_profile(stored: str) -> EventProfile | None:
    """The profile stored in `stored`, or None when it was made for other `Specifics` fields."""
    # orjson: the same values as `json.loads` (what `encode_profile` writes: integers, strings
    # and finite floats), in about half the time; a question decodes thousands of profiles.
    counts, names, specifics = orjson.loads(stored)
    if specifics.keys() != _FIELDS:
        return None
    values = {name: _decode_value(value) for name, value in specifics.items()}
    return EventProfile(TermStats(counts, frozenset(names)), Specifics(**values))
