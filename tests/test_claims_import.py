"""`tracker claims import`: every format, ClaimReview JSON-LD, idempotence, and bad files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tracker.api import Tracker
from tracker.claims.imports import derive_slug, parse_claims
from tracker.errors import BadInput

from .support.cli_run import run_cli as run

REVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://factcheck.example/reviews/bridge",
    "name": "No, the Elm Street bridge was not sold",
    "claimReviewed": "The city sold the Elm Street bridge to a private investor.",
    "datePublished": "2026-11-30",
    "author": {"@type": "Organization", "name": "Example Checks"},
    "reviewRating": {"@type": "Rating", "ratingValue": 1, "alternateName": "False"},
    "itemReviewed": {
        "@type": "Claim",
        "firstAppearance": {"@type": "CreativeWork", "url": "https://blog.example/bridge-sold"},
    },
}
OTHER_REVIEW = {
    **REVIEW,
    "identifier": "moon-cheese",
    "claimReviewed": "The moon is made of cheese.",
    "itemReviewed": {"@type": "Claim", "appearance": ["https://moon.example/post"]},
}


def claim_rows(db: Path) -> list[tuple[str, str, str, str | None, str | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select slug, text, title, origin_url, review from claims order by slug"
        ).fetchall()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    return tmp_path / "claims.db"


def one_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], lines[0]


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "claims.csv",
            "slug,text,title,url\n"
            'bridge-sold,"The city sold the bridge, officials said.",Bridge sale,'
            "https://news.example/bridge\n"
            "moon-cheese,The moon is made of cheese.,,\n",
        ),
        (
            "claims.tsv",
            "text\tslug\ttitle\turl\n"
            "The city sold the bridge, officials said.\tbridge-sold\tBridge sale\t"
            "https://news.example/bridge\n"
            "The moon is made of cheese.\tmoon-cheese\t\t\n",
        ),
        (
            "claims.jsonl",
            json.dumps(
                {
                    "slug": "bridge-sold",
                    "text": "The city sold the bridge, officials said.",
                    "title": "Bridge sale",
                    "url": "https://news.example/bridge",
                }
            )
            + "\n\n"
            + json.dumps({"slug": "moon-cheese", "text": "The moon is made of cheese."})
            + "\n",
        ),
    ],
)
def test_rows_import_with_optional_columns(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    code, out, err = run(["--db", str(db), "claims", "import", str(path), "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["added"] == 2 and summary["existing"] == 0
    assert summary["summary"]["format"] == name.rsplit(".", 1)[1]
    rows = claim_rows(db)
    assert [row[:4] for row in rows] == [
        (
            "bridge-sold",
            "The city sold the bridge, officials said.",
            "Bridge sale",
            "https://news.example/bridge",
        ),
        ("moon-cheese", "The moon is made of cheese.", "", None),
    ]
    # The same file again changes nothing and says the claims were there.
    code, out, err = run(["--db", str(db), "claims", "import", str(path), "--json"], capsys)
    assert code == 0, err
    again = json.loads(out)
    assert again["added"] == 0
    assert again["summary"]["existing"] == ["bridge-sold", "moon-cheese"]
    assert claim_rows(db) == rows


@pytest.mark.parametrize(
    "document",
    [
        REVIEW,
        [REVIEW, {"@type": "WebPage", "name": "not a review"}, OTHER_REVIEW],
        {"@context": "https://schema.org", "@graph": [{"@type": "WebSite"}, REVIEW, OTHER_REVIEW]},
    ],
    ids=["object", "list", "graph"],
)
def test_claim_review_json_ld(
    db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    document: object,
) -> None:
    path = tmp_path / "reviews.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    code, _, err = run(["--db", str(db), "claims", "import", str(path)], capsys)
    assert code == 0, err
    rows = {row[0]: row for row in claim_rows(db)}
    bridge = rows[derive_slug(REVIEW["claimReviewed"])]  # type: ignore[arg-type]
    assert bridge[0].startswith("the-city-sold-the-elm-street-bridge")
    assert bridge[1] == REVIEW["claimReviewed"]
    assert bridge[2] == REVIEW["name"]
    assert bridge[3] == "https://blog.example/bridge-sold"
    review = json.loads(bridge[4])
    assert review["reviewRating"]["alternateName"] == "False"
    assert review["author"]["name"] == "Example Checks"
    assert review["url"] == REVIEW["url"]
    if isinstance(document, dict) and "@graph" not in document:
        assert len(rows) == 1
    else:
        assert rows["moon-cheese"][3] == "https://moon.example/post"
        assert len(rows) == 2


def test_derived_slug_is_stable_and_tells_texts_apart() -> None:
    one = derive_slug("Drinking hot water cures the flu, experts say.")
    assert one == derive_slug("Drinking hot  water cures the flu, experts say.")
    assert one != derive_slug("Drinking hot water cures the flu, experts said.")
    assert len(one) <= 60 and one.startswith("drinking-hot-water-cures-the-flu")
    assert derive_slug("Ça coûte très cher").startswith("ca-coute-tres-cher-")


# ---------------------------------------------------------------- bad files


BAD_FILES = [
    ("claims.txt", "slug,text\na,b\n", "claims.txt: unknown format"),
    ("claims.csv", "name,text\nbridge,The bridge was sold.\n", "claims.csv:1: missing column slug"),
    (
        "claims.csv",
        "slug,text\nbridge,The bridge was sold.\nmoon,The moon is cheese.\nbridge,Again.\n",
        "claims.csv:4: slug 'bridge' repeats line 2",
    ),
    ("claims.tsv", "slug\ttext\nbridge\tThe bridge was sold.\nmoon\t  \n",
     "claims.tsv:3: the claim text is empty"),
    ("claims.csv", "slug,text\nBad Slug!,The bridge was sold.\n", "claims.csv:2: not a claim slug"),
    (
        "claims.jsonl",
        '{"slug": "bridge", "text": "The bridge was sold."}\n{"slug": "moon", "text": \n',
        "claims.jsonl:2: not JSON",
    ),
    ("claims.jsonl", '{"slug": "bridge"}\n', "claims.jsonl:1: missing text"),
    ("reviews.json", '{"@type": "ClaimReview",\n "claimReviewed": }', "reviews.json:2: not JSON"),
    ("reviews.json", '{"@type": "WebPage"}', "reviews.json: no ClaimReview item"),
    (
        "reviews.json",
        json.dumps([REVIEW, {"@type": "ClaimReview", "url": "https://x.example/"}]),
        "reviews.json: item 2: the ClaimReview has no claimReviewed text",
    ),
    ("claims.csv", "slug,text,url\nbridge,The bridge was sold.,ftp://x\n", "claims.csv:2:"),
    ("claims.csv", "slug,text\n", "claims.csv: no claims in the file"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_bad_files_import_nothing(
    db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str,
    message: str,
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("slug,text\nkept,A claim stored before.\n", encoding="utf-8")
    assert run(["--db", str(db), "claims", "import", str(good)], capsys)[0] == 0
    before = claim_rows(db)
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    code, _, err = run(["--db", str(db), "claims", "import", str(path)], capsys)
    one_error(code, err, message.replace("claims.", str(tmp_path / "claims."), 1)
              .replace("reviews.json", str(tmp_path / "reviews.json"), 1))  # fmt: skip
    assert claim_rows(db) == before


def test_a_late_problem_rolls_back_the_whole_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A slug registered with another text stops the import after earlier rows were checked."""
    first = tmp_path / "first.csv"
    first.write_text("slug,text\nmoon,The moon is made of cheese.\n", encoding="utf-8")
    assert run(["--db", str(db), "claims", "import", str(first)], capsys)[0] == 0
    second = tmp_path / "second.csv"
    second.write_text(
        "slug,text\nbridge,The bridge was sold.\nmoon,The moon is made of rock.\n",
        encoding="utf-8",
    )
    code, _, err = run(["--db", str(db), "claims", "import", str(second)], capsys)
    one_error(code, err, f"{second}:3:", "'moon' exists already with another text")
    assert [row[0] for row in claim_rows(db)] == ["moon"]


