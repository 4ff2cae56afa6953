"""How the similarity scores separate the four reuse levels of the Clough-Stevenson corpus.

Each answer is scored against its task's source text: copy share (share of the answer's words
in verbatim passages of at least `copy_min_passage_words`), paraphrase score (sentence-level,
lexical, or semantic with --semantic) and their maximum. Printed: the mean of each score per
level (expected order cut > light > heavy > non), the AUC of cut+light against non, and the AUC
of every reused level against non.

`--claims` scores the answers with the claims matcher instead (`tracker.claims.match`, the
lexical matcher the claims stage uses): every sentence of the source text is a claim, and an
answer's score is the mean over them of its best sentence's score. `--without GROUPS`
(comma-separated lexicon group names, `related` for the table of related groups, or `all`)
leaves those out of it: what each group adds on texts about computing nobody here wrote.

Usage: python benchmarks/reuse.py [DATA_DIR] [--semantic | --claims [--without GROUPS]]
(DATA_DIR defaults to ../shared/data)
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from _lexicon import lexical_without
from _report import emit, skipped

from tracker.config import LinkSettings
from tracker.linking.align import align_texts
from tracker.linking.paraphrase import LexicalMatcher, Matcher, paraphrase_score, sentences_of
from tracker.text.sentences import split_sentences

LEVELS = ("cut", "light", "heavy", "non")
DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """The probability that a random positive scores above a random negative (ties count half)."""
    wins = 0.0
    for p in positives:
        for n in negatives:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(positives) * len(negatives))


def read_text(path: Path) -> str:
    """Read a corpus file; a few answers are not valid UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def claims_score(without: str) -> Callable[[str, str], float]:
    """An answer's score by the claims matcher: the mean, over the source's sentences taken as
    claims, of the answer's best sentence score."""
    matcher = lexical_without(without)

    def score(answer: str, source: str) -> float:
        claims = [s.text for s in split_sentences(source) if matcher.concepts(s.text)]
        sentences = [matcher.analyse(s.text) for s in split_sentences(answer)]
        if not claims or not sentences:
            return 0.0
        best = [max(matcher.detail(c, s).score for s in sentences) for c in claims]
        return sum(best) / len(best)

    return score


def main(argv: Sequence[str]) -> int:
    """Score every answer and print the separation figures."""
    args = [
        a for i, a in enumerate(argv) if not a.startswith("--") and argv[i - 1 : i] != ["--without"]
    ]
    folder = (Path(args[0]) if args else DEFAULT_DATA) / "reuse-clough-stevenson"
    if not folder.is_dir():
        return skipped("reuse", f"data folder missing ({folder})")
    settings = LinkSettings()
    matcher: Matcher = LexicalMatcher(
        settings.sentence_min_similarity, settings.paraphrase_min_score
    )
    if "--semantic" in argv:
        from tracker.linking.semantic import SemanticParaphrase

        matcher = SemanticParaphrase()
    without = argv[argv.index("--without") + 1] if "--without" in argv else ""
    by_claims = claims_score(without) if "--claims" in argv else None
    rows = [line.split(",") for line in read_text(folder / "file_information.csv").splitlines()[1:]]
    sources = {task: read_text(folder / f"orig_task{task}.txt") for _, task, level in rows}
    scores: dict[str, dict[str, list[float]]] = {
        name: {level: [] for level in LEVELS} for name in ("copy", "paraphrase", "combined")
    }
    started = time.perf_counter()
    for name, task, level in rows:
        if level not in LEVELS:
            continue
        answer, source = read_text(folder / name), sources[task]
        copy = align_texts(source, answer, settings.copy_min_passage_words).target_share
        if by_claims is not None:
            para = by_claims(answer, source)
        else:
            para = paraphrase_score(sentences_of(answer), sentences_of(source), matcher).score
        scores["copy"][level].append(copy)
        scores["paraphrase"][level].append(para)
        scores["combined"][level].append(max(copy, para))
    elapsed = time.perf_counter() - started
    count = sum(len(v) for v in scores["copy"].values())
    kind = "semantic" if "--semantic" in argv else "claims" if by_claims else "lexical"
    print(f"{count} answers scored in {elapsed:.2f} s ({kind})")
    figures: dict[str, object] = {"matcher": kind, "answers": count, "seconds": round(elapsed, 2)}
    if by_claims is not None:
        figures["without"] = without or "-"
    print(
        f"{'score':<11}"
        + "".join(f"{level:>8}" for level in LEVELS)
        + "  AUC(cut+light vs non)  AUC(any vs non)  order ok"
    )
    for name, by_level in scores.items():
        means = [sum(by_level[level]) / len(by_level[level]) for level in LEVELS]
        reused = by_level["cut"] + by_level["light"]
        anyreuse = reused + by_level["heavy"]
        ordered = all(a > b for a, b in itertools.pairwise(means))
        print(
            f"{name:<11}"
            + "".join(f"{mean:>8.3f}" for mean in means)
            + f"  {auc(reused, by_level['non']):>21.3f}"
            + f"  {auc(anyreuse, by_level['non']):>15.3f}  {ordered}"
        )
        figures[f"{name}_auc_cut_light_vs_non"] = round(auc(reused, by_level["non"]), 4)
        figures[f"{name}_auc_any_vs_non"] = round(auc(anyreuse, by_level["non"]), 4)
        figures[f"{name}_auc_heavy_vs_non"] = round(auc(by_level["heavy"], by_level["non"]), 4)
        figures[f"{name}_order_ok"] = ordered
    emit("reuse", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
