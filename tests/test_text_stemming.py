"""Stems come from Snowball's C build (PyStemmer) and equal the pure-Python Snowball's, so the
analyses, and every match made from them, are the ones the pure-Python stemmer gave."""

from __future__ import annotations

import importlib
import itertools
from pathlib import Path

import tracker.demo
import tracker.text
from tracker.text import words
from tracker.text.words import stem, tokenize

DATA = Path(tracker.text.__file__).parent / "data" / "vocab.txt"
ARTICLES = Path(tracker.demo.__file__).parent / "corpus" / "articles"


def _reference(word: str) -> str:
    """The pure-Python Snowball English stem, irregular forms first (as `stem` does)."""
    english = importlib.import_module("snowballstemmer.english_stemmer").EnglishStemmer()
    result: str = english.stemWord(words._IRREGULAR.get(word, word))
    return result


def _texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(ARTICLES.glob("*.txt"))]


def test_the_stemmer_is_snowballs_c_build() -> None:
    assert type(words._STEMMER).__module__ == "Stemmer"


def test_every_word_and_compound_stems_as_the_pure_python_snowball() -> None:
    found = {line.strip() for line in DATA.read_text(encoding="utf-8").splitlines()}
    for text in _texts():
        tokens = tokenize(text)
        found.update(token.word for token in tokens)
        # The compounds `Analyzer.analyse` stems: two adjacent words written as one.
        found.update(a.word + b.word for a, b in itertools.pairwise(tokens))
    found.update(["", "a", "y", "yyy", "caféteria", "naïve", "Ärger", "'s", "skies", "dying"])
    found.discard("")
    assert len(found) > 30_000
    differ = {
        word: (stem(word), _reference(word)) for word in found if stem(word) != _reference(word)
    }
    assert differ == {}
