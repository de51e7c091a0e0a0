"""The knobs of `make bench` (bench.py's docstring lists them), read from the environment and
checked before anything is timed: a bad one is one line and exit 1."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mnist_repro import versions  # plain data: no TensorFlow import
from mnist_repro.errors import UnknownVersion

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# (name, what it is, runner, versions it runs on by default). The slow peers of v3 are opt-in:
# on 2 cores they alone would take longer than the whole default set.
CONFIGS = (
    ("default", "the faithful default: Keras + TF, FP32", "project", (1, 2, 3)),
    ("mixed_bfloat16", "opt-in --precision mixed_bfloat16", "project", (1, 2, 3)),
    ("plain", "Keras + TF as before the speed work", "project", (1, 2)),
    ("jax", "Keras + JAX (mnist-repro run --backend jax)", "backend", (1, 2)),
    ("keras_torch", "Keras + torch (mnist-repro run --backend torch)", "backend", (1, 2)),
    ("torch", "PyTorch eager, FP32", "torch", (1, 2, 3)),
    ("torch_bf16", "PyTorch eager, bf16 autocast", "torch", (1, 2, 3)),
)


def whole_numbers(name: str, default: str, minimum: int = 1) -> list[int]:
    text = os.environ.get(name, default)
    try:
        numbers = [int(word) for word in text.replace(",", " ").split()]
    except ValueError:
        numbers = []
    if not numbers or min(numbers) < minimum:
        sys.exit(f"error: {name}={text!r} is not valid; use whole numbers of at least {minimum}, e.g. {name}=\"{default}\"")
    return numbers


def knobs() -> dict:
    wanted = os.environ.get("BENCH_CONFIGS", "").split()
    unknown = [name for name in wanted if name != "all" and name not in {config[0] for config in CONFIGS}]
    if unknown:
        sys.exit(f"error: BENCH_CONFIGS names unknown configurations {unknown}; use some of "
                 f"{' '.join(config[0] for config in CONFIGS)}, or all")
    numbers = whole_numbers("BENCH_VERSIONS", "1 2 3")
    for number in numbers:
        try:
            versions.get(number)
        except UnknownVersion as error:
            sys.exit(f"error: BENCH_VERSIONS: {error}")
    return {"versions": numbers, "timed_epochs": whole_numbers("BENCH_EPOCHS", "3")[0],
            "configs": wanted, "full_run": os.environ.get("BENCH_FULL_RUN", "0") == "1",
            "peers_python": os.environ.get("BENCH_PEERS_PYTHON", str(ROOT / ".venv-bench" / "bin" / "python"))}


def results_folder() -> Path:
    """BENCH_OUT (default benchmarks/), made now, so that a run's results have somewhere to go."""
    folder = Path(os.environ.get("BENCH_OUT") or HERE)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        sys.exit(f"error: BENCH_OUT={str(folder)!r} cannot hold the results ({error.strerror or error}); "
                 "give a folder, e.g. BENCH_OUT=/tmp/bench")
    return folder.resolve()
