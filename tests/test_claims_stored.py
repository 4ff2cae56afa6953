"""Analyses stored at ingest: read back as the analyzer gives them, and the same answers."""

from __future__ import annotations

import json
import zlib
from dataclasses import replace
from datetime import UTC, datetime

import lz4.block
import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from tracker.api.claims import Claims
from tracker.claims.match import LexicalMatcher, default_analyzer
from tracker.claims.mentions import best_sentence, find_in_sentences
from tracker.claims.stored_match import (
    SentenceCache,
    best_stored,
    claim_context,
    context_of,
    find_in_stored,
)
from tracker.clock import ManualClock
from tracker.domain import Claim, Stance, VersionRef
from tracker.domain.claims import MentionFact
from tracker.queries.claims import WhoRepeated
from tracker.store import Store, make_engine, upgrade
from tracker.store import models as m
from tracker.store.analyses import ANALYSED_MARK, FORMAT_MARK, STEMS_TABLE
from tracker.store.claim_tables import StageMarkRow, VersionAnalysisRow
from tracker.store.db import downgrade
from tracker.text.sentences import split_sentences
from tracker.text.stored import (
    ANALYSIS_FORMAT,
    analyse_version,
    decode_sentences,
    decode_terms,
    has_stem,
)
from tracker.text.terms import term_stats
from tracker.text.words import Analyzer

from .support.stored import store_texts

TITLE = "Parcelwise outage: AI-written code to blame, the company says"
TEXT = (
    "Code written by an AI assistant was behind the Parcelwise checkout outages, the U.S."
    " retailer said on Tuesday.\n"
    "The company's cloud division was involved as well. #ParcelwiseDown trended in the US.\n"
    "Engineers didn't expect it; Dr. Lee's team rolled back the change at 3.30 p.m. Nobody"
    " was hurt."
)
CLAIMS = (
    "AI-written code caused the Parcelwise checkout outages",
    "The retailer's cloud arm was involved in the outage",
    "Engineers rolled back the change",
    "A bakery won a prize for its rye bread",
)


def test_stored_sentences_read_back_as_the_analyzer_gives_them() -> None:
    analyzer = Analyzer()
    terms, payload = analyse_version(TITLE, TEXT, analyzer)
    stored = decode_sentences(payload, TEXT)
    sentences = split_sentences(TEXT)
    assert [s.sentence for s in stored.sentences] == sentences
    for kept, sentence in zip(stored.sentences, sentences, strict=True):
        assert kept.analysis() == analyzer.analyse(sentence.text)
    title = analyzer.analyse(TITLE)
    assert stored.title_keys == set(title.concepts) | set(title.joined)
    assert decode_terms(terms) == term_stats(f"{TITLE}\n{TEXT}")
    assert has_stem(terms, "parcelwis") and not has_stem(terms, "parcel")
    assert decode_sentences(analyse_version("", "", analyzer)[1], "").sentences == ()


@pytest.mark.parametrize("claim", CLAIMS)
def test_matching_stored_sentences_gives_the_same_answer(claim: str) -> None:
    lexical = LexicalMatcher()
    stored = decode_sentences(analyse_version(TITLE, TEXT, default_analyzer())[1], TEXT)
    cache = SentenceCache(lexical)
    direct = find_in_sentences(claim, split_sentences(TEXT), lexical=lexical, title=TITLE)
    assert find_in_stored(claim, stored.sentences, stored.title_keys, cache) == direct
    untitled = find_in_sentences(claim, split_sentences(TEXT), lexical=lexical)
    assert find_in_stored(claim, stored.sentences, None, cache) == untitled
    version = VersionRef(1, 1, TEXT, datetime(2026, 3, 1, tzinfo=UTC), TITLE)
    best = best_sentence(Claim("c", claim), version, lexical=lexical)
    assert best_stored(Claim("c", claim), 1, stored, cache) == best


@pytest.mark.parametrize("claim", CLAIMS)
def test_a_context_narrowed_to_the_claim_answers_as_the_whole_one(claim: str) -> None:
    lexical = LexicalMatcher()
    stored = decode_sentences(analyse_version(TITLE, TEXT, default_analyzer())[1], TEXT)
    probe = SentenceCache(lexical).probe(claim)
    for title_keys in (stored.title_keys, None):
        for sentences in (stored.sentences, stored.sentences[1:], ()):
            whole = context_of(sentences, title_keys)
            narrowed = claim_context(sentences, title_keys, probe)
            assert narrowed.article <= whole.article and narrowed.setting <= whole.setting
            for concept in lexical.concepts(claim):
                for setting in (False, True):
                    covered = whole.covers(concept, setting=setting)
                    assert narrowed.covers(concept, setting=setting) == covered


