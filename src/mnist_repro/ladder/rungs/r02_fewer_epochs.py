"""Rung 2: 9 epochs in place of 20. Chosen on the holdout (deliverables/ladder/selection.json): in
rung 1's run, epoch 9 is the first whose holdout accuracy is within 0.1 points (about one standard
error on 10,000 images) of the best of the 20 epochs; the eleven epochs after it buy nothing there."""

from . import r01_no_val_pass as below

RUNG = below.RUNG.then("fewer-epochs", "9 epochs in place of 20: the holdout gained nothing after the ninth",
                       epochs=9)

model = below.model
