"""CLEF-2020 CheckThat! Task 2: rank the 10,389 verified claims for each tweet; MAP@5 and MRR.

    .venv/bin/python benchmarks/clef_claims.py [DATA_DIR] [--semantic] [--top-k 100]

DATA_DIR holds `claims-clef2020/` (default: ../shared/data beside the repository). Rankers:

- `tfidf`: the plain baseline, TF-IDF cosine over claim + title (scikit-learn's default
  analyser and smoothed idf, written out here with numpy so scikit-learn is no dependency);
- `bm25`: BM25 over the tracker's stems (claim + title), the retrieval step;
- `bm25+match`: BM25's top-k re-scored with the tracker's lexical matcher (soft AND over the
  claim's concepts, idf weights from the claim collection);
- with --semantic, `cosine` (MiniLM alone) and `bm25+match+cosine` over the union of the BM25
  and embedding top-k.

Mixing weights are chosen on train (grid) and then applied unchanged to dev; both are printed.
MAP@5 follows the lab's scorer: the precision at each relevant claim within the top 5, divided
by the number of relevant claims of the tweet. MRR uses the full ranking.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _report import emit, skipped  # noqa: E402

from tracker.claims.match import CorpusStats, LexicalMatcher  # noqa: E402
from tracker.text.words import STOP_WORDS, Analyzer, tokenize  # noqa: E402

Floats = npt.NDArray[np.float64]
_SKLEARN_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_URL = re.compile(r"https?://\S+|pic\.twitter\.com/\S+")


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


def clean_tweet(text: str) -> str:
    """Drop links, which name no claim."""
    return _URL.sub(" ", text)


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


# ---------------------------------------------------------------- rankers


class SparseIndex:
    """Term -> (document indices, weights) postings, scored with numpy."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.postings: dict[str, tuple[npt.NDArray[np.int64], Floats]] = {}

    def score(self, query: dict[str, float]) -> Floats:
        scores = np.zeros(self.size)
        for term, weight in query.items():
            posting = self.postings.get(term)
            if posting is not None:
                scores[posting[0]] += weight * posting[1]
        return scores


