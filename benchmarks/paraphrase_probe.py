"""Which sentence scores tell an article that states a claim in other words from one that does not?

A probe for replacing the lexicon groups written for the demo story (`tracker/text/lexicon.py`)
by a general mechanism. Each formulation gives every sentence of an article a score against the
claim; an article's score is its best sentence's. Formulations:

- `lexical`: the claims matcher's soft AND with the article as context (`LexicalMatcher.detail`),
  with the lexicon parts of `--without` left out (default: the eight demo groups and `RELATED`);
- `stage`: the claims stage's matcher (`SemanticClaimMatcher`, the lexical evidence above lifted
  by MiniLM cosine where its gates let the model read the sentence), its best sentence;
- `minilm`: MiniLM cosine of the claim with the sentence alone (no gate);
- `minilm_headline`: MiniLM cosine of the claim with "headline. sentence" (ECB+ has no
  headline: its first sentence stands in);
- `minilm_previous`: MiniLM cosine of the claim with the previous sentence and the sentence;
- `headline`: MiniLM cosine of the claim with the headline alone (an article-level figure).

Two sets of articles:

- the demo story (`tracker/demo/corpus`, fiction written here: measured, never tuned on): per
  claim, the versions whose manifest lists it asserted or attributed against the versions that
  do not mention it; printed, for each version of the heavy paraphrases (`reuse = heavy` without
  a credit or a link: Plainsong, Tidewater, Driftwood), its score and how many non-carrying
  versions score at least as high;
- the ECB+ development topics (`DATA_DIR/events-ecbplus`): per topic and event, the claim is the
  first sentence of the event's first document (as the dev scenario builds its claims), the
  event's other documents against the topic's other event (the hard negatives).

Per formulation and set: the AUC of carriers against non-carriers (ties count half).

Usage: python benchmarks/paraphrase_probe.py [DATA_DIR] [--without PARTS]
(DATA_DIR: ../shared/data; PARTS as `benchmarks/_lexicon.py` reads them)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _lexicon import lexical_without
from _report import emit, skipped
from ecbplus import read_corpus
from reuse import DEFAULT_DATA

from tracker.claims.match import ClaimContext, LexicalMatcher
from tracker.claims.mentions import find_in_sentences
from tracker.claims.semantic import SemanticClaimMatcher
from tracker.demo.corpus import load_corpus
from tracker.domain import Stance
from tracker.text.sentences import split_sentences

NAME = "paraphrase_probe"
DEMO_GROUPS = "=cause,=write,=involve,=ai,=code,=outage,=shutdown,=division,related"
FORMULATIONS = ("lexical", "stage", "minilm", "minilm_headline", "minilm_previous", "headline")
HEAVY = ("plainsong-paraphrase", "tidewater-paraphrase", "driftwood-late")


@dataclass(frozen=True, slots=True)
class Article:
    """One text to score: an id, its headline (may be empty) and its sentences."""

    key: str
    headline: str
    sentences: tuple[str, ...]


class Scorer:
    """Every formulation's article score, sharing one model and one lexical matcher."""

    def __init__(self, lexical: LexicalMatcher) -> None:
        """Score with this lexical matcher (and MiniLM over it)."""
        self.lexical = lexical
        self.semantic = SemanticClaimMatcher(lexical)

    def scores(self, claim: str, article: Article) -> dict[str, float]:
        """The best sentence's score under each formulation."""
        sentences = list(article.sentences)
        if not sentences:
            return dict.fromkeys(FORMULATIONS, 0.0)
        analyses = [self.lexical.analyse(s) for s in sentences]
        headline = self.lexical.analyse(article.headline) if article.headline else None
        context = ClaimContext.of(analyses, headline)
        lexical = max(self.lexical.detail(claim, a, context).score for a in analyses)
        found = find_in_sentences(
            claim,
            split_sentences("\n".join(sentences)),
            matcher=self.semantic,
            lexical=self.lexical,
            threshold=0.0,
            title=article.headline,
        )
        stage = max((f.score for f in found), default=0.0)
        head = article.headline or sentences[0]
        previous = [s if k == 0 else f"{sentences[k - 1]} {s}" for k, s in enumerate(sentences)]
        cosines = self.semantic.similarities(
            claim, [*sentences, *(f"{head}. {s}" for s in sentences), *previous]
        )
        n = len(sentences)
        return {
            "lexical": lexical,
            "stage": max(lexical, stage),
            "minilm": max(cosines[:n]),
            "minilm_headline": max(cosines[n : 2 * n]),
            "minilm_previous": max(cosines[2 * n :]),
            "headline": self.semantic.similarities(claim, [head])[0],
        }


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """P(a carrier scores above a non-carrier), ties counting half."""
    if not positives or not negatives:
        return float("nan")
    pos, neg = np.asarray(positives)[:, None], np.asarray(negatives)[None, :]
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


