"""Dates as pages and feeds write them, read with the UTC offset they state kept.

Pure functions: ISO 8601 and the common written forms ("Tue, Sep 15 2020 10:01:41 EDT",
"04:25:06 PM IST Apr 08, 2020") become datetimes that keep the page's own offset, so the local
day the page was published on survives; a date in a URL path names that local day too.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from warnings import catch_warnings, simplefilter

from dateutil import parser as dateparser

__all__ = [
    "ZONE_HOURS",
    "ZONE_SECONDS",
    "choose_published",
    "offset_minutes",
    "parse_stated",
    "url_day",
]

# Zone names seen in pages and feeds, in hours from UTC. Ambiguous names (IST: India, Ireland or
# Israel; AST: Arabia or Atlantic) are left out: their wall time is kept with the offset unknown,
# which keeps the stated local day right whichever zone was meant.
ZONE_HOURS = {
    "utc": 0, "gmt": 0, "ut": 0, "z": 0, "wet": 0, "west": 1, "bst": 1, "cet": 1, "cest": 2,
    "met": 1, "mest": 2, "eet": 2, "eest": 3, "msk": 3, "est": -5, "edt": -4, "cst": -6,
    "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7, "akst": -9, "akdt": -8, "hst": -10,
    "jst": 9, "kst": 9, "hkt": 8, "sgt": 8, "awst": 8, "acst": 9.5, "aest": 10, "aedt": 11,
    "nzst": 12, "nzdt": 13, "gst": 4, "pkt": 5, "npt": 5.75, "wib": 7, "pht": 8, "sast": 2,
    "eat": 3, "wat": 1, "cat": 2, "brt": -3, "art": -3,
}  # fmt: skip
ZONE_SECONDS = {name.upper(): int(hours * 3600) for name, hours in ZONE_HOURS.items()}

# How far from UTC (hours) a page's unknown zone may be taken to lie when its URL names the day
# before or after a UTC timestamp. A URL is minted with the draft, often the day before
# publication; only a timestamp within a quarter day of midnight is read as a zone shift (the
# zones of the Americas, Europe, Africa and South Asia lie within six hours of UTC).
_URL_DAY_REACH = 6
_NO_DATE = datetime(1, 1, 1)  # dateutil's fill-in for the parts a text leaves out
_OTHER_DAY = datetime(1, 1, 2)  # a second fill-in: a text without a day of month differs
_MAX_CHARS = 80  # a stated date is short; longer values are prose, not a date
# "03/04/2020" is 3 April in most of the world and March 4 in the US: without a month name the
# order cannot be known, so such a date is refused rather than guessed.
_NUMERIC_DATE = re.compile(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}\b")
# /2020/02/17/, /2020-02-17-, _20200217 in a URL path; the compact form needs non-digits around.
_URL_DATE = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})(?:[/_.-]([01]?[0-9])[/_.-]([0-3]?[0-9])|([01][0-9])([0-3][0-9]))"
    r"(?![0-9])"
)


def parse_stated(text: str) -> datetime | None:
    """A full date and time as written: aware with its stated offset, naive when it names no zone.

    None when the text holds no full date (a year or a month alone) or the day order is ambiguous.
    """
    value = text.strip()
    if not value or len(value) > _MAX_CHARS:
        return None
    try:
        return _fixed(datetime.fromisoformat(value))
    except ValueError:
        pass
    numeric = _NUMERIC_DATE.match(value)
    if numeric and _ambiguous(int(numeric.group(1)), int(numeric.group(2))):
        return None
    try:
        with catch_warnings():
            simplefilter("ignore")  # dateutil warns on each zone name it does not know
            first = dateparser.parse(value, default=_NO_DATE, tzinfos=ZONE_SECONDS)
            second = dateparser.parse(value, default=_OTHER_DAY, tzinfos=ZONE_SECONDS)
    except (ValueError, OverflowError, TypeError):
        return None
    # A part the text lacks takes each default's value, so the two readings differ.
    if first.year == _NO_DATE.year or first.date() != second.date():
        return None
    return _fixed(first)


def _ambiguous(first: int, second: int) -> bool:
    """True when two leading numbers could each be the day or the month."""
    return first != second and first <= 12 and second <= 12


def _fixed(moment: datetime) -> datetime | None:
    """`moment` with its zone as a fixed offset (naive stays naive); None when out of range."""
    if moment.tzinfo is None:
        return moment
    try:
        offset = moment.utcoffset()
    except (ValueError, OverflowError):
        return None
    if offset is None:  # a zone name dateutil could not resolve: the wall time stands alone
        return moment.replace(tzinfo=None)
    if abs(offset) >= timedelta(hours=24):
        return None
    return moment.replace(tzinfo=timezone(offset))


def offset_minutes(moment: datetime) -> int | None:
    """The UTC offset a stated moment carries, in minutes east of UTC; None when it states none."""
    offset = moment.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


def url_day(url: str) -> date | None:
    """The publication day a URL path states (/2020/02/17/, -20200217), if exactly one."""
    # htmldate reads URL dates too, but only inside its own search; this is the same idea kept
    # small and public, so it can be weighed against the metadata.
    path = url.split("://", 1)[-1].partition("/")[2].partition("?")[0]
    days: set[date] = set()
    for match in _URL_DATE.finditer(path):
        year = int(match.group(1))
        month = int(match.group(2) or match.group(4))
        day = int(match.group(3) or match.group(5))
        try:
            days.add(date(year, month, day))
        except ValueError:
            continue
    return days.pop() if len(days) == 1 else None


def _same_statement(one: datetime, other: datetime) -> bool:
    """True when two stated dates name the same moment (a naive one by its wall-clock time)."""
    if one.tzinfo is None or other.tzinfo is None:
        return one.replace(tzinfo=None) == other.replace(tzinfo=None)
    return one == other


def _locality(moment: datetime) -> int:
    """How much a statement says about the page's own zone: an offset, UTC, or none."""
    offset = moment.utcoffset()
    return 0 if offset is None else 1 if not offset else 2


