"""Tokenising's fast path and the stored payloads' JSON give what the plain code gave."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tracker.text.stored import _json
from tracker.text.words import Analyzer, Token, normalise, stem, tokenize

# News-like text: words, initialisms, apostrophes, hyphens, digits, accents, curly quotes.
_PIECES = st.sampled_from(
    ["AI-written", "U.S.", "didn't", "O’Brien’s", "covid-19", "Café", "3.5", "e.g.", "“quoted”",
     "cyber", "attack", "Parcelwise", "the", "a", "—", ",", ".", "\n", "x_y", "ß", "İstanbul"]
)  # fmt: skip
_TEXTS = st.lists(_PIECES | st.text(max_size=8), max_size=30).map(" ".join)


def _plain(tokens: list[Token]) -> list[tuple[str, str, int, int]]:
    return [(t.word, t.stem, t.start, t.end) for t in tokens]


@given(_TEXTS)
def test_the_fast_path_tokenises_as_the_hashtag_path(text: str) -> None:
    # A lone "#" is no token, but it sends the text through the loop that splits hashtags.
    text = text.replace("#", " ")
    assert _plain(tokenize(text)) == _plain(tokenize(f"{text} #"))


@given(_TEXTS)
def test_a_token_is_the_word_its_span_spells_and_that_word_s_stem(text: str) -> None:
    text = text.replace("#", " ")  # no hashtag: every token's word is its characters, normalised
    for token in tokenize(text):
        assert token.word == normalise(text[token.start : token.end])
        assert token.stem == stem(token.word)


def test_hashtags_are_still_split_at_their_capitals() -> None:
    words = [t.word for t in tokenize("Fires spread #AustralianFires today")]
    assert words == ["fires", "spread", "australian", "fires", "today"]
    analysis = Analyzer().analyse("#AustralianFires spread")
    assert [t.word for t in analysis.tokens] == ["australian", "fires", "spread"]


_JSON_VALUES = st.recursive(
    st.none() | st.integers(min_value=-(2**53), max_value=2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=25,
)


@given(_JSON_VALUES)
def test_stored_payloads_are_the_json_the_standard_library_wrote(value: object) -> None:
    try:
        expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:  # a lone surrogate: neither writes it
        return
    assert _json(value) == expected
