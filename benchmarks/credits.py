"""Credit cues on labelled attributions of real news texts: precision and recall per cue.

Usage: python benchmarks/credits.py [DATA_DIR] [-v]

The labels (`credits_labels.jsonl`, next to this script) are every mention of a known outlet in
the development texts of DATA_DIR/events-ecbplus (sentences of the ECB+ articles) and
DATA_DIR/extraction-aeb (sentences of the pages' article bodies, and caption, dateline and
sign-off lines of the pages themselves), each judged by hand: does the sentence credit that
outlet as the source of what it reports (`credit`), and by what kind of cue (`cue`: e.g.
"according_to", "reported", "dateline"; for non-credits "told", "photo_credit", "mention").
Each label says where the sentence it judges lies in the data, not the sentence itself (the data
stays in DATA_DIR): an ECB+ label its sentence's tokens (`tokens`: first token, characters cut off
its start, which token joins take a space, the length kept of the last token), an AEB label its
character span in the article body or page text (`span`); `at` is where the outlet's name lies
in the rebuilt sentence. The outlets the texts name are in `credits_outlets.json`.

The product's detector (`tracker.linking.credits.find_credits`) runs over every quoted sentence
with those outlets. A detection counts for a label when it names the label's outlet and its
phrase covers the name. Printed: per cue the detector emits, its precision over the labels; per
labelled cue, the share of credits found (recall), and how many non-credits were taken for one.
Every sentence is rebuilt from DATA_DIR and checked to hold the labelled outlet name at `at`;
without DATA_DIR the benchmark skips.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import lxml.html
from _report import emit, skipped

from tracker.domain import Outlet
from tracker.linking.credits import Credit, find_credits

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1] / "shared" / "data"
LABELS = HERE / "credits_labels.jsonl"
OUTLETS = HERE / "credits_outlets.json"
GOAL = 0.9  # precision every emitted cue should reach


def _letters(text: str) -> str:
    """Lower-case letters and digits only: quotes and sources compare whatever the spacing."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


# ECB+ writes quotation marks as two characters; the labelled sentences read them as one.
_QUOTES = {"''": '"', "``": '"'}


def _ecbplus_tokens(data: Path, doc: str) -> list[str]:
    """The tokens of one sentence ("1_10ecb.xml#s3") of an ECB+ document."""
    name, _, sentence = doc.partition("#")
    number = int(sentence.removeprefix("s"))
    topic = name.split("_", 1)[0]
    root = ET.parse(data / "events-ecbplus" / topic / name).getroot()
    return [
        _QUOTES.get(token.text or "", token.text or "")
        for token in root.iter("token")
        if int(token.get("sentence", "-1")) == number
    ]


def _from_tokens(tokens: Sequence[str], where: Sequence[Any]) -> str:
    """A labelled sentence rebuilt from its tokens: [first, cut, spaces, last length]."""
    first, cut, spaces, last = int(where[0]), int(where[1]), str(where[2]), int(where[3])
    text = tokens[first][cut:]
    for n, bit in enumerate(spaces):
        text += (" " if bit == "1" else "") + tokens[first + 1 + n]
    end_token = tokens[first + len(spaces)]
    dropped = (len(end_token) if spaces else len(end_token) - cut) - last
    return text[: len(text) - dropped] if dropped > 0 else text


