"""tracker.article_text: the headline and standfirst off the top, layout strings out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.web.article_text import article_text

FIXTURE = json.loads(
    (Path(__file__).parent / "fixtures" / "article_text" / "cases.json").read_text("utf-8")
)


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda case: case["why"])
def test_article_text(case: dict[str, Any]) -> None:
    header = set(case["header"])
    found = article_text(
        "\n".join(case["lines"]),
        titles=case["titles"],
        descriptions=case["descriptions"],
        in_page_header=header.__contains__,
        min_chars=FIXTURE["min_chars"],
    )
    assert found.text.split("\n") == case["expect_lines"]
    assert found.standfirst == case["standfirst"]


_LINE = st.text(min_size=1, max_size=60).filter(lambda line: "\n" not in line)


@given(st.lists(_LINE, min_size=1, max_size=12), st.text(max_size=60))
def test_text_only_loses_whole_lines(lines: list[str], title: str) -> None:
    text = "\n".join(lines)
    found = article_text(
        text, titles=[title], descriptions=[title], in_page_header=lambda _: True, min_chars=0
    )
    kept = found.text.split("\n") if found.text else []
    assert all(line in lines for line in kept)
    assert found.standfirst == "" or found.standfirst in lines
