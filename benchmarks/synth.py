"""A generated news corpus with known truth, for benchmarks: a library, and a CLI that prints.

What it makes, from a seed (the same seed gives the same corpus):

- outlets (name, host, one alias) with their feeds, and a wire service ("GWS");
- article texts: paragraphs of sentences whose lengths and word frequencies come from a text
  model. Given a data folder (`events-ecbplus` or `reuse-clough-stevenson`, or a folder holding
  them: then ECB+, which is news), the model is learned from it at run time: sentence lengths
  in words, word frequencies with each word's usual capitalisation, commas per word; nothing is
  copied anywhere. Without data, a built-in model: ~110 English function words on top of
  several thousand made-up words, Zipf-distributed (s = 1), news-like sentence lengths. Rarer
  words are bursty, as in real text: each text has a topic, and all but the 1,000 most frequent
  words belong to one topic each (see `TextModel`);
- stories with known truth (`story`): an original, a verbatim copy with its own opening line, a
  partial copy (60 % of the paragraphs, then the copier's own), a light paraphrase (paragraphs
  swapped and dropped, words swapped for synonyms, no verbatim run left longer than seven
  words), a chain (a copy of the partial copy), a wire text with two outlets copying it (common
  source), and an independent report of the same story (a distractor: no source);
- claims (`CLAIMS`): each with its canonical text, paraphrased carrier sentences with the stance
  they take, near misses that share its topic words but not the claim, and a free-text wording;
  `plant` puts a sentence into a text's second half;
- background texts in bulk (`TextModel.bulk_texts`, numpy-vectorised: ~1M texts in minutes).

Usage (prints only; writes no file):

    python benchmarks/synth.py [--data ../shared/data] [--seed 7] [--stories 3] [--background 5]
                               [--jsonl]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

START = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)

# Light paraphrase of English news text (used by benchmarks/derivations.py as well).
SYNONYMS = {
    "said": "stated", "says": "states", "told": "informed", "killed": "left dead",
    "died": "passed away", "police": "officers", "officials": "authorities", "people": "persons",
    "announced": "revealed", "reported": "disclosed", "according": "per the account",
    "after": "following", "before": "ahead of", "during": "in the course of", "near": "close to",
    "about": "around", "more": "additional", "many": "numerous", "big": "large", "large": "big",
    "small": "minor", "major": "significant", "new": "fresh", "first": "initial",
    "home": "house", "house": "home", "car": "vehicle", "show": "programme", "film": "movie",
    "movie": "film", "company": "firm", "firm": "company", "began": "started", "started": "began",
    "help": "assist", "helped": "assisted", "found": "discovered", "arrested": "detained",
    "charged": "accused", "attack": "assault", "fire": "blaze", "earthquake": "quake",
    "hit": "struck", "struck": "hit", "shot": "gunned down", "won": "secured", "lost": "forfeited",
    "named": "appointed", "hospital": "medical centre", "statement": "announcement",
    "spokesman": "representative", "spokeswoman": "representative", "week": "seven days",
    "yesterday": "the previous day", "also": "likewise", "however": "yet", "because": "as",
    "would": "will", "could": "might", "will": "is set to", "year": "twelve months",
    "years": "twelve-month periods", "including": "among them", "left": "departed",
    "city": "town", "town": "city", "country": "nation", "team": "squad", "game": "match",
}  # fmt: skip
FILLERS = ("reportedly", "indeed", "notably", "apparently", "in fact")
_STRIP = ".,;:!?“”\"'()"


def paraphrase(text: str, rng: random.Random, synonyms: Mapping[str, str] = SYNONYMS) -> str:
    """Reorder and drop lines, swap synonyms (each use with p=0.7, so two paraphrases of one
    text differ), and break every verbatim run longer than seven words."""
    lines = [s for s in text.split("\n") if s.strip()]
    kept = [lines[0]] + [s for s in lines[1:] if rng.random() > 0.2]
    middle = kept[1:]
    for i in range(0, len(middle) - 1, 2):
        if rng.random() < 0.6:
            middle[i], middle[i + 1] = middle[i + 1], middle[i]
    out: list[str] = []
    for line in [kept[0], *middle]:
        words: list[str] = []
        run = 0
        for word in line.split(" "):
            core = word.strip(_STRIP).lower()
            if core in synonyms and rng.random() < 0.7:
                replacement = synonyms[core]
                if word[:1].isupper():
                    replacement = replacement[:1].upper() + replacement[1:]
                words.append(word.replace(word.strip(_STRIP), replacement))
                run = 0
                continue
            if core in {"the", "a", "an", "that"} and run >= 4 and rng.random() < 0.7:
                run = 0
                continue
            run += 1
            if run >= 7:
                words.append(rng.choice(FILLERS))
                run = 0
            words.append(word)
        out.append(" ".join(words))
    return "\n".join(out)


# ---------------------------------------------------------------- text models

FUNCTION_WORDS = tuple(
    """the of to and a in that for on is was with said as at by he it from his be has have
    are an had but not they this who were will after their been its which would more she
    her one about also two up when than new year we i or last people there first all over
    out into could over some other city police government can three no between before
    against if while our because so may where only during under them most just since what
    week then told him now like any these did those many well officials being should""".split()
)
_ONSETS = "b c d f g h j k l m n p r s t v w z br cl dr fl gr pl pr st tr ch sh th".split()
_VOWELS = "a e i o u a e o ai ea ie ou".split()
_CODAS = ["", "", "", "n", "r", "s", "t", "l", "nd", "st", "ck", "m"]
_NEWS_LENGTHS = (4, 60)  # built-in sentence lengths, in words, are clipped to this range
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")


@dataclass(frozen=True)
class TextModel:
    """Word frequencies, topics and sentence lengths to write text with.

    Words are bursty in real text: a rarer word ("vaccine", "outage") turns up in few articles,
    several times, not spread evenly over all of them. So the `general` most frequent words are
    drawn from everywhere, and every other word belongs to one of `topics` topics (round robin by
    rank, so topics weigh alike) and appears only in texts of its topic; each text has one topic.
    The overall word frequencies stay those of the model. `topics=0` draws every word from
    everywhere (a bag of words: it overstates how many texts share a rarer word).
    """

    source: str  # "built-in", or the data folders it was learned from
    words: tuple[str, ...]  # by frequency rank, in their usual capitalisation
    counts: tuple[float, ...]  # the weight of each word
    lengths: tuple[int, ...]  # observed sentence lengths in words: one is drawn per sentence
    comma_rate: float  # commas per word
    synonyms: Mapping[str, str] = field(default_factory=dict)
    general: int = 1000
    topics: int | None = None  # None: one topic per 200 topical words
    cumulative: np.ndarray = field(init=False, repr=False, compare=False)
    forms: np.ndarray = field(init=False, repr=False, compare=False)  # see `_forms`
    # Topical words ordered by topic; topic t's cumulative weights run from t to t + 1.
    topic_words: np.ndarray = field(init=False, repr=False, compare=False)
    topic_cumulative: np.ndarray = field(init=False, repr=False, compare=False)
    general_share: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        weights = np.asarray(self.counts, dtype=float)
        general = min(self.general, len(weights))
        topics = self.topics
        if topics is None:
            topics = max(1, (len(weights) - general) // 200)
        if general == len(weights):
            topics = 0
        set_ = object.__setattr__
        set_(self, "topics", topics)
        set_(self, "cumulative", np.cumsum(weights[:general] if topics else weights))
        set_(self, "forms", _forms(self.words))
        set_(
            self, "general_share", float(weights[:general].sum() / weights.sum()) if topics else 1.0
        )
        ranks = np.arange(general, len(weights))
        order = ranks[np.argsort((ranks - general) % max(1, topics), kind="stable")]
        cumulative = np.empty(len(order))
        topic_of = (order - general) % max(1, topics)
        for t in range(topics):
            span = np.flatnonzero(topic_of == t)
            within = np.cumsum(weights[order[span]])
            cumulative[span] = t + within / within[-1]
            cumulative[span[-1]] = t + 1.0  # exactly: a draw of t + u, u < 1, stays in topic t
        set_(self, "topic_words", order)
        set_(self, "topic_cumulative", cumulative)

    def _picks(self, uniform: np.ndarray, general: np.ndarray, topic: np.ndarray) -> np.ndarray:
        """Word indices for draws: `uniform` in [0, 1), which are general, and each one's topic."""
        picks = np.searchsorted(self.cumulative, uniform * self.cumulative[-1])
        picks = np.minimum(picks, len(self.cumulative) - 1)
        if self.topics:
            topical = ~general
            at = np.searchsorted(self.topic_cumulative, topic[topical] + uniform[topical])
            picks[topical] = self.topic_words[np.minimum(at, len(self.topic_words) - 1)]
        return picks

    def draw(self, rng: random.Random, count: int, topic: int | None = None) -> list[str]:
        """`count` words drawn by frequency, from `topic` (None: any topic, word by word)."""
        uniform = np.array([rng.random() for _ in range(count)])
        general = np.array([rng.random() < self.general_share for _ in range(count)])
        where = [rng.randrange(max(1, self.topics or 1)) if topic is None else topic
                 for _ in range(count)]  # fmt: skip
        picks = self._picks(uniform, general, np.asarray(where, dtype=float))
        return [self.words[int(i)] for i in picks]

    def sentence(
        self,
        rng: random.Random,
        names: Sequence[str] = (),
        keywords: Sequence[str] = (),
        topic: int | None = None,
    ) -> str:
        """One sentence of `topic`, with a story's names and keywords sprinkled in."""
        body = self.draw(rng, rng.choice(self.lengths), topic)
        for extra, chance in ((names, 0.35), (keywords, 0.25)):
            for word in extra:
                if rng.random() < chance:
                    body[rng.randrange(len(body))] = word
        for i in range(len(body) - 1):
            if rng.random() < self.comma_rate:
                body[i] += ","
        return body[0][:1].upper() + body[0][1:] + " " + " ".join(body[1:]) + "."

    def paragraphs(
        self,
        rng: random.Random,
        count: int,
        names: Sequence[str] = (),
        keywords: Sequence[str] = (),
        topic: int | None = None,
    ) -> list[str]:
        """`count` paragraphs of two to four sentences."""
        return [
            " ".join(self.sentence(rng, names, keywords, topic) for _ in range(rng.randint(2, 4)))
            for _ in range(count)
        ]

    def text(self, rng: random.Random, paragraphs: int, names: Sequence[str] = ()) -> str:
        """A text of `paragraphs` paragraphs (one per line) on a topic of its own."""
        topic = rng.randrange(max(1, self.topics or 1))
        return "\n".join(self.paragraphs(rng, paragraphs, names, topic=topic))

    def bulk_texts(self, count: int, seed: int, paragraphs: tuple[int, int] = (4, 8)) -> list[str]:
        """`count` unrelated texts at once, each on a topic of its own (vectorised)."""
        gen = np.random.default_rng(seed)
        n_par = gen.integers(paragraphs[0], paragraphs[1] + 1, count)
        n_sent = gen.integers(2, 5, int(n_par.sum()))  # sentences per paragraph
        lengths = np.asarray(self.lengths)[gen.integers(0, len(self.lengths), int(n_sent.sum()))]
        total = int(lengths.sum())
        sentence_end = np.cumsum(lengths) - 1
        paragraph_end = sentence_end[np.cumsum(n_sent) - 1]
        text_end = paragraph_end[np.cumsum(n_par) - 1] + 1
        topic = np.repeat(
            gen.integers(0, max(1, self.topics or 1), count).astype(float),
            np.diff(text_end, prepend=0),
        )
        picks = self._picks(gen.random(total), gen.random(total) < self.general_share, topic)
        # Each token is one form of its word (see `_forms`): one table lookup per token keeps
        # the Python work to one join per text. Sentences have three words or more, so a
        # sentence's first word never also ends it.
        v = len(self.words)
        form = np.where(gen.random(total) < self.comma_rate, 4, 0)
        form[sentence_end] = 2
        form[paragraph_end] = 3
        form[np.concatenate(([0], sentence_end[:-1] + 1))] += 1  # plain -> Cap, comma -> Cap,
        tokens = self.forms[form * v + picks]
        out: list[str] = []
        begin = 0
        for end in text_end.tolist():
            out.append(" ".join(tokens[begin:end].tolist()).replace("\n ", "\n").rstrip("\n"))
            begin = end
        return out


