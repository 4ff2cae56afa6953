"""The demo story's question, end to end: who repeated each claim, stance, uptake, lag, late.

The truth is the manifest's (tracker/demo/corpus/story.toml): per article and claim the stances
of its first version, the uptake of each claim, and the late repeat. Two crawls of the week:
one with the corrections registered at their hours, as a user would; one where they are only
registered after the crawl, with re-checks so sparse that only the corrections' own immediate
re-checks can see the edits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tracker.api import Tracker
from tracker.api.claims import Claims
from tracker.clock import ManualClock
from tracker.demo.claims import register_claims
from tracker.demo.corpus import Corpus, DemoArticle, load_corpus
from tracker.demo.run import DemoSummary, crawl_demo_week, demo_settings
from tracker.demo.web import demo_resolver, serve_demo
from tracker.domain import EdgeKind, Stance, UptakeKind
from tracker.queries.claims import Repeat, WhoRepeated

STEP = timedelta(hours=6)
TAIL = timedelta(hours=72)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="module")
def week(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return crawl_demo_week(tmp_path_factory.mktemp("claims-demo") / "demo.db", corpus=corpus)


@dataclass(frozen=True)
class Late:
    """The sparse crawl: answers before and after registering the corrections."""

    before: dict[str, WhoRepeated]
    after: dict[str, WhoRepeated]
    rechecks: dict[str, int]
    due: set[str]  # paths of the articles due for a re-check right after registering


@pytest.fixture(scope="module")
def registered_late(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Late:
    database = tmp_path_factory.mktemp("claims-late") / "late.db"
    base = demo_settings(database)
    # One re-check an hour after first sight, then never: the week's edits stay unseen.
    settings = replace(base, crawl=replace(base.crawl, recheck_after=(3600.0,)))
    clock = ManualClock(corpus.start)
    with (
        serve_demo(clock, corpus) as web,
        Tracker(settings, clock=clock, resolver=demo_resolver(corpus)) as tracker,
    ):
        for outlet in corpus.outlets:
            tracker.add_outlet(outlet.name, outlet.host, outlet.aliases)
            tracker.add_feed(web.feed_url(outlet), outlet=outlet.name)
        claims = Claims(tracker.store, clock)
        register_claims(claims, corpus, web)
        while clock.now() <= corpus.end + TAIL:
            tracker.crawl()
            clock.advance(STEP)
        before = {c.slug: claims.who_repeated(c.slug) for c in corpus.claims}
        rechecks: dict[str, int] = {}
        for correction in corpus.corrections:
            article = corpus.article(correction.article)
            done = claims.correct(
                correction.claim, correction.kind, url=web.article_url(article), at=correction.at
            )
            rechecks[correction.claim] = done.rechecks
        due = {_path(r.url) for r in tracker.store.due_rechecks(clock.now())}
        clock.advance(timedelta(minutes=5))
        tracker.crawl()
        after = {c.slug: claims.who_repeated(c.slug) for c in corpus.claims}
    return Late(before, after, rechecks, due)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _rows(corpus: Corpus, answer: WhoRepeated) -> dict[str, Repeat]:
    """The answer's rows by corpus article id."""
    by_path = {a.path: a.id for a in corpus.articles}
    return {by_path[_path(r.url)]: r for r in answer.rows}


def _answer(week: DemoSummary, slug: str) -> WhoRepeated:
    return next(a for a in week.claims if a.slug == slug)


def _expected_stance(article: DemoArticle, slug: str) -> str:
    first = article.claims[slug]
    return (Stance.ASSERTS if Stance.ASSERTS in first else Stance.ATTRIBUTES).value


# ---------------------------------------------------------------- corrections at their hour


@pytest.mark.parametrize("slug", ["ai-code", "cloud-division"])
def test_who_repeated_lists_exactly_the_repeaters(
    corpus: Corpus, week: DemoSummary, slug: str
) -> None:
    rows = _rows(corpus, _answer(week, slug))
    origin = corpus.claim(slug).origin
    assert rows[origin].role == "origin"
    repeaters = {r for r, row in rows.items() if row.role == "repeater"}
    assert repeaters == {a.id for a in corpus.repeaters(slug)}
    # The paraphrases are in; the distractors, the denial and the follow-up are not.
    assert {"plainsong-paraphrase", "tidewater-paraphrase"} <= repeaters
    assert "glimmerfield-ai-tools" not in rows
    assert not {a.id for a in corpus.articles if a.truth.distractor} & set(rows)
    assert not {"parcelwise-denial", "tidewater-followup"} & set(rows)


@pytest.mark.parametrize("slug", ["ai-code", "cloud-division"])
def test_each_repeat_has_the_right_stance_uptake_and_late_flag(
    corpus: Corpus, week: DemoSummary, slug: str
) -> None:
    wrong = []
    for article_id, row in _rows(corpus, _answer(week, slug)).items():
        if row.role != "repeater":
            continue
        article = corpus.article(article_id)
        truth = (
            _expected_stance(article, slug),
            article.truth.uptake[slug].value,
            article.truth.late,
        )
        got = (row.stance, row.uptake, row.late)
        if got != truth:
            wrong.append(f"{article_id}: {got} != {truth} ({row.evidence})")
    assert not wrong, "\n".join(wrong)


