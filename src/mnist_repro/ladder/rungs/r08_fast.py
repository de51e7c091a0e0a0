"""Rung 8, the fast recipe: two epochs. The one-cycle schedule fits itself to the shorter run."""

from . import r07_label_smoothing as below

RUNG = below.RUNG.then("fast", "two epochs, the one-cycle schedule over them", epochs=2)

model = below.model