def _forms(words: Sequence[str]) -> np.ndarray:
    """Every word in six forms: word, Word, "word.", "word.\\n", "word,", "Word,"."""
    cap = [w[:1].upper() + w[1:] for w in words]
    return np.array(
        [*words, *cap, *(w + "." for w in words), *(w + ".\n" for w in words),
         *(w + "," for w in words), *(c + "," for c in cap)],
        dtype=object,
    )  # fmt: skip


def builtin_model(seed: int = 0, vocabulary: int = 6000) -> TextModel:
    """Function words, then made-up words, Zipf-distributed; news-like sentence lengths."""
    rng = random.Random(seed)
    made: dict[str, None] = {}
    while len(made) < vocabulary - len(FUNCTION_WORDS):
        # Frequent words are short: the syllable count grows with the rank.
        rank = len(made)
        syllables = 1 + (rank > 300 or rng.random() < 0.3) + (rank > 2000 and rng.random() < 0.5)
        word = _syllables(rng, syllables).lower()
        if word not in FUNCTION_WORDS:
            made[word] = None
    words = (*dict.fromkeys(FUNCTION_WORDS), *made)
    counts = tuple(1.0 / (rank + 2.7) for rank in range(len(words)))  # Zipf-Mandelbrot, s = 1
    # Sentence lengths of news prose: lognormal around 20 words (ECB+ has mean 20, median 19).
    lengths = tuple(
        min(_NEWS_LENGTHS[1], max(_NEWS_LENGTHS[0], round(rng.lognormvariate(2.9, 0.45))))
        for _ in range(2000)
    )
    content = [w for w in words if w not in FUNCTION_WORDS]
    synonyms = {a: b for a, b in zip(content[0:1500:6], content[3:1500:6], strict=False)}
    return TextModel("built-in", words, counts, lengths, 0.05, synonyms)


