"""Words of English news text: tokens with offsets, stems, stop words, and lexicon concepts."""

from __future__ import annotations

import hashlib
import importlib
import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from tracker.text.lexicon import LEXICON, ConceptGroup

__all__ = [
    "STOP_WORDS",
    "Analysis",
    "Analyzer",
    "Token",
    "content_stem_set",
    "content_stems_at",
    "content_tokens",
    "distinct_stems",
    "normalise",
    "stem",
    "tokenize",
]

# Function words that carry no concept of their own. Written out rather than imported because the
# libraries that ship such lists (NLTK, scikit-learn) are far too heavy for one frozenset; negations
# are stop words here too, since stance (not matching) decides what a "not" does.
STOP_WORDS = frozenset(
    """a about above across after again against all almost also am among an and another any
    anyone anything are aren't around as at be became because been before being below between
    both but by can can't cannot could couldn't did didn't do does doesn't doing don't done down
    during each either else even ever every few for from further had hadn't has hasn't have
    haven't having he her here hers herself him himself his how however i if in into is isn't it
    it's its itself just let like made make many may me might more most much must my myself
    neither no nor not now of off often on once one only onto or other others our ours ourselves
    out over own per perhaps quite rather really same shall she should shouldn't since so some
    such than that that's the their theirs them themselves then there these they this those
    though through thus to too toward towards under until up upon us very via was wasn't we well
    were weren't what when where whether which while who whom whose why will with within without
    won't would wouldn't yet you your yours yourself yourselves""".split()
)

# Irregular forms the Snowball stemmer leaves apart from their lemma ("wrote" vs "write").
_IRREGULAR = {
    "written": "write", "wrote": "write", "went": "go", "gone": "go", "led": "lead",
    "made": "make", "took": "take", "taken": "take", "said": "say", "told": "tell",
    "paid": "pay", "bought": "buy", "sold": "sell", "began": "begin", "begun": "begin",
    "brought": "bring", "thought": "think", "found": "find", "fell": "fall", "fallen": "fall",
    "rose": "rise", "risen": "rise", "spent": "spend", "lost": "lose", "won": "win",
    "ran": "run", "knew": "know", "known": "know", "gave": "give", "given": "give",
    "saw": "see", "seen": "see", "built": "build", "sent": "send", "kept": "keep",
    "held": "hold", "grew": "grow", "grown": "grow", "hid": "hide", "hidden": "hide",
    "children": "child", "men": "man", "women": "woman", "people": "person", "died": "die",
    "dying": "die",
}  # fmt: skip

# Upper-case forms whose lower case would collide with a stop word ("US" vs "us").
_CASE_ALIASES = {"US": "usa", "U.S.": "usa", "U.S": "usa", "UK": "uk", "U.K.": "uk", "EU": "eu"}

# An initialism with dots ("U.S."), or a run of letters and digits with inner apostrophes; a
# hyphen splits words, so "AI-written" gives "AI" and "written".
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|#?[^\W_]+(?:['’][^\W_]+)*")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# Unbound methods of a match, mapped over a text's matches at C speed (no Python loop per word).
_GROUP = re.Match.group
_START = re.Match.start
_END = re.Match.end

# Imported by name: snowballstemmer ships no type information, and this keeps its untyped API
# (one call, stemWord) behind the typed `stem` below. With PyStemmer installed (a dependency),
# snowballstemmer hands over to it: the same Snowball algorithms compiled to C, about ten times
# faster than the pure-Python ones, which stem every word of every new version in the claims stage.
_STEMMER = importlib.import_module("snowballstemmer").stemmer("english")