def _on_url_day(moment: datetime, stated: bool, day: date | None) -> datetime:
    """`moment` reconciled with the day the page's URL names (the outlet's own local day)."""
    if day is None or moment.date() == day:
        return moment
    if not stated:
        # htmldate's guess, which the page states nowhere (a sidebar date, a modification): the
        # URL wins, as it does in htmldate's own full search.
        return datetime.combine(day, time())
    if moment.utcoffset() == timedelta(0) and abs((moment.date() - day).days) == 1:
        # A CMS that writes every time in UTC, a few hours from midnight: the URL's day shows
        # the outlet's zone lies far enough from UTC to change the day. The moment is kept (it
        # orders articles); the smallest whole-hour offset that reaches the URL's day stands in
        # for the unknown zone. Further from midnight the URL's day is more likely the day the
        # draft was made (URLs are minted with the draft), so the stated moment stands.
        for hours in sorted(range(-_URL_DAY_REACH, _URL_DAY_REACH + 1), key=abs):
            local = moment.astimezone(timezone(timedelta(hours=hours)))
            if local.date() == day:
                return local
    return moment


def choose_published(
    found: datetime | None, own: list[datetime], furniture: list[datetime], day: date | None
) -> datetime | None:
    """The publication moment from htmldate's reading, the page's own statements and URL day."""
    if found is None:
        stated = [*own, *furniture]
        return _on_url_day(stated[0], True, day) if stated else None
    for statements in (own, furniture):
        same = [m for m in statements if _same_statement(m, found)]
        if same:
            # The same moment is often stated twice, once in UTC and once at the outlet's
            # offset (article:published_time vs JSON-LD): the local statement keeps the day.
            return _on_url_day(max([found, *same], key=_locality), True, day)
        if statements is own and own:
            # htmldate took a date the page does not state as the article's publication (its
            # modification, a date in the page's furniture, often because the article's own
            # date is written in a form htmldate does not read): the article's own date wins.
            return _on_url_day(own[0], True, day)
    return _on_url_day(found, False, day)
