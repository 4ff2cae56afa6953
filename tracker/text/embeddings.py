"""Sentence embeddings from a static table distilled from all-MiniLM-L6-v2, shipped in the package.

Every vocabulary token of MiniLM was embedded through the model once, offline, reduced by PCA
and weighed by token frequency (model2vec's distillation; `tools/distill_embeddings.py`
regenerates the table). A sentence's vector is then the sum of its tokens' rows, L2-normalised:
no model runs at crawl time, only MiniLM's WordPiece tokenizer (`tracker.text.wordpiece`) and a
numpy gather, so the claims stage can afford it on every sentence it ingests. The files
(`data/embeddings.npz`: int8 rows with one float32 scale per row; `data/vocab.txt`: the tokens,
one a line, in row order) ship inside the package, so nothing is downloaded.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tracker.errors import BadInput
from tracker.text.wordpiece import WordPiece

__all__ = ["DEFAULT_TABLE_DIR", "SentenceEncoder", "cosine_matrix", "load_default_encoder"]

DEFAULT_TABLE_DIR = Path(__file__).resolve().parent / "data"
TABLE_FILE = "embeddings.npz"
VOCABULARY_FILE = "vocab.txt"

Vectors = npt.NDArray[np.float32]


class SentenceEncoder:
    """Turns sentences into unit-length float32 vectors (rows); zero rows for empty input."""

    def __init__(
        self,
        tokenizer: WordPiece,
        rows: npt.NDArray[np.int8],
        scales: npt.NDArray[np.float32],
    ) -> None:
        """Encode with this tokenizer and table (`rows[i] * scales[i]` is token i's vector)."""
        if rows.ndim != 2 or scales.shape != (rows.shape[0],):
            raise BadInput(f"embedding table has shape {rows.shape} with {scales.shape} scales")
        if tokenizer.size != rows.shape[0]:
            raise BadInput(f"vocabulary has {tokenizer.size} tokens, table {rows.shape[0]}")
        self._tokenizer = tokenizer
        self._rows = rows
        self._scales = scales

    @classmethod
    def from_directory(cls, directory: Path) -> SentenceEncoder:
        """Load `embeddings.npz` and `vocab.txt` from `directory`."""
        table_path, vocabulary_path = directory / TABLE_FILE, directory / VOCABULARY_FILE
        if not table_path.is_file() or not vocabulary_path.is_file():
            raise BadInput(
                f"no embedding table in {directory} (needs {TABLE_FILE}, {VOCABULARY_FILE})"
            )
        with np.load(table_path, allow_pickle=False) as table:
            rows = np.ascontiguousarray(table["rows"], dtype=np.int8)
            scales = np.ascontiguousarray(table["scales"], dtype=np.float32)
        vocabulary = vocabulary_path.read_text(encoding="utf-8").splitlines()
        return cls(WordPiece(vocabulary), rows, scales)

    @property
    def dimensions(self) -> int:
        """The length of each vector."""
        return int(self._rows.shape[1])

    def token_ids(self, sentences: Sequence[str]) -> list[list[int]]:
        """The table rows each sentence is made of (pieces of unknown words left out)."""
        unknown = self._tokenizer.unknown_id
        return [[i for i in self._tokenizer.ids(s) if i != unknown] for s in sentences]

    def token_vectors(
        self, sentences: Sequence[str]
    ) -> tuple[Vectors, Vectors, npt.NDArray[np.int64]]:
        """The unit-length rows of each sentence's distinct known tokens, one block per sentence.

        Returns the rows of all sentences stacked, each row's length (the weight the distillation
        gave the token: frequent tokens are short, so it says how much the token counts when
        tokens are aligned one to one) and how many rows each sentence has.
        """
        ids = [sorted(set(row)) for row in self.token_ids(sentences)]
        counts = np.fromiter((len(row) for row in ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter((i for row in ids for i in row), dtype=np.int64, count=int(counts.sum()))
        rows = self._rows[flat].astype(np.float32)
        rows *= self._scales[flat, None]
        lengths = np.linalg.norm(rows, axis=1)
        np.divide(rows, lengths[:, None], out=rows, where=lengths[:, None] > 0)
        return rows, lengths, counts

    def encode(self, sentences: Sequence[str]) -> Vectors:
        """One L2-normalised float32 row per sentence; a sentence with no known token gets zeros."""
        if isinstance(sentences, str):
            raise TypeError("encode takes a sequence of sentences, not one string")
        vectors = np.zeros((len(sentences), self.dimensions), dtype=np.float32)
        if not sentences:
            return vectors
        ids = self.token_ids(sentences)
        lengths = np.fromiter((len(row) for row in ids), dtype=np.int64, count=len(ids))
        filled = np.flatnonzero(lengths)
        if filled.size == 0:
            return vectors
        flat = np.fromiter(
            (i for row in ids for i in row), dtype=np.int64, count=int(lengths.sum())
        )
        pieces = self._rows[flat].astype(np.float32)
        pieces *= self._scales[flat, None]
        # Sum each sentence's rows in one pass: reduceat over the start offsets of the non-empty
        # sentences (an empty one would repeat its neighbour's row, hence `filled`).
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[filled]
        sums = np.add.reduceat(pieces, starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        np.divide(sums, norms, out=sums, where=norms > 0)
        vectors[filled] = sums
        return vectors


def cosine_matrix(left: Vectors, right: Vectors) -> Vectors:
    """Cosine of every row of `left` with every row of `right` (both already unit length)."""
    product: Vectors = np.matmul(left, right.T)
    return product


@functools.cache
def load_default_encoder() -> SentenceEncoder:
    """The encoder shipped with the package, loaded once per process."""
    return SentenceEncoder.from_directory(DEFAULT_TABLE_DIR)