class Token(NamedTuple):
    """One word of a text: its lower-case form, its stem and its offsets in the text.

    A named tuple, not a frozen dataclass: every analysed sentence makes one per word, and a
    frozen dataclass's `__init__` (one `object.__setattr__` per field) took most of
    `tokenize`'s time (`benchmarks/analysis.py`, four runs in turn with the dataclass: 39-63
    against 58-74 us a sentence of the dev scenario).
    """

    word: str
    stem: str
    start: int
    end: int


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one lower-case word (Snowball English, irregular forms first)."""
    word = _IRREGULAR.get(word, word)
    result: str = _STEMMER.stemWord(word)
    return result


def _normalise(raw: str) -> str:
    """Lower-case a raw token, dropping a possessive and mapping "n't" forms to "not"."""
    if raw in _CASE_ALIASES:
        return _CASE_ALIASES[raw]
    word = raw.lower().replace("’", "'")
    if "." in word:  # an initialism: "e.g." -> "eg"
        return word.replace(".", "")
    if word.endswith("n't"):
        return "not"
    if word.endswith("'s"):
        return word[:-2]
    return word


def normalise(raw: str) -> str:
    """The word a raw token stands for (what `tokenize` gives a plain, non-hashtag token)."""
    return _normalise(raw)


def tokenize(text: str) -> list[Token]:
    """Split `text` into word tokens; hashtags are split at their capitals ("#AustralianFires")."""
    if "#" not in text:
        # No hashtag: every token is one word, looked up and built without a Python loop body
        # per match (the claims matcher tokenises every candidate sentence).
        matches = list(_TOKEN.finditer(text))
        words = map(_word_and_stem, map(_GROUP, matches))
        new, token = tuple.__new__, Token
        return [
            new(token, (word[0], word[1], start, end))
            for word, start, end in zip(
                words, map(_START, matches), map(_END, matches), strict=True
            )
            if word[0]
        ]
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        if raw.startswith("#"):
            for part in _CAMEL.finditer(raw, 1):
                word = part.group().lower()
                start = match.start() + part.start()
                tokens.append(Token(word, stem(word), start, start + len(word)))
            continue
        word, word_stem = _word_and_stem(raw)
        if word:
            tokens.append(Token(word, word_stem, match.start(), match.end()))
    return tokens


# News repeats its words: most tokens were normalised before. The dev scenario's 496 pages hold
# 15,027 distinct raw tokens; 50,000 entries take about 14 MB (tracemalloc).
@lru_cache(maxsize=50_000)
def _word_and_stem(raw: str) -> tuple[str, str]:
    """The word a raw token stands for and its stem ("" for a token that stands for none)."""
    word = _normalise(raw)
    return word, stem(word) if word else ""


def _is_content_word(word: str) -> bool:
    """True for a word that carries content: not a stop word, not a single letter."""
    return word not in STOP_WORDS and (len(word) > 1 or word.isdigit())


@lru_cache(maxsize=50_000)
def _content_stem(raw: str) -> str | None:
    """The stem of a raw token's word when that word carries content, else None."""
    word, word_stem = _word_and_stem(raw)
    return word_stem if word and _is_content_word(word) else None


def content_stems_at(text: str) -> list[tuple[str, int]]:
    """The stem and start offset of every content word of `text`, in order.

    The content tokens of `tokenize` (no stop words, no single letters), without building a
    `Token` for every word: counting a whole text's stems needs only these.
    """
    if "#" in text:
        return _content_stems_at_hashtags(text)
    matches = list(_TOKEN.finditer(text))
    stems = map(_content_stem, map(_GROUP, matches))
    return [
        (word_stem, start)
        for word_stem, start in zip(stems, map(_START, matches), strict=True)
        if word_stem is not None
    ]


def _content_stems_at_hashtags(text: str) -> list[tuple[str, int]]:
    """`content_stems_at` of a text that may hold hashtags (split at their capitals)."""
    out: list[tuple[str, int]] = []
    append = out.append
    for match in _TOKEN.finditer(text):
        raw = match.group()
        if raw[0] == "#":
            for part in _CAMEL.finditer(raw, 1):
                word = part.group().lower()
                if _is_content_word(word):
                    append((stem(word), match.start() + part.start()))
            continue
        word_stem = _content_stem(raw)
        if word_stem is not None:
            append((word_stem, match.start()))
    return out


def content_stem_set(text: str) -> set[str]:
    """The distinct stems of the content words of `text` (what the topic bands hash)."""
    if "#" in text:
        return {word_stem for word_stem, _ in _content_stems_at_hashtags(text)}
    # Looked up at C speed; the set of distinct results is small and left without its None.
    found = set(map(_content_stem, _TOKEN.findall(text)))
    return {word_stem for word_stem in found if word_stem is not None}


