"""The stance of a sentence that carries a claim: asserts, attributes (reports it) or disputes.

Rules over cue words rather than a classifier: the cues of news prose for denial, correction and
attribution are few and well known, the result must be explainable to an editor (the cue is
returned), and no model may be downloaded at run time. Precedence: disputes > attributes >
asserts, because a sentence that reports a claim together with its denial has carried the denial.

Attribution is read the way a standards editor reads it: a claim sourced to the outlet's own
sources ("according to four engineers", "insiders say") is asserted by the outlet; a claim
reported as another publication's or party's account ("according to the Ledger", "a report
said", "Parcelwise said") or hedged ("reportedly", "may have") is attributed. A credit that
follows a statement of fact ("..., as first reported by the Ledger") leaves it asserted. Cue
words that are the claim's own words ("code that an AI assistant wrote") are no cues.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.claims.match import LexicalMatcher
from tracker.domain import Stance

__all__ = ["StanceResult", "claim_negations", "claim_stance", "stance_of"]

_FLAGS = re.IGNORECASE

# Cues that the sentence carries a denial or a correction of what it reports.
_DISPUTE = re.compile(
    r"\b(?:den(?:y|ies|ied|ying|ial|ials)|refut(?:e|es|ed|ing)|rebut(?:s|ted|ting|tal)?"
    r"|debunk(?:s|ed|ing)?|disput(?:e|es|ed|ing)|contradict(?:s|ed|ing)?"
    r"|reject(?:s|ed|ing)?\s+(?:the\s+|these\s+|those\s+|such\s+|any\s+)?"
    r"(?:claims?|reports?|allegations?|suggestions?|assertions?|accounts?|idea|notion)"
    r"|dismiss(?:es|ed|ing)?\s+(?:the\s+)?(?:claims?|reports?|allegations?|suggestions?)"
    r"|false(?:ly)?|untrue|not\s+true|inaccura(?:te|cy|cies)|incorrect(?:ly)?|wrong(?:ly)?"
    r"|erroneous(?:ly)?|mistaken(?:ly)?|misleading|baseless|unfounded|unsubstantiated"
    r"|fabricat(?:ed|ion)|hoax|fake|(?:no|without|lack\s+of)\s+(?:\w+\s+)?evidence"
    r"|no\s+basis|nothing\s+to\s+do\s+with|unrelated\s+to|not\s+(?:the\s+)?(?:cause|to\s+blame)"
    r"|retract(?:s|ed|ing|ion)?|correct(?:s|ed|ion|ions)\b|an\s+earlier\s+version"
    r"|previous\s+version|misreported|misstated)\b",
    _FLAGS,
)
# A negation right before a denial cancels it ("did not deny", "no one disputes").
_NEGATED_CUE = re.compile(
    r"(?:\bnot|n't|\bnever|\bno\s+one|\bnobody|\bdeclined\s+to|\brefused\s+to)\s+(?:\w+\s+)?$",
    _FLAGS,
)
# "No. 5 seed" is a number, not a negation.
_NEGATION = re.compile(
    r"\b(?:not|never|no(?!\.\s*\d)|none|neither|nor|nobody|nothing)\b|n't\b", _FLAGS
)
# A negated reporting verb hedges ("did not say whether ..."), a negated denial cancels itself
# ("did not deny that ..."): neither negates the claim.
_NEGATED_VERB = re.compile(
    r"\s*(?:\w+\s+)?(?:say|said|confirm|confirmed|comment|commented|respond|responded|know|"
    r"disclose|disclosed|specify|specified|explain|explained|elaborate|deny|denied|dispute|"
    r"disputed|refute|refuted|reject|rejected|contest|contested|rule\s+out|ruled\s+out)\b",
    _FLAGS,
)
# Cues that the sentence reports the claim as another publication's or party's account, or
# hedges it: these attribute whoever the speaker is. A cue inside a compound ("AI-suggested")
# is an adjective, not a hedge.
_HEDGE = re.compile(
    r"(?<![-‐])\b(?:report(?:s|ed|edly|ing)?|newspaper|quoted\s+by|cited\s+by|claim(?:s|ed|ing)?"
    r"|alleg(?:e|es|ed|edly|ing|ation|ations)|purported(?:ly)?|supposed(?:ly)?|apparently"
    r"|familiar\s+with|suggest(?:s|ed|ing)?|believ(?:e|es|ed)|suspected|may\s+have"
    # "police suspect that ..." hedges; "a suspect" / "suspects in the killing" are people.
    r"|suspects?(?=\s+(?:that|the|a|an|he|she|it|they|his|her|its|their)\b)"
    r"|might\s+have|could\s+have|possibly|unconfirmed|unverified|rumou?r(?:s|ed)?"
    r"|(?:is|are|was|were)\s+said\s+to|not\s+confirmed|(?:did\s+not|didn't|has\s+not|hasn't)"
    r"\s+confirm)\b",
    _FLAGS,
)
# Cues that name a speaker; who the speaker is decides between asserts and attributes.
_SPEECH = re.compile(
    r"(?<![-‐])\b(?:according\s+to|sa(?:y|ys|id)|told|tells|cit(?:ing|ed|es)|quot(?:ed|ing)|wrote"
    r"|writes|tweeted|posted|stated|h/t)\b",
    _FLAGS,
)
# The outlet's own sources: a claim sourced to them is the outlet's own reporting.
_OWN_SOURCES = re.compile(
    r"\b(?:engineers?|insiders?|employees?|staff(?:ers?)?|workers?|people|persons?|sources?"
    r"|officials?|documents?|records|developers?|programmers?|witness(?:es)?|investigators?"
    r"|colleagues?)\b",
    _FLAGS,
)
# A credit after a statement of fact: the outlet asserts and names who had it first.
_CREDIT = re.compile(
    r"\b(?:as\s+)?(?:first|originally)\s+(?:reported|published|revealed)(?:\s+by)?\b|\bh/t\b",
    _FLAGS,
)
# A clause boundary: the speaker of a speech verb stands within its own clause.
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–]|\s-\s")
# A relative clause, or a contrast ("X, not Y, did it"), set off by commas does not scope over
# the claim's main verb.
_RELATIVE_CLAUSE = re.compile(r",\s*(?:which|who|whose|whom|not)\b[^,]*,", _FLAGS)
# A next sentence that denies "it"/"this"/"the report" carries the denial of this one. A pronoun
# must end the clause ("denied it." but not "denied it was hacked", "denied that AI ..."); a noun
# ("denied the report") must not be the subject of a new clause.
_PRONOUN_BACK = (
    r"(?:it|this|that|these|those)(?=\s*(?:[.,;:!?)\"”]|$|(?:outright|flatly|firmly|strongly"
    r"|categorically|on|in|when|after)\b))"
)
_NOUN_BACK = (
    r"(?:the|this|that|these|those|such|its|their)\s+(?:claims?|reports?|allegations?|story"
    r"|stories"
    r"|account|suggestions?|assertions?)(?!\s+(?:is|was|were|are|had|has|have|did|does|would"
    r"|could|will|\w+ed)\b)"
)
_FOLLOWING_DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied)|refut(?:e|es|ed)|rebut(?:s|ted)|reject(?:s|ed)|dismiss(?:es|ed)"
    r"|disput(?:e|es|ed)|contest(?:s|ed)|debunk(?:s|ed))\s+(?:"
    + _PRONOUN_BACK
    + "|"
    + _NOUN_BACK
    + r")|\b(?:it|this|that|these|those|(?:the|this|that|these|those|such)\s+(?:claims?|reports?"
    r"|allegations?"
    r"|story|account))\s+(?:is|was|were|are)\s+(?:\w+\s+)?(?:false|untrue|not\s+true|wrong"
    r"|inaccurate|incorrect|baseless|unfounded|misleading|fabricated)\b",
    _FLAGS,
)
_NEXT_WORDS = re.compile(r"(?:\W+\w+){0,3}\W+")  # the words a negation scopes over, and a gap
_QUOTED = re.compile(r'"[^"]*"|“[^”]*”|«[^»]*»')
_NEGATION_REACH = 24  # characters before the claim's first word a negation may stand in


@dataclass(frozen=True, slots=True)
class StanceResult:
    """A stance with the cue that decided it ("" when nothing but the claim itself was found)."""

    stance: Stance
    cue: str = ""


def stance_of(
    sentence: str,
    claim_spans: Sequence[tuple[int, int]] = (),
    following: str = "",
    negations: int = 0,
    *,
    stated: bool = True,
) -> StanceResult:
    """Decide the stance of `sentence`, whose claim words lie at `claim_spans` (default: all).

    `following` is the next sentence: a denial there that points back ("Parcelwise denied
    this.") makes the mention one that carries the denial. `negations` is how many negations
    the claim itself makes (`claim_negations`): a sentence repeating "police did not have any
    suspects" carries its "not" and asserts it; only a negation beyond the claim's disputes.

    `stated` is False for a sentence that does not state the claim: an article found by
    same-event expansion is represented by its sentence closest to the claim, below the
    matcher's threshold, whose few claim words are no statement of it. A negation there negates
    what that sentence says ("pleaded not guilty", "are not affected"), not the claim, so only
    a denial or correction cue, in it or pointing back from the next sentence, disputes.
    """
    spans = sorted(claim_spans) or [(0, len(sentence))]
    dispute = _dispute_cue(sentence)
    if dispute:
        return StanceResult(Stance.DISPUTES, dispute)
    negation = _negation_cue(sentence, spans, negations) if stated else ""
    if negation:
        return StanceResult(Stance.DISPUTES, negation)
    denial = _FOLLOWING_DENIAL.search(following) if following else None
    if denial:
        return StanceResult(Stance.DISPUTES, f"next sentence: {denial.group()}")
    return _attribution(sentence, spans)


def claim_stance(
    claim: str, sentence: str, following: str = "", matcher: LexicalMatcher | None = None
) -> StanceResult:
    """Stance of `sentence` towards `claim`, locating the claim's words with the lexical matcher."""
    detail = (matcher or LexicalMatcher()).detail(claim, sentence)
    return stance_of(sentence, detail.spans, following, claim_negations(claim))


@functools.lru_cache(maxsize=4096)
def claim_negations(claim: str) -> int:
    """How many negations the claim itself makes ("... did not have any suspects": one)."""
    return sum(1 for m in _NEGATION.finditer(claim) if not _NEGATED_VERB.match(claim, m.end()))


def _attribution(sentence: str, spans: Sequence[tuple[int, int]]) -> StanceResult:
    """Asserts or attributes, from hedges, quotation marks and who is said to speak."""
    text = _CREDIT.sub(lambda m: " " * len(m.group()), sentence)
    hedge = _outside(_HEDGE, text, spans)
    if hedge is not None:
        return StanceResult(Stance.ATTRIBUTES, hedge.group())
    if _inside_quotes(sentence, spans):
        return StanceResult(Stance.ATTRIBUTES, "quotation")
    sourced = ""
    for speech in _SPEECH.finditer(text):
        if _overlaps(speech.start(), speech.end(), spans):
            continue
        speaker = _speaker(text, speech, spans)
        if not _OWN_SOURCES.search(speaker):
            return StanceResult(Stance.ATTRIBUTES, speech.group())
        sourced = sourced or f"own sources: {' '.join(speaker.split())}"
    return StanceResult(Stance.ASSERTS, sourced)


def _outside(
    pattern: re.Pattern[str], text: str, spans: Sequence[tuple[int, int]]
) -> re.Match[str] | None:
    """The first match of `pattern` that is not one of the claim's own words."""
    for match in pattern.finditer(text):
        if not _overlaps(match.start(), match.end(), spans):
            return match
    return None


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    """True when [start, end) overlaps any of the spans."""
    return any(start < b and a < end for a, b in spans)


def _speaker(text: str, speech: re.Match[str], spans: Sequence[tuple[int, int]]) -> str:
    """The words of the clause around a speech cue, the claim's own words blanked out."""
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, speech.start())), default=0)
    following = _CLAUSE_BREAK.search(text, speech.end())
    end = following.start() if following else len(text)
    chars = list(text[start:end])
    for a, b in spans:
        for i in range(max(a, start), min(b, end)):
            chars[i - start] = " "
    return "".join(chars)