@pytest.fixture
def store(database_url: str) -> Store:
    engine = make_engine(database_url)
    upgrade(engine)
    return Store(engine)


def test_free_text_from_stored_analyses_equals_the_analysis_on_the_fly(store: Store) -> None:
    clock = ManualClock(datetime(2026, 3, 1, 8, tzinfo=UTC))
    texts = {
        "a.test/1": TEXT,
        "b.test/2": "Parcelwise said AI coding tools are popular with its engineers.",
        "c.test/3": "Outages at Parcelwise were blamed on code generated by AI tools.\nMore soon.",
        "d.test/4": "A local bakery won the regional prize for its rye bread.",
    }
    store_texts(store, clock, texts)
    stored = Claims(store, clock)  # the default analyzer: reads version_analyses
    on_the_fly = Claims(store, clock, matcher=LexicalMatcher(analyzer=Analyzer()))
    claim = CLAIMS[0]
    answer = stored.who_repeated(claim)
    with store.engine.connect() as conn:
        rows = conn.scalar(select(func.count()).select_from(VersionAnalysisRow))
    assert rows == len(texts)  # written by the index sync the question ran first
    assert len(answer.rows) == 2
    assert answer == on_the_fly.who_repeated(claim)
    # A new version and a registered claim (the claims stage runs): the stage leaves the new
    # version's analysis to the next free-text question, which makes it.
    store_texts(store, clock, {"e.test/5": "A new bridge opened over the river on Monday."})
    stored.add("registered", claim)
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(VersionAnalysisRow)) == len(texts)
    again = stored.who_repeated(claim)
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(VersionAnalysisRow)) == len(texts) + 1
    # Not the first answer: one more article makes every word rarer (the expansion's inverse
    # document frequencies), and in five articles that is enough to reach b.test. On the fly
    # the same.
    assert again == on_the_fly.who_repeated(claim)
    # A version whose analysis is missing is analysed on the fly: the same answer.
    with store.engine.begin() as conn:
        conn.execute(delete(VersionAnalysisRow))
    assert stored.who_repeated(claim) == again


def test_rows_of_an_older_format_are_made_again(store: Store) -> None:
    clock = ManualClock(datetime(2026, 3, 1, 8, tzinfo=UTC))
    store_texts(store, clock, {"a.test/1": TEXT, "b.test/2": "Parcelwise outages, no cause given."})
    claims = Claims(store, clock)
    answer = claims.who_repeated(CLAIMS[0])
    # A database analysed before this format: older rows (no profile) and no format mark.
    with store.engine.begin() as conn:
        for version_id, payload in conn.execute(
            select(VersionAnalysisRow.version_id, VersionAnalysisRow.sentences)
        ).all():
            title_keys, sentences, _ = json.loads(lz4.block.decompress(payload))
            conn.execute(
                update(VersionAnalysisRow)
                .where(VersionAnalysisRow.version_id == version_id)
                .values(
                    format=ANALYSIS_FORMAT - 1,
                    sentences=zlib.compress(json.dumps([title_keys, sentences]).encode()),
                )
            )
        conn.execute(delete(StageMarkRow).where(StageMarkRow.name == FORMAT_MARK))
    assert claims.who_repeated(CLAIMS[0]) == answer
    with store.engine.connect() as conn:
        formats = conn.scalars(select(VersionAnalysisRow.format)).all()
        mark = conn.scalar(select(StageMarkRow.value).where(StageMarkRow.name == FORMAT_MARK))
    assert formats == [ANALYSIS_FORMAT, ANALYSIS_FORMAT]
    assert mark == ANALYSIS_FORMAT


