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
- `sentences`: LZ4-compressed JSON (one block, its size first) `[title keys or null, [[start,
  end, tokens, concept keys, joined keys, detail], ...], profile]`: each sentence's span in the
  text, its token count, its concept keys and joined stems (space-separated strings, in the
  analyzer's order), and `detail`, a JSON string decoded only for a sentence a claim is scored
  against: token offsets relative to the sentence, the token indices of each concept and joined
  stem, and the tokens whose word is not what the text's characters normalise to (hashtag
  parts). Token words and stems are rebuilt from the text only for those sentences. `profile`
  is the text's event profile (`tracker.text.profile`), a JSON string decoded only for the
  articles the one-event filter compares.

On SQLite each version's content stems are also indexed, one `stem_token` each, so that which
versions carry a stem is one index lookup (`tracker.store.analyses.stem_presence`).

`ANALYSIS_FORMAT` names what the payloads hold; rows of another format are made again by the
next sync (`tracker.store.analyses`). It must be bumped when the payloads change, and when what
they are computed from changes: the analyzer, `term_stats`, or `specifics_of` (its fields are
checked when a profile is decoded, not what it computes from them).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import NamedTuple

import lz4.block
import orjson

from tracker.text.profile import (
    ReadyProfile,
    decode_profile,
    encode_profile,
    headline_and_body,
    profile_of,
)
from tracker.text.sentences import Sentence, split_sentences
from tracker.text.terms import TermStats, merge, term_stats
from tracker.text.words import Analysis, Analyzer, Token, normalise, stem

__all__ = [
    "ANALYSIS_FORMAT",
    "StoredSentence",
    "StoredText",
    "analyse_version",
    "decode_sentences",
    "decode_terms",
    "has_stem",
    "stem_needle",
    "stem_token",
]

ANALYSIS_FORMAT = 8  # bump when the payloads change; rows of another format are analysed again


