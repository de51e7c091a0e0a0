"""What a result was made with: library versions, the processor, and the code's git commit."""

from __future__ import annotations

import importlib
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    """The vector and matrix extensions that decide how fast training can be (see doc/performance.md)."""
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                present = set(line.split(":", 1)[1].split())
                return [flag for flag in wanted if flag in present]
    except OSError:
        pass
    return []


def git_commit() -> dict:
    """The commit of the code that ran, and whether the working tree had uncommitted changes."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "src"],
                                cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return {"commit": None, "src_dirty": None}
    if commit.returncode != 0:
        return {"commit": None, "src_dirty": None}
    return {"commit": commit.stdout.strip(), "src_dirty": bool(status.stdout.strip())}


def distributions() -> dict[str, str]:
    """Every installed distribution and its version, so that a result names its whole environment,
    not only the libraries it imports (h5py, protobuf, ml-dtypes... change results too). Of two
    copies, the first on sys.path is the one imported."""
    found = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").strip()
        if name:
            found.setdefault(name.lower().replace("_", "-").replace(".", "-"), dist.version)
    return dict(sorted(found.items()))


def backend_version(name: str) -> str:
    """The version of the library under Keras (for JAX, jax's: jaxlib is pinned to it)."""
    return importlib.import_module(name).__version__


def describe() -> dict:
    """Library versions and hardware; imports TensorFlow, so call it only once training is due."""
    import keras
    import matplotlib
    import numpy
    import tensorflow as tf

    gpus = [device.name for device in tf.config.list_physical_devices("GPU")]
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "backend_version": backend_version(keras.backend.backend()),
        "numpy": numpy.__version__,
        "matplotlib": matplotlib.__version__,
        "platform": platform.platform(),
        "host": platform.node(),
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "cpu_count": os.cpu_count(),
        "gpus": gpus,
        "device": f"GPU ({', '.join(gpus)})" if gpus else f"CPU ({cpu_model()}, {os.cpu_count()} cores)",
        "distributions": distributions(),
    }
