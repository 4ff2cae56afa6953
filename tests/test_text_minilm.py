"""The numpy MiniLM encoder: sentence-transformers' vectors without torch, batching-invariant."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from tracker.text import minilm
from tracker.text.minilm import DIMENSIONS, MAX_TOKENS, Embedder, load_model

# Sentences and their vectors as sentence-transformers computed them once
# (`python tools/quantize_minilm.py --fixture`).
FIXTURE = Path(__file__).parent / "fixtures" / "minilm-reference.json"
REFERENCE = json.loads(FIXTURE.read_text(encoding="utf-8"))
TEXTS = [row["text"] for row in REFERENCE]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(batch_size=4)


def test_vectors_match_sentence_transformers(embedder: Embedder) -> None:
    vectors = embedder.embed(TEXTS)
    expected = np.array([row["vector"] for row in REFERENCE], dtype=np.float32)
    cosines = (vectors * expected).sum(axis=1)
    assert vectors.shape == (len(TEXTS), DIMENSIONS)
    assert cosines.min() >= 0.99, cosines
    # The texts are unlike each other: each vector is nearest its own reference.
    assert list((vectors @ expected.T).argmax(axis=1)) == list(range(len(TEXTS)))


def test_vectors_are_unit_length(embedder: Embedder) -> None:
    norms = np.linalg.norm(embedder.embed(TEXTS), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)


def test_a_text_embeds_the_same_alone_and_in_a_batch_of_other_lengths(embedder: Embedder) -> None:
    short = "Bananas are rich in potassium."
    batch = [
        "A much longer sentence about the council's budget vote, with many more tokens than it.",
        short,
        "Yes.",
        "Another one, of middling length, about the weather.",
        "The river flooded the lower town again. " * 12,
    ]
    alone = embedder.embed([short])[0]
    together = Embedder(batch_size=64).embed(batch)
    # No padding token enters a text's sums (padded to the longest text of its pass, a short
    # text's vector moved with it); what is left is the BLAS splitting float32 sums by the
    # shape of the product, ~1e-7 on this machine's OpenBLAS, not bit for bit on every build.
    assert np.abs(together[1] - alone).max() <= 1e-6
    # Order kept: each text's vector is where the text was, in passes of other texts.
    again = embedder.embed(list(reversed(batch)))
    assert np.abs(again[::-1] - together).max() <= 1e-6
    singly = np.stack([embedder.embed([text])[0] for text in batch])
    assert np.abs(singly - together).max() <= 1e-6
    # The same texts in the same passes: the same floats, run after run.
    assert np.array_equal(Embedder(batch_size=64).embed(batch), together)


def test_the_activation_in_row_blocks_gives_the_floats_of_one_pass() -> None:
    rng = np.random.default_rng(7)
    hidden = (rng.standard_normal((3 * minilm.GELU_ROWS + 5, 1536)) * 3).astype(np.float32)
    bias = rng.standard_normal(1536).astype(np.float32)
    whole = minilm._gelu(hidden + bias)
    assert minilm._activate(hidden, bias).tobytes() == whole.tobytes()


def test_long_texts_are_cut_to_the_model_length() -> None:
    model = load_model()
    sentence = "The river flooded the lower town again. "
    long_text = sentence * 100
    ids = model.token_ids(long_text)
    assert len(ids) == MAX_TOKENS
    assert ids[0] == model.token_ids("")[0] and ids[-1] == model.token_ids("")[-1]  # [CLS] .. [SEP]
    # Anything past the cut changes nothing.
    vectors = Embedder().embed([long_text, long_text + "Bananas are rich in potassium. " * 50])
    assert np.abs(vectors[0] - vectors[1]).max() < 1e-6


def test_empty_input_and_wrong_type() -> None:
    assert Embedder().embed([]).shape == (0, DIMENSIONS)
    with pytest.raises(TypeError):
        Embedder().embed("one string")  # type: ignore[arg-type]


def test_paraphrases_are_nearer_than_other_news(embedder: Embedder) -> None:
    claim, paraphrase, other = embedder.embed(
        [
            "The firm rejected the newspaper's story.",
            "The company denied the report.",
            "Heavy rain flooded the lower town overnight.",
        ]
    )
    assert claim @ paraphrase > 0.5 > claim @ other


def test_threads_embedding_at_once_get_the_same_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = Embedder().embed(TEXTS[:3])
    monkeypatch.setattr(minilm, "_loaded", None)  # the first calls race to load the model
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: Embedder().embed(TEXTS[:3]), range(4)))
    for vectors in results:
        assert np.abs(vectors - expected).max() < 1e-5


def test_the_dequantised_matrices_are_the_stored_rows_times_their_scales() -> None:
    """Each weight is float32(row value) * float32(scale), laid out (inputs, outputs)."""
    model = load_model()
    with np.load(minilm.MODEL_FILE, allow_pickle=False) as stored:
        for i, block in enumerate(model._blocks):
            for name in ("out", "up", "down"):
                rows = stored[f"layer{i}.{name}_rows"].astype(np.float32)
                scales = stored[f"layer{i}.{name}_scales"].astype(np.float32)
                expected = np.ascontiguousarray((rows * scales[:, None]).T)
                got = getattr(block, name)
                assert got.flags["C_CONTIGUOUS"]
                assert got.tobytes() == expected.tobytes()
