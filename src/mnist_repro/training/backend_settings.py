"""What each Keras backend needs so that one run path computes the same bytes on it, as fast as it can.

A backend (TensorFlow, JAX, torch) is a setting of the run, not a second path: the same recipe,
the same per-(seed, epoch) batches from the same tf.data pipeline (TensorFlow is installed beside
every backend for it), the same val pass and the same deliverables. What differs lives here:
- determinism: TensorFlow's op determinism covers TensorFlow's ops only (the data pipeline on
  every backend, the model too on TensorFlow); torch gets its own switch; XLA's CPU programs,
  which JAX runs, have no switch and need none (the same program gives the same bytes, tested);
- speed: Keras's torch trainer refuses `steps_per_execution` > 1, so torch runs one step per call;
- threads: the recipe's intra-op thread count (one for v1) on TensorFlow, where it is faster;
- random streams: on torch a Dropout draws from torch's global generator, which the checkpoint
  must then keep too.
None of these changes what is computed.
"""

from __future__ import annotations

import dataclasses


def speed(name: str, setting: str = "fast"):
    """The Speed of `--speed SETTING` (batches.SPEEDS) as this backend can execute it."""
    from .batches import SPEEDS

    speed = SPEEDS[setting]
    if name == "torch" and speed.steps_per_execution > 1:
        return dataclasses.replace(speed, steps_per_execution=1)  # Keras 3.15's torch trainer refuses more
    return speed


def deterministic(name: str) -> None:
    """Ops in a fixed order on this backend: the same seed on the same CPU gives the same bytes."""
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()  # the tf.data pipeline feeds every backend
    if name == "torch":
        import torch

        torch.use_deterministic_algorithms(True)


def configure_threads(name: str, version, speed=None) -> str | None:
    """The recipe's intra-op thread count (`intra_op_threads`: 1 for v1, whose matrix products are
    too small to split across cores), on TensorFlow only. Thread counts change no result. On torch one
    thread gave v1 no speed (doc/backends.md); JAX takes its threads only from XLA_FLAGS before it
    starts. Both keep every core. TensorFlow takes the count only before its runtime starts: in a
    process where it already ran (a notebook's second run, the tests) it keeps its threads, and the
    returned note says so, for the run to print."""
    if (speed is not None and not speed.tune_threads) or version.intra_op_threads is None:
        return None
    if name == "tensorflow":
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(version.intra_op_threads)
        except RuntimeError:  # TensorFlow already started in this process
            return (f"note: TensorFlow already runs in this process, so version {version.number}'s "
                    f"{version.intra_op_threads} intra-op thread cannot apply (a speed setting, not a result); "
                    "a fresh process takes it")
    return None


GLOBAL_STREAMS = {"torch"}  # backends whose global random stream a run draws from (below)


def global_random_state(name: str) -> bytes | None:
    """The backend's global random stream where a run draws from it, else None. Keras 3.15's torch
    backend draws the mask of a Dropout made without a seed from torch's global generator
    ("torch doesn't support seeding dropout", keras/src/backend/torch/random.py), not from the
    layer's seed-generator state, so an exact resume on torch needs that generator's state too."""
    if name not in GLOBAL_STREAMS:
        return None
    import torch

    return torch.get_rng_state().numpy().tobytes()


def set_global_random_state(name: str, state: bytes) -> None:
    import numpy as np
    import torch

    torch.set_rng_state(torch.from_numpy(np.frombuffer(state, dtype=np.uint8).copy()))
