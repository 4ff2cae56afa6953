"""Attribution: where a text names an outlet as its source ("according to", "(AP)", "h/t").

Every mention of a known outlet (name, alias or domain; case-insensitive, whole words, with an
optional "the" and possessive "'s") is kept only when a cue around it makes it a credit: a phrase
before it ("according to", "first reported by", "told", "citing", "via", "h/t", "a report in"),
a verb after it ("reported", "first reported", "revealed", "contributed to this report"), a
possessive report ("the Ledger's report"), or a wire form (a dateline "(AP)" or "/PRNewswire/",
a byline line "By Reuters" or "— Reuters"). A mention written all in lower case of a name that
has capitals is not taken ("told people" is not People magazine). The article's own outlet is
never a credit: its name in its own byline or footer says nothing about where it took the story.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tracker.domain import Outlet

__all__ = ["WIRE_CUES", "Credit", "find_credits", "mentions"]

# Cues that mark a text as a wire story rather than a story that names its source in prose.
WIRE_CUES = frozenset({"dateline", "byline", "contributed"})

_REPORT = r"(?:report|story|article|investigation|interview)"
_CONTEXT = 80  # characters looked at on each side of an outlet mention

# Phrases that end right before the outlet's name.
_BEFORE: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (cue, re.compile(pattern + r"\s*$", re.IGNORECASE))
    for cue, pattern in (
        ("first_reported_by", r"\b(?:first|originally|initially)\s+reported\s+by"),
        ("first_reported_by", r"\breported\s+first\s+by"),
        ("first_reported_by", r"\b(?:first|originally)\s+(?:published|appeared)\s+(?:in|on|by)"),
        ("reported_by", r"\breported\s+(?:by|in)"),
        ("according_to", r"\baccording\s+to"),
        ("told", r"\b(?:told|speaking\s+to|spoke\s+to|in\s+an\s+interview\s+with|statement\s+to)"),
        ("quoted_by", r"\b(?:quoted|cited|interviewed)\s+(?:by|in)"),
        ("citing", r"\bciting(?:\s+(?:a|an|the)\s+(?:\w+\s+)?" + _REPORT + r"\s+(?:by|in|from))?"),
        ("hat_tip", r"(?:\bh/t|\bhat\s+tip(?:\s+to)?)\s*:?"),
        ("via", r"\bvia\s*:?"),
        ("report_in", r"\b(?:a|an|the)\s+(?:\w+\s+)?" + _REPORT + r"\s+(?:by|in|from|on)"),
        ("report_in", r"\b(?:published|appeared)\s+(?:in|on|by)"),
    )
)  # fmt: skip

# Words that follow the outlet's name and make its mention a credit.
_AFTER_VERB = re.compile(
    r"""^\s*,?\s*(?:(?:which|who|that)\s+)?(?:(?:also|later|since)\s+)?
    (?:was\s+(?:the\s+)?first\s+to\s+report|
    (?:first|originally|earlier|previously|initially)\s+(?:reported|revealed)|
    (?:has|had)\s+(?:first\s+)?reported|broke\s+the\s+(?:story|news)|
    reported|reports|revealed|said\s+in\s+a\s+report|wrote|writes)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_AFTER_CONTRIBUTED = re.compile(
    r"^\s*(?:staff\s+)?contributed\s+(?:to\s+)?(?:this\s+)?(?:report|story|article)", re.IGNORECASE
)
_AFTER_POSSESSIVE = re.compile(
    r"^\s+(?:\w+\s+){0,2}?(?:report|reporting|story|article|investigation|scoop|interview)\b",
    re.IGNORECASE,
)
# What may stand before an outlet's name on a byline or credit line of its own.
_LINE_START = re.compile(
    r"[ \t]*(?:(?:additional\s+)?reporting\s+by|by|sources?\s*:|©|\(c\)"
    r"|copyright(?:\s+\d{4})?|[—–-]+)?[ \t]*$",
    re.IGNORECASE,
)
_LINE_END = re.compile(
    r"^[ \t]*(?:staff|wire|news\s+service)?[ \t]*\.?[ \t]*(?:\n|$)", re.IGNORECASE
)
_DASH_BEFORE = re.compile(r"[—–-]+[ \t]*$")
_OPEN_BEFORE = re.compile(r"[(/][ \t]*$")
_CLOSE_AFTER = re.compile(r"^[ \t]*[)/]")


