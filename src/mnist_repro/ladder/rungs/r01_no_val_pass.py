"""Rung 1: no val pass. The report scored the whole training set after every epoch, a second
(forward-only) pass over it that changes no weight: the same training, without that time."""

from . import r00_faithful as below

RUNG = below.RUNG.then(
    "no-val-pass",
    "no val pass over the training images after each epoch: the same weights, less time",
    validation="none",
)

model = below.model