class _StemSets:
    """Distinct content stems of the texts last remembered, by a 16-byte digest of each text.

    Keyed by digest, not by the text: a text may be 500,000 characters, and a remembered one
    would be kept alive. BLAKE2b's 128 bits make two texts with one digest a practical
    impossibility (an entry is about 1.7 KB on news pages; the stems are the stem caches' own
    strings). A lock, since the stages and a free-text question may run on two threads.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[bytes, tuple[str, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> tuple[str, ...] | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: bytes, stems: tuple[str, ...]) -> None:
        with self._lock:
            self._entries[key] = stems
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


# The linking stage fingerprints every new text (its topic bands hash these stems), and the
# claims stage then counts the same texts' stems for document frequencies (`tracker.store.
# term_df`): the first remembers them, the second reads them. A stage run covers the versions
# stored since the last one (64 at a time in a WARC import, a crawl pass's in a crawl).
_REMEMBERED = _StemSets(1024)


def distinct_stems(text: str, *, remember: bool = True) -> tuple[str, ...]:
    """`content_stem_set(text)` as a tuple (in no set order), from memory when it is there.

    `remember`: keep it for a later call. A reader that only looks texts up (the document
    frequencies' count) passes False: over a pass larger than the memory, entries it put in
    would push out the ones still to be read, before their turn.
    """
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    found = _REMEMBERED.get(key)
    if found is None:
        found = tuple(content_stem_set(text))
        if remember:
            _REMEMBERED.put(key, found)
    return found


@lru_cache(maxsize=50_000)
def _content_word(raw: str) -> tuple[str, str] | None:
    """The word and stem a raw token stands for when that word carries content, else None."""
    word, word_stem = _word_and_stem(raw)
    return (word, word_stem) if word and _is_content_word(word) else None


def content_tokens(text: str) -> list[Token]:
    """The content tokens of `tokenize(text)` (no stop words, no single letters), in order.

    A `Token` is built only for the words kept, and the words are looked up at C speed: the
    linking stage reads every new text's content tokens (topic bands, names, specifics).
    """
    if "#" in text:
        return [token for token in tokenize(text) if _is_content_word(token.word)]
    matches = list(_TOKEN.finditer(text))
    found = map(_content_word, map(_GROUP, matches))
    new = tuple.__new__
    return [
        new(Token, (word[0], word[1], match.start(), match.end()))
        for word, match in zip(found, matches, strict=True)
        if word is not None
    ]


@dataclass(frozen=True, slots=True)
class Analysis:
    """A text as concepts: each concept id maps to the indices of the tokens that carry it.

    A concept id is a lexicon group's name (starting with "=") or a content word's stem.
    `joined` holds the stems of adjacent token pairs written as one word ("cyber attack" ->
    "cyberattack"), so compounds match whichever way a text spells them.
    """

    tokens: tuple[Token, ...]
    concepts: Mapping[str, tuple[int, ...]]
    joined: Mapping[str, tuple[int, ...]]


class Analyzer:
    """Turns text into concepts with the lexicon; holds the lexicon compiled to stem sequences."""

    def __init__(self, lexicon: Iterable[ConceptGroup] = LEXICON) -> None:
        """Compile the lexicon's phrases into stem sequences indexed by their first stem."""
        self.groups: dict[str, ConceptGroup] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for group in lexicon:
            self.groups[group.name] = group
            for phrase in group.phrases:
                stems = tuple(token.stem for token in tokenize(phrase))
                if stems:
                    self._phrases.setdefault(stems[0], []).append((stems, group.name))
        for candidates in self._phrases.values():
            candidates.sort(key=lambda item: -len(item[0]))  # longest phrase wins

    def group_of_stem(self, word_stem: str) -> str | None:
        """Return the group a single-word phrase with this stem belongs to, if any."""
        for stems, name in self._phrases.get(word_stem, ()):
            if len(stems) == 1:
                return name
        return None

    def analyse(self, text: str) -> Analysis:
        """Find the concepts of `text`: lexicon phrases (longest first), then content stems."""
        tokens = tokenize(text)
        stems = [token.stem for token in tokens]
        phrases = self._phrases
        concepts: dict[str, list[int]] = {}
        i, count = 0, len(tokens)
        while i < count:
            word, word_stem = tokens[i][:2]
            # Most words start no lexicon phrase: one lookup, no call, for those.
            if word_stem in phrases and (matched := self._match_phrase(stems, i)) is not None:
                name, length = matched
                concepts.setdefault(name, []).extend(range(i, i + length))
                i += length
                continue
            if word not in STOP_WORDS and (len(word) > 1 or word.isdigit()):
                concepts.setdefault(word_stem, []).append(i)
            i += 1
        joined: dict[str, list[int]] = {}
        for i, (left, right) in enumerate(itertools.pairwise(tokens)):
            if left.end + 1 >= right.start:  # adjacent, or split by one character ("covid-19")
                joined.setdefault(stem(left.word + right.word), []).extend((i, i + 1))
        return Analysis(
            tuple(tokens),
            {key: tuple(value) for key, value in concepts.items()},
            {key: tuple(value) for key, value in joined.items()},
        )

    def _match_phrase(self, stems: list[str], i: int) -> tuple[str, int] | None:
        """Return (group, length) of the longest lexicon phrase starting at token `i`."""
        for phrase, name in self._phrases.get(stems[i], ()):
            if tuple(stems[i : i + len(phrase)]) == phrase:
                return name, len(phrase)
        return None
