"""A version's text analysed once (sentences, concepts, content stems), stored and read back.

The claims matcher reads a text as sentences, each analysed into lexicon concepts and stems
(`tracker.text.words.Analyzer`), and same-event expansion reads the whole text's content stems
(`tracker.text.terms.term_stats`). Both are pure functions of a version's title and text, so they
are computed when the version is stored (`analyse_version`) and a free-text question only decodes
them: it never splits or stems a stored document again.

Two payloads per version:

- `terms`: JSON `[{stem: count}, [name stems]]`, the `TermStats` of title and text. A stem is
  letters, digits and apostrophes only, so `'"stem":'` occurs in the JSON exactly when the text
  carries the stem (`has_stem`): a cheap test before decoding.
- `sentences`: zlib-compressed JSON `[title keys or null, [[start, end, token offsets, concepts,
  joined, words], ...]]`: each sentence's span in the text, its tokens' offsets relative to the
  sentence, its concepts and joined stems with token indices, and the tokens whose word is not
  what the text's characters normalise to (hashtag parts). Token words and stems are rebuilt
  from the text only for the sentences a claim is actually scored against.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tracker.text.sentences import Sentence, split_sentences
from tracker.text.terms import TermStats, term_stats
from tracker.text.words import Analysis, Analyzer, Token, normalise, stem

__all__ = [
    "ANALYSIS_FORMAT",
    "StoredSentence",
    "StoredText",
    "analyse_version",
    "decode_sentences",
    "decode_terms",
    "has_stem",
]

ANALYSIS_FORMAT = 1  # bump when the payloads change; rows of another format are analysed again


@dataclass(frozen=True, slots=True)
class StoredSentence:
    """One analysed sentence: its span in the version's text and its concepts, without tokens."""

    text: str
    start: int
    end: int
    offsets: tuple[int, ...]  # token (start, end) pairs, flat, relative to the sentence
    concepts: Mapping[str, Sequence[int]]
    joined: Mapping[str, Sequence[int]]
    words: Mapping[int, str]  # tokens whose word differs from their characters normalised

    @property
    def token_count(self) -> int:
        """How many word tokens the sentence has."""
        return len(self.offsets) // 2

    @property
    def sentence(self) -> Sentence:
        """The sentence with its offsets into the version's text."""
        return Sentence(self.text, self.start, self.end)

    def analysis(self) -> Analysis:
        """The sentence's `Analysis`, as `Analyzer.analyse(self.text)` returns it."""
        tokens: list[Token] = []
        offsets = self.offsets
        for i in range(0, len(offsets), 2):
            begin, finish = offsets[i], offsets[i + 1]
            word = self.words.get(i // 2) or normalise(self.text[begin:finish])
            tokens.append(Token(word, stem(word), begin, finish))
        return Analysis(
            tuple(tokens),
            {key: tuple(value) for key, value in self.concepts.items()},
            {key: tuple(value) for key, value in self.joined.items()},
        )


@dataclass(frozen=True, slots=True)
class StoredText:
    """A version's sentences as analysed at ingest, and its title's concept keys."""

    title_keys: frozenset[str] | None  # None when the title is blank
    sentences: tuple[StoredSentence, ...]


def _keys(analysis: Analysis) -> list[str]:
    return sorted(set(analysis.concepts) | set(analysis.joined))


def _encode_sentence(sentence: Sentence, analysis: Analysis) -> list[object]:
    offsets: list[int] = []
    words: dict[str, str] = {}
    for i, token in enumerate(analysis.tokens):
        offsets.extend((token.start, token.end))
        if normalise(sentence.text[token.start : token.end]) != token.word:
            words[str(i)] = token.word
    return [
        sentence.start,
        sentence.end,
        offsets,
        {k: list(v) for k, v in analysis.concepts.items()},
        {k: list(v) for k, v in analysis.joined.items()},
        words,
    ]


def analyse_version(title: str, text: str, analyzer: Analyzer) -> tuple[str, bytes]:
    """The two stored payloads of a version: its terms (JSON) and its sentences (compressed)."""
    stats = term_stats(f"{title}\n{text}")
    terms = json.dumps(
        [dict(stats.counts), sorted(stats.names)], ensure_ascii=False, separators=(",", ":")
    )
    title_keys = _keys(analyzer.analyse(title)) if title.strip() else None
    sentences = [_encode_sentence(s, analyzer.analyse(s.text)) for s in split_sentences(text)]
    body = json.dumps([title_keys, sentences], ensure_ascii=False, separators=(",", ":"))
    return terms, zlib.compress(body.encode(), 6)


def has_stem(terms: str, stem_: str) -> bool:
    """True when a stored `terms` payload carries the stem (without decoding it)."""
    return f'"{stem_}":' in terms


def decode_terms(terms: str) -> TermStats:
    """The `TermStats` stored in a `terms` payload."""
    counts, names = json.loads(terms)
    return TermStats(counts, frozenset(names))


def decode_sentences(payload: bytes, text: str) -> StoredText:
    """The stored sentences of a version, read against the version's text."""
    title_keys, rows = json.loads(zlib.decompress(payload))
    sentences = tuple(
        StoredSentence(
            text[start:end],
            start,
            end,
            tuple(offsets),
            concepts,
            joined,
            {int(k): v for k, v in words.items()} if words else {},
        )
        for start, end, offsets, concepts, joined, words in rows
    )
    return StoredText(frozenset(title_keys) if title_keys is not None else None, sentences)
