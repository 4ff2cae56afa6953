"""CLEF-2020 CheckThat! Task 2 through the product: import the verified claims, match every tweet.

    .venv/bin/python benchmarks/clef_claims.py [DATA_DIR] [--db URL] [--grid] [--lexicon-groups]
                                               [--without PARTS]

DATA_DIR holds `claims-clef2020/` (default: ../shared/data beside the repository). The 10,375
verified claims (text and title) are written to a JSON Lines file and registered with
`Claims.import_file` (what `tracker claims import` calls) in a scratch SQLite file, or in the
database `--db` names (an empty PostgreSQL database, say); then every tweet of train and dev
is ranked with `Claims.match_texts` (what `tracker claims match --file` calls): the store's
BM25 candidates re-scored with embedding cosine and the claims matcher (`tracker.claims.rank`).
The cosine and coverage weights were chosen on dev, the alignment weight on train; both are
reported (the lab's test part is not in the data). `--grid` prints MAP@5 of train and dev over
a grid of the three weights, from the same library features, to show how they were chosen.
`--lexicon-groups` ranks both splits again with each group of `tracker.text.lexicon` left out of
the ranker's matcher, and with no lexicon at all: what each group adds on data nobody here wrote.
`--without PARTS` ranks with those parts of the lexicon left out (comma-separated group names,
`related` for the table of related groups, or `all`; `benchmarks/_lexicon.py`).

MAP@5 follows the lab's scorer: the precision at each relevant claim within the top 5, divided
by the number of relevant claims of the tweet. MRR is over the top 5 too. The last line is one
JSON object, with the CPU and wall seconds of the import and of the matching.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _lexicon import lexical_without, parse_without  # noqa: E402
from _report import emit, skipped  # noqa: E402

from tracker.api import Tracker  # noqa: E402
from tracker.api.claim_sets import ClaimMatcher  # noqa: E402
from tracker.api.claims import Claims  # noqa: E402
from tracker.claims.match import LexicalMatcher  # noqa: E402
from tracker.claims.rank import CANDIDATES, COVERAGE_POOL, ClaimRanker  # noqa: E402
from tracker.config import Settings  # noqa: E402
from tracker.text.lexicon import LEXICON  # noqa: E402
from tracker.text.words import Analyzer  # noqa: E402

TOP = 5
SLUG_PREFIX = "vclaim-"


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Split:
    """One part of the data: tweets by id and the relevant claim ids of each."""

    name: str
    tweets: dict[str, str]
    relevant: dict[str, set[int]]


def _unquote(field: str) -> str:
    """Undo the spreadsheet-style quoting some fields carry ("..." with "" inside)."""
    field = field.strip()
    if len(field) >= 2 and field[0] == '"' and field[-1] == '"':
        field = field[1:-1].replace('""', '"')
    return " ".join(field.split())


def _records(path: Path) -> list[list[str]]:
    """Tab-separated records; a line not starting with "<id>\\t" continues the previous record."""
    records: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"\d+\t", line) or not records:
            records.append(line)
        else:
            records[-1] += " " + line
    return [record.split("\t") for record in records if re.match(r"\d+\t", record)]


def load_claims(folder: Path) -> tuple[list[int], list[str], list[str]]:
    """Claim ids, claim texts and titles, in file order (the header line is skipped)."""
    ids, claims, titles = [], [], []
    for fields in _records(folder / "verified_claims.docs.tsv"):
        ids.append(int(fields[0]))
        claims.append(_unquote(fields[1]))
        titles.append(_unquote(fields[2]) if len(fields) > 2 else "")
    return ids, claims, titles


def load_split(folder: Path, name: str) -> Split:
    """Tweets and relevance judgements of one part (train or dev)."""
    tweets = {
        fields[0]: _unquote(fields[1]) for fields in _records(folder / name / "tweets.queries.tsv")
    }
    relevant: dict[str, set[int]] = {}
    for line in (
        (folder / name / "tweet-vclaim-pairs.qrels").read_text(encoding="utf-8").splitlines()
    ):
        fields = line.split("\t")
        if len(fields) == 4 and fields[3].strip() == "1":
            relevant.setdefault(fields[0], set()).add(int(fields[2]))
    return Split(name, {k: v for k, v in tweets.items() if k in relevant}, relevant)


# ---------------------------------------------------------------- metrics


def average_precision_at(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    """The lab's AP@k: precision at each relevant hit in the top k, over all relevant."""
    hits, total = 0, 0.0
    for position, claim_id in enumerate(ranked[:k], start=1):
        if claim_id in relevant:
            hits += 1
            total += hits / position
    return total / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[int], relevant: set[int]) -> float:
    """1 / rank of the first relevant claim (0 when none is ranked)."""
    for position, claim_id in enumerate(ranked, start=1):
        if claim_id in relevant:
            return 1.0 / position
    return 0.0


# ---------------------------------------------------------------- the product path


def write_claims_file(folder: Path, target: Path) -> int:
    """The verified claims as JSON Lines (slug, text, title); returns how many."""
    ids, claims, titles = load_claims(folder)
    with target.open("w", encoding="utf-8") as out:
        for claim_id, text, title in zip(ids, claims, titles, strict=True):
            row = {"slug": f"{SLUG_PREFIX}{claim_id}", "text": text, "title": title}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(ids)


def claim_id(slug: str) -> int:
    """The data's claim id of a slug this benchmark wrote."""
    return int(slug.removeprefix(SLUG_PREFIX))


def score(split: Split, ranked: dict[str, list[int]]) -> tuple[float, float]:
    """MAP@5 and MRR of rankings by tweet id."""
    ap = [average_precision_at(ranked[t], split.relevant[t], TOP) for t in split.tweets]
    rr = [reciprocal_rank(ranked[t], split.relevant[t]) for t in split.tweets]
    return sum(ap) / len(ap), sum(rr) / len(rr)