def _dispute_cue(sentence: str) -> str:
    """The first denial or correction cue not cancelled by a negation right before it."""
    for match in _DISPUTE.finditer(sentence):
        if not _NEGATED_CUE.search(sentence, 0, match.start()):
            return match.group()
    return ""


def _negation_cue(sentence: str, spans: Sequence[tuple[int, int]], negations: int = 0) -> str:
    """A negation inside the claim's words, or right before them, outside relative clauses.

    The first `negations` such negations are the claim's own (it makes that many).
    """
    masked = _RELATIVE_CLAUSE.sub(lambda m: " " * len(m.group()), sentence)
    start = max(0, spans[0][0] - _NEGATION_REACH)
    end = spans[-1][1]
    own = negations
    for match in _NEGATION.finditer(masked, start, end):
        if _NEGATED_VERB.match(masked, match.end()):
            continue
        if match.end() <= spans[0][0] and "," in masked[match.end() : spans[0][0]]:
            continue  # "Not long after, ..." : the negation belongs to another clause
        if not _negates_claim_word(masked, match, spans):
            continue  # "... a change that was not covered by tests": it negates something else
        if own:
            own -= 1
            continue
        return match.group()
    return ""


def _negates_claim_word(text: str, match: re.Match[str], spans: Sequence[tuple[int, int]]) -> bool:
    """True when a claim word follows the negation within a few words (or contains it)."""
    if any(a <= match.start() < b for a, b in spans):
        return True
    window = _NEXT_WORDS.match(text, match.end())
    reach = window.end() if window else match.end()
    return any(match.end() <= a < reach for a, _ in spans)


def _inside_quotes(sentence: str, spans: Sequence[tuple[int, int]]) -> bool:
    """True when most of the claim's words sit between opening and closing quotation marks."""
    quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(sentence)]
    inside = sum(any(a <= start and end <= b for a, b in quoted) for start, end in spans)
    return inside * 2 > len(spans)
