"""A derivation set with known truth, generated from ECB+ texts, run through the linker.

From each ECB+ topic the script takes mutually independent articles (real near-duplicates in the
corpus are left out) and derives, with known truth:

    original        a stored article                                   -> no source
    copy            its text verbatim, with the copier's own footer     -> original, copies
    partial         part of it between paragraphs of the copier's own   -> original, copies
    paraphrase      sentences reordered and dropped, synonyms swapped   -> original, paraphrases
    paraphrase-part a paraphrase of 60% of it plus the outlet's own text -> original, paraphrases
    backdated-copy  a copy seen 45 min later that claims to be 2 h older -> original, copies
    same-run-copy   a copy fetched 5 min before the original in one run -> original, copies
    chain-middle    the original plus a paragraph of its own            -> original, copies
    chain-end       copies the middle one, added paragraph included     -> middle, copies
    wire            a wire story with its dateline "CITY (GWS) -"       -> no source
    wire-copy       two outlets copy the wire story                     -> wire, common_source
    unstored-wire   two outlets copy a wire story that is not stored    -> none (not each other)
    credit          an independent report that names the original's outlet -> original, credits
    link            an independent report that links to the original    -> original, links_to
    distractor      other independent reports of the topic's two events -> no source

Own paragraphs come from held-out topics that are never stored. Every outlet's articles end in
its own footer, stripped once it recurs (the boilerplate path). Articles are linked in order of
first-seen time; candidates come from an in-memory band index (the store's table in a dict),
capped at `max_candidates`, plus link targets, the credited outlets' recent articles and the
candidates' own sources (one hop up the chain).
Printed: accuracy of the chosen source and of the edge type, per category and overall, and the
time per linked article.

Usage: python benchmarks/derivations.py [DATA_DIR] [--semantic]
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _report import emit, skipped
from ecbplus import Document, read_corpus
from reuse import DEFAULT_DATA
from synth import paraphrase

from tracker.config import LinkSettings
from tracker.domain import ArticleRef, EdgeKind, Outlet
from tracker.linking.align import align
from tracker.linking.boilerplate import paragraph_hashes, recurring, strip_boilerplate
from tracker.linking.choose import Decision, ResolvedLink, link_article, to_relink
from tracker.linking.compare import Candidate, Prepared, prepare
from tracker.linking.credits import find_credits
from tracker.linking.fingerprint import fingerprint

OUTLETS = tuple(
    Outlet(name, f"{name.lower().replace(' ', '')}.example")
    for name in (
        "Harbor Ledger", "Valley Courier", "Northside Daily", "Marlow Gazette",
        "Coastal Times", "Metro Herald", "River Post", "Summit Journal",
    )
)  # fmt: skip
WIRE = Outlet("Global Wire Service", "gws.example", ("GWS",))
UNSTORED_WIRE = Outlet("United Wire", "unitedwire.example", ("UW",))
ALL_OUTLETS = (*OUTLETS, WIRE, UNSTORED_WIRE)
HELD_OUT_TOPICS = 3  # topics whose sentences serve as the outlets' own text, never stored
START = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)


@dataclass
class Item:
    """One generated article and the truth about where it came from."""

    ref: ArticleRef
    text: str
    category: str
    truth_source: int | None = None
    truth_kind: EdgeKind | None = None
    links: tuple[ResolvedLink, ...] = ()
    stored: bool = True


@dataclass
class Generator:
    """Builds the derivation set with a seeded random source."""

    rng: random.Random
    pool: list[str]  # sentences of held-out topics: the outlets' own text
    items: list[Item] = field(default_factory=list)
    next_id: int = 1

    def own(self, count: int) -> list[str]:
        """Take `count` unused held-out sentences."""
        taken, self.pool = self.pool[:count], self.pool[count:]
        return taken

    def add(
        self,
        outlet: Outlet,
        base: datetime,
        minutes: float,
        text: str,
        category: str,
        published_minutes: float | None = None,
        **kw: object,
    ) -> Item:
        """Create an article of `outlet` first seen `minutes` after `base` (footer appended)."""
        seen = base + timedelta(minutes=minutes)
        published = seen - timedelta(minutes=self.rng.uniform(0, 20))
        if published_minutes is not None:
            published = base + timedelta(minutes=published_minutes)
        article = ArticleRef(
            self.next_id,
            f"https://{outlet.domain}/a/{self.next_id}",
            outlet.domain,
            seen,
            published,
        )
        self.next_id += 1
        if outlet in OUTLETS:
            text = f"{text}\n{footer(outlet)}"
        item = Item(article, text, category, **kw)  # type: ignore[arg-type]
        self.items.append(item)
        return item


def footer(outlet: Outlet) -> str:
    """The outlet's recurring footer: one template, so footers of outlets look alike."""
    return (
        f"Follow {outlet.name} for more stories like this one, and sign up for our daily "
        "newsletter to get the most important headlines delivered every morning."
    )


