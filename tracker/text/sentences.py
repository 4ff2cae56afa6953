"""Split article text into sentences that keep their character offsets into the text.

Written here rather than taken from an NLP library: the tracker needs exact offsets into the
stored text (a mention points at `text[start:end]`), news prose in English only, and no model
downloads at run time; pysbd is unmaintained and NLTK's punkt needs a data download. A regex
scan for terminal punctuation plus a few rules (abbreviations, initialisms such as "U.S.",
decimals, quotes, ellipses) covers news text well, and every rule is visible and testable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Sentence", "first_sentences", "paragraphs", "split_sentences"]


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: its text and where it lies in the source text (`text == source[start:end]`)."""

    text: str
    start: int
    end: int


# Titles and other abbreviations that are followed by a name or number, never by the sentence's
# end (so a period after them is never a boundary).
_TITLES = frozenset(
    """mr mrs ms dr prof sr jr st gen gov sen rep lt col capt sgt cmdr adm maj rev hon pres supt
    det insp ca approx vs v mt ft ave blvd dept est""".split()
)
# Abbreviations that stand before a number ("No. 4", "pp. 12"); "No." before a word is the word.
_NUMBER_ABBREVIATIONS = frozenset("no nos vol vols fig figs p pp op art".split())
# Abbreviations that may end a sentence ("... the company, Parcelwise Inc. It said ...").
_ENDING_ABBREVIATIONS = frozenset(
    """inc ltd co corp plc llc bros etc al jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thurs fri sat sun a.m p.m""".split()
)
# Words that typically open an English sentence; after an ambiguous abbreviation ("U.S.",
# "Inc.") one of these means the sentence did end there.
_SENTENCE_OPENERS = frozenset(
    """a an the this that these those it its he she they we i you his her their our my there
    here but and or so yet however meanwhile still also in on at for after before when while
    if as since although though because some many most several no one two three what who why
    how where which mr mrs ms dr""".split()
)

# A candidate boundary: terminal punctuation, any closing quotes or brackets, then white space.
_BOUNDARY = re.compile(r"""([.!?…]+)(["'”’»)\]]*)(\s+)""")
# The word right before a period: letters, possibly with inner dots ("U.S", "e.g", "a.m").
_WORD_BEFORE = re.compile(r"([A-Za-z](?:[A-Za-z]*|(?:\.[A-Za-z])+))$")
_NEXT_WORD = re.compile(r"""["'“‘«(\[]*([A-Za-z]+|\d)""")
_PARAGRAPH = re.compile(r"[^\n]+")


def paragraphs(text: str) -> list[Sentence]:
    """The non-blank lines of `text` with offsets (extracted text has one paragraph a line)."""
    found: list[Sentence] = []
    for match in _PARAGRAPH.finditer(text):
        start, end = _strip_span(text, match.start(), match.end())
        if start < end:
            found.append(Sentence(text[start:end], start, end))
    return found


def split_sentences(text: str) -> list[Sentence]:
    """Split `text` into sentences; a newline always ends a sentence (a paragraph break)."""
    sentences: list[Sentence] = []
    for paragraph in paragraphs(text):
        sentences.extend(_split_paragraph(text, paragraph.start, paragraph.end))
    return sentences


def first_sentences(text: str, count: int) -> list[Sentence]:
    """`split_sentences(text)[:count]`, splitting no further paragraph than it needs.

    Paragraphs split independently, so the first sentences do not depend on the rest of the
    text: the event profile's lead (its first sentences) of a long article reads its top only.
    """
    sentences: list[Sentence] = []
    for match in _PARAGRAPH.finditer(text):
        if len(sentences) >= count:
            break
        start, end = _strip_span(text, match.start(), match.end())
        if start < end:
            sentences.extend(_split_paragraph(text, start, end))
    return sentences[:count]


def _split_paragraph(text: str, start: int, end: int) -> list[Sentence]:
    """Split one paragraph, given as a span of `text`."""
    sentences: list[Sentence] = []
    sentence_start = start
    for match in _BOUNDARY.finditer(text, start, end):
        if _is_boundary(text, match, end):
            cut = match.end(2)  # keep the punctuation and closing quotes with the sentence
            left, right = _strip_span(text, sentence_start, cut)
            if left < right:
                sentences.append(Sentence(text[left:right], left, right))
            sentence_start = match.end()
    left, right = _strip_span(text, sentence_start, end)
    if left < right:
        sentences.append(Sentence(text[left:right], left, right))
    return sentences


def _is_boundary(text: str, match: re.Match[str], end: int) -> bool:
    """Decide whether a punctuation-plus-space candidate really ends a sentence."""
    following = _NEXT_WORD.match(text, match.end(), end)
    if following is None:
        return match.end() >= end  # only trailing space left, or a non-word (bullet, dash)
    next_word = following.group(1)
    # A sentence starts with a capital or a digit; "... said the U.S. economy ..." continues.
    if not (next_word[0].isupper() or next_word[0].isdigit()):
        return False
    punctuation = match.group(1)
    if punctuation != "." or match.group(2):
        return True  # "?", "!", "..." or a closing quote before a capital: a boundary
    before = _WORD_BEFORE.search(text, max(0, match.start(1) - 40), match.start(1))
    if before is None:
        return True  # e.g. a number or a closing bracket before the period
    word = before.group(1).lower()
    if word in _TITLES:
        return False
    if word in _NUMBER_ABBREVIATIONS:
        return not next_word.isdigit()
    is_initial = len(word) == 1 or "." in word  # "F." in "John F. Kennedy", "U.S", "e.g"
    if is_initial or word in _ENDING_ABBREVIATIONS:
        return next_word.lower() in _SENTENCE_OPENERS
    return True


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span so it neither starts nor ends with white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
