"""The Keras + JAX and Keras + torch rows of `make bench`: `python -m mnist_repro run --backend B`,
the command a user runs, in that backend's own environment (.venv-jax, .venv-torch, which `make
bench` installs from lock/jax.txt and lock/torch.txt as `make run BACKEND=B` does), into a temporary
--out that is removed afterwards. A row's seconds per epoch are the run's metrics.json
`timing.epoch_s` (each epoch its training steps and the val pass over the training set, as in the
other rows) and its test accuracy the run's `results.test_accuracy`."""

from __future__ import annotations

import os
from pathlib import Path

from full_run import timed_run
from mnist_repro import run_argv

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = {"jax": "jax", "keras_torch": "torch"}  # bench configuration -> the run's --backend


def python_of(config: str) -> Path:
    return ROOT / f".venv-{BACKENDS[config]}" / "bin" / "python"


def missing(config: str) -> str | None:
    """Why this configuration cannot run here, or None."""
    backend = BACKENDS[config]
    if python_of(config).exists():
        return None
    return f"no .venv-{backend} (make bench installs it from lock/{backend}.txt, as make run BACKEND={backend} does)"


def command(job: dict, epochs: int) -> list[str]:
    """The row's command line, without its temporary --out."""
    return run_argv(job["version"], python=python_of(job["config"]), backend=BACKENDS[job["config"]], epochs=epochs,
                    data=ROOT / "data" / "mnist.npz")


def measure(job: dict, epochs: int) -> tuple[dict | None, str, float, float]:
    """The row's report (epoch_s, test_accuracy as a fraction, like the workers print) or None and
    the error's last line, with the run's wall seconds and peak RSS in MiB."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    record, error, wall, rss = timed_run(command(job, epochs), job["version"], BACKENDS[job["config"]], env)
    if record is None:
        return None, error, wall, rss
    return {"epoch_s": record.timing.epoch_s, "test_accuracy": record.results.test_accuracy / 100}, "", wall, rss
