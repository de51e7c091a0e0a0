"""The holdout split: the training images that choose the ladder's rungs, and those they fit on.

The test set chooses nothing. Every choice (a schedule, an epoch count, a width) is scored on
HOLDOUT_SIZE of the 60,000 training images, drawn once by a fixed seed; each candidate fits on the
other 50,000 while it is being chosen. The split is a function of (SEED, count) alone, the same for
every rung, and its fingerprint goes into every selection record.
"""

from __future__ import annotations

import hashlib

import numpy as np

SEED = 2018  # the report's year; fixed, recorded, never tuned
HOLDOUT_SIZE = 10_000
TRAINING_IMAGES = 60_000


def holdout_rows(count: int = TRAINING_IMAGES, seed: int = SEED, size: int = HOLDOUT_SIZE) -> np.ndarray:
    """The rows of the training set held out, in increasing order."""
    if not 0 < size < count:
        raise ValueError(f"a holdout of {size} images needs more than {size} training images, not {count}")
    return np.sort(np.random.default_rng(seed).permutation(count)[:size])


def fit_rows(count: int = TRAINING_IMAGES, seed: int = SEED, size: int = HOLDOUT_SIZE) -> np.ndarray:
    """The rows a candidate fits on while it is chosen: every training row not held out, in order."""
    keep = np.ones(count, dtype=bool)
    keep[holdout_rows(count, seed, size)] = False
    return np.flatnonzero(keep)


def fingerprint(rows: np.ndarray) -> str:
    """SHA-256 of the rows as little-endian int64, to name the split in a record."""
    return hashlib.sha256(np.asarray(rows, dtype="<i8").tobytes()).hexdigest()


def describe() -> dict:
    """What a selection record says about its split."""
    rows = holdout_rows()
    return {"seed": SEED, "holdout_images": HOLDOUT_SIZE, "fit_images": TRAINING_IMAGES - HOLDOUT_SIZE,
            "of": "the 60,000 training images (the test set is never read while choosing)",
            "holdout_rows_sha256": fingerprint(rows)}