def test_the_late_repeat_is_flagged(corpus: Corpus, week: DemoSummary) -> None:
    late = {a for a, row in _rows(corpus, _answer(week, "ai-code")).items() if row.late}
    assert late == {a.id for a in corpus.articles if a.truth.late} == {"driftwood-late"}


@pytest.mark.parametrize("slug", ["ai-code", "cloud-division"])
def test_lags_are_measured_from_the_first_correction_to_when_the_change_was_seen(
    corpus: Corpus, week: DemoSummary, slug: str
) -> None:
    answer = _answer(week, slug)
    first = min(c.published for c in answer.corrections)
    assert first == min(c.at for c in corpus.corrections_of(slug))
    for article_id, row in _rows(corpus, answer).items():
        if row.role != "repeater":
            continue
        if row.uptake == UptakeKind.NONE.value:
            assert row.lag_seconds is None and row.uptake_at is None
            continue
        assert row.uptake_at is not None and row.lag_seconds is not None
        assert row.lag_seconds == pytest.approx((row.uptake_at - first).total_seconds())
        assert len(row.lags) == len(answer.corrections)
        # Seen no earlier than it happened, and within the re-check schedule's reach.
        happened = _change_time(corpus.article(article_id), corpus, row.uptake)
        assert happened <= row.uptake_at <= happened + timedelta(days=7), article_id


def _change_time(article: DemoArticle, corpus: Corpus, uptake: str | None) -> datetime:
    if uptake == UptakeKind.TAKEN_DOWN.value:
        assert article.taken_down_at is not None
        return article.taken_down_at
    if uptake == UptakeKind.FOLLOWED_UP.value:
        return min(a.served_from for a in corpus.articles if a.truth.follows_up == article.id)
    return article.versions[1].starts_at


def test_every_repeat_says_how_it_got_the_claim(corpus: Corpus, week: DemoSummary) -> None:
    for answer in week.claims:
        for row in answer.rows:
            assert row.source.kind in {"origin", "unknown", *(k.value for k in EdgeKind)}
            assert row.source.describe()
            assert (row.source.kind == "origin") == (row.role == "origin")


# ---------------------------------------------------------------- corrections after the crawl


def test_a_correction_registered_after_the_crawl_rechecks_every_mentioning_article(
    corpus: Corpus, registered_late: Late
) -> None:
    # Repeaters, the origin, and the articles that carry the denial: all mention the claim.
    carrying = {
        slug: {a.path for a in corpus.articles if any(v.stances_of(slug) for v in a.versions)}
        for slug in ("ai-code", "cloud-division")
    }
    for slug, paths in carrying.items():
        assert registered_late.rechecks[slug] == len(paths), slug
        assert {corpus.article(a).path for a in _rows(corpus, registered_late.before[slug])} < paths
    assert registered_late.due == carrying["ai-code"] | carrying["cloud-division"]
    distractors = {a.path for a in corpus.articles if a.truth.distractor}
    assert not registered_late.due & distractors


@pytest.mark.parametrize("slug", ["ai-code", "cloud-division"])
def test_the_uptake_changes_after_the_correction_triggered_recheck(
    corpus: Corpus, registered_late: Late, slug: str
) -> None:
    before = _rows(corpus, registered_late.before[slug])
    after = _rows(corpus, registered_late.after[slug])
    assert set(before) == set(after)
    edited_in_week = {
        a.id
        for a in corpus.repeaters(slug)
        if a.truth.uptake[slug] in (UptakeKind.EDITED, UptakeKind.NOTED, UptakeKind.TAKEN_DOWN)
    }
    # Before: the sparse schedule never saw the edits, and no correction was known.
    for article_id in edited_in_week:
        assert before[article_id].uptake == UptakeKind.NONE.value, article_id
    assert not any(row.late for row in before.values())
    # After: the immediate re-checks saw every edit and take-down; lags and late are known.
    for article_id, row in after.items():
        if row.role != "repeater":
            continue
        article = corpus.article(article_id)
        assert row.uptake == article.truth.uptake[slug].value, article_id
        assert row.late == article.truth.late, article_id
        if row.uptake in {k.value for k in (UptakeKind.EDITED, UptakeKind.NOTED)}:
            assert row.lag_seconds is not None and row.lag_seconds > 0


def test_the_demo_command_answers_the_story_question(week: DemoSummary) -> None:
    assert [a.slug for a in week.claims] == ["ai-code", "cloud-division"]
    assert all(a.corrections for a in week.claims)
    assert Path(week.database).exists()


def test_every_repeat_got_the_claim_from_its_true_source(corpus: Corpus, week: DemoSummary) -> None:
    # Heavy paraphrases included: their edge to the original rests on the claim they carry.
    outlets = {o.slug: o.name for o in corpus.outlets}
    wrong = []
    for answer in week.claims:
        for article_id, row in _rows(corpus, answer).items():
            if row.role != "repeater":
                continue
            truth = corpus.article(article_id).truth
            source = corpus.article(truth.edges[0].source) if truth.edges else None
            expected = (
                (truth.edges[0].kind.value, outlets[source.outlet]) if source else ("unknown", None)
            )
            if (row.source.kind, row.source.outlet) != expected:
                wrong.append(f"{answer.slug} {article_id}: {row.source} != {expected}")
    assert not wrong, "\n".join(wrong)
