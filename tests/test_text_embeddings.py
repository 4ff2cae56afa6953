"""The shipped static sentence encoder: loads offline, ranks paraphrase above unrelated text."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tracker.errors import BadInput
from tracker.text.embeddings import (
    DEFAULT_TABLE_DIR,
    SentenceEncoder,
    cosine_matrix,
    load_default_encoder,
)
from tracker.text.wordpiece import WordPiece

# Pairs written for this test: a sentence, a paraphrase of it, and an unrelated sentence.
PAIRS = [
    (
        "The city council voted on Tuesday to close the old bridge for repairs.",
        "On Tuesday, local lawmakers decided the ageing bridge will shut so it can be fixed.",
        "A new bakery on the high street sells sourdough loaves every morning.",
    ),
    (
        "The singer cancelled her European tour after falling ill.",
        "Illness forced the vocalist to call off her concerts across Europe.",
        "Wheat prices fell sharply as the harvest came in larger than expected.",
    ),
    (
        "Police arrested two men suspected of robbing a jewellery store downtown.",
        "Two suspects were detained by officers over the theft at a jeweller in the city centre.",
        "The football club signed a young goalkeeper on a three-year contract.",
    ),
    (
        "The company recalled thousands of cars because of faulty brakes.",
        "Thousands of vehicles are being called back by the carmaker over a brake defect.",
        "Scientists observed a rare comet passing close to the sun last night.",
    ),
]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return load_default_encoder()


def test_rows_are_unit_length_float32(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode([sentence for triple in PAIRS for sentence in triple])
    assert vectors.dtype == np.float32
    assert vectors.shape == (12, encoder.dimensions)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(("sentence", "paraphrase", "unrelated"), PAIRS)
def test_paraphrase_scores_above_unrelated(
    encoder: SentenceEncoder, sentence: str, paraphrase: str, unrelated: str
) -> None:
    vectors = encoder.encode([sentence, paraphrase, unrelated])
    similar = float(vectors[0] @ vectors[1])
    different = float(vectors[0] @ vectors[2])
    assert similar > different + 0.15


def test_each_sentence_finds_its_own_paraphrase(encoder: SentenceEncoder) -> None:
    sentences = encoder.encode([triple[0] for triple in PAIRS])
    paraphrases = encoder.encode([triple[1] for triple in PAIRS])
    best = cosine_matrix(sentences, paraphrases).argmax(axis=1)
    assert best.tolist() == list(range(len(PAIRS)))


def test_empty_batch(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode([])
    assert vectors.shape == (0, encoder.dimensions)
    assert vectors.dtype == np.float32


def test_empty_and_unknown_sentences_get_zero_rows_in_place(encoder: SentenceEncoder) -> None:
    batch = ["", PAIRS[0][0], "   ", "\u2603\u2603 \U0001f600", PAIRS[1][0]]
    vectors = encoder.encode(batch)
    assert not vectors[[0, 2, 3]].any()
    assert np.allclose(vectors[1], encoder.encode([PAIRS[0][0]])[0], atol=1e-6)
    assert np.allclose(vectors[4], encoder.encode([PAIRS[1][0]])[0], atol=1e-6)


def test_unknown_pieces_do_not_change_the_vector(encoder: SentenceEncoder) -> None:
    plain, with_symbols = encoder.encode([PAIRS[2][0], PAIRS[2][0] + " \u2603"])
    assert np.allclose(plain, with_symbols, atol=1e-6)


def test_words_outside_the_vocabulary_still_embed(encoder: SentenceEncoder) -> None:
    (vector,) = encoder.encode(["Zyxlorbian quintessentialities"])
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_deterministic_and_independent_of_batching(encoder: SentenceEncoder) -> None:
    sentences = [sentence for triple in PAIRS for sentence in triple]
    once = encoder.encode(sentences)
    again = encoder.encode(sentences)
    one_by_one = np.vstack([encoder.encode([sentence]) for sentence in sentences])
    assert np.array_equal(once, again)
    assert np.allclose(once, one_by_one, atol=1e-6)


def test_token_vectors_are_distinct_unit_rows_per_sentence(encoder: SentenceEncoder) -> None:
    rows, lengths, counts = encoder.token_vectors(["", "the bridge, the bridge", "bridge"])
    assert counts.tolist()[0] == 0 and counts[1] == 3 and counts[2] == 1  # the, bridge, ","
    assert rows.shape == (int(counts.sum()), encoder.dimensions) and lengths.shape == (4,)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5) and (lengths > 0).all()
    # The same token gets the same row wherever it is.
    assert any(np.allclose(rows[-1], row) for row in rows[:3])


def test_a_bare_string_is_refused(encoder: SentenceEncoder) -> None:
    with pytest.raises(TypeError):
        encoder.encode("one sentence")  # type: ignore[arg-type]


def test_default_encoder_is_cached() -> None:
    assert load_default_encoder() is load_default_encoder()


def test_directory_without_table_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no embedding table"):
        SentenceEncoder.from_directory(tmp_path)


def test_table_must_match_tokenizer() -> None:
    vocabulary = (DEFAULT_TABLE_DIR / "vocab.txt").read_text(encoding="utf-8").splitlines()
    rows = np.zeros((10, 8), dtype=np.int8)
    with pytest.raises(BadInput, match="vocabulary has"):
        SentenceEncoder(WordPiece(vocabulary), rows, np.ones(10, dtype=np.float32))


def test_loads_offline_without_model_libraries() -> None:
    # A fresh interpreter with every socket refused: the table must load and encode from the
    # package's own files, and no model library (torch, a hub client, a tokenizer library)
    # may be imported.
    script = textwrap.dedent(
        """
        import socket, sys

        def refuse(*args, **kwargs):
            raise OSError("network refused in this test")

        socket.socket = refuse
        socket.create_connection = refuse
        from tracker.text.embeddings import load_default_encoder

        vectors = load_default_encoder().encode(["The bridge is closed.", "The bridge shut."])
        heavy = {"torch", "transformers", "huggingface_hub", "tokenizers"} & set(sys.modules)
        print(vectors.shape[0], round(float(vectors[0] @ vectors[1]), 2), sorted(heavy))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    count, cosine, heavy = done.stdout.split(" ", 2)
    assert count == "2"
    assert float(cosine) > 0.5
    assert heavy.strip() == "[]"
