"""Rung 6: two epochs in place of 9, the one-cycle schedule fitted to them: a quarter of the time,
for some accuracy, which the next two rungs buy back."""

from . import r05_one_cycle as below

RUNG = below.RUNG.then("two-epochs", "two epochs in place of 9, the one-cycle schedule over them", epochs=2)

model = below.model