def independent_docs(documents: Sequence[Document], settings: LinkSettings) -> list[Document]:
    """Keep documents that share no verbatim passage with one kept before them."""
    kept: list[tuple[Document, object]] = []
    for doc in documents:
        words = prepare(doc.text).words
        if len(words) < 60:
            continue
        if all(
            align(other, words, settings.copy_min_passage_words).shared_words
            < settings.copy_min_passage_words
            for _, other in kept
        ):  # type: ignore[arg-type]
            kept.append((doc, words))
    return [doc for doc, _ in kept]


def generate(documents: Sequence[Document], settings: LinkSettings, seed: int = 11) -> list[Item]:
    """Build the derivation set (see the module docstring)."""
    rng = random.Random(seed)
    by_topic: dict[str, list[Document]] = defaultdict(list)
    for doc in documents:
        by_topic[doc.topic].append(doc)
    topics = sorted(by_topic, key=int)
    pool = [
        s
        for t in topics[:HELD_OUT_TOPICS]
        for d in by_topic[t]
        for s in d.text.split("\n")
        if len(s.split()) >= 12
    ]
    pool = sorted(set(pool))  # the held-out topics hold near-duplicates: each sentence once
    rng.shuffle(pool)
    gen = Generator(rng, pool)
    for n, topic in enumerate(topics[HELD_OUT_TOPICS:]):
        docs = independent_docs(by_topic[topic], settings)
        ecb = [d for d in docs if d.half == "ecb"]
        ecb.sort(key=lambda d: d.text.count("\n") < 5)  # the original needs a few paragraphs
        plus = [d for d in docs if d.half == "ecbplus"]
        if len(ecb) < 3 or len(plus) < 2 or ecb[0].text.count("\n") < 5:
            continue
        base = START + timedelta(days=n)
        origin, credit_doc, link_doc = ecb[0], ecb[1], ecb[2]
        wire_doc, unstored_doc = plus[0], plus[1]
        distractors = ecb[3:] + plus[2:]
        o_out = OUTLETS[n % len(OUTLETS)]
        others = [o for o in OUTLETS if o != o_out]
        rng.shuffle(others)

        def outlet(i: int, others: list[Outlet] = others) -> Outlet:
            return others[i % len(others)]

        sentences = origin.text.split("\n")
        o = gen.add(o_out, base, 0, origin.text, "original", published_minutes=-15)
        gen.add(
            outlet(0),
            base,
            60,
            origin.text,
            "copy",
            truth_source=o.ref.id,
            truth_kind=EdgeKind.COPIES,
        )
        half = max(2, int(len(sentences) * 0.6))
        partial = "\n".join([*gen.own(2), *sentences[:half], *gen.own(2)])
        gen.add(
            outlet(1),
            base,
            120,
            partial,
            "partial",
            truth_source=o.ref.id,
            truth_kind=EdgeKind.COPIES,
        )
        # One paraphrase per topic: two made by this generator from one text would share runs
        # of words that no two real paraphrasers would.
        truth = {"truth_source": o.ref.id}
        if n % 2 == 0:
            para, category = paraphrase(origin.text, rng), "paraphrase"
        else:
            part = paraphrase("\n".join(sentences[:half]), rng)
            para, category = "\n".join([part, *gen.own(2)]), "paraphrase-part"
        gen.add(outlet(2), base, 180, para, category, truth_kind=EdgeKind.PARAPHRASES, **truth)
        gen.add(
            outlet(6),
            base,
            45,
            origin.text,
            "backdated-copy",
            -135,
            truth_kind=EdgeKind.COPIES,
            **truth,
        )
        gen.add(
            outlet(7),
            base,
            -5,
            origin.text,
            "same-run-copy",
            -6,
            truth_kind=EdgeKind.COPIES,
            **truth,
        )
        cut = len(sentences) // 2
        middle_text = "\n".join([*sentences[:cut], *gen.own(3), *sentences[cut:]])
        middle = gen.add(
            outlet(3),
            base,
            90,
            middle_text,
            "chain-middle",
            truth_source=o.ref.id,
            truth_kind=EdgeKind.COPIES,
        )
        end_text = "\n".join([*gen.own(1), *middle_text.split("\n")[:-1]])
        gen.add(
            outlet(4),
            base,
            240,
            end_text,
            "chain-end",
            truth_source=middle.ref.id,
            truth_kind=EdgeKind.COPIES,
        )
        wire_text = "LONDON (GWS) — " + wire_doc.text
        wire = gen.add(WIRE, base, 30, wire_text, "wire")
        gen.add(
            outlet(5),
            base,
            150,
            wire_text,
            "wire-copy",
            truth_source=wire.ref.id,
            truth_kind=EdgeKind.COMMON_SOURCE,
        )
        wire_cut = "\n".join([*wire_text.split("\n")[:-1], *gen.own(2)])
        gen.add(
            outlet(6),
            base,
            300,
            wire_cut,
            "wire-copy",
            truth_source=wire.ref.id,
            truth_kind=EdgeKind.COMMON_SOURCE,
        )
        unstored = "PARIS (UW) — " + unstored_doc.text
        gen.add(outlet(0), base, 100, "\n".join([unstored, *gen.own(1)]), "unstored-wire")
        gen.add(outlet(2), base, 200, unstored, "unstored-wire")
        credit_lines = credit_doc.text.split("\n")
        credit_text = "\n".join(
            [
                credit_lines[0],
                f"The news was first reported by the {o_out.name}.",
                *credit_lines[1:],
            ]
        )
        gen.add(
            outlet(3),
            base,
            360,
            credit_text,
            "credit",
            truth_source=o.ref.id,
            truth_kind=EdgeKind.CREDITS,
        )
        link = (ResolvedLink(o.ref.url + "?utm_source=feed", o.ref.id, "reported"),)
        gen.add(
            outlet(4),
            base,
            420,
            link_doc.text,
            "link",
            truth_source=o.ref.id,
            truth_kind=EdgeKind.LINKS_TO,
            links=link,
        )
        for i, doc in enumerate(distractors):
            gen.add(outlet(i + 5), base, rng.uniform(-180, 480), doc.text, "distractor")
    return gen.items


