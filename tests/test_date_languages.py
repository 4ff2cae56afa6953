"""tracker.web._date_languages: htmldate's date parser tries the page's language and English."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

import pytest

from tracker.config import ExtractSettings
from tracker.web._date_languages import parser_languages

NOW = datetime(2024, 3, 10, tzinfo=UTC)
_SPANISH = "La comisión aprobó el presupuesto municipal tras una larga sesión en el ayuntamiento."
_ENGLISH = "The council approved the city budget after a long session at the harbour town hall."
# No metadata date on either page, so htmldate's full search reads the text: the Spanish date
# only dateparser reads, and a footer line with a year and a name that no language reads.
PAGES = {
    "es": (
        '<html lang="es"><head><title>Presupuesto</title></head><body><article>'
        "<h1>Presupuesto aprobado</h1><p><span>Miércoles, 15 de Abril de 2020</span></p>"
        f"<p>{' '.join([_SPANISH] * 6)}</p></article></body></html>"
    ),
    "en": (
        '<html lang="en"><head><title>Budget</title></head><body><article>'
        f"<h1>Budget passed</h1><p>{' '.join([_ENGLISH] * 6)}</p></article>"
        "<footer><div>© Cork's 96FM 2020. Powered by</div></footer></body></html>"
    ),
}


def _extract_in_fresh_process(names: tuple[str, ...]) -> tuple[list[str | None], int]:
    """Each page's published date, and how many dateparser locales the process then held."""
    from dateparser.languages.loader import LocaleDataLoader

    from tracker.web.extract import extract_page

    dates = []
    for name in names:
        got = extract_page(
            PAGES[name].encode(), f"https://example.org/{name}", settings=ExtractSettings(), now=NOW
        )
        dates.append(None if got is None or got.published is None else got.published.isoformat())
    return dates, len(LocaleDataLoader._loaded_locales)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [("es", ("es", "en")), ("en", ("en",)), (None, None), ("xx", None)],
)
def test_a_page_is_read_in_its_language_and_english_or_in_every_language(
    declared: str | None, expected: tuple[str, ...] | None
) -> None:
    assert parser_languages(declared) == expected


def test_dates_only_dateparser_reads_are_found_without_loading_every_locale() -> None:
    # A fresh process: whatever other tests loaded into dateparser's class-level caches is
    # not there. With every language, the unreadable English footer loads all ~200 locales.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        dates, locales = pool.submit(_extract_in_fresh_process, ("es", "en")).result(timeout=120)
    assert dates == ["2020-04-15T00:00:00+00:00", None]
    assert locales <= 2


def _loaded_locales() -> list[str]:
    from dateparser.languages.loader import LocaleDataLoader

    return sorted(LocaleDataLoader._loaded_locales)


def test_extraction_workers_start_with_the_english_date_parser_loaded() -> None:
    # The workers' forkserver loads it once (tracker.pipeline.worker_preload); without that,
    # each worker paid ~190 ms of CPU on its first page whose date was judged.
    from tracker.pipeline.extraction_pool import ExtractionPool

    with ExtractionPool(ExtractSettings(), workers=2) as pool:
        loaded = pool._executor.submit(_loaded_locales).result(timeout=120)
    assert "en" in loaded
    assert all(name.split("-")[0] == "en" for name in loaded)  # English alone, not ~200 locales
