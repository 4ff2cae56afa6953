"""`tracker claims match`: the store's BM25 candidates re-ranked, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tracker.api import Tracker
from tracker.claims.rank import (
    ClaimRanker,
    query_text,
    split_handles,
    strip_links,
    trim_bylines,
)
from tracker.domain.claim_sets import ClaimCandidate
from tracker.errors import BadInput
from tracker.store import make_engine, upgrade
from tracker.store.claim_index import ClaimIndex, claim_terms
from tracker.text.embeddings import load_default_encoder

from .support.cli_run import run_cli as run

CLAIMS = [
    {
        "slug": "reid-rehab",
        "text": "Tara Reid checked herself into Promises Treatment Center, her rep told People.",
        "title": "Tara Reid enters rehab",
    },
    {
        "slug": "reid-wedding",
        "text": "Tara Reid married her boyfriend in a beach ceremony in Mexico.",
    },
    {
        "slug": "bridge-sold",
        "text": "The city council sold the old harbour bridge to a private investor.",
    },
    {
        "slug": "vaccine-dna",
        "text": "Vaccines against the flu change the DNA of whoever receives them.",
    },
]
PARAPHRASE = (
    "Actress Tara Reid has entered a rehab program, her representative confirmed to People."
)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in CLAIMS), encoding="utf-8")
    database = str(tmp_path / "match.db")
    code, _, err = run(["--db", database, "claims", "import", str(path)], capsys)
    assert code == 0, err
    return database


def test_paraphrase_ranks_its_claim_above_the_others(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["--db", db, "claims", "match", PARAPHRASE, "--json"], capsys)
    assert code == 0, err
    found = json.loads(out)
    slugs = [m["slug"] for m in found]
    assert slugs[0] == "reid-rehab"
    # The same person in another event shares a name only; unrelated claims share nothing.
    assert "bridge-sold" not in slugs and "vaccine-dna" not in slugs
    best, other = found[0], found[1]
    assert best["score"] > other["score"]
    assert best["cosine"] > other["cosine"] and best["coverage"] > other["coverage"]
    parts = {"slug", "text", "title", "score", "bm25", "cosine", "coverage", "alignment"}
    assert set(best) >= parts


def test_top_and_table(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = "Tara Reid, the bridge and the vaccines: the council sold a harbour bridge"
    code, out, err = run(["--db", db, "claims", "match", text, "--json", "--top", "1"], capsys)
    assert code == 0, err
    assert [m["slug"] for m in json.loads(out)] == ["bridge-sold"]
    code, out, err = run(["--db", db, "claims", "match", text, "--top", "3"], capsys)
    assert code == 0, err
    listed = [c["slug"] for c in CLAIMS if c["slug"] in out]
    assert "bridge-sold" in listed and len(listed) == 3


def test_file_of_texts(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "texts.tsv"
    path.write_text(
        f"t1\t{PARAPHRASE}\n\nt2\tDoes the flu shot alter your DNA? https://t.co/x1\n"
        "t3\tnothing in common here\n",
        encoding="utf-8",
    )
    code, out, err = run(["--db", db, "claims", "match", "--file", str(path), "--json"], capsys)
    assert code == 0, err
    found = {item["id"]: [m["slug"] for m in item["matches"]] for item in json.loads(out)}
    assert found["t1"][0] == "reid-rehab"
    assert found["t2"] == ["vaccine-dna"]
    assert found["t3"] == []
    code, out, err = run(["--db", db, "claims", "match", "--file", str(path)], capsys)
    assert code == 0 and "t1" in out and "reid-rehab" in out, err
    assert "no registered claim shares a word with t3" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["claims", "match"], "give either a TEXT or --file"),
        (["claims", "match", "x", "--file", "f.tsv"], "give either a TEXT or --file"),
        (["claims", "match", "   "], "give a text to match"),
        (["claims", "match", "bridge", "--top", "0"], "--top must be between 1 and"),
    ],
)
def test_bad_match_arguments(
    db: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(["--db", db, *args], capsys)
    assert code == 2 and message in err and "Traceback" not in err, err


def test_bad_match_file(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "texts.tsv"
    path.write_text("t1\tfine text\nno tab on this line\n", encoding="utf-8")
    code, _, err = run(["--db", db, "claims", "match", "--file", str(path)], capsys)
    assert code == 2 and f"{path}:2: expected an id, a tab" in err, err


def test_claims_added_one_by_one_are_indexed_too(database_url: str, tmp_path: Path) -> None:
    """`claims add` does not index; the next match does, on both databases, with one BM25."""
    with Tracker(make_settings(database_url, tmp_path)) as tracker:
        claims = tracker.claims()
        for claim in CLAIMS:
            claims.add(claim["slug"], claim["text"])
        found = claims.match(PARAPHRASE, top=4)
        assert found[0].slug == "reid-rehab"
        assert {m.slug for m in found} == {"reid-rehab", "reid-wedding"}
        # BM25 by hand over the four claims (no titles: `add` has none).
        index = ClaimIndex(tracker.engine)
        candidates = index.search(PARAPHRASE, 10)
        assert [c.slug for c in candidates] == ["reid-rehab", "reid-wedding"]
        assert candidates[0].bm25 == pytest.approx(_bm25(PARAPHRASE, CLAIMS, "reid-rehab"))
        assert candidates[1].bm25 == pytest.approx(_bm25(PARAPHRASE, CLAIMS, "reid-wedding"))
        with pytest.raises(BadInput):
            claims.match("x", top=0)


def _bm25(query: str, claims: list[dict[str, str]], slug: str) -> float:
    import math

    docs = {c["slug"]: claim_terms(c["text"]) for c in claims}
    average = sum(sum(d.values()) for d in docs.values()) / len(docs)
    doc = docs[slug]
    total = 0.0
    for term in dict.fromkeys(claim_terms(query)):
        if term not in doc:
            continue
        df = sum(term in d for d in docs.values())
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        length = sum(doc.values())
        k1, b = 1.6, 0.5  # tracker.store.claim_index.BM25_K1, BM25_B
        total += idf * doc[term] * (k1 + 1) / (doc[term] + k1 * (1 - b + b * length / average))
    return total


def test_ranker_keeps_index_order_on_ties_and_cuts_at_top() -> None:
    ranker = ClaimRanker(load_default_encoder(), cosine_weight=0.0, coverage_weight=0.0)
    same = [ClaimCandidate(i, f"c{i}", "The bridge was sold.", "", None, 2.0) for i in range(3)]
    assert [m.slug for m in ranker.rank("bridge sold", same, 2)] == ["c0", "c1"]
    assert ranker.rank("anything", []) == []


def test_links_are_not_matched() -> None:
    assert "twitter" not in strip_links("see pic.twitter.com/abc and https://t.co/xyz now")
    assert strip_links("rose 3.5/4 in the U.S. poll") == "rose 3.5/4 in the U.S. poll"


def test_handles_are_written_out_as_words() -> None:
    written_out = "— Donald J. Trump (real Donald Trump)"
    assert split_handles("— Donald J. Trump (@realDonaldTrump)") == written_out
    assert split_handles("@AOC and @JoeBiden2020 said") == "AOC and Joe Biden 2020 said"
    # An e-mail address is not a handle.
    assert split_handles("write to press@example.org") == "write to press@example.org"
    assert query_text("@BBCNews https://t.co/x") == "BBC News  "


def test_a_tweet_byline_keeps_the_name_month_and_year() -> None:
    byline = "Wow. \u2014 Ann Lee (@AnnLee) March 3, 2019"
    assert trim_bylines(byline) == "Wow. \u2014 Ann Lee March 2019"
    # The name is counted once (not again from the handle), and the day is gone.
    assert claim_terms(query_text(byline)) == claim_terms("wow Ann Lee March 2019")
    assert trim_bylines("Sold \u2014 Ann (@ann) Oct 03, 19 then") == "Sold \u2014 Ann Oct 19 then"
    # Not a byline: no handle, or no date after it.
    for text in ("He said \u2014 Ann Lee, March 3, 2019", "Ask \u2014 Ann Lee (@AnnLee) today"):
        assert trim_bylines(text) == text


def test_a_handle_finds_the_claim_that_writes_the_name_out(
    database_url: str, tmp_path: Path
) -> None:
    with Tracker(make_settings(database_url, tmp_path)) as tracker:
        claims = tracker.claims()
        claims.add("reid-rehab", CLAIMS[0]["text"])
        claims.add("bridge-sold", CLAIMS[2]["text"])
        found = claims.match("@TaraReid went to @PromisesTreatmentCenter", top=2)
    assert found[0].slug == "reid-rehab"


def test_index_follows_deleted_claims(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    index = ClaimIndex(engine)
    with Tracker(make_settings(sqlite_url, tmp_path)) as tracker:
        tracker.claims().add("bridge-sold", CLAIMS[2]["text"])
    assert [c.slug for c in index.search("harbour bridge", 5)] == ["bridge-sold"]
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM claims")
    assert index.search("harbour bridge", 5) == []
    engine.dispose()


def test_coverage_and_alignment_only_for_the_pool() -> None:
    ranker = ClaimRanker(load_default_encoder())
    candidates = [
        ClaimCandidate(1, "reid-rehab", CLAIMS[0]["text"], CLAIMS[0]["title"], None, 3.0),
        ClaimCandidate(2, "reid-wedding", CLAIMS[1]["text"], "", None, 1.0),
    ]
    full = ranker.features(PARAPHRASE, candidates)
    assert all(coverage > 0 and alignment > 0 for _, _, coverage, alignment in full)
    cut = ranker.features(PARAPHRASE, candidates, pool=1)
    assert cut[0] == full[0] and cut[1][:2] == full[1][:2] and cut[1][2:] == (0.0, 0.0)


def test_alignment_prefers_the_claim_whose_words_the_text_carries() -> None:
    ranker = ClaimRanker(load_default_encoder())
    text = "Ann says the council sold the old bridge to an investor"
    sold = ClaimCandidate(1, "sold", CLAIMS[2]["text"], "", None, 1.0)
    repair = "The council will repair the old bridge."
    repaired = ClaimCandidate(2, "repaired", repair, "", None, 1.0)
    same = ClaimCandidate(3, "same", text, "", None, 1.0)
    empty = ClaimCandidate(4, "empty", "", "", None, 1.0)
    aligned = ranker.alignments(text, [sold, repaired, same, empty])
    assert aligned[0] > aligned[1] > 0
    assert aligned[2] == pytest.approx(1.0, abs=1e-5) and aligned[3] == 0.0
    assert ranker.alignments("", [sold]) == [0.0]


def test_score_adds_the_weighted_parts() -> None:
    ranker = ClaimRanker(load_default_encoder())
    candidates = [
        ClaimCandidate(1, "reid-rehab", CLAIMS[0]["text"], CLAIMS[0]["title"], None, 3.0),
        ClaimCandidate(2, "reid-wedding", CLAIMS[1]["text"], "", None, 1.5),
    ]
    for match in ranker.rank(PARAPHRASE, candidates):
        parts = match.bm25 / 3.0 + 0.5 * match.cosine + 0.25 * match.coverage
        assert match.score == pytest.approx(parts + 2.0 * match.alignment, abs=1e-5)
        assert match.alignment > 0
