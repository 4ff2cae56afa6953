"""MinHash signatures: the numpy version in tracker.linking.fingerprint against datasketch's.

The 102 article bodies of `extraction-aeb` (ground-truth.json), as the linking stage sees them:
the set of 5-word shingles (128 permutations) and the set of content stems (48 permutations).
Each round times datasketch's `MinHash(scheme="affine32")` then `fingerprint.signature` over all
texts (A B A B ...); the figure is the median of the per-round ratios, with both implementations'
median milliseconds per text. Every signature must be equal (stored band hashes depend on it).
Also, paired the same way: the import cost a fresh process pays for each (`from datasketch import
MinHash`, which imports scipy, against `import tracker.linking.fingerprint`).

Usage: python benchmarks/minhash.py [DATA_DIR] [rounds]   (datasketch comes with the dev extra)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from _report import emit, load, skipped

from tracker.config import LinkSettings
from tracker.linking.fingerprint import shingles, signature, word_sequence
from tracker.text.terms import content_stems

Sets = list[tuple[set[str], int, int]]  # items, permutations, seed


def _reference(items: set[str], num_perm: int, seed: int) -> tuple[int, ...]:
    from datasketch import MinHash

    minhash = MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
    minhash.update_batch([item.encode("utf-8") for item in items])
    return tuple(int(value) for value in minhash.hashvalues)


def _timed(sign: Callable[[set[str], int, int], tuple[int, ...]], sets: Sets) -> float:
    started = time.perf_counter()
    for items, num_perm, seed in sets:
        sign(items, num_perm, seed)
    return time.perf_counter() - started


def _import_seconds(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def main() -> int:
    """Time both implementations and print the figures."""
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data")
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    truth = data / "extraction-aeb" / "ground-truth.json"
    if not truth.exists():
        return skipped("minhash", f"data folder missing ({truth})")
    try:
        import datasketch  # noqa: F401
    except ModuleNotFoundError:
        return skipped("minhash", "datasketch is not installed (pip install -e '.[dev]')")
    load_before = load()
    settings = LinkSettings()
    texts = [page["articleBody"] for page in json.loads(truth.read_text(encoding="utf-8")).values()]
    sets: Sets = []
    for text in texts:
        sets.append(
            (set(shingles(word_sequence(text).words, settings.shingle_size)), settings.num_perm, 1)
        )
        sets.append((set(content_stems(text)), settings.term_num_perm, 2))  # fmt: skip
    sets = [entry for entry in sets if entry[0]]
    equal = sum(_reference(*entry) == signature(*entry) for entry in sets)
    old: list[float] = []
    new: list[float] = []
    for _ in range(rounds):
        old.append(_timed(_reference, sets))
        new.append(_timed(signature, sets))
    ratios = [b / a for a, b in zip(old, new, strict=True)]
    imports_old: list[float] = []
    imports_new: list[float] = []
    for _ in range(5):
        imports_old.append(_import_seconds("from datasketch import MinHash"))
        imports_new.append(_import_seconds("import tracker.linking.fingerprint"))
    import_ratios = [b / a for a, b in zip(imports_old, imports_new, strict=True)]
    per_text = 1000 / len(texts)
    figures = {
        "texts": len(texts),
        "signatures": len(sets),
        "equal": equal,
        "datasketch_ms_per_text": round(statistics.median(old) * per_text, 3),
        "numpy_ms_per_text": round(statistics.median(new) * per_text, 3),
        "time_ratio_numpy_to_datasketch": round(statistics.median(ratios), 3),
        "import_datasketch_s": round(statistics.median(imports_old), 3),
        "import_fingerprint_s": round(statistics.median(imports_new), 3),
        "import_ratio": round(statistics.median(import_ratios), 3),
        "rounds": rounds,
    }
    print(f"{equal} of {len(sets)} signatures equal; per text (two signatures): datasketch "
          f"{figures['datasketch_ms_per_text']} ms, numpy {figures['numpy_ms_per_text']} ms; "
          f"median paired ratio {figures['time_ratio_numpy_to_datasketch']}")  # fmt: skip
    print(f"import: datasketch {figures['import_datasketch_s']} s, tracker.linking.fingerprint "
          f"{figures['import_fingerprint_s']} s")  # fmt: skip
    emit("minhash", figures, load_before=load_before)
    return 0 if equal == len(sets) else 1


if __name__ == "__main__":
    sys.exit(main())