def demo(scorer: Scorer, out: Callable[[str], None]) -> dict[str, float]:
    """The demo story's figures (see the module docstring)."""
    corpus = load_corpus()
    carried = {Stance.ASSERTS, Stance.ATTRIBUTES}
    figures: dict[str, float] = {}
    pooled: dict[str, tuple[list[float], list[float]]] = {f: ([], []) for f in FORMULATIONS}
    for claim in corpus.claims:
        positives: list[tuple[str, dict[str, float]]] = []
        negatives: list[tuple[str, dict[str, float]]] = []
        for article in corpus.articles:
            for n, version in enumerate(article.versions, start=1):
                stances = set(version.stances_of(claim.slug))
                if stances and not stances & carried:
                    continue  # only disputes it: neither side
                text = Article(
                    f"{article.id}.v{n}",
                    version.title,
                    tuple(s.text for s in split_sentences(version.plain_text)),
                )
                side = positives if stances else negatives
                side.append((text.key, scorer.scores(claim.text, text)))
        out(f"demo {claim.slug}: {len(positives)} carrying versions, {len(negatives)} not")
        for name in FORMULATIONS:
            pos = [s[name] for _, s in positives]
            neg = [s[name] for _, s in negatives]
            pooled[name][0].extend(pos)
            pooled[name][1].extend(neg)
            top = max(negatives, key=lambda item: item[1][name])
            out(
                f"  {name:16s} AUC {auc(pos, neg):.3f}; best non-carrier {top[1][name]:.3f}"
                f" ({top[0]})"
            )
            for key, values in positives:
                if key.split(".")[0] in HEAVY:
                    above = sum(1 for v in neg if v >= values[name])
                    out(f"    {key:26s} {values[name]:.3f}, non-carriers at or above: {above}")
                    figures[f"demo_{claim.slug}_{name}_{key}_above"] = above
    for name, (pos, neg) in pooled.items():
        figures[f"demo_auc_{name}"] = round(auc(pos, neg), 4)
    return figures


def ecbplus(scorer: Scorer, folder: Path, out: Callable[[str], None]) -> dict[str, float]:
    """The ECB+ development topics' figures: the claim's event against the topic's other."""
    documents = read_corpus(folder)
    articles = [
        Article(d.name, "", tuple(line for line in d.text.splitlines() if line.strip()))
        for d in documents
    ]
    pooled: dict[str, tuple[list[float], list[float]]] = {f: ([], []) for f in FORMULATIONS}
    claims = 0
    for topic in sorted({d.topic for d in documents}, key=int):
        for half in ("ecb", "ecbplus"):
            own = [i for i, d in enumerate(documents) if d.topic == topic and d.half == half]
            hard = [i for i, d in enumerate(documents) if d.topic == topic and d.half != half]
            if len(own) < 2 or not hard or not articles[own[0]].sentences:
                continue
            claims += 1
            claim = articles[own[0]].sentences[0]
            for i in [*own[1:], *hard]:
                values = scorer.scores(claim, articles[i])
                for name in FORMULATIONS:
                    pooled[name][0 if i in own else 1].append(values[name])
    figures: dict[str, float] = {"ecbplus_claims": claims}
    out(f"ECB+ dev: {claims} claims, {len(pooled['lexical'][0])} same-event documents,")
    out(f"  {len(pooled['lexical'][1])} of the topic's other event")
    for name, (pos, neg) in pooled.items():
        figures[f"ecbplus_auc_{name}"] = round(auc(pos, neg), 4)
        out(f"  {name:16s} AUC {figures[f'ecbplus_auc_{name}']:.4f}")
    return figures


def main(argv: Sequence[str]) -> int:
    """Measure and print; the last line is the JSON figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--without", default=DEMO_GROUPS)
    args = parser.parse_args(argv)
    folder = args.data / "events-ecbplus"
    if not folder.is_dir():
        return skipped(NAME, f"no ECB+ data in {folder}")
    scorer = Scorer(lexical_without(args.without) if args.without else LexicalMatcher())
    figures = demo(scorer, print)
    figures |= ecbplus(scorer, folder, print)
    emit(NAME, figures, without=args.without)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