@dataclass
class Index:
    """The store's band table and per-outlet paragraph counts, in memory."""

    bands: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    paragraphs: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    stored: dict[int, Candidate] = field(default_factory=dict)

    def candidates(self, bands: Sequence[tuple[int, int]], limit: int) -> list[int]:
        """Stored ids sharing most bands with `bands`, at most `limit`."""
        counts: Counter[int] = Counter()
        for band in bands:
            counts.update(self.bands.get(band, ()))
        return [article_id for article_id, _ in counts.most_common(limit)]


def run(
    items: Sequence[Item], settings: LinkSettings
) -> tuple[dict[int, Decision], list[float], list[int], int]:
    """Link every item in first-seen order against what is stored before it.

    After each article, the stored candidates it turns out to precede (fetched before it in
    the same crawl run) are linked again, as the pipeline does.
    """
    index = Index()
    decisions: dict[int, Decision] = {}
    timings: list[float] = []
    candidate_counts: list[int] = []
    by_outlet: dict[str, list[int]] = defaultdict(list)
    bands_of: dict[int, tuple[tuple[int, int], ...]] = {}
    links_of = {item.ref.id: item.links for item in items}
    relinked = 0
    prepared: dict[int, Prepared] = {}  # the pipeline would bound this (an LRU by article id)

    def link_one(
        article: ArticleRef, clean: str, bands: Sequence[tuple[int, int]]
    ) -> tuple[Decision, list[Candidate]]:
        ids = index.candidates(bands, settings.max_candidates + 1)
        ids += [link.article_id for link in links_of[article.id] if link.article_id in index.stored]
        for credit in find_credits(clean, ALL_OUTLETS, own_domain=article.outlet):
            recent = [
                i
                for i in by_outlet[credit.outlet.domain]
                if article.first_seen - index.stored[i].ref.first_seen < timedelta(days=3)
            ]
            ids += recent[-20:]
        # One hop up: the sources of the candidates found (a paraphrase of a partial copy must
        # meet the original too, even when its own bands missed it).
        ids += [s for i in ids for s in index.stored[i].sources if s in index.stored]
        candidates = [index.stored[i] for i in dict.fromkeys(ids) if i != article.id]
        decision = link_article(
            article,
            clean,
            candidates,
            settings,
            outlets=ALL_OUTLETS,
            links=links_of[article.id],
            cache=prepared,
        )
        return decision, candidates

    for item in sorted(items, key=lambda i: i.ref.first_seen):
        started = time.perf_counter()
        counts = index.paragraphs[item.ref.outlet]
        clean = strip_boilerplate(item.text, recurring(counts, settings.boilerplate_min_pages))
        bands = fingerprint(clean, settings).bands
        decision, candidates = link_one(item.ref, clean, bands)
        timings.append(time.perf_counter() - started)
        candidate_counts.append(len(candidates))
        decisions[item.ref.id] = decision
        counts.update(paragraph_hashes(item.text))
        sources = tuple(edge.source_id for edge in decision.edges)
        index.stored[item.ref.id] = Candidate(item.ref, clean, sources)
        bands_of[item.ref.id] = bands
        by_outlet[item.ref.outlet].append(item.ref.id)
        for band in bands:
            index.bands[band].append(item.ref.id)
        for other_id in to_relink(item.ref, candidates, settings):
            other = index.stored[other_id]
            again, _ = link_one(other.ref, other.text, bands_of[other_id])
            decisions[other_id] = again
            index.stored[other_id] = replace(other, sources=tuple(e.source_id for e in again.edges))
            relinked += 1
    return decisions, timings, candidate_counts, relinked