def test_not_utf8_and_missing_files(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"slug,text\ncafe,caf\xe9 closed\n")
    code, _, err = run(["--db", str(db), "claims", "import", str(path)], capsys)
    one_error(code, err, f"{path}:2: not UTF-8")
    code, _, err = run(["--db", str(db), "claims", "import", str(tmp_path / "nope.csv")], capsys)
    assert code == 2 and "Traceback" not in err


def test_parse_keeps_file_order_and_skips_blank_rows() -> None:
    drafts = parse_claims("f.csv", "slug,text,extra\nb,Second.,x\n,,\na,First.,y\n", "csv")
    assert [(d.slug, d.where) for d in drafts] == [("b", "f.csv:2"), ("a", "f.csv:4")]
    with pytest.raises(BadInput, match=r"f\.csv:2: 3 fields"):
        parse_claims("f.csv", "slug,text\nb,Second.,x\n", "csv")


def test_import_on_both_databases(database_url: str, tmp_path: Path) -> None:
    """The library call, on SQLite and PostgreSQL: all or nothing, then idempotent."""
    path = tmp_path / "claims.jsonl"
    rows = [
        {"slug": f"claim-{i}", "text": f"Statement number {i} about topic {i}."} for i in range(30)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    with Tracker(make_settings(database_url, tmp_path)) as tracker:
        claims = tracker.claims()
        summary, matched = claims.import_file(path)
        assert len(summary.added) == 30 and matched
        assert len(claims.list()) == 30
        bad = tmp_path / "bad.jsonl"
        lines = [{"slug": "new-one", "text": "Fine."}, {"slug": "claim-3", "text": "Changed."}]
        bad.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
        with pytest.raises(BadInput, match=r"bad\.jsonl:2: a claim named 'claim-3' exists"):
            claims.import_file(bad)
        assert len(claims.list()) == 30
        summary, _ = claims.import_file(path)
        assert summary.added == () and len(summary.existing) == 30


def test_claim_review_types_and_jsonl_reviews() -> None:
    """Prefixed and full @type names count; a JSON Lines file may carry ClaimReviews."""
    lines = [
        json.dumps({**REVIEW, "@type": "schema:ClaimReview", "identifier": "bridge"}),
        json.dumps({**OTHER_REVIEW, "@type": ["Thing", "https://schema.org/ClaimReview"]}),
        json.dumps({"slug": "plain-row", "text": "A plain row.", "extra": {"ignored": True}}),
    ]
    drafts = parse_claims("r.jsonl", "\n".join(lines), "jsonl")
    assert [d.slug for d in drafts] == ["bridge", "moon-cheese", "plain-row"]
    assert drafts[0].review is not None and drafts[0].review["url"] == REVIEW["url"]
    assert drafts[2].review is None and drafts[2].title == ""


def test_imported_claims_are_matched_against_stored_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An import finds its claims in the stored articles, as `claims add` does."""
    from datetime import timedelta

    from tests.conftest import START
    from tests.test_claims_store import CLAIM, TEXTS, page
    from tracker.clock import ManualClock
    from tracker.store import Store, make_engine, upgrade

    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    database = str(tmp_path / "stored.db")
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    store, clock = Store(engine), ManualClock(START)
    for key, body in TEXTS.items():
        url = f"https://{key}"
        store.save_new_article(
            url, page(url, body, clock.now(), title=key), outlet_name=None, published=None,
            next_check_at=None, now=clock.now(),
        )  # fmt: skip
        clock.advance(timedelta(hours=1))
    engine.dispose()
    path = tmp_path / "claims.csv"
    path.write_text(f'slug,text,url\nai-code,"{CLAIM}",https://ledger.test/original\n')
    code, out, err = run(["--db", database, "claims", "import", str(path), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["matched"] is True
    code, out, _ = run(["--db", database, "who-repeated", "ai-code", "--json"], capsys)
    stances = {row["url"]: row["stance"] for row in json.loads(out)["rows"]}
    assert stances["https://wire.test/credit"] == "attributes"
    assert stances["https://blog.test/paraphrase"] == "asserts"
    assert "https://tools.test/ai-tools" not in stances


# One bad file of each format whose problem shows only after earlier rows were read.
LATE_BAD = [BAD_FILES[2], BAD_FILES[3], BAD_FILES[5], BAD_FILES[9]]


@pytest.mark.parametrize(("name", "content", "message"), LATE_BAD)
def test_bad_files_import_nothing_on_both_databases(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str,
    message: str,
) -> None:
    """The command on SQLite and PostgreSQL: exit 2, one readable line, no claim of the file
    stored (its good rows neither), the claims stored before untouched."""
    from sqlalchemy import create_engine, text

    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    good = tmp_path / "good.csv"
    good.write_text("slug,text\nkept,A claim stored before.\n", encoding="utf-8")
    assert run(["--db", database_url, "claims", "import", str(good)], capsys)[0] == 0
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    code, _, err = run(["--db", database_url, "claims", "import", str(path)], capsys)
    one_error(code, err, message.replace(name, str(path), 1))
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            slugs = conn.execute(text("select slug from claims order by slug")).scalars().all()
    finally:
        engine.dispose()
    assert slugs == ["kept"]
