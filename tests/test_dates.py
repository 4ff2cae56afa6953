"""tracker.dates: written dates keep their stated offset; URL paths name a day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.clock import at_offset
from tracker.web.dates import offset_minutes, parse_stated, url_day

CASES = json.loads(
    (Path(__file__).parent / "fixtures" / "dates" / "written-dates.json").read_text("utf-8")
)


@pytest.mark.parametrize("case", CASES["parse_stated"], ids=lambda case: case["why"])
def test_written_date(case: dict[str, Any]) -> None:
    found = parse_stated(case["text"])
    expect = case["expect"]
    assert (found.isoformat() if found else None) == expect
    if found is not None and expect is not None:
        # The offset is kept exactly as stated, not turned into UTC.
        assert found.utcoffset() == datetime.fromisoformat(expect).utcoffset()


@pytest.mark.parametrize("case", CASES["url_day"], ids=lambda case: case["why"])
def test_url_day(case: dict[str, Any]) -> None:
    expect = case["expect"]
    assert url_day(case["url"]) == (date.fromisoformat(expect) if expect else None)


def test_a_local_time_near_midnight_keeps_its_day() -> None:
    stated = parse_stated("2024-03-09T23:30:00-05:00")
    assert stated is not None
    instant = stated.astimezone(UTC)
    assert instant.date() == date(2024, 3, 10)  # the UTC day is the next one
    minutes = offset_minutes(stated)
    assert minutes == -300
    assert at_offset(instant, minutes).date() == date(2024, 3, 9)
    assert at_offset(instant, None).date() == date(2024, 3, 10)


@given(st.text(max_size=120))
def test_any_text_gives_a_date_or_none(text: str) -> None:
    found = parse_stated(text)
    assert found is None or isinstance(found, datetime)