def _documents(folder: Path) -> tuple[str, list[list[str]]]:
    """(what was read, sentences per document) of ECB+ or else Clough-Stevenson in `folder`."""
    found: list[str] = []
    docs: list[list[str]] = []
    ecb = next((p for p in (folder, folder / "events-ecbplus") if any(p.glob("*/*.xml"))), None)
    if ecb is not None:
        from ecbplus import read_corpus  # a sibling benchmark module

        documents = read_corpus(ecb)
        docs += [d.text.split("\n") for d in documents]
        found.append(f"{ecb.name} ({len(documents)} documents)")
    reuse = next(
        (p for p in (folder, folder / "reuse-clough-stevenson") if any(p.glob("orig_task*.txt"))),
        None,
    )
    # Clough-Stevenson's texts are about computer science: news wording comes from ECB+ when
    # both are there.
    if reuse is not None and ecb is None:
        from reuse import read_text  # a sibling benchmark module

        files = sorted(reuse.glob("*.txt"))
        docs += [_SENTENCE_END.split(" ".join(read_text(p).split())) for p in files]
        found.append(f"{reuse.name} ({len(files)} texts)")
    return ", ".join(found), docs


def learn_model(folder: Path) -> TextModel | None:
    """A model learned from the corpora in `folder`; None when it holds none of them."""
    if not folder.is_dir():
        return None
    source, docs = _documents(folder)
    if not docs:
        return None
    counts: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    lengths: list[int] = []
    commas = 0
    for sentences in docs:
        for sentence in sentences:
            tokens = _WORD.findall(sentence)
            if len(tokens) < 3:  # headlines' bylines, datelines
                continue
            lengths.append(len(tokens))
            commas += sentence.count(",")
            for i, token in enumerate(tokens):
                key = token.lower()
                counts[key] += 1
                # A sentence's first word says nothing about the word's usual capitalisation.
                if i > 0 or key not in forms:
                    forms.setdefault(key, Counter())[token] += 1
    ranked = [w for w, _ in counts.most_common()]
    words = tuple(forms[w].most_common(1)[0][0] for w in ranked)
    rate = commas / max(1, sum(lengths))
    return TextModel(
        source, words, tuple(float(counts[w]) for w in ranked), tuple(lengths), rate, SYNONYMS
    )


