"""Rung 7: label smoothing 0.1: each one-hot target becomes 0.91 for its digit and 0.01 for the nine
others, so that the network stops pushing confident outputs further."""

from . import r06_adam_betas as below

RUNG = below.RUNG.then("label-smoothing", "label smoothing 0.1 on the cross-entropy's targets",
                       label_smoothing=0.1)

model = below.model
