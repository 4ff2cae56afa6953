"""The article's own text: the headline and standfirst taken off its top, layout strings dropped.

Pure functions over the extracted text and the page's own title and description strings. Text
extractors keep the header block of many pages (headline, standfirst, dateline) and some layout
labels ("Print Article", "Order Reprints"); the headline and standfirst are fields of their own,
and repeating them in the text would make two articles with the same headline look copied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from tracker.web.dates import parse_stated

__all__ = ["ArticleText", "article_text"]

# Lines of the header block looked at: headline, kicker, standfirst, byline/dateline.
_HEADER_LINES = 6
# Similarity (difflib ratio over normalised words) at which a line repeats a title/description.
_NEAR = 0.9
# A line that starts a longer title ("Headline | Site") must cover this share of it.
_PREFIX_SHARE = 0.6
_MIN_PREFIX_CHARS = 20
_MAX_COMPARED_CHARS = 600  # difflib is quadratic; headers are short
_WORD = re.compile(r"\w+")
_BULLET = re.compile(r"^[-–—•*·|]+\s*")
# Interface labels that page templates put between paragraphs; matched as whole lines (bullets
# and case ignored), never inside a sentence. Kept short on purpose: each is a label no article
# sentence consists of alone.
_LAYOUT_LABELS = frozenset(
    label.casefold()
    for label in (
        "Advertisement",
        "Advertisements",
        "ADVERTISEMENT",
        "Story continues below advertisement",
        "Continue reading below",
        "Article continues below",
        "Print Article",
        "Print this article",
        "Order Reprints",
        "Reprints",
        "Share this article",
        "Share this story",
        "Share on Facebook",
        "Share on Twitter",
        "Share",
        "Tweet",
        "Email",
        "Print",
        "Comments",
        "Show comments",
        "Skip to content",
        "Skip to main content",
        "Listen to this article",
        "Read more",
        "Continue reading",
        "Related",
        "Related articles",
        "Related stories",
        "Recommended",
        "Most read",
        "Trending",
        "Close",
        "Menu",
        "Text size",
        "Published",
        "Updated",
        "Posted",
        "Don't miss",
        "Don’t miss",
        "Post comment",
        "Post comment (+)",
        "Tell us what you think",
        "Tell us what you think...",
    )
)
# A promotion line: a label and a colon before a linked headline ("Related: ...", "SEE MORE:
# ...", "Read more: ..."); only short lines, the length of a headline.
_PROMOTION = re.compile(
    r"(?:related|read more|read also|also read|see more|see also|more from|watch)\s*:",
    re.IGNORECASE,
)
_PROMOTION_WORDS = 20
# A dateline: a date with a byline, place or category beside it, parts split by these.
_DATELINE_SEPARATOR = re.compile(r"\s+(?:[-–—|·•]|by)\s+|\s*\|\s*", re.IGNORECASE)
_DATELINE_WORDS = 25
_LABEL_WORDS = 6
_NUMERIC_DAY = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")
# Copyright and licence notices of page templates (whole short lines, never inside sentences).
_NOTICE = re.compile(
    r"^\s*(?:©|\(c\)\s|copyright\s+(?:©|\(c\)|\d{4}))|all rights reserved"
    r"|for your personal,? non-commercial use",
    re.IGNORECASE,
)
_NOTICE_WORDS = 45
_URL = re.compile(r"https?://\S+")
# A template's calls to action, each matched as a whole short line (at most `_CALL_WORDS` words):
# "Click here to get the app", "Sign up for our newsletter", "Follow us on Twitter and
# Facebook", "Write to Jane Roe at jane@example.com", "Most read in world news".
_CALL_WORDS = 40
_CALLS = (
    re.compile(r"^(?:click|tap)\s+here\b", re.IGNORECASE),
    # A sentence that opens with the imperative, on a line about a newsletter or an inbox.
    re.compile(
        r"^(?=.*\b(?:newsletters?|inbox)\b).*?(?:^|[.!?:]\s+)(?:sign\s*up|subscribe)\b",
        re.IGNORECASE,
    ),
    re.compile(r"^follow\b.{0,120}\bon\s+(?:twitter|facebook|instagram|youtube)\b", re.IGNORECASE),
    re.compile(r"^(?:write\s+to|e-?mail|contact|reach)\b.{0,120}@\w", re.IGNORECASE),
)
# A list's label above links to other stories ("Most read in world news", "Popular on X").
_LIST_LABEL = re.compile(
    r"^(?:most\s+(?:read|popular|viewed|shared)|popular\s+on|trending\s+on|more\s+from)\b",
    re.IGNORECASE,
)
_LIST_LABEL_WORDS = 6
# A section label above a headline ("Politics", "EXCLUSIVE", "Opinion | Columns") is this short.
_KICKER_WORDS = 4
# "Published 18 November 2019", "Updated: Nov. 19, 2019 at 5:30 p.m. ET", "Posted on 5 May".
_STAMP_START = re.compile(
    r"(?:published|updated|posted|last updated|first published)(?:\s+on|\s+at)?\s*:?\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ArticleText:
    """The article's text and the standfirst taken off its top ("" when none)."""

    text: str
    standfirst: str = ""


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _repeats(line: str, originals: Sequence[str]) -> bool:
    """True when `line` is one of `originals`, near enough, or the start of a longer one."""
    mine = _words(line)
    if not mine:
        return False
    for original in originals:
        if mine == original:
            return True
        if (
            len(mine) >= _MIN_PREFIX_CHARS
            and len(mine) >= _PREFIX_SHARE * len(original)
            and (original.startswith(mine) or original.endswith(mine))
        ):
            return True  # "Headline" against "Headline | Site" or "Site - Headline"
        short, other = mine[:_MAX_COMPARED_CHARS], original[:_MAX_COMPARED_CHARS]
        # difflib's ratio is at most 2*min/(sum of lengths): lengths alone rule most pairs out.
        if 2 * min(len(short), len(other)) < _NEAR * (len(short) + len(other)):
            continue
        if SequenceMatcher(None, short, other, autojunk=False).ratio() >= _NEAR:
            return True
    return False


