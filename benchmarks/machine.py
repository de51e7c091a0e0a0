"""The machine a benchmark ran on, and its measured matmul peak (run as a script: prints JSON)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")


def cpu_facts() -> dict:
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model, flags = platform.processor() or platform.machine(), set()
    for line in text.splitlines():
        if line.startswith("model name") and model in ("", platform.machine(), platform.processor()):
            model = line.split(":", 1)[1].strip()
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
    return {"cpu": model, "cores": os.cpu_count(), "flags": {flag: flag in flags for flag in FLAGS},
            "has_bf16": "avx512_bf16" in flags or "amx_bf16" in flags,
            "platform": platform.platform(), "python": platform.python_version()}


def gpu_name() -> str | None:
    try:
        done = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip().splitlines()[0] if done.returncode == 0 and done.stdout.strip() else None


def matmul_peak(size: int = 4096, repeats: int = 5) -> dict:
    """GFLOP/s of tf.matmul size³, FP32 and BF16, best and median of `repeats` after a warm-up."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    peak = {"library": f"tf.matmul (TensorFlow {tf.__version__}, oneDNN)", "size": size, "repeats": repeats}
    for name, dtype in (("fp32", tf.float32), ("bf16", tf.bfloat16)):
        a = tf.cast(tf.random.normal((size, size), seed=1), dtype)
        b = tf.cast(tf.random.normal((size, size), seed=2), dtype)
        product = tf.function(lambda a, b: tf.matmul(a, b))
        product(a, b).numpy()
        seconds = []
        for _ in range(repeats):
            started = time.perf_counter()
            product(a, b).numpy()
            seconds.append(time.perf_counter() - started)
        rates = sorted(2 * size**3 / s / 1e9 for s in seconds)
        peak[name] = {"best_gflops": rates[-1], "median_gflops": rates[len(rates) // 2]}
    return peak


def library_versions() -> dict:
    versions = {}
    for name in ("tensorflow", "keras", "numpy", "torch", "jax"):
        try:
            module = __import__(name)
            versions[name] = module.__version__
        except Exception:  # noqa: BLE001 - an absent or broken peer is just not listed
            continue
    return versions


def library_versions_in(python: str | Path) -> dict:
    """library_versions() of another environment (the peers', a Keras backend's), {} without it."""
    if not Path(python).exists():
        return {}
    done = subprocess.run([str(python), __file__], capture_output=True, text=True)
    return json.loads(done.stdout)["libraries"] if done.returncode == 0 else {}


if __name__ == "__main__":
    print(json.dumps({"peak": matmul_peak(), "libraries": library_versions()} if sys.argv[1:] == ["--peak"]
                     else {"libraries": library_versions()}))