CATEGORIES = (
    "original", "copy", "partial", "paraphrase", "paraphrase-part", "backdated-copy",
    "same-run-copy", "chain-middle", "chain-end", "wire", "wire-copy", "unstored-wire",
    "credit", "link", "distractor",
)  # fmt: skip
NO_SOURCE = frozenset({"original", "wire", "distractor", "unstored-wire"})


def _row(label: str, pairs: Sequence[tuple[bool, bool]]) -> str:
    """One line of the table: count, source accuracy, source-and-type accuracy."""
    source = sum(s for s, _ in pairs) / len(pairs)
    both = sum(k for _, k in pairs) / len(pairs)
    return f"{label:<15}{len(pairs):>5}{source:>9.3f}{both:>13.3f}"


def main(argv: Sequence[str]) -> int:
    """Generate, link and print the accuracy figures."""
    args = [a for a in argv if not a.startswith("--")]
    folder = (Path(args[0]) if args else DEFAULT_DATA) / "events-ecbplus"
    if not folder.is_dir():
        return skipped("derivations", f"data folder missing ({folder})")
    settings = replace(LinkSettings(), semantic="--semantic" in argv)
    items = generate(read_corpus(folder), settings)
    decisions, timings, candidate_counts, relinked = run(items, settings)
    rows: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for item in items:
        decision = decisions[item.ref.id]
        source_ok = decision.source_id == item.truth_source
        kind = next((e.kind for e in decision.edges if e.source_id == decision.source_id), None)
        rows[item.category].append((source_ok, source_ok and kind == item.truth_kind))
    matcher = "semantic" if settings.semantic else "lexical"
    print(f"{len(items)} articles linked ({matcher} matcher), {relinked} linked again")
    print(f"{'category':<15}{'n':>5}{'source':>9}{'source+type':>13}")
    for category in CATEGORIES:
        if rows.get(category):
            print(_row(category, rows[category]))
    print(_row("all", [pair for pairs in rows.values() for pair in pairs]))
    derived = [pair for c, pairs in rows.items() if c not in NO_SOURCE for pair in pairs]
    right_source = sum(s for s, _ in derived)
    right_type = sum(k for _, k in derived)
    print(f"edge type accuracy where the source is right: {right_type / max(1, right_source):.3f}")
    timings.sort()
    print(
        f"per article: mean {1000 * sum(timings) / len(timings):.1f} ms, "
        f"median {1000 * timings[len(timings) // 2]:.1f} ms, "
        f"mean candidates {sum(candidate_counts) / len(candidate_counts):.1f}"
    )
    every = [pair for pairs in rows.values() for pair in pairs]
    figures: dict[str, object] = {
        "matcher": matcher,
        "articles": len(items),
        "relinked": relinked,
        "source": round(sum(s for s, _ in every) / len(every), 3),
        "source_and_type": round(sum(k for _, k in every) / len(every), 3),
        "type_where_source_right": round(right_type / max(1, right_source), 3),
        "ms_per_article_median": round(1000 * timings[len(timings) // 2], 1),
    }
    for category in CATEGORIES:
        if rows.get(category):
            pairs = rows[category]
            figures[f"source_{category}"] = round(sum(s for s, _ in pairs) / len(pairs), 3)
    emit("derivations", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
