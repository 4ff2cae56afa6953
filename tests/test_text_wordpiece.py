"""The plain-Python WordPiece tokenizer splits text exactly as the `tokenizers` library does."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

from tracker.text.embeddings import DEFAULT_TABLE_DIR
from tracker.text.wordpiece import WordPiece

VOCABULARY = (DEFAULT_TABLE_DIR / "vocab.txt").read_text(encoding="utf-8").splitlines()

# Text written for this test: news prose with the cases BERT's tokenizer treats specially.
SAMPLES = [
    "The mayor's office said on Monday that 3,400 homes had lost power.",
    "Prices rose 2.5% in Q3 -- the fastest pace since 2011, officials told Reuters.",
    "Café owners in São Paulo and Zürich protested the new rules.",
    "The U.S.-based firm (NASDAQ: ACME) paid $1.2bn for the start-up.",
    '"We will not back down," she said. "Never!"',
    "Tokyo 東京 and Beijing 北京 hosted the summit; talks lasted 12h.",
    "Emoji 😀 and symbols € £ ¥ © ™ → ∞ stay as the library splits them.",
    "A very long word: " + "pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    "Tabs\tand\nnew lines\r\nand\u00a0non-breaking\u2009spaces, soft\u00adhyphen, zero\u200bwidth.",
    "İstanbul, ΑΘΗΝΑ, Straße, naïve coöperation, résumé, Ångström.",
    "hello_world foo@bar.example #hashtag @handle https://example.test/a?b=c&d=e",
    "",
    "   ",
]


def reference() -> Tokenizer:
    """MiniLM's tokenizer set-up (uncased BERT WordPiece) over the shipped vocabulary."""
    vocab = {token: index for index, token in enumerate(VOCABULARY)}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return tokenizer


REFERENCE = reference()
OURS = WordPiece(VOCABULARY)


def library_ids(text: str) -> list[int]:
    return list(REFERENCE.encode(text, add_special_tokens=False).ids)


@pytest.mark.parametrize("text", SAMPLES)
def test_same_ids_as_the_library(text: str) -> None:
    assert OURS.ids(text) == library_ids(text)


def test_cached_chunks_give_the_same_ids_again() -> None:
    first = [OURS.ids(text) for text in SAMPLES]
    assert [OURS.ids(text) for text in SAMPLES] == first


def test_unknown_words_become_the_unknown_id() -> None:
    assert OURS.ids("\u2603") == [OURS.unknown_id]
    assert OURS.ids("a" * 101) == [OURS.unknown_id]


def test_vocabulary_without_unknown_token_is_refused() -> None:
    with pytest.raises(ValueError, match="UNK"):
        WordPiece(["a", "b"])


# Characters up to U+1FFF plus the special ones from further up (spaces, separators, general
# punctuation, CJK, symbols, emoji, private use). Only characters whose category is the same in
# Unicode 3.2 as today: Python and the library carry character tables of different Unicode
# versions, so a character assigned since (such as U+0C84) is punctuation to one and not the
# other; news text does not use them.
SPECIAL = "\u2010\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u2028\u2029\u202f\u3000"
SPECIAL += "\u200b\u200d\u2060\ufeff\u20ac\u2122\u2192\u4e2d\u56fd\u3001\u3002\ue000\U0001f600"
ALPHABET = st.characters(max_codepoint=0x1FFF).filter(
    lambda c: unicodedata.ucd_3_2_0.category(c) == unicodedata.category(c)
) | st.sampled_from(SPECIAL)


@settings(max_examples=500, deadline=None)
@given(st.text(ALPHABET, max_size=80))
def test_same_ids_as_the_library_on_any_text(text: str) -> None:
    assert OURS.ids(text) == library_ids(text)
