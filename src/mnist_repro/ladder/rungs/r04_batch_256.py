"""Rung 4: batches of 256 instead of 128: half the steps per epoch, each one larger, which a CPU
runs with less overhead per image."""

from . import r03_small_net as below

RUNG = below.RUNG.then("batch-256", "batches of 256 instead of 128: half the steps, less overhead per image",
                       batch_size=256)

model = below.model