@dataclass(frozen=True, slots=True)
class Credit:
    """One place where a text credits an outlet: the cue, the phrase and where it lies."""

    outlet: Outlet
    cue: str  # e.g. "according_to", "dateline"
    phrase: str  # text[start:end]: the cue words and the outlet's name
    start: int
    end: int

    @property
    def wire(self) -> bool:
        """True for a wire dateline or byline (the text is the outlet's wire copy)."""
        return self.cue in WIRE_CUES


@dataclass(frozen=True, slots=True)
class _Names:
    """The outlets' names compiled into one pattern, and each name's outlet."""

    pattern: re.Pattern[str]
    outlets: dict[str, Outlet]  # lower-case name -> outlet
    capitalised: frozenset[str]  # lower-case names that are written with capitals


def _names_of(outlet: Outlet) -> Iterable[str]:
    """The names an outlet is credited under, without a leading "The"."""
    for name in (outlet.name, *outlet.aliases, outlet.domain):
        cleaned = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
        if cleaned:
            yield cleaned


@functools.lru_cache(maxsize=8)
def _compile(outlets: tuple[Outlet, ...]) -> _Names:
    """Compile the names of `outlets`, longest first so "Daily Ledger" beats "Ledger"."""
    table: dict[str, Outlet] = {}
    capitalised: set[str] = set()
    for outlet in outlets:
        for name in _names_of(outlet):
            key = " ".join(name.lower().split())
            table.setdefault(key, outlet)  # an alias two outlets share goes to the first
            if any(ch.isupper() for ch in name):
                capitalised.add(key)
    alternatives = sorted(table, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(part) for part in name.split()) for name in alternatives)
    pattern = re.compile(
        rf"(?<![\w.])(?:the\s+)?(?P<name>{body})(?P<possessive>['’]s)?(?![\w])", re.IGNORECASE
    )
    return _Names(pattern, table, frozenset(capitalised))


def _cue(text: str, start: int, end: int, possessive: bool) -> tuple[str, int, int] | None:
    """Return (cue, phrase start, phrase end) when the mention at [start, end) is a credit."""
    before = text[max(0, start - _CONTEXT) : start]
    after = text[end : end + _CONTEXT]
    if _OPEN_BEFORE.search(before) and _CLOSE_AFTER.match(after):
        return "dateline", start - 1, end + 1
    line_start = text.rfind("\n", 0, start) + 1
    if _LINE_END.match(after):
        dash = _DASH_BEFORE.search(before)
        if dash:  # "... the end of the story. — Reuters"
            return "byline", start - len(dash.group()), end
        line = _LINE_START.match(text, line_start, start)
        if line:  # "By Reuters", "Copyright 2026 Reuters", or the name alone on its line
            phrase_start = line_start + len(line.group()) - len(line.group().lstrip())
            return "byline", phrase_start, end
    for cue, pattern in _BEFORE:
        found = pattern.search(before)
        if found:
            return cue, start - len(before) + found.start(), end
    if possessive:
        found_after = _AFTER_POSSESSIVE.match(after)
        if found_after:
            return "report_of", start, end + found_after.end()
    found_after = _AFTER_VERB.match(after) or _AFTER_CONTRIBUTED.match(after)
    if found_after:
        cue = "contributed" if "contributed" in found_after.group().lower() else "reported"
        return cue, start, end + found_after.end()
    return None


def find_credits(
    text: str, outlets: Sequence[Outlet], own_domain: str | None = None
) -> list[Credit]:
    """Find where `text` credits one of `outlets` (never the outlet with `own_domain`)."""
    if not outlets:
        return []
    names = _compile(tuple(outlets))
    credits: list[Credit] = []
    for match in names.pattern.finditer(text):
        written = match.group("name")
        key = " ".join(written.lower().split())
        outlet = names.outlets.get(key)
        if outlet is None or outlet.domain == own_domain:
            continue
        if key in names.capitalised and written == written.lower():
            continue  # "told people" is not a credit to People
        found = _cue(text, match.start(), match.end(), match.group("possessive") is not None)
        if found is not None:
            cue, start, end = found
            credits.append(Credit(outlet, cue, text[start:end], start, end))
    return credits


def mentions(text: str, outlet: Outlet) -> int:
    """How often `text` names `outlet` at all, credit or not (same name rules as credits)."""
    names = _compile((outlet,))
    return sum(
        1
        for match in names.pattern.finditer(text)
        if not (
            " ".join(match.group("name").lower().split()) in names.capitalised
            and match.group("name") == match.group("name").lower()
        )
    )