def model_for(data: Path | None, seed: int = 0) -> TextModel:
    """The model learned from `data` when it holds a known corpus, else the built-in one."""
    learned = learn_model(data) if data is not None else None
    return learned if learned is not None else builtin_model(seed)


# ---------------------------------------------------------------- outlets and feeds

_KINDS = (
    "Gazette Courier Daily Times Herald Post Journal Ledger Tribune Chronicle Observer Standard "
    "Record Sentinel Dispatch Examiner Bulletin Review Monitor Star"
).split()


@dataclass(frozen=True, slots=True)
class Outlet:
    """A publisher: its name, the host it publishes on, and another name it is credited by."""

    name: str
    host: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed of an outlet."""

    url: str
    host: str
    title: str


WIRE = Outlet("Global Wire Service", "gws.example", ("GWS",))
_CITIES = ("LONDON", "PARIS", "BERLIN", "MADRID", "ROME", "OSLO", "VIENNA", "LISBON")


def place_name(rng: random.Random) -> str:
    """A made-up proper name of two or three syllables."""
    return _syllables(rng, 2 + (rng.random() < 0.3)).capitalize()


def _syllables(rng: random.Random, count: int) -> str:
    """`count` syllables; only the last one may end in a consonant cluster."""
    parts = [rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(count)]
    return "".join(parts) + rng.choice(_CODAS)


def make_outlets(count: int, seed: int = 0) -> list[Outlet]:
    """`count` outlets with distinct names and hosts: "The Brando Ledger", brandoledger.example."""
    rng = random.Random(seed)
    out: dict[str, Outlet] = {}
    while len(out) < count:
        place, kind = place_name(rng), rng.choice(_KINDS)
        host = f"{place}{kind}.example".lower()
        if host not in out:
            out[host] = Outlet(f"The {place} {kind}", host, (f"{place} {kind}",))
    return list(out.values())


def make_feeds(outlets: Iterable[Outlet], seed: int = 0) -> list[Feed]:
    """One to three feeds per outlet (RSS, a section's RSS, JSON Feed)."""
    rng = random.Random(seed)
    paths = (("/rss.xml", ""), ("/world/rss.xml", " - World"), ("/feed.json", " (JSON)"))
    return [
        Feed(f"https://{o.host}{path}", o.host, o.name + suffix)
        for o in outlets
        for path, suffix in paths[: rng.randint(1, 3)]
    ]


# ---------------------------------------------------------------- stories with known truth


@dataclass(frozen=True, slots=True)
class Doc:
    """A generated article and the truth about it."""

    url: str
    host: str
    text: str
    seen: datetime
    kind: str  # original, copy, partial, paraphrase, chain, wire, wire-copy, distractor
    source: str | None = None  # the URL it took its content from (its immediate source)
    edge: str | None = None  # how: a tracker.domain.EdgeKind value
    story: int = 0


KINDS = ("original", "copy", "partial", "paraphrase", "chain", "wire", "wire-copy", "distractor")
NO_SOURCE = frozenset({"original", "wire", "distractor"})


def story(
    model: TextModel, rng: random.Random, outlets: Sequence[Outlet], number: int, start: datetime
) -> list[Doc]:
    """One story's nine articles over five hours, with their truth (see the module docstring)."""
    names = [place_name(rng) for _ in range(4)]
    topic = rng.randrange(max(1, model.topics or 1))
    keywords = model.draw(rng, 40, topic)[20:32]  # words the story keeps returning to
    pick = rng.sample(range(len(outlets)), 8)
    hosts = [outlets[p].host for p in pick]

    def paras(count: int) -> list[str]:
        return model.paragraphs(rng, count, names, keywords, topic)

    def doc(i: int, minutes: int, body: list[str], kind: str, source: Doc | None = None,
            edge: str | None = None, host: str | None = None) -> Doc:  # fmt: skip
        where = host or hosts[i]
        return Doc(f"https://{where}/news/{number}-{kind}-{i}", where, "\n".join(body),
                   start + timedelta(minutes=minutes), kind, source.url if source else None,
                   edge, number)  # fmt: skip

    original_text = paras(rng.randint(6, 9))
    original = doc(0, 0, original_text, "original")
    copy = doc(1, 45, [*paras(1)[:1], *original_text], "copy", original, "copies")
    keep = max(2, round(len(original_text) * 0.6))
    partial_text = [*original_text[:keep], *paras(3)]
    partial = doc(2, 90, partial_text, "partial", original, "copies")
    para = paraphrase("\n".join(original_text), rng, model.synonyms).split("\n")
    paraphrased = doc(3, 150, para, "paraphrase", original, "paraphrases")
    chain = doc(4, 240, [*partial_text, *paras(1)], "chain", partial, "copies")
    wire_text = paras(rng.randint(5, 7))
    wire_text[0] = f"{rng.choice(_CITIES)} ({WIRE.aliases[0]}) — {wire_text[0]}"
    wire = doc(5, 30, wire_text, "wire", host=WIRE.host)
    wire_a = doc(5, 120, [*wire_text, *paras(1)], "wire-copy", wire, "common_source")
    wire_b = doc(6, 200, [*paras(1), *wire_text[:-1]], "wire-copy", wire, "common_source")
    distractor = doc(7, 300, paras(rng.randint(5, 8)), "distractor")
    return [original, copy, partial, paraphrased, chain, wire, wire_a, wire_b, distractor]


def stories(
    model: TextModel, outlets: Sequence[Outlet], count: int, *, seed: int = 0,
    start: datetime = START, first: int = 0, spacing: timedelta = timedelta(hours=6),
) -> list[Doc]:  # fmt: skip
    """`count` stories numbered from `first`, one every `spacing`, each from its own seed."""
    return [
        d
        for n in range(first, first + count)
        for d in story(model, random.Random(seed * 1_000_003 + n), outlets, n, start + n * spacing)
    ]


# ---------------------------------------------------------------- claims


@dataclass(frozen=True, slots=True)
class ClaimSpec:
    """A claim, the sentences that carry it (with their stance), and near misses."""

    slug: str
    text: str
    carriers: tuple[tuple[str, str], ...]  # (sentence, tracker.domain.Stance value)
    near_misses: tuple[str, ...]  # its topic words without the claim
    free_text: str  # another wording, for free-text who-repeated


CLAIMS = (
    ClaimSpec(
        "ai-code",
        "AI-written code caused the Parcelwise checkout outages.",
        (
            (
                "AI-written code caused the Parcelwise checkout outages, engineers said.",
                "attributes",
            ),
            (
                "The Parcelwise checkout outages were caused by code written by an AI assistant.",
                "asserts",
            ),
            (
                "According to the Ledger, code generated by AI tools caused the Parcelwise "
                "checkout outages.",
                "attributes",
            ),
            (
                "The disruptions at the Parcelwise checkout were blamed on code generated by AI "
                "tools.",
                "asserts",
            ),
            (
                "Software written by an artificial intelligence program was behind the Parcelwise "
                "checkout outages, insiders say.",
                "attributes",
            ),
        ),
        (
            "AI coding tools are increasingly popular among developers at Parcelwise.",
            "Parcelwise checkout outages left shoppers stranded again; the company gave no cause.",
            "Parcelwise hired more engineers to write code for its warehouse robots.",
            "The outages were caused by a power cut at a data centre, Parcelwise said.",
        ),
        "Code written by an AI assistant was behind the Parcelwise checkout outages",
    ),
    ClaimSpec(
        "bridge-closure",
        "The Harbour Bridge will close for two years from March.",
        (
            (
                "The Harbour Bridge will close for two years from March, the council said.",
                "attributes",
            ),
            ("From March the Harbour Bridge is set to be shut for two years.", "asserts"),
            (
                "The Harbour Bridge will be closed for a period of two years starting in March.",
                "asserts",
            ),
            (
                "The council denied that the Harbour Bridge will close for two years from March.",
                "disputes",
            ),
        ),
        (
            "Traffic on the Harbour Bridge was heavy for two hours on Monday.",
            "The Harbour Bridge reopened in March after a short repair.",
            "The council will vote on bridge tolls in two years.",
        ),
        "the Harbour Bridge shuts for two years starting March",
    ),
    ClaimSpec(
        "vaccine-recall",
        "Northfield Pharma recalled its flu vaccine after contamination was found.",
        (
            (
                "Northfield Pharma recalled its flu vaccine after contamination was found, "
                "regulators said.",
                "attributes",
            ),
            (
                "Northfield Pharma pulled its flu vaccine from pharmacies after finding "
                "contamination.",
                "asserts",
            ),
            (
                "The flu vaccine of Northfield Pharma was recalled because it was contaminated.",
                "asserts",
            ),
        ),
        (
            "Northfield Pharma said its flu vaccine sales rose this winter.",
            "Regulators inspected a vaccine plant near Northfield without finding problems.",
        ),
        "Northfield Pharma withdrew its contaminated flu vaccine",
    ),
)


def plant(text: str, sentence: str, rng: random.Random) -> str:
    """`text` with `sentence` appended to one of the paragraphs of its second half."""
    lines = text.split("\n")
    i = rng.randrange(len(lines) // 2, len(lines))
    lines[i] = f"{lines[i]} {sentence}"
    return "\n".join(lines)


def claim_docs(
    model: TextModel, outlets: Sequence[Outlet], claim: ClaimSpec, carriers: int,
    near_misses: int, *, seed: int = 0, start: datetime = START,
) -> list[tuple[Doc, str | None]]:  # fmt: skip
    """Articles carrying the claim (one carrier each, round robin) and near misses, with the
    stance each carries (None for a near miss); one article every 20 minutes."""
    rng = random.Random(seed)
    out: list[tuple[Doc, str | None]] = []
    for i in range(carriers + near_misses):
        carrier = i < carriers
        if carrier:
            sentence, stance = claim.carriers[i % len(claim.carriers)]
        else:
            sentence, stance = rng.choice(claim.near_misses), None
        host = outlets[rng.randrange(len(outlets))].host
        kind = "claim" if carrier else "near-miss"
        body = plant(model.text(rng, rng.randint(4, 7)), sentence, rng)
        url = f"https://{host}/{claim.slug}/{kind}-{i}"
        out.append((Doc(url, host, body, start + timedelta(minutes=20 * i), kind), stance))
    return out


# ---------------------------------------------------------------- the command line


def _stats(model: TextModel, texts: Sequence[str]) -> str:
    """Words per text and per sentence of generated texts."""
    words = [len(_WORD.findall(t)) for t in texts]
    sentences = [len(_WORD.findall(s)) for t in texts for s in _SENTENCE_END.split(t)]
    mean = sum(sentences) / len(sentences)
    spread = math.sqrt(sum((s - mean) ** 2 for s in sentences) / len(sentences))
    return (
        f"{len(texts)} texts: {sum(words) / len(words):.0f} words each, sentences "
        f"{mean:.1f} ± {spread:.1f} words; vocabulary {len(model.words)} words"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Generate a small corpus and print it (summary, or every document as JSON lines)."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--data", type=Path, default=None, help="learn the text model from here")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stories", type=int, default=3)
    parser.add_argument("--background", type=int, default=5, help="unrelated texts (bulk path)")
    parser.add_argument("--outlets", type=int, default=40)
    parser.add_argument("--jsonl", action="store_true", help="print every document as JSON")
    args = parser.parse_args(argv)
    model = model_for(args.data, args.seed)
    outlets = make_outlets(args.outlets, args.seed)
    feeds = make_feeds(outlets, args.seed)
    docs = stories(model, outlets, args.stories, seed=args.seed)
    claimed = [
        (d, s)
        for n, c in enumerate(CLAIMS)
        for d, s in claim_docs(model, outlets, c, 3, 2, seed=args.seed + n)
    ]
    background = model.bulk_texts(args.background, args.seed)
    if args.jsonl:
        for d in docs:
            print(json.dumps({**asdict(d), "seen": d.seen.isoformat()}))
        for d, stance in claimed:
            print(json.dumps({**asdict(d), "seen": d.seen.isoformat(), "stance": stance}))
        for i, body in enumerate(background):
            print(json.dumps({"kind": "background", "n": i, "text": body}))
        return 0
    print(f"model: {model.source}")
    print(
        f"outlets: {len(outlets)} (e.g. {outlets[0].name}, {outlets[0].host}), feeds: {len(feeds)}"
    )
    print(f"stories: {_stats(model, [d.text for d in docs])}")
    print(f"background: {_stats(model, background)}")
    print(f"kinds: {dict(Counter(d.kind for d in docs))}; claims: "
          f"{dict(Counter(d.kind for d, _ in claimed))}")  # fmt: skip
    for d in docs[:9]:
        source = f" <- {d.edge} {d.source}" if d.source else ""
        print(f"  {d.kind:<11}{d.url}{source}")
    print(f"\nsample background text:\n{background[0][:600]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
