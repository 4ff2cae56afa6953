"""The report in a real browser: headless Chromium renders it with no errors and no requests.

Chromium is driven over the DevTools protocol (tests/support/chromium.py), which reports every
request the page attempts and every console message, exception and log entry (a
Content-Security-Policy violation is a log error). Screenshots go to test-artifacts/ and
their paths are printed. Skipped where Chromium is absent, except in CI (CI set), where
that is a failure: .ci/run installs Debian's chromium package.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.chromium import Chromium, PageLog, find_chromium
from tracker.domain.story import ClaimStory
from tracker.export.files import write_report
from tracker.export.report import render_report
from tracker.testing.stories import demo_like_story, generated_story

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
WIDTH, HEIGHT = 1400, 1000
PHONE = 390


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    executable = find_chromium()
    if executable is None:
        message = "Chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI needs it for the report's browser test (.ci/run)")
        pytest.skip(message)
    with Chromium(executable) as chromium:
        yield chromium


def load(
    browser: Chromium, story: ClaimStory, folder: Path, width: int = WIDTH
) -> tuple[str, PageLog]:
    path = write_report(render_report(story), Path("report.html"), root=folder)
    url = path.as_uri()
    return url, browser.open(url, width=width, height=HEIGHT)


def assert_clean(url: str, log: PageLog) -> None:
    assert log.errors() == []
    assert [request for request in log.requests if request != url] == []


def visible_box(browser: Chromium, selector: str) -> dict[str, float]:
    box = browser.evaluate(
        f"""(() => {{
            const e = document.querySelector({selector!r});
            if (!e) return null;
            const r = e.getBoundingClientRect(), s = getComputedStyle(e);
            return {{top: r.top + scrollY, height: r.height, width: r.width,
                     shown: s.visibility === 'visible' && s.display !== 'none'}};
        }})()"""
    )
    assert box is not None and box["shown"] and box["width"] > 0 and box["height"] > 0, selector
    return box  # type: ignore[no-any-return]


def shoot(
    browser: Chromium, name: str, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, dict[str, float], dict[str, float]]:
    """Screenshot from the top down to the first rows of the outlet table; print its path."""
    timeline = visible_box(browser, "#timeline-lanes")
    table = visible_box(browser, "#outlets")
    height = int(min(table["top"] + 260, 6000))
    path = browser.screenshot(ARTIFACTS / f"report-{name}.png", height=height)
    assert timeline["top"] < height and table["top"] < height  # both are in the picture
    with capsys.disabled():
        print(f"\n  screenshot ({name}): {path}")
    return path, timeline, table


def test_the_demo_report_renders_cleanly_offline(
    browser: Chromium, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story = demo_like_story()
    url, log = load(browser, story, tmp_path)
    assert_clean(url, log)
    assert browser.evaluate("document.documentElement.dataset.script") == "ready"
    assert browser.evaluate(
        "document.querySelectorAll('#timeline-lanes circle.repeat').length"
    ) == (len(story.articles))
    path, _, _ = shoot(browser, "demo", capsys)
    assert path.stat().st_size > 10_000


def test_five_outlets(
    browser: Chromium, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, log = load(browser, generated_story(5, seed=7), tmp_path)
    assert_clean(url, log)
    _, timeline, _ = shoot(browser, "5-outlets", capsys)
    assert timeline["height"] < 200  # five lanes, no scrolling


def test_three_hundred_outlets_scroll_under_a_fixed_axis(
    browser: Chromium, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, log = load(browser, generated_story(300, seed=7), tmp_path)
    assert_clean(url, log)
    _, timeline, _ = shoot(browser, "300-outlets", capsys)
    box = browser.evaluate(
        "(() => { const s = document.querySelector('.timeline-scroll');"
        " return [s.clientHeight, s.scrollHeight]; })()"
    )
    assert box[0] < HEIGHT < box[1]  # the lanes scroll inside their box
    assert timeline["height"] > 300 * 15


def test_the_filter_hides_table_rows_and_dims_lanes(browser: Chromium, tmp_path: Path) -> None:
    url, log = load(browser, demo_like_story(), tmp_path)
    assert_clean(url, log)
    counts = browser.evaluate(
        """(() => {
            const input = document.getElementById('outlet-filter');
            input.value = 'tide';
            input.dispatchEvent(new Event('input'));
            const rows = [...document.querySelectorAll('#outlets tbody tr')];
            const dim = document.querySelectorAll('#timeline-lanes g.lane.dim').length;
            const lanes = document.querySelectorAll('#timeline-lanes g.lane').length;
            return [rows.filter(r => !r.hidden).length, dim, lanes];
        })()"""
    )
    assert counts == [1, counts[2] - 1, counts[2]]
    late = browser.evaluate(
        """(() => {
            document.getElementById('outlet-filter').value = '';
            const show = document.getElementById('outlet-show');
            show.value = 'late';
            show.dispatchEvent(new Event('change'));
            return [...document.querySelectorAll('#outlets tbody tr')]
                .filter(r => !r.hidden).map(r => r.cells[0].textContent);
        })()"""
    )
    assert late == ["Driftwood Dispatch"]


@pytest.mark.parametrize("outlets", [0, 300])
def test_a_phone_wide_page_does_not_scroll_sideways(
    browser: Chromium, tmp_path: Path, capsys: pytest.CaptureFixture[str], outlets: int
) -> None:
    """At 390 px the page is no wider than the screen; the tables and the lanes scroll in their
    own boxes, and the timeline still shows a usable width of plot beside the outlet names."""
    story = generated_story(outlets, seed=7) if outlets else demo_like_story()
    url, log = load(browser, story, tmp_path, width=PHONE)
    assert_clean(url, log)
    widths = browser.evaluate(
        "[document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]"
    )
    assert widths[0] <= widths[2] == PHONE and widths[1] <= PHONE, widths
    boxes = browser.evaluate(
        """['#outlet-filter', '#outlet-show', '.timeline-scroll', '#evidence', '#figures']
            .map(s => document.querySelector(s).getBoundingClientRect())
            .map(r => [r.left, r.right])"""
    )
    assert all(left >= 0 and right <= PHONE for left, right in boxes), boxes
    plot = browser.evaluate(
        """(() => {
            const box = document.querySelector('.timeline-scroll').getBoundingClientRect();
            const names = document.querySelector('.lane-names').getBoundingClientRect();
            return box.right - names.right;
        })()"""
    )
    assert plot >= 200  # px of the time axis beside the sticky outlet names
    path = browser.screenshot(ARTIFACTS / f"report-phone-{outlets or 'demo'}.png", height=1600)
    with capsys.disabled():
        print(f"\n  screenshot (phone, {outlets or 'demo'}): {path}")


def test_timeline_dots_are_reachable_by_keyboard(browser: Chromium, tmp_path: Path) -> None:
    story = demo_like_story()
    url, log = load(browser, story, tmp_path)
    assert_clean(url, log)
    focusable = browser.evaluate(
        "[...document.querySelectorAll('#timeline-lanes circle.repeat')]"
        ".filter(c => c.tabIndex === 0).length"
    )
    assert focusable == len(story.articles)
    # From the last filter control, Tab goes on into the timeline, as a keyboard user would.
    browser.evaluate("document.getElementById('outlet-show').focus()")
    for _ in range(3):  # Chromium may stop on the lanes' own box first
        browser.press_key("Tab")
        if browser.evaluate("document.activeElement.matches('circle.repeat')"):
            break
    state = browser.evaluate(
        """(() => {
            const dot = document.activeElement;
            return [dot.matches('circle.repeat'), dot.getAttribute('aria-label'),
                    document.getElementById('timeline-detail').textContent,
                    document.getElementById('timeline-lanes').classList.contains('faded'),
                    document.querySelectorAll('#timeline-lanes .edge.focus').length];
        })()"""
    )
    assert state[0] is True, "Tab did not reach a timeline dot"
    first = min(story.articles, key=lambda a: (a.first_seen, a.id))
    assert state[2] == state[1] and state[2].startswith(f"{first.outlet}; ")
    assert state[3] is True and state[4] >= 1  # its edges stand out, as on hover
    browser.press_key("Tab")
    moved = browser.evaluate("document.getElementById('timeline-detail').textContent")
    assert moved and moved != state[2]


def test_hostile_titles_do_not_run(browser: Chromium, tmp_path: Path) -> None:
    story = demo_like_story()
    articles = list(story.articles)
    articles[1] = replace(articles[1], title="</script><script>window.pwned=1</script>")
    articles[2] = replace(articles[2], outlet='"><img src=x onerror="window.pwned=2">')
    url, log = load(browser, replace(story, articles=tuple(articles)), tmp_path)
    assert_clean(url, log)
    assert browser.evaluate("window.pwned === undefined") is True


def test_the_checks_see_requests_and_errors(browser: Chromium, tmp_path: Path) -> None:
    """A page that fetches something and logs an error is caught (the checks can fail)."""
    page = tmp_path / "leaky.html"
    page.write_text(
        "<!DOCTYPE html><title>leak</title><img src='http://127.0.0.1:9/pixel.png'>"
        "<script>console.error('boom')</script>",
        encoding="utf-8",
    )
    log = browser.open(page.as_uri(), width=400, height=300)
    assert "http://127.0.0.1:9/pixel.png" in log.requests
    assert any("boom" in line for line in log.errors())