class StoredSentence(NamedTuple):
    """One analysed sentence: its span in the version's text, its keys, and its packed detail.

    A named tuple, not a frozen dataclass: a free-text question decodes ~40k of them, and a
    frozen dataclass's `__init__` (one `object.__setattr__` per field) took ~5x as long to make.
    """

    text: str
    start: int
    end: int
    token_count: int
    # The concept keys and the joined stems, space-separated in the analyzer's order: split only
    # when read (`concepts`, `joined`), since most readers are memoised by the sentence's text.
    concept_keys: str
    joined_keys: str
    detail: str  # JSON: token offsets, indices per concept and joined stem, odd words

    @property
    def concepts(self) -> tuple[str, ...]:
        """The concept keys, in the analyzer's order."""
        return tuple(self.concept_keys.split())

    @property
    def joined(self) -> tuple[str, ...]:
        """The joined stems, in the analyzer's order."""
        return tuple(self.joined_keys.split())

    @property
    def sentence(self) -> Sentence:
        """The sentence with its offsets into the version's text."""
        return Sentence(self.text, self.start, self.end)

    def analysis(self) -> Analysis:
        """The sentence's `Analysis`, as `Analyzer.analyse(self.text)` returns it."""
        offsets, concept_indices, joined_indices, words = json.loads(self.detail)
        tokens: list[Token] = []
        for i in range(0, len(offsets), 2):
            begin, finish = offsets[i], offsets[i + 1]
            word = words.get(str(i // 2)) or normalise(self.text[begin:finish])
            tokens.append(Token(word, stem(word), begin, finish))
        return Analysis(
            tuple(tokens),
            {k: tuple(v) for k, v in zip(self.concepts, concept_indices, strict=True)},
            {k: tuple(v) for k, v in zip(self.joined, joined_indices, strict=True)},
        )


@dataclass(frozen=True, slots=True)
class StoredText:
    """A version's sentences as analysed at ingest, its title's concept keys and its profile."""

    title_keys: frozenset[str] | None  # None when the title is blank
    sentences: tuple[StoredSentence, ...]
    text: str
    stored_profile: str  # JSON, decoded by `profile`

    def profile(self) -> ReadyProfile:
        """The text's event profile (computed again if stored for other `Specifics` fields)."""
        return decode_profile(self.stored_profile) or ReadyProfile.of(profile_of(self.text))


def _keys(analysis: Analysis) -> list[str]:
    return sorted(set(analysis.concepts) | set(analysis.joined))


def _encode_sentence(sentence: Sentence, analysis: Analysis) -> list[object]:
    offsets = [offset for token in analysis.tokens for offset in (token.start, token.end)]
    words: dict[str, str] = {}
    if "#" in sentence.text:  # only a hashtag's parts are words their characters do not spell
        for i, token in enumerate(analysis.tokens):
            if normalise(sentence.text[token.start : token.end]) != token.word:
                words[str(i)] = token.word
    detail = [
        offsets,
        [list(v) for v in analysis.concepts.values()],
        [list(v) for v in analysis.joined.values()],
        words,
    ]
    return [
        sentence.start,
        sentence.end,
        len(analysis.tokens),
        " ".join(analysis.concepts),
        " ".join(analysis.joined),
        _json(detail).decode(),
    ]


def _json(value: object) -> bytes:
    """Compact JSON in UTF-8: the payloads' format."""
    # For these payloads (lists, dicts with string keys, integers, strings, None) orjson writes
    # the bytes `json.dumps(value, ensure_ascii=False, separators=(",", ":"))` wrote, in a
    # fraction of the time (`benchmarks/analysis.py` prints the same digest either way).
    return orjson.dumps(value)


def analyse_version(title: str, text: str, analyzer: Analyzer) -> tuple[str, bytes]:
    """The two stored payloads of a version: its terms (JSON) and its sentences (compressed)."""
    combined = headline_and_body(title, text)
    profile = profile_of(combined)  # the event profile reads the headline with the body
    # The stored terms are `term_stats(f"{title}\n{text}")`: the profile's, when the headline
    # was put before the body (no token spans the line break and none after it is a name by
    # what precedes it, so the two parts' stats add up to it, stems in the same order:
    # tests/test_text_profile.py); else the title's added to the body's.
    stats = (
        merge([term_stats(title), profile.terms]) if title and combined == text else profile.terms
    )
    terms = _json([dict(stats.counts), sorted(stats.names)]).decode()
    title_keys = _keys(analyzer.analyse(title)) if title.strip() else None
    sentences = [_encode_sentence(s, analyzer.analyse(s.text)) for s in split_sentences(text)]
    body = _json([title_keys, sentences, encode_profile(profile)])
    # LZ4 rather than zlib: a free-text question decompresses thousands of payloads, ~4 us each
    # against ~16 us (4.2 kB of JSON on average), for ~50% more bytes stored (2.15 kB against
    # 1.44 kB on the generated 100k corpus); the high-compression mode writes faster than zlib's
    # level 6 did (~27 us against ~62 us a payload).
    return terms, lz4.block.compress(body, mode="high_compression", compression=9)


def has_stem(terms: str, stem_: str) -> bool:
    """True when a stored `terms` payload carries the stem (without decoding it)."""
    return stem_needle(stem_) in terms


def stem_needle(stem_: str) -> str:
    """What a stored `terms` payload holds exactly when it carries the stem (`has_stem`)."""
    return f'"{stem_}":'


def stem_token(stem_: str) -> str:
    """The stem's token in the stem index: a letter and 16 hex digits of its hash.

    Letters and digits only, so any tokenizer reads it as one token, as it is; two stems sharing
    a token (odds ~2^-64 a pair) only make a version look like it carries a stem it lacks, which
    the readers' tests on the version's own terms then drop.
    """
    return "s" + hashlib.blake2b(stem_.encode(), digest_size=8).hexdigest()


def decode_terms(terms: str) -> TermStats:
    """The `TermStats` stored in a `terms` payload."""
    # orjson reads what `json.dumps` wrote into the same values (integers, strings and finite
    # floats only) in about half the time: a free-text question decodes thousands of payloads.
    counts, names = orjson.loads(terms)
    return TermStats(counts, frozenset(names))


def decode_sentences(payload: bytes, text: str) -> StoredText:
    """The stored sentences of a version, read against the version's text."""
    title_keys, rows, profile = orjson.loads(lz4.block.decompress(payload))  # as `decode_terms`
    # `tuple.__new__` straight, not the named tuple's own `__new__` (a Python function that
    # calls it): a question decodes ~40k sentences.
    new = tuple.__new__
    sentences = tuple(
        [
            new(StoredSentence, (text[start:end], start, end, count, concepts, joined, detail))
            for start, end, count, concepts, joined, detail in rows
        ]
    )
    keys = frozenset(title_keys) if title_keys is not None else None
    return StoredText(keys, sentences, text, profile)
