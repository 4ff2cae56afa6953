"""The demo week crawled end to end: every article's provenance edges against the story's truth."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from tracker.api import Tracker
from tracker.demo.corpus import DemoArticle, load_corpus
from tracker.demo.run import DemoSummary, crawl_demo_week, demo_settings
from tracker.domain import EdgeKind
from tracker.linking.queries import copies_of, sources_of
from tracker.urls import canonical_url

CORPUS = load_corpus()
# Heavy paraphrases with no link, credit or shared passage: the lexical paraphrase score of each
# against the original (0.22-0.40 as crawled) stays below `paraphrase_min_score` (0.55), which
# independent reports of one event already reach on ECB+. They get no edge rather than a wrong
# one (checked below); if linking learns to find them, these tests start passing and must lose
# their mark.
UNDETECTED_PARAPHRASES = {"plainsong-paraphrase", "tidewater-paraphrase", "driftwood-late"}

Stored = tuple[str, str, bool]  # source corpus id, kind, primary


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return crawl_demo_week(tmp_path_factory.mktemp("linking") / "demo.db", corpus=CORPUS)


@pytest.fixture(scope="module")
def ids(week: DemoSummary) -> dict[str, int]:
    """Corpus article id -> stored article id (matched on the URL path)."""
    with Tracker(demo_settings(week.database)) as tracker:
        by_path = {canonical_url(a.url).split("/", 3)[3]: a.id for a in tracker.articles()}
    return {a.id: by_path[a.path.lstrip("/")] for a in CORPUS.articles}


@pytest.fixture(scope="module")
def stored(week: DemoSummary, ids: dict[str, int]) -> dict[str, list[Stored]]:
    """Every stored edge by target, as corpus ids, primary first."""
    names = {stored_id: corpus_id for corpus_id, stored_id in ids.items()}
    sql = text('select source_id, target_id, kind, "primary" from edges')
    with Tracker(demo_settings(week.database)) as tracker, tracker.engine.connect() as conn:
        rows = list(conn.execute(sql))
    out: dict[str, list[Stored]] = {a.id: [] for a in CORPUS.articles}
    for source, target, kind, primary in rows:
        out[names[target]].append((names[source], kind, bool(primary)))
    for edges in out.values():
        edges.sort(key=lambda edge: not edge[2])
    return out


def _marked(article: DemoArticle) -> object:
    if article.id in UNDETECTED_PARAPHRASES:
        reason = "heavy paraphrase below the lexical paraphrase threshold"
        return pytest.param(
            article, id=article.id, marks=pytest.mark.xfail(strict=True, reason=reason)
        )
    return pytest.param(article, id=article.id)


@pytest.mark.parametrize("article", [_marked(a) for a in CORPUS.articles])
def test_every_article_gets_exactly_its_true_edges(
    article: DemoArticle, stored: dict[str, list[Stored]]
) -> None:
    got = stored[article.id]
    expected = [(edge.source, edge.kind.value) for edge in article.truth.edges]
    assert [(source, kind) for source, kind, _ in got] == expected
    assert [primary for _, _, primary in got] == [i == 0 for i in range(len(got))]


@pytest.mark.parametrize("article_id", sorted(UNDETECTED_PARAPHRASES))
def test_an_undetected_paraphrase_gets_no_wrong_edge(
    article_id: str, stored: dict[str, list[Stored]]
) -> None:
    truth = {edge.source for edge in CORPUS.article(article_id).truth.edges}
    assert {source for source, _, _ in stored[article_id]} <= truth


def test_distractors_are_nobodys_source_unless_the_truth_says_so(
    stored: dict[str, list[Stored]],
) -> None:
    true_sources = {edge.source for a in CORPUS.articles for edge in a.truth.edges}
    distractors = {a.id for a in CORPUS.articles if a.truth.distractor}
    used = {source for edges in stored.values() for source, _, _ in edges}
    assert used & distractors <= true_sources
    for article in CORPUS.articles:
        if article.truth.distractor and not article.truth.edges:
            assert stored[article.id] == []


def test_no_article_takes_from_a_source_the_story_rules_out(
    stored: dict[str, list[Stored]],
) -> None:
    assert CORPUS.not_sources
    for pitfall in CORPUS.not_sources:
        primary = [source for source, _, is_primary in stored[pitfall.article] if is_primary]
        assert pitfall.source not in primary, pitfall.why


def test_the_backdated_copy_is_not_taken_for_the_original(
    week: DemoSummary, ids: dict[str, int]
) -> None:
    backdated, original = CORPUS.article("hollowmere-backdated"), CORPUS.article("ledger-original")
    assert backdated.published_at < original.published_at < backdated.served_from
    with Tracker(demo_settings(week.database)) as tracker:
        original_url = tracker.store.get_article(_url(tracker, ids["ledger-original"])).url
        assert sources_of(tracker.store, original_url).hops == ()
        chain = sources_of(tracker.store, _url(tracker, ids["hollowmere-backdated"]))
        assert [(h.source.url, h.kind) for h in chain.hops] == [(original_url, EdgeKind.COPIES)]


def _url(tracker: Tracker, article_id: int) -> str:
    return next(a.url for a in tracker.articles() if a.id == article_id)


def test_the_chain_and_the_repeaters_read_back_with_evidence(
    week: DemoSummary, ids: dict[str, int]
) -> None:
    with Tracker(demo_settings(week.database)) as tracker:
        store = tracker.store
        chain = sources_of(store, _url(tracker, ids["kettlewick-chain"]))
        assert [h.source.id for h in chain.hops] == [
            ids["circuitry-rewrite"],
            ids["ledger-original"],
        ]
        passage = chain.hops[0].passages[0]
        assert passage.source == passage.repeater and passage.source
        credit = sources_of(store, _url(tracker, ids["emberlane-credit"])).hops[0]
        assert credit.credit is not None and "Harbor Ledger" in credit.credit
        wire = sources_of(store, _url(tracker, ids["vantage-wire"]))
        assert [h.kind for h in wire.hops] == [EdgeKind.COMMON_SOURCE, EdgeKind.CREDITS]
        repeats = copies_of(store, _url(tracker, ids["ledger-original"])).repeaters
    by_id = {r.article.id: r for r in repeats}
    assert by_id[ids["kettlewick-chain"]].depth == 2
    assert by_id[ids["kettlewick-chain"]].via.id == ids["circuitry-rewrite"]
    assert by_id[ids["ferncastle-copy"]].depth == 1


def test_the_demo_summary_says_who_took_the_report_from_whom(week: DemoSummary) -> None:
    takes = {(t.repeater.outlet, t.source.outlet, t.kind) for t in week.takes}
    assert ("The Kettlewick Post", "Circuitry Weekly", EdgeKind.COPIES) in takes
    assert ("Emberlane Times", "The Harbor Ledger", EdgeKind.CREDITS) in takes
    assert ("Vantage Valley Herald", "Coastal Press Wire", EdgeKind.COMMON_SOURCE) in takes


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    from tracker.cli import main

    monkeypatch.setattr(sys, "argv", ["tracker", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    return int(stop.value.code or 0)


def test_the_commands_print_chains_and_repeaters(
    week: DemoSummary,
    ids: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    with Tracker(demo_settings(week.database)) as tracker:
        url = _url(tracker, ids["kettlewick-chain"])
        original = _url(tracker, ids["ledger-original"])
    db = ["--db", str(week.database)]
    assert _cli([*db, "sources", url, "--json"], monkeypatch) == 0
    chain = json.loads(capsys.readouterr().out)
    assert [hop["kind"] for hop in chain["hops"]] == ["copies", "copies"]
    assert chain["hops"][1]["source"]["url"] == original
    assert _cli([*db, "sources", url], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "Circuitry Weekly" in out and "original:" in out
    assert _cli([*db, "copies", original, "--json"], monkeypatch) == 0
    repeaters = json.loads(capsys.readouterr().out)["repeaters"]
    assert {r["article"]["url"] for r in repeaters} >= {url}
    assert _cli([*db, "copies", "https://nowhere.test/story"], monkeypatch) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