@dataclass
class Timer:
    """CPU and wall seconds of a block."""

    cpu: float = 0.0
    wall: float = 0.0

    def __enter__(self) -> Timer:
        self._cpu, self._wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self._cpu
        self.wall = time.perf_counter() - self._wall


def grid(matcher: ClaimMatcher, split: Split) -> None:
    """MAP@5 of a split over a grid of the ranker's weights, from the library's own features."""
    ranker: ClaimRanker = matcher.ranker
    features = []
    for tweet_id, text in split.tweets.items():
        clean = matcher.clean(text)
        candidates = matcher.index.search(clean, CANDIDATES)
        ids = np.array([claim_id(c.slug) for c in candidates])
        pool = max(COVERAGE_POOL, TOP)  # as the ranker
        values = np.array(ranker.features(clean, candidates, pool)).reshape(-1, 4)
        features.append((tweet_id, ids, values))
    print(f"{split.name}: {'cosine w':>9} {'coverage w':>11} {'alignment w':>12} {'MAP@5':>7}")
    for cos_w in (0.25, 0.5, 0.75):
        for cov_w in (0.0, 0.25, 0.5):
            for align_w in (0.0, 1.0, 1.5, 2.0, 3.0, 4.0):
                weights = np.array([1.0, cos_w, cov_w, align_w])
                ap = []
                for tweet_id, ids, values in features:
                    combined = np.round(values @ weights, 6) if len(ids) else np.zeros(0)
                    order = np.argsort(-combined, kind="stable")
                    ranked = ids[order].tolist()
                    ap.append(average_precision_at(ranked, split.relevant[tweet_id], TOP))
                print(
                    f"{split.name}: {cos_w:9.2f} {cov_w:11.2f} {align_w:12.2f}"
                    f" {sum(ap) / len(ap):7.4f}"
                )


def lexicon_groups(claims: Claims, splits: Sequence[Split]) -> dict[str, object]:
    """MAP@5 of each split with each lexicon group left out of the ranker's matcher, and none."""
    ranker = claims.ranker().ranker
    default = ranker.matcher
    figures: dict[str, object] = {}
    variants = [(f"without {g.name}", [h for h in LEXICON if h is not g]) for g in LEXICON]
    try:
        for label, groups in [*variants, ("no lexicon", [])]:
            ranker.matcher = LexicalMatcher(analyzer=Analyzer(groups))
            for split in splits:
                found = claims.match_texts(list(split.tweets.items()), top=TOP)
                ranked = {item.id: [claim_id(m.slug) for m in item.matches] for item in found}
                map5, _ = score(split, ranked)
                print(f"{label}: {split.name} MAP@5 {map5:.4f}")
                key = label.replace(" ", "_").replace("=", "")
                figures[f"{key}_{split.name}_map5"] = round(map5, 4)
    finally:
        ranker.matcher = default
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", nargs="?", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--db", help="an empty database URL (default: a scratch SQLite file)")
    parser.add_argument("--grid", action="store_true", help="print dev MAP@5 over weight grid")
    parser.add_argument(
        "--lexicon-groups",
        action="store_true",
        help="also rank with each lexicon group left out, and with none (what each group adds)",
    )
    parser.add_argument(
        "--without",
        default="",
        help="lexicon parts to leave out of the ranker's matcher (group names, related, all)",
    )
    args = parser.parse_args(argv)
    parse_without(args.without)  # a misspelt part fails before the import, not after
    folder = args.data_dir / "claims-clef2020"
    if not folder.is_dir():
        return skipped("clef_claims", f"data folder missing ({folder})")
    splits = [load_split(folder, "train"), load_split(folder, "dev")]
    with tempfile.TemporaryDirectory() as scratch:
        claims_file = Path(scratch) / "verified_claims.jsonl"
        count = write_claims_file(folder, claims_file)
        url = args.db or f"sqlite:///{Path(scratch) / 'clef.db'}"
        with Tracker(Settings(database_url=url)) as tracker:
            claims = tracker.claims()
            with Timer() as importing:
                summary, _ = claims.import_file(claims_file)
            print(
                f"imported {len(summary.added)} of {count} claims"
                f" ({len(summary.existing)} there already) in {importing.wall:.1f} s"
            )
            figures: dict[str, object] = {
                "claims": count,
                "imported": len(summary.added) + len(summary.existing),
                "database": url.split(":", 1)[0],
                "import_cpu_s": round(importing.cpu, 2),
                "import_wall_s": round(importing.wall, 2),
                "without": args.without or "-",
            }
            if args.without:
                claims.ranker().ranker.matcher = lexical_without(args.without)
            for split in splits:
                with Timer() as matching:
                    found = claims.match_texts(list(split.tweets.items()), top=TOP)
                ranked = {item.id: [claim_id(m.slug) for m in item.matches] for item in found}
                map5, mrr = score(split, ranked)
                print(
                    f"{split.name}: {len(split.tweets)} tweets, MAP@5 {map5:.4f}, MRR@5 {mrr:.4f},"
                    f" {matching.wall / len(split.tweets) * 1000:.1f} ms a tweet"
                )
                figures[f"{split.name}_map5"] = round(map5, 4)
                figures[f"{split.name}_mrr5"] = round(mrr, 4)
                figures[f"{split.name}_tweets"] = len(split.tweets)
                figures[f"{split.name}_match_cpu_s"] = round(matching.cpu, 2)
                figures[f"{split.name}_match_wall_s"] = round(matching.wall, 2)
            if args.grid:
                for split in splits:
                    grid(claims.ranker(), split)
            if args.lexicon_groups:
                figures.update(lexicon_groups(claims, splits))
    emit("clef_claims", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
