"""Rung 9 starts the accurate branch, from the fast rung: 30 epochs in place of 2, the one-cycle
schedule over them. The small network has time to spare: the faithful v3 trains 20 epochs of a net
ten times its cost. On its own the longer run buys no accuracy on the holdout (the same images,
seen 30 times, are learnt by heart); it is what the next rung's augmentation needs."""

from . import r08_fast as below

RUNG = below.RUNG.then("longer", "30 epochs in place of 2, the one-cycle schedule over them", epochs=30)

model = below.model
