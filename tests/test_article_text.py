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


LEDE = "Microsoft released an emergency patch on Wednesday for a flaw in its web browser."
BODY = "The flaw let attackers install malware on computers without any action by their users."


@pytest.mark.parametrize(("set_as_paragraph", "expect"), [(True, [LEDE, BODY]), (False, [BODY])])
def test_a_headline_the_page_also_sets_as_its_first_paragraph_is_the_lede(
    set_as_paragraph: bool, expect: list[str]
) -> None:
    found = article_text(
        f"{LEDE}\n{BODY}",
        titles=[LEDE],
        descriptions=[],
        in_page_header=lambda _: False,
        in_page_body=lambda line: set_as_paragraph and line == LEDE,
        min_chars=0,
    )
    assert found.text.split("\n") == expect


def test_lines_of_the_site_chrome_go_anywhere() -> None:
    promo = "Subscribe to the Ledger for unlimited access."
    found = article_text(
        f"{LEDE}\n{promo}\n{BODY}",
        titles=[],
        descriptions=[],
        in_page_header=lambda _: False,
        in_site_chrome={promo}.__contains__,
        min_chars=0,
    )
    assert found.text.split("\n") == [LEDE, BODY]