def _aeb_bodies(data: Path) -> dict[str, str]:
    truth = json.loads((data / "extraction-aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    return {page[:12]: str(item["articleBody"]) for page, item in truth.items()}


def _aeb_page(data: Path, doc: str) -> str:
    path = next((data / "extraction-aeb" / "html").glob(f"{doc}*.gz"))
    tree = lxml.html.document_fromstring(
        gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
    )
    return str(tree.text_content())


def sentences(data: Path, labels: Sequence[Mapping[str, Any]]) -> list[str]:
    """The sentence each label judges, rebuilt from the data."""
    bodies = _aeb_bodies(data)
    pages: dict[str, str] = {}
    out: list[str] = []
    for label in labels:
        doc = label["doc"]
        if label["source"] == "ecbplus":
            out.append(_from_tokens(_ecbplus_tokens(data, doc), label["tokens"]))
            continue
        if label["source"] == "aeb":
            text = bodies[doc.split("@", 1)[0]]
        else:
            text = pages.setdefault(doc, _aeb_page(data, doc))
        start, end = label["span"]
        out.append(text[start:end])
    return out


def _covers(credit: Credit, label: Mapping[str, Any]) -> bool:
    at = int(label["at"])
    return credit.outlet.domain == label["outlet"] and credit.start <= at < credit.end


def measure(
    labels: Sequence[Mapping[str, Any]],
    quotes: Sequence[str],
    outlets: Sequence[Outlet],
    verbose: bool,
) -> dict[str, Any]:
    """Run the detector over every quote: precision per emitted cue, recall per labelled cue."""
    emitted: Counter[str] = Counter()
    right: Counter[str] = Counter()
    positives: Counter[str] = Counter()
    found: Counter[str] = Counter()
    negatives: Counter[str] = Counter()
    taken: Counter[str] = Counter()
    cache: dict[str, list[Credit]] = {}
    for label, quote in zip(labels, quotes, strict=True):
        if quote not in cache:
            cache[quote] = find_credits(quote, outlets)
        hit = next((c for c in cache[quote] if _covers(c, label)), None)
        cue = label["cue"]
        if label["credit"]:
            positives[cue] += 1
            found[cue] += hit is not None
        else:
            negatives[cue] += 1
            taken[cue] += hit is not None
        if hit is not None:
            emitted[hit.cue] += 1
            right[hit.cue] += bool(label["credit"])
            if verbose and not label["credit"]:
                print(f"  false credit ({hit.cue}): {quote[:160]}")
        elif verbose and label["credit"]:
            print(f"  missed ({cue}): {quote[:160]}")
    precision = {cue: round(right[cue] / n, 3) for cue, n in sorted(emitted.items())}
    recall = {cue: round(found[cue] / n, 3) for cue, n in sorted(positives.items())}
    print(f"{'emitted cue':<20}{'credits':>8}{'right':>7}{'precision':>11}")
    for cue in sorted(emitted):
        print(f"{cue:<20}{emitted[cue]:>8}{right[cue]:>7}{precision[cue]:>11.3f}")
    print(f"\n{'labelled cue':<20}{'credits':>8}{'found':>7}{'recall':>11}")
    for cue in sorted(positives):
        print(f"{cue:<20}{positives[cue]:>8}{found[cue]:>7}{recall[cue]:>11.3f}")
    print(f"\n{'not a credit':<20}{'labels':>8}{'taken':>7}")
    for cue in sorted(negatives):
        print(f"{cue:<20}{negatives[cue]:>8}{taken[cue]:>7}")
    total_emitted, total_right = sum(emitted.values()), sum(right.values())
    total_pos, total_found = sum(positives.values()), sum(found.values())
    return {
        "labels": len(labels),
        "credits": total_pos,
        "precision": round(total_right / total_emitted, 3) if total_emitted else None,
        "recall": round(total_found / total_pos, 3) if total_pos else None,
        "precision_per_cue": precision,
        "recall_per_cue": recall,
        "false_credits_per_label_cue": {cue: taken[cue] for cue in sorted(taken)},
        "every_cue_at_goal": all(p >= GOAL for p in precision.values()),
    }


def main(argv: list[str] | None = None) -> int:
    """Check the labels against the data, then measure the detector on them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list misses and false credits"
    )
    args = parser.parse_args(argv)
    needed = (args.data / "events-ecbplus", args.data / "extraction-aeb")
    if not all(folder.is_dir() for folder in needed):
        return skipped("credits", f"{args.data} has no events-ecbplus/ and extraction-aeb/")
    labels = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line]
    outlets = [
        Outlet(item["name"], item["domain"], tuple(item["aliases"]))
        for item in json.loads(OUTLETS.read_text(encoding="utf-8"))
    ]
    quotes = sentences(args.data, labels)
    names = {outlet.domain: (outlet.name, *outlet.aliases) for outlet in outlets}
    absent = [
        (label, quote)
        for label, quote in zip(labels, quotes, strict=True)
        if not any(
            _letters(quote[int(label["at"]) :]).startswith(_letters(name))
            for name in names.get(label["outlet"], ())
        )
        and not _letters(quote[int(label["at"]) :]).startswith(_letters(label["mention"]))
    ]
    if absent:
        _, quote = absent[0]
        print(f"{len(absent)} labels do not find their outlet in {args.data}: {quote[:80]!r}")
        return 2
    figures = measure(labels, quotes, outlets, args.verbose)
    emit("credits", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