def build_tfidf(documents: Sequence[str]) -> tuple[SparseIndex, dict[str, float]]:
    """scikit-learn's default TfidfVectorizer (raw tf, smoothed idf, l2 norm), by hand."""
    counts = [Counter(_SKLEARN_TOKEN.findall(d.lower())) for d in documents]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(documents)
    idf = {t: math.log((1 + n) / (1 + f)) + 1.0 for t, f in df.items()}
    lists: dict[str, tuple[list[int], list[float]]] = {}
    for i, c in enumerate(counts):
        weights = {t: tf * idf[t] for t, tf in c.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for t, w in weights.items():
            entry = lists.setdefault(t, ([], []))
            entry[0].append(i)
            entry[1].append(w / norm)
    index = SparseIndex(n)
    index.postings = {t: (np.array(d), np.array(w)) for t, (d, w) in lists.items()}
    return index, idf


def tfidf_query(text: str, idf: dict[str, float]) -> dict[str, float]:
    """The l2-normalised TF-IDF vector of a query (unknown terms dropped)."""
    weights = {
        t: tf * idf[t]
        for t, tf in Counter(_SKLEARN_TOKEN.findall(text.lower())).items()
        if t in idf
    }
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def bm25_terms(text: str) -> list[str]:
    """The tracker's stems of content words."""
    return [
        t.stem
        for t in tokenize(text)
        if t.word not in STOP_WORDS and (len(t.word) > 1 or t.word.isdigit())
    ]


def build_bm25(documents: Sequence[str], k1: float = 1.2, b: float = 0.75) -> SparseIndex:
    """BM25 postings: idf times the saturated, length-normalised term frequency."""
    counts = [Counter(bm25_terms(d)) for d in documents]
    lengths = [sum(c.values()) for c in counts]
    average = sum(lengths) / len(lengths)
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(documents)
    lists: dict[str, tuple[list[int], list[float]]] = {}
    for i, c in enumerate(counts):
        norm = k1 * (1 - b + b * lengths[i] / average)
        for t, tf in c.items():
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            entry = lists.setdefault(t, ([], []))
            entry[0].append(i)
            entry[1].append(idf * tf * (k1 + 1) / (tf + norm))
    index = SparseIndex(n)
    index.postings = {t: (np.array(d), np.array(w)) for t, (d, w) in lists.items()}
    return index


def top(scores: Floats, k: int) -> npt.NDArray[np.int64]:
    """Indices of the k highest scores, best first; ties go to the lower claim index.

    The collection holds the same claim text under several ids and the judgements name one of
    them (mostly the lower id), so an arbitrary tie order moves MAP@5 by several points; every
    ranker here breaks ties the same way.
    """
    order: npt.NDArray[np.int64] = np.lexsort((np.arange(len(scores)), -scores))
    return order[:k]


# ---------------------------------------------------------------- evaluation


@dataclass
class Features:
    """Per tweet: candidate claim indices and their feature values."""

    candidates: npt.NDArray[np.int64]
    bm25: Floats
    match: Floats
    cosine: Floats


def evaluate(
    split: Split, ranking: Callable[[str], Sequence[int]], ids: Sequence[int]
) -> tuple[float, float, float]:
    """MAP@5, MRR and seconds per query of one ranker on one split."""
    ap, rr = [], []
    started = time.perf_counter()
    for tweet_id, text in split.tweets.items():
        ranked = [ids[i] for i in ranking(text)]
        ap.append(average_precision_at(ranked, split.relevant[tweet_id], 5))
        rr.append(reciprocal_rank(ranked, split.relevant[tweet_id]))
    elapsed = (time.perf_counter() - started) / max(1, len(split.tweets))
    return sum(ap) / len(ap), sum(rr) / len(rr), elapsed


def mix_scores(
    splits_features: dict[str, list[Features]],
    split: Split,
    ids: Sequence[int],
    match_weight: float,
    cosine_weight: float,
) -> tuple[float, float]:
    """MAP@5 and MRR of `bm25/max + match_weight*match + cosine_weight*cosine` on one split."""
    ap, rr = [], []
    for (tweet_id, _), feats in zip(split.tweets.items(), splits_features[split.name], strict=True):
        peak = feats.bm25.max() if len(feats.bm25) and feats.bm25.max() > 0 else 1.0
        combined = feats.bm25 / peak + match_weight * feats.match + cosine_weight * feats.cosine
        order = feats.candidates[np.lexsort((feats.candidates, -combined))]
        ranked = [ids[i] for i in order]
        ap.append(average_precision_at(ranked, split.relevant[tweet_id], 5))
        rr.append(reciprocal_rank(ranked, split.relevant[tweet_id]))
    return sum(ap) / len(ap), sum(rr) / len(rr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", nargs="?", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument(
        "--semantic", action="store_true", help="also rank with the MiniLM embeddings"
    )
    parser.add_argument("--top-k", type=int, default=100, help="candidates re-scored per tweet")
    args = parser.parse_args(argv)
    folder = args.data_dir / "claims-clef2020"
    if not folder.is_dir():
        return skipped("clef_claims", f"data folder missing ({folder})")

    ids, claims, titles = load_claims(folder)
    documents = [f"{c} {t}" for c, t in zip(claims, titles, strict=True)]
    splits = [load_split(folder, "train"), load_split(folder, "dev")]
    print(f"claims: {len(ids)}; tweets: " + ", ".join(f"{s.name} {len(s.tweets)}" for s in splits))

    started = time.perf_counter()
    tfidf_index, idf = build_tfidf(documents)
    print(f"tf-idf index built in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    bm25_index = build_bm25(documents)
    analyzer = Analyzer()
    matcher = LexicalMatcher(CorpusStats.from_texts(documents, analyzer), analyzer)
    print(f"bm25 index and claim statistics built in {time.perf_counter() - started:.1f} s")

    semantic = None
    claim_vectors = None
    if args.semantic:
        from tracker.claims.semantic import SemanticMatcher

        semantic = SemanticMatcher(matcher)
        started = time.perf_counter()
        claim_vectors = semantic.embed(documents)
        print(f"embedded {len(documents)} claims in {time.perf_counter() - started:.1f} s")

    rows: list[tuple[str, str, float, float, float]] = []

    def tfidf_rank(text: str) -> Sequence[int]:
        ranked: list[int] = top(
            tfidf_index.score(tfidf_query(clean_tweet(text), idf)), len(ids)
        ).tolist()
        return ranked

    def bm25_rank(text: str) -> Sequence[int]:
        terms = dict.fromkeys(bm25_terms(clean_tweet(text)), 1.0)
        ranked: list[int] = top(bm25_index.score(terms), len(ids)).tolist()
        return ranked

    for split in splits:
        rows.append((split.name, "tfidf (baseline)", *evaluate(split, tfidf_rank, ids)))
        rows.append((split.name, "bm25", *evaluate(split, bm25_rank, ids)))

    # Features of the re-scoring step, computed once per tweet; timed per query.
    features: dict[str, list[Features]] = {}
    feature_seconds: dict[str, float] = {}
    for split in splits:
        started = time.perf_counter()
        texts = [clean_tweet(t) for t in split.tweets.values()]
        tweet_vectors = semantic.embed(texts) if semantic is not None else None
        feats_list = []
        for row, text in enumerate(texts):
            scores = bm25_index.score(dict.fromkeys(bm25_terms(text), 1.0))
            candidates = top(scores, args.top_k)
            cosines_all = None
            if tweet_vectors is not None and claim_vectors is not None:
                cosines_all = claim_vectors @ tweet_vectors[row]
                candidates = np.unique(np.concatenate([candidates, top(cosines_all, args.top_k)]))
            analysis = analyzer.analyse(text)
            match = np.array(
                [
                    max(
                        matcher.detail(claims[i], analysis).score,
                        matcher.detail(titles[i], analysis).score,
                    )
                    for i in candidates
                ]
            )
            cosine = (
                cosines_all[candidates] if cosines_all is not None else np.zeros(len(candidates))
            )
            feats_list.append(
                Features(candidates, scores[candidates], match, cosine.astype(np.float64))
            )
        features[split.name] = feats_list
        feature_seconds[split.name] = (time.perf_counter() - started) / max(1, len(texts))

    grid = [0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
    train = splits[0]
    by_weight = {w: mix_scores(features, train, ids, w, 0.0)[0] for w in grid}
    best_match = max(grid, key=lambda w: by_weight[w])
    print(
        "train MAP@5 of bm25+match by weight w: "
        + ", ".join(f"{w}: {v:.4f}" for w, v in by_weight.items())
    )
    for split in splits:
        map5, mrr = mix_scores(features, split, ids, best_match, 0.0)
        rows.append(
            (split.name, f"bm25+match (w={best_match})", map5, mrr, feature_seconds[split.name])
        )
    if semantic is not None:
        for split in splits:
            cos_map, cos_mrr = mix_scores(features, split, ids, 0.0, 1000.0)  # cosine dominates
            rows.append(
                (split.name, "cosine (MiniLM)", cos_map, cos_mrr, feature_seconds[split.name])
            )
        pairs = [(m, c) for m in grid for c in [0.25, 0.5, 1.0, 2.0, 3.0, 5.0]]
        best = max(pairs, key=lambda p: mix_scores(features, train, ids, p[0], p[1])[0])
        for split in splits:
            map5, mrr = mix_scores(features, split, ids, best[0], best[1])
            name = f"bm25+match+cosine (w={best[0]}, c={best[1]})"
            rows.append((split.name, name, map5, mrr, feature_seconds[split.name]))

    print(f"\n{'split':<6} {'ranker':<40} {'MAP@5':>7} {'MRR':>7} {'ms/query':>9}")
    for split_name in ("train", "dev"):
        for name, ranker, map5, mrr, seconds in rows:
            if name == split_name:
                print(f"{name:<6} {ranker:<40} {map5:7.4f} {mrr:7.4f} {seconds * 1000:9.1f}")
    print(
        "\nweights chosen on train; ms/query of the re-scoring rows covers bm25 + matcher"
        + (" + embedding the tweet" if semantic else "")
        + f" over the top {args.top_k}"
    )
    figures: dict[str, object] = {"claims": len(ids), "top_k": args.top_k}
    for split_name, ranker, map5, mrr, seconds in rows:
        key = f"{split_name}_{ranker.split(' (')[0]}"
        figures[f"{key}_map5"] = round(map5, 4)
        figures[f"{key}_mrr"] = round(mrr, 4)
        figures[f"{key}_ms_per_query"] = round(seconds * 1000, 1)
    emit("clef_claims", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