def test_stem_tests_in_sql_agree_with_the_stored_terms(store: Store) -> None:
    clock = ManualClock(datetime(2026, 3, 1, 8, tzinfo=UTC))
    store_texts(store, clock, {"a.test/1": TEXT, "b.test/2": "A bakery's rye bread won."})
    claims = Claims(store, clock)
    claims.who_repeated(CLAIMS[0])  # analyses the versions
    stems = ["parcelwis", "parcel", "bakeri", "outag", "ry", 'o"dd']
    with store.engine.connect() as conn:
        query = select(VersionAnalysisRow.version_id, VersionAnalysisRow.terms)
        stored = {version_id: terms for version_id, terms in conn.execute(query)}
        articles = list(conn.scalars(select(func.distinct(m.Version.article_id))))
    read: dict[int, str] = {}
    rows = claims.repo.stem_presence(articles, stems, read)
    assert [v for v, _, _ in rows] == sorted(stored)
    # Looked up in the stem index (SQLite) or tested in SQL (PostgreSQL): no payload read out.
    assert read == {}
    for version_id, _, mask in rows:
        assert mask is not None
        expected = [has_stem(stored[version_id], s) for s in stems]
        assert [bool(mask >> i & 1) for i in range(len(stems))] == expected
    assert any(mask for _, _, mask in rows)  # some stems are carried
    assert claims.repo.terms_of(sorted(stored)) == stored
    assert claims.repo.article_versions(articles) == [(v, a) for v, a, _ in rows]
    assert claims.repo.article_versions([]) == []
    by_version = claims.repo.analysed_rows(sorted(stored))
    assert claims.repo.analysed_rows(articles, of_articles=True) == by_version
    assert sorted(by_version) == sorted(stored)
    with store.engine.begin() as conn:  # not analysed: rows gone, the mark back at the start
        conn.execute(delete(VersionAnalysisRow))
        conn.execute(update(StageMarkRow).where(StageMarkRow.name == ANALYSED_MARK).values(value=0))
    assert {mask for _, _, mask in claims.repo.stem_presence(articles, stems)} == {None}


def test_stem_tests_may_leave_out_the_versions_carrying_no_stem(store: Store) -> None:
    claims, articles, _ = _two_analysed(store)
    for stems in (["bakeri"], ["bakeri", "parcelwis"], ["zzqx"]):
        every = claims.repo.stem_presence(articles, stems)
        some = claims.repo.stem_presence(articles, stems, carrying_only=True)
        assert [row for row in some if row[2] != 0] == [row for row in every if row[2] != 0]
        assert set(some) <= set(every)
    if store.engine.dialect.name != "sqlite":
        return
    # The stem index: one version carries the stem, so only it is read.
    assert len(claims.repo.stem_presence(articles, ["bakeri"], carrying_only=True)) == 1
    with store.engine.begin() as conn:  # past the analysis mark: not analysed yet, mask None
        conn.execute(update(StageMarkRow).where(StageMarkRow.name == ANALYSED_MARK).values(value=0))
    rows = claims.repo.stem_presence(articles, ["bakeri"], carrying_only=True)
    assert [mask for _, _, mask in rows] == [None, None]


def _two_analysed(store: Store) -> tuple[Claims, list[int], WhoRepeated]:
    """Two stored articles, analysed by a question: the claims, the articles and the answer."""
    clock = ManualClock(datetime(2026, 3, 1, 8, tzinfo=UTC))
    store_texts(store, clock, {"a.test/1": TEXT, "b.test/2": "A bakery's rye bread won."})
    claims = Claims(store, clock)
    answer = claims.who_repeated(CLAIMS[0])
    with store.engine.connect() as conn:
        articles = list(conn.scalars(select(func.distinct(m.Version.article_id))))
    return claims, articles, answer


def _analysed_in_an_older_format(store: Store) -> None:
    """The format mark as a database analysed by an older format has it."""
    with store.engine.begin() as conn:
        conn.execute(
            update(StageMarkRow)
            .where(StageMarkRow.name == FORMAT_MARK)
            .values(value=ANALYSIS_FORMAT - 1)
        )


def test_stem_tests_read_the_terms_of_rows_of_another_format(store: Store) -> None:
    """Rows of another format (not in the stem index yet) are read out and tested (SQLite)."""
    claims, articles, _ = _two_analysed(store)
    stems = ["parcelwis", "bakeri", "outag"]
    indexed = claims.repo.stem_presence(articles, stems)
    _analysed_in_an_older_format(store)
    read: dict[int, str] = {}
    assert claims.repo.stem_presence(articles, stems, read) == indexed
    assert (len(read) == len(indexed)) == (store.engine.dialect.name == "sqlite")


