"""Rung 5: a one-cycle learning rate. Adam's rate rises linearly from 0 to a peak of 0.01 (ten times
the report's constant 0.001) over the first half of the steps, then falls to 0 along a cosine:
a high rate early moves fast, the fall to 0 settles the weights."""

from . import r04_batch_256 as below

RUNG = below.RUNG.then(
    "one-cycle",
    "a one-cycle learning rate: from 0 up to 0.01 over the first half of the steps, then down to 0 "
    "along a cosine, in place of a constant 0.001",
    schedule="warmup_cosine", warmup_fraction=0.5, learning_rate=0.01,
)

model = below.model