def _is_layout(line: str) -> bool:
    """True for an interface label, a call to action, a notice or a bare "Published <date>"."""
    bare = _BULLET.sub("", line).strip().rstrip(":").casefold()
    if bare in _LAYOUT_LABELS:
        return True
    words = len(bare.split())
    if words <= _CALL_WORDS and any(call.match(bare) for call in _CALLS):
        return True
    if words <= _LIST_LABEL_WORDS and _LIST_LABEL.match(bare):
        return True
    if _is_notice(bare):
        return True
    if _PROMOTION.match(bare) and len(bare.split()) <= _PROMOTION_WORDS:
        return True
    stamp = _STAMP_START.match(bare)
    return bool(stamp and stamp.end() < len(bare) and parse_stated(bare[stamp.end() :]))


def _is_date(part: str) -> bool:
    """True for a date, a time stamp or a "Published <date>" stamp."""
    bare = _BULLET.sub("", part).strip()
    if _NUMERIC_DAY.fullmatch(bare) or parse_stated(bare) is not None:
        return True
    stamp = _STAMP_START.match(bare)
    return bool(stamp and stamp.end() < len(bare) and parse_stated(bare[stamp.end() :]))


def _is_dateline(line: str) -> bool:
    """True for a header line of a date with short labels around it.

    "October 12, 2017", "5:45 AM PST 11/19/2019 by Pat Lee", "05/10/2018 - Posted by: Ann Roe -
    Category: Health", "New Delhi, News Bureau | Updated : 19 November 2019, 09:01 AM".
    """
    if len(line.split()) > _DATELINE_WORDS:
        return False
    parts = [part for part in _DATELINE_SEPARATOR.split(line) if part.strip()]
    dated = [_is_date(part) for part in parts]
    return any(dated) and all(
        is_date or len(part.split()) <= _LABEL_WORDS
        for part, is_date in zip(parts, dated, strict=True)
    )


def _is_notice(line: str) -> bool:
    """True for a copyright or licence notice line ("© 2019 ...", "All rights reserved.")."""
    return len(line.split()) <= _NOTICE_WORDS and bool(_NOTICE.search(line))


def _after_kicker(lines: Sequence[str], titles: Sequence[str]) -> int:
    """Where the headline starts when only short labels ("Opinion", "Categories") precede it."""
    for index, line in enumerate(lines[:_HEADER_LINES]):
        if _repeats(line, titles):
            return index
        if len(line.split()) > _KICKER_WORDS:
            break
    return 0


def _is_header_furniture(line: str) -> bool:
    """True for what a header carries besides the headline: a notice, a bare URL, "By"."""
    bare = line.strip()
    return _is_notice(bare) or bool(_URL.fullmatch(bare)) or bare.casefold() == "by"


def _originals(values: Iterable[str]) -> list[str]:
    found = []
    for value in values:
        words = _words(value)
        if words and words not in found:
            found.append(words)
    return found


def article_text(
    text: str,
    *,
    titles: Iterable[str],
    descriptions: Iterable[str],
    in_page_header: Callable[[str], bool],
    in_site_chrome: Callable[[str], bool] = lambda _: False,
    in_page_body: Callable[[str], bool] = lambda _: False,
    min_chars: int,
) -> ArticleText:
    """`text` without the header block repeating the page's titles and description.

    Leading lines that repeat a title (the <title>, og:title, the first <h1>), a bare dateline, or
    a layout label go. A line right after a dropped headline that repeats the page's description
    and that the page sets as header material (`in_page_header`: a subheading, a block inside
    <header>) is the standfirst: it goes and is returned apart. Many pages' descriptions copy the
    first paragraph instead, set as body text; that stays, and so does a headline line the page
    also sets as a paragraph (`in_page_body`, when the text carries it once: the lede written as
    the headline). Layout labels, calls to action, notices and blocks of the site's own header,
    navigation or footer (`in_site_chrome`) go anywhere as whole lines. Nothing is dropped when
    less than `min_chars` would remain.
    """
    title_words = _originals(titles)
    description_words = _originals(descriptions)
    lines = text.split("\n")
    start = _after_kicker(lines, title_words)
    standfirst = ""
    headline = False
    while start < min(len(lines), _HEADER_LINES):
        line = lines[start]
        if _repeats(line, title_words):
            if headline:
                break  # a second line like the headline is the lede the headline was cut from
            if in_page_body(line) and lines.count(line) == 1:
                break  # the page sets it as a paragraph too: the lede, written as the headline
            headline = True
        elif not standfirst and _repeats(line, description_words) and in_page_header(line):
            standfirst = line
        elif not (_is_layout(line) or _is_dateline(line) or _is_header_furniture(line)):
            break
        start += 1
    kept = [line for line in lines[start:] if not (_is_layout(line) or in_site_chrome(line))]
    cleaned = "\n".join(kept)
    if len(cleaned) < min_chars:
        return ArticleText(text)
    return ArticleText(cleaned, standfirst)
