"""A text's event profile: what the one-event filter compares of two texts, and its stored form.

Free-text who-repeated keeps the articles that report the event of the article stating the text
best (`queries.claims`): it compares each text's weighted content stems (story similarity) and
its event specifics (`text.specifics`). Both are pure functions of a version's text, so they are
computed when the version is analysed (`text.stored`) and a question only decodes them.

The stored form is JSON, made ready for scoring: the text's content stems with their weights
(`TermStats.weights`), in the order the text first writes them (float sums follow that order, so
a decoded profile scores exactly as a computed one; JSON floats read back bit for bit), their
length, the sums and sets `PreparedSpecifics` computes once per text, the names of the
`Specifics` fields, and their values in that order. A question decodes thousands of profiles
and scores each only against a few others: decoding straight into what a score reads saves
weighing, summing and tagging each of them again. A stored profile whose field names are not
the current `Specifics` fields decodes to None and is computed again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import orjson

from tracker.text.specifics import PreparedSpecifics, Specifics, specifics_of
from tracker.text.terms import TermStats, name_tokens, stats_of_tokens

__all__ = [
    "EventProfile",
    "ReadyProfile",
    "decode_profile",
    "encode_profile",
    "headline_and_body",
    "profile_of",
    "term_norm",
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


def term_norm(weights: Mapping[str, float]) -> float:
    """The Euclidean length of a bag of weighted terms (summed in their order)."""
    return math.sqrt(sum(weight * weight for weight in weights.values()))


@dataclass(frozen=True, slots=True)
class ReadyProfile:
    """A profile ready for event scores: its stems' weights and their length, its specifics."""

    weights: Mapping[str, float]  # `TermStats.weights`, in the text's order of stems
    norm: float  # `term_norm(weights)`
    prepared: PreparedSpecifics

    @classmethod
    def of(cls, profile: EventProfile) -> ReadyProfile:
        """Weigh and prepare a computed profile (what a stored one decodes to)."""
        weights = profile.terms.weights
        return cls(weights, term_norm(weights), PreparedSpecifics.of(profile.specifics))


def _encode_value(value: object) -> object:
    """A `Specifics` field as JSON: a set as a sorted list (tuples as lists), else as it is."""
    if isinstance(value, frozenset | set):
        return [list(item) if isinstance(item, tuple) else item for item in sorted(value)]
    if isinstance(value, Mapping):
        return dict(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot store a Specifics field of type {type(value).__name__}")


_FIELDS = tuple(f.name for f in fields(Specifics))
_FIELD_NAMES = " ".join(_FIELDS)  # what a stored profile must name
# How each field reads back: a set of tuples (stored as lists), a set, or as stored (a mapping
# is the fresh dict the decoder made, not copied again; a plain value is itself).
_TUPLES, _SET, _AS_IS = 0, 1, 2
_KINDS = tuple(
    _TUPLES
    if str(f.type).startswith("frozenset[tuple")
    else _SET
    if str(f.type).startswith("frozenset")
    else _AS_IS
    for f in fields(Specifics)
)


def encode_profile(profile: EventProfile) -> str:
    """The stored form of a profile (JSON), ready for scoring (`ReadyProfile`)."""
    ready = ReadyProfile.of(profile)
    values = profile.specifics
    specifics = [_encode_value(getattr(values, name)) for name in _FIELDS]
    prepared = ready.prepared
    payload = [
        ready.weights,
        ready.norm,
        prepared.lead_square,
        prepared.names_total,
        sorted(prepared.figures),
        prepared.latest_year,
        _FIELD_NAMES,
        specifics,
    ]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def decode_profile(stored: str) -> ReadyProfile | None:
    """The profile stored in `stored`, or None when it was made for other `Specifics` fields."""
    # orjson: the same values as `json.loads` (what `encode_profile` writes: integers, strings
    # and finite floats), in about half the time; a question decodes thousands of profiles.
    weights, norm, lead_square, names_total, figures, latest, names, specifics = orjson.loads(
        stored
    )
    if names != _FIELD_NAMES:
        return None
    read: list[Any] = [
        frozenset(map(tuple, value))
        if kind == _TUPLES
        else frozenset(value)
        if kind == _SET
        else value
        for kind, value in zip(_KINDS, specifics, strict=True)
    ]
    values = Specifics(*read)
    prepared = PreparedSpecifics(values, lead_square, names_total, frozenset(figures), latest)
    return ReadyProfile(weights, norm, prepared)