@pytest.mark.parametrize("emptied", ["older format", "downgrade and upgrade"])
def test_the_stem_index_is_made_again_with_the_analyses(store: Store, emptied: str) -> None:
    """A format change, or the migration making the index (empty): all analysed again."""
    if store.engine.dialect.name != "sqlite":
        pytest.skip("the stem index is SQLite's")
    claims, articles, answer = _two_analysed(store)
    stems = ["parcelwis", "bakeri", "outag"]
    indexed = claims.repo.stem_presence(articles, stems)
    assert any(mask for _, _, mask in indexed)
    if emptied == "older format":
        _analysed_in_an_older_format(store)
    else:
        downgrade(store.engine, "0014")
        upgrade(store.engine)
    assert claims.who_repeated(CLAIMS[0]) == answer  # analysed and indexed again
    assert claims.repo.stem_presence(articles, stems) == indexed
    with store.engine.connect() as conn:
        tokens = conn.exec_driver_sql(f"SELECT count(*) FROM {STEMS_TABLE}").scalar()
    assert tokens == len(indexed)  # one row a version: none left over from the first run


def test_stem_tests_in_sql_hold_past_a_64_bit_mask(store: Store) -> None:
    """A long free-text claim has more distinct stems than one integer has bits."""
    clock = ManualClock(datetime(2026, 3, 1, 8, tzinfo=UTC))
    store_texts(store, clock, {"a.test/1": TEXT, "b.test/2": "A bakery's rye bread won."})
    claims = Claims(store, clock)
    claims.who_repeated(CLAIMS[0])  # analyses the versions
    stems = [f"zzq{i}x" for i in range(130)]
    # Far-apart bits in one version: a float sum would keep only the highest 53 bits.
    stems[3], stems[70], stems[128], stems[100] = "outag", "bakeri", "parcelwis", "checkout"
    with store.engine.connect() as conn:
        query = select(VersionAnalysisRow.version_id, VersionAnalysisRow.terms)
        stored = {version_id: terms for version_id, terms in conn.execute(query)}
        articles = list(conn.scalars(select(func.distinct(m.Version.article_id))))
    rows = claims.repo.stem_presence(articles, stems)
    for version_id, _, mask in rows:
        assert mask is not None
        assert [bool(mask >> i & 1) for i in range(len(stems))] == [
            has_stem(stored[version_id], s) for s in stems
        ]
    assert {bool(mask and mask >> 70 & 1) for _, _, mask in rows} == {True, False}
    assert {bool(mask and mask >> 128 & 1) for _, _, mask in rows} == {True, False}
    assert any(mask and mask >> 3 & 1 and mask >> 128 & 1 for _, _, mask in rows)


def test_article_facts_read_what_the_models_hold(store: Store) -> None:
    """`article_facts` reads on the driver's cursor: the same values as the mapped rows."""
    clock = ManualClock(datetime(2026, 3, 1, 8, tzinfo=UTC))
    ids = store_texts(store, clock, {"a.test/1": TEXT, "b.test/2": "A bakery's rye bread won."})
    with store.engine.begin() as conn:
        conn.execute(
            update(m.Version)
            .where(m.Version.article_id == ids["a.test/1"])
            .values(
                links=[{"url": "https://c.test/x", "text": "source"}, {"url": "https://d.test"}],
                corrections=["Correction: an earlier version misnamed the retailer."],
            )
        )
        conn.execute(
            update(m.Article)
            .where(m.Article.id == ids["b.test/2"])
            .values(
                taken_down_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
                last_checked_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                state="gone",
            )
        )
    claims = Claims(store, clock)
    wanted = [*ids.values(), 999_999]  # an unknown id is left out
    facts = claims.repo.article_facts(None, list(reversed(wanted)))
    assert [f.article_id for f in facts] == sorted(ids.values())
    for item in facts:
        assert item.versions == tuple(claims.repo.versions_by_id([v.id for v in item.versions]))
        assert item.mentions == ()
    with Session(store.engine) as s:
        for item in facts:
            article = s.get(m.Article, item.article_id)
            assert article is not None
            assert (
                item.url,
                item.outlet_id,
                item.first_seen,
                item.state,
                item.taken_down_at,
                item.last_checked_at,
            ) == (
                article.url,
                article.outlet_id,
                article.first_seen,
                article.state,
                article.taken_down_at,
                article.last_checked_at,
            )
            assert item.first_seen.tzinfo is not None
    first = facts[0].versions[0]
    assert [link.url for link in first.links] == ["https://c.test/x", "https://d.test"]
    assert first.corrections == ("Correction: an earlier version misnamed the retailer.",)
    assert facts[1].taken_down_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert claims.repo.article_facts(None, []) == []
    found = (MentionFact(first.id, Stance.ASSERTS, "Code written by an AI assistant", 0.9),)
    assert facts[0].with_mentions(found) == replace(facts[0], mentions=found)
