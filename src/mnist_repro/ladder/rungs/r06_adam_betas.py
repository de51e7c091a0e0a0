"""Rung 6: shorter memories for Adam: beta_1 0.7 and beta_2 0.9 in place of 0.9 and 0.999, so that
its moment estimates follow a learning rate that changes every step."""

from . import r05_one_cycle as below

RUNG = below.RUNG.then("adam-betas", "Adam's betas 0.7 and 0.9 in place of 0.9 and 0.999: moments that follow "
                       "the one-cycle rate", adam_beta_1=0.7, adam_beta_2=0.9)

model = below.model
