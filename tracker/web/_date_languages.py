"""The languages htmldate's date parser tries on a page: the page's own and English, not all.

htmldate hands the date expressions its own patterns cannot read to dateparser, configured with
every language it knows. A string no language reads ("© Cork's 96FM 2020. Powered by") makes
dateparser load and try all of its ~200 locales: 1.5 s of CPU, paid by every extraction worker
on the first such page, where a page otherwise costs ~20 ms. So while a page's date is judged
(`judging_in`), the parser tries the language the page declares and English (dates in English
appear on pages in any language); a page that declares none, or one dateparser does not know,
keeps every language. htmldate offers no option for this: its parser comes from the module
function `get_external_parser`, which `judging_in` replaces (once per process) with one that
reads the languages set for the page being judged. htmldate remembers a string's reading
across pages (`try_date_expr` is cached by string), so a string met first on a page of another
language keeps that page's reading: only a date written in a language neither page declares
reads differently, and the cost of that is a missing date, never a wrong one.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import htmldate.extractors

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

__all__ = ["judging_in", "parser_languages", "warm_parser"]

# htmldate 1.11's settings for its parser (htmldate/extractors.py, `get_external_parser`).
_SETTINGS: dict[str, Any] = {
    "NORMALIZE": True,
    "PARSERS": ["custom-formats", "absolute-time"],
    "PREFER_DATES_FROM": "past",
    "PREFER_LOCALE_DATE_ORDER": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "STRICT_PARSING": True,
}
_FALLBACK = "en"
_declared: ContextVar[str | None] = ContextVar("declared_language", default=None)


@functools.lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    """The language codes dateparser has data for."""
    # Its data module's list, imported only when htmldate asks for the parser (dateparser takes
    # ~35 ms to import, and most pages never need it); asking dateparser's loader for its locale map
    # instead would load every locale, the very cost avoided here.
    from dateparser.data.languages_info import language_order

    return frozenset(language_order)


def parser_languages(declared: str | None) -> tuple[str, ...] | None:
    """The languages tried for a page declaring `declared` (None: every language)."""
    if declared is None or declared not in _known():
        return None
    return tuple(dict.fromkeys((declared, _FALLBACK)))


@functools.lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...] | None) -> DateDataParser:
    """One parser per set of languages, made on first use (its locales load lazily)."""
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=None if languages is None else list(languages), settings=_SETTINGS
    )


def _current_parser() -> DateDataParser:
    """The parser for the page being judged (every language outside `judging_in`)."""
    return _parser(parser_languages(_declared.get()))


def warm_parser() -> None:
    """Load the English parser's data now, as its first date would (for a forkserver to share).

    dateparser imports, loads the locale and compiles its patterns on the first string it
    reads: ~190 ms of CPU (43 ms importing, 144 ms on that string), paid by every extraction
    worker on its first page whose date is judged. Done once in the process that forks the
    workers, they all start with it; each further language still loads on first use (~30 ms).
    """
    try:
        _parser((_FALLBACK,)).get_date_data("Wednesday, 15 July 2020")
    except Exception:  # a date parser failing here means a slower first page, not an error
        return


@contextlib.contextmanager
def judging_in(declared: str | None) -> Iterator[None]:
    """Within the block, htmldate's date parser tries the languages of a page declaring this."""
    htmldate.extractors.get_external_parser = _current_parser  # type: ignore[assignment]
    token = _declared.set(declared)
    try:
        yield
    finally:
        _declared.reset(token)
