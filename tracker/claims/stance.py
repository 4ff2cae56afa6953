"""The stance of a sentence that carries a claim: asserts, attributes (reports it) or disputes.

Rules over cue words rather than a classifier: the cues of news prose for denial, correction and
attribution are few and well known, the result must be explainable to an editor (the cue is
returned), and no model may be downloaded at run time. Precedence: disputes > attributes >
asserts, because a sentence that reports a claim together with its denial has carried the denial.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.claims.match import LexicalMatcher
from tracker.domain import Stance

__all__ = ["StanceResult", "claim_stance", "stance_of"]

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
_NEGATION = re.compile(r"\b(?:not|never|no|none|neither|nor)\b|n't\b", _FLAGS)
# A negated reporting verb hedges ("did not say whether ..."), a negated denial cancels itself
# ("did not deny that ..."): neither negates the claim.
_NEGATED_VERB = re.compile(
    r"\s*(?:\w+\s+)?(?:say|said|confirm|confirmed|comment|commented|respond|responded|know|"
    r"disclose|disclosed|specify|specified|explain|explained|elaborate|deny|denied|dispute|"
    r"disputed|refute|refuted|reject|rejected|contest|contested|rule\s+out|ruled\s+out)\b",
    _FLAGS,
)
# Cues that the sentence reports the claim as someone's, or hedges it.
_ATTRIBUTE = re.compile(
    r"\b(?:according\s+to|report(?:s|ed|edly|ing)?|sa(?:y|ys|id)|told|tells|claim(?:s|ed|ing)?"
    r"|alleg(?:e|es|ed|edly|ing|ation|ations)|purported(?:ly)?|supposed(?:ly)?|apparently"
    r"|cit(?:ing|ed|es)|sources?\s+(?:said|say|says|told|familiar|close)|people\s+familiar|quot(?:ed|ing)|wrote|writes|tweeted|posted|stated|suggest"
    r"(?:s|ed|ing)?|believ(?:e|es|ed)|suspect(?:s|ed)?|first\s+reported|h/t|may\s+have"
    r"|might\s+have|could\s+have|possibly|unconfirmed|unverified|rumou?r(?:s|ed)?"
    r"|not\s+confirmed|(?:did\s+not|didn't|has\s+not|hasn't)\s+confirm)\b",
    _FLAGS,
)
# A relative clause set off by commas does not scope over the claim's main verb.
_RELATIVE_CLAUSE = re.compile(r",\s*(?:which|who|whose|whom)\b[^,]*,", _FLAGS)
# A next sentence that denies "it"/"this"/"the report" carries the denial of this one. A pronoun
# must end the clause ("denied it." but not "denied it was hacked", "denied that AI ..."); a noun
# ("denied the report") must not be the subject of a new clause.
_PRONOUN_BACK = (
    r"(?:it|this|that|these|those)(?=\s*(?:[.,;:!?)\"”]|$|(?:outright|flatly|firmly|strongly"
    r"|categorically|on|in|when|after)\b))"
)
_NOUN_BACK = (
    r"(?:the|these|those|such|its|their)\s+(?:claims?|reports?|allegations?|story|stories"
    r"|account|suggestions?|assertions?)(?!\s+(?:is|was|were|are|had|has|have|did|does|would"
    r"|could|will|\w+ed)\b)"
)
_FOLLOWING_DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied)|refut(?:e|es|ed)|rebut(?:s|ted)|reject(?:s|ed)|dismiss(?:es|ed)"
    r"|disput(?:e|es|ed)|contest(?:s|ed)|debunk(?:s|ed))\s+(?:"
    + _PRONOUN_BACK
    + "|"
    + _NOUN_BACK
    + r")|\b(?:it|this|that|these|those|(?:the|these|those|such)\s+(?:claims?|reports?|allegations?"
    r"|story|account))\s+(?:is|was|were|are)\s+(?:\w+\s+)?(?:false|untrue|not\s+true|wrong"
    r"|inaccurate|incorrect|baseless|unfounded|misleading|fabricated)\b",
    _FLAGS,
)
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
) -> StanceResult:
    """Decide the stance of `sentence`, whose claim words lie at `claim_spans` (default: all).

    `following` is the next sentence: a denial there that points back ("Parcelwise denied
    this.") makes the mention one that carries the denial.
    """
    spans = sorted(claim_spans) or [(0, len(sentence))]
    dispute = _dispute_cue(sentence)
    if dispute:
        return StanceResult(Stance.DISPUTES, dispute)
    negation = _negation_cue(sentence, spans)
    if negation:
        return StanceResult(Stance.DISPUTES, negation)
    denial = _FOLLOWING_DENIAL.search(following) if following else None
    if denial:
        return StanceResult(Stance.DISPUTES, f"next sentence: {denial.group()}")
    attribution = _ATTRIBUTE.search(sentence)
    if attribution:
        return StanceResult(Stance.ATTRIBUTES, attribution.group())
    if _inside_quotes(sentence, spans[0][0], spans[-1][1]):
        return StanceResult(Stance.ATTRIBUTES, "quotation")
    return StanceResult(Stance.ASSERTS)


def claim_stance(
    claim: str, sentence: str, following: str = "", matcher: LexicalMatcher | None = None
) -> StanceResult:
    """Stance of `sentence` towards `claim`, locating the claim's words with the lexical matcher."""
    detail = (matcher or LexicalMatcher()).detail(claim, sentence)
    return stance_of(sentence, detail.spans, following)


def _dispute_cue(sentence: str) -> str:
    """The first denial or correction cue not cancelled by a negation right before it."""
    for match in _DISPUTE.finditer(sentence):
        if not _NEGATED_CUE.search(sentence, 0, match.start()):
            return match.group()
    return ""


def _negation_cue(sentence: str, spans: Sequence[tuple[int, int]]) -> str:
    """A negation inside the claim's words, or right before them, outside relative clauses."""
    masked = _RELATIVE_CLAUSE.sub(lambda m: " " * len(m.group()), sentence)
    start = max(0, spans[0][0] - _NEGATION_REACH)
    end = spans[-1][1]
    for match in _NEGATION.finditer(masked, start, end):
        if _NEGATED_VERB.match(masked, match.end()):
            continue
        if match.end() <= spans[0][0] and "," in masked[match.end() : spans[0][0]]:
            continue  # "Not long after, ..." : the negation belongs to another clause
        return match.group()
    return ""


def _inside_quotes(sentence: str, start: int, end: int) -> bool:
    """True when the claim's words sit between an opening and a closing quotation mark."""
    before, after = sentence[:start], sentence[end:]
    straight = before.count('"') % 2 == 1 and '"' in after
    curly = before.rfind("“") > before.rfind("”") and "”" in after
    guillemets = before.rfind("«") > before.rfind("»") and "»" in after
    return straight or curly or guillemets
