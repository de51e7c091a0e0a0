"""Rung 9 starts the accurate branch: it climbs from rung 7, beside the fast rung 8. 30 epochs in
place of 9: the small network has time to spare, since the faithful v3 trains 20 epochs of a net
ten times its cost."""

from . import r07_label_smoothing as below

RUNG = below.RUNG.then("longer", "30 epochs in place of 9, the one-cycle schedule over them", step=9, epochs=30)

model = below.model
