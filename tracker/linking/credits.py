"""Attribution: where a text names an outlet as its source ("according to", "(AP) —", "h/t").

Every mention of a known outlet (name, alias or domain; case-insensitive, whole words, with an
optional "the" and possessive "'s") is kept only when a cue around it makes it a credit: a phrase
before it ("according to", "first reported by", "citing", "via", "h/t", "a report in"), a verb
after it ("reported", "is reporting", "revealed", "contributed to this report"), a report of it
("the Ledger's report", "a Ledger story"), or a wire form: a dateline ("WASHINGTON (AP) —",
"(Reuters) -", "/PRNewswire/ --"), a byline or sign-off line ("By Reuters", "— Reuters",
"© 2019 The Associated Press", "With Post wires").

Cues are ranked by what they mean (measured on labelled attributions of real news texts,
`benchmarks/credits.py`): these name where the story came from. What does not, is not taken:
"told X", "confirmed to X", "in an interview with X" name an interview the outlet held (its
source is the speaker, not the outlet); an outlet's name in brackets after its full name ("told
the Associated Press (AP)") or after another name is an abbreviation, not a dateline, so a
bracketed or slashed name counts as a dateline only before a dash or at the start of a line;
and a photo credit ("(Jane Doe/AFP/Getty Images)", "Photograph: AFP via Getty", "(NASA via AP,
File)") credits a picture, not the text. A mention written all in lower case of a name that has
capitals is not taken ("told people" is not People magazine). The article's own outlet is never a
credit: its name in its own byline or footer says nothing about where it took the story.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tracker.domain import Outlet
from tracker.text.words import distinct_stems

__all__ = ["WIRE_CUES", "Credit", "find_credits", "mentions", "told_by_headline"]

# Cues that mark a text as a wire story rather than a story that names its source in prose.
WIRE_CUES = frozenset({"dateline", "byline", "contributed"})

_REPORT = r"(?:report|story|article|investigation|interview)"
_CONTEXT = 80  # characters looked at on each side of an outlet mention
# Characters on each side of a credit read as the story it credits ("According to the Ledger,
# the harbor bridge is closed for weeks"): the credit's sentence, and one on either side.
_TOLD = 300
# Content words a headline must share with the credit's passage to name its story: one shared
# word ("police", "season") is what most of an outlet's headlines share with any story.
_HEADLINE_MIN_SHARED = 2

# Phrases that end right before the outlet's name.
_BEFORE: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (cue, re.compile(pattern + r"\s*(?:''|[\"“‘'])?\s*$", re.IGNORECASE))
    for cue, pattern in (
        ("first_reported_by", r"\b(?:first|originally|initially)\s+reported\s+by"),
        ("first_reported_by", r"\breported\s+first\s+by"),
        ("first_reported_by", r"\b(?:first|originally)\s+(?:published|appeared)\s+(?:in|on|by)"),
        ("reported_by", r"\breported\s+(?:by|in)"),
        ("according_to", r"\baccording\s+to(?:\s+(?:the\s+)?(?:state|government)[- ]\w+)?"),
        (
            "according_to",
            r"\baccording\s+to\s+(?:(?:a|an|the|initial|earlier|recent)\s+){0,2}"
            + _REPORT
            + r"s?\s+(?:by|in|from|of)",
        ),
        ("reported", r"[,;]\s*(?:reports|reported)"),  # "..., reports AP."
        ("quoted_by", r"\b(?:quoted|cited)(?:\s+as\s+saying)?\s+(?:by|in)"),
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
    (?:has|had|have)\s+(?:first\s+|also\s+)?reported|broke\s+the\s+(?:story|news)|
    (?:is|are|was|were)\s+(?:now\s+|also\s+)?reporting|(?:exclusively|first)\s+reported|
    reported|reports|revealed|said\s+in\s+a\s+report|wrote|writes)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A name right after a preposition is not the subject of the verb that follows it: "shoppers on
# Parcelwise reported problems" names the site they used, not a report by it. "of", "at" and
# "from" stay out: "Ken Rosenthal of Fox Sports reports" is the outlet's reporter reporting.
_OBJECT_OF = re.compile(
    r"\b(?:on|for|with|to|in|into|about|over|against|through)\s*$", re.IGNORECASE
)
_AFTER_CONTRIBUTED = re.compile(
    r"^\s*(?:staff\s+)?contributed\s+(?:to\s+)?(?:this\s+)?(?:report|story|article)", re.IGNORECASE
)
# "Fox News' Jane Doe contributed to this report": a reporter of the outlet, by name.
_AFTER_REPORTER_CONTRIBUTED = re.compile(
    r"^\s+(?:[A-Z][\w.'’-]*\s+){1,3}contributed\s+(?:to\s+)?(?:this\s+)?(?:report|story|article)"
)
# "a Reuters report", "the Bloomberg article said", "some Deadline Hollywood scoop".
_AFTER_NOUN = re.compile(
    r"^\s+(?:[A-Z]\w+\s+)?(?:report|story|article|scoop|investigation)\b(?!\s+(?:by|in|on)\b)"
)
# Phrases right before the name that make the outlet the one spoken to, not the source.
_INTERVIEW = re.compile(
    r"\b(?:told|tells?|telling|talking\s+to|speaking\s+to|spoke\s+to|said\s+to|confirmed\s+to|"
    r"confirms\s+to|interview\s+with|statement\s+(?:released\s+|emailed\s+|given\s+)?to|"
    r"wrote|contacted\s+by|comment\s+to)\s*$",
    re.IGNORECASE,
)
# Words that mark a line or bracket as a picture's credit.
_PHOTO_WORDS = re.compile(r"\b(?:photo|photograph|image|picture|credit|file)s?\b", re.IGNORECASE)
_PHOTO_LINE = re.compile(r"^\W*(?:photo|photograph|image|picture|credit)s?\b[^.!?\n]{0,80}$", re.I)
# A wire's name opening a line with the date after it: "AFP, Tuesday 2 Jul 2013".
_LINE_DATE = re.compile(
    r"^[ \t]*,?[ \t]+(?:[a-z]{3,9},?[ \t]+)?"
    r"(?:\d{1,2}[ \t]+[a-z]{3,9}\.?|[a-z]{3,9}\.?[ \t]+\d{1,2}),?[ \t]+\d{4}\b[^\n]{0,30}(?:\n|$)",
    re.IGNORECASE,
)
_AFTER_POSSESSIVE = re.compile(
    r"^\s+(?:\w+\s+){0,2}?(?:report|reporting|story|article|investigation|scoop|interview)\b",
    re.IGNORECASE,
)
# What may stand before an outlet's name on a byline or credit line of its own.
_LINE_START = re.compile(
    r"[ \t]*(?:(?:additional\s+)?reporting\s+by|by|with|sources?\s*:"
    r"|(?:©|\(c\)|copyright)(?:\s*\d{4})?|[—–-]+)?[ \t]*$",
    re.IGNORECASE,
)
_LINE_END = re.compile(
    r"^[ \t]*(?:staff|wires?|news\s+service)?[ \t]*\.?[ \t]*(?:\n|$)", re.IGNORECASE
)
_DASH_BEFORE = re.compile(r"[—–-]+[ \t]*$")
_OPEN_BEFORE = re.compile(r"[(/][ \t]*$")
_CLOSE_AFTER = re.compile(r"^[ \t]*[)/]")
# What follows a wire dateline's bracket: a dash ("(AP) —", "/PRNewswire/ --") or a colon.
_DATELINE_DASH = re.compile(r"^[ \t]*[)/][ \t]*(?:[—–:]|-{1,2}(?!\w))")


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
        rf"(?<![\w.])(?:the\s+)?(?P<name>{body})(?P<possessive>['’]s?)?(?![\w])", re.IGNORECASE
    )
    return _Names(pattern, table, frozenset(capitalised))


# The outlets last compiled, by identity: the linking stage passes one tuple of all outlets
# for every article, and hashing and comparing its ~100 records as `_compile`'s key cost more
# than what it saved (0.13 ms an article in a WARC import of 97 outlets, of 0.35 in credits).
# The tuple is held here, so its id cannot be reused by another object while it is.
_last_compiled: list[tuple[tuple[Outlet, ...], _Names]] = []


def _names_for(outlets: Sequence[Outlet]) -> _Names:
    """`_compile` of these outlets, without hashing them when the same tuple asks again."""
    last = _last_compiled[:1]
    if last and last[0][0] is outlets:
        return last[0][1]
    key = outlets if isinstance(outlets, tuple) else tuple(outlets)
    names = _compile(key)
    _last_compiled[:] = [(key, names)]
    return names


def _photo_credit(text: str, start: int, end: int, line_start: int) -> bool:
    """True when the mention at [start, end) credits a picture (a caption's credit line)."""
    if _PHOTO_WORDS.search(text[start:end]):
        return True  # a picture agency's own name ("... Images")
    opened = text.rfind("(", line_start, start)
    if opened >= 0 and text.find(")", opened, start) < 0:  # inside a bracket
        closed = text.find(")", end)
        before, after = text[opened + 1 : start], text[end : closed if closed >= 0 else end + 40]
        if _PHOTO_WORDS.search(before) or "getty" in after.lower():
            return True
    else:  # a line of its own that starts "Photograph:", "Image via", "Credit:"
        before, after = text[line_start:start], text[end : end + 40]
        if _PHOTO_LINE.match(before):
            return True
    if re.search(r"\w/\s*$", before) or re.match(r"\s*/", after):
        return True  # "Jane Doe/AFP", "AFP/Getty": the slashed list of a photo credit
    if re.search(r"\bvia\s+$", before, re.IGNORECASE):
        # "(NASA via AP, File)", "Sex Offender Registry via AP": a handout's credit, which ends
        # its bracket or line without a sentence's full stop.
        rest = after.split("\n", 1)[0].strip()
        return rest == "" or re.fullmatch(r",\s*file", rest, re.IGNORECASE) is not None
    return False


def _cue(text: str, start: int, end: int, possessive: bool) -> tuple[str, int, int] | None:
    """Return (cue, phrase start, phrase end) when the mention at [start, end) is a credit."""
    before = text[max(0, start - _CONTEXT) : start]
    after = text[end : end + _CONTEXT]
    line_start = text.rfind("\n", 0, start) + 1
    if _OPEN_BEFORE.search(before) and _CLOSE_AFTER.match(after):
        # "WASHINGTON (AP) —" or "(AP) The Latest" at a line's start; "Associated Press (AP)."
        # and "(Jane Doe/AFP/Getty Images)" are an abbreviation and a photo credit.
        opening = text[line_start : start - 1].strip()
        if _DATELINE_DASH.match(after) or not opening:
            return "dateline", start - 1, end + 1
        return None
    if _photo_credit(text, start, end, line_start) or _INTERVIEW.search(before):
        return None
    if not text[line_start:start].strip() and _LINE_DATE.match(after):
        return "byline", start, end
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
        found_after = _AFTER_REPORTER_CONTRIBUTED.match(after)
        if found_after:
            return "contributed", start, end + found_after.end()
    found_after = _AFTER_NOUN.match(after)
    if found_after:
        return "report_of", start, end + found_after.end()
    found_after = _AFTER_VERB.match(after) or _AFTER_CONTRIBUTED.match(after)
    if found_after and not _OBJECT_OF.search(before):
        cue = "contributed" if "contributed" in found_after.group().lower() else "reported"
        return cue, start, end + found_after.end()
    return None


def find_credits(
    text: str, outlets: Sequence[Outlet], own_domain: str | None = None
) -> list[Credit]:
    """Find where `text` credits one of `outlets` (never the outlet with `own_domain`)."""
    if not outlets:
        return []
    names = _names_for(outlets)
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


def told_by_headline(
    title: str,
    text: str,
    credits: Sequence[Credit],
    headlines: Sequence[tuple[int, str]],
    limit: int,
) -> list[int]:
    """The ids of `headlines` (id, headline) that name the story `credits` retell, best first.

    A credit that retells a story in a line or two of its own words shares too little text with
    the credited article for its fingerprint to find it, and a crawl that reads an outlet's
    backlog stores its articles in no order of publication, so the outlet's newest few may not
    hold it either. Its headline does: the story's key words. Ranked by the share of each
    headline's content words that the text's title and the passages around the credits carry
    (at least `_HEADLINE_MIN_SHARED` of them), then by how many, then newest (highest id) first.
    """
    told = " ".join([title, *(text[max(0, c.start - _TOLD) : c.end + _TOLD] for c in credits)])
    words = set(distinct_stems(told, remember=False))
    ranked: list[tuple[float, int, int]] = []
    for article_id, headline in headlines:
        stems = distinct_stems(headline, remember=False)
        shared = sum(1 for s in stems if s in words)
        if shared >= _HEADLINE_MIN_SHARED:
            ranked.append((shared / len(stems), shared, article_id))
    ranked.sort(reverse=True)
    return [article_id for _, _, article_id in ranked[:limit]]
