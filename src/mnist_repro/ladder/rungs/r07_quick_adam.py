"""Rung 7: shorter memories for Adam: beta_1 0.7 and beta_2 0.9 in place of 0.9 and 0.999. Over two
epochs (470 steps) the default moments, averaged over about 10 and 1,000 steps, lag behind a
learning rate that changes every step. Over 9 epochs the same change bought nothing (the dropped
candidate `adam-betas`, candidates.py)."""

from . import r06_two_epochs as below

RUNG = below.RUNG.then("quick-adam", "Adam's betas 0.7 and 0.9 in place of 0.9 and 0.999, over two epochs",
                       adam_beta_1=0.7, adam_beta_2=0.9)

model = below.model
