"""Rung 0: the report's v3, unchanged; its recipe and its network are versions/v3.py's."""

from ...versions import v3
from .. import Rung

RUNG = Rung(
    step=0,
    name="faithful",
    change="the report's v3 as published: 20 epochs of batch 128, Adam at 0.001, and after each epoch "
           "a val pass over the training images",
    below=None,
    epochs=v3.VERSION.epochs,
    batch_size=v3.VERSION.batch_size,
    input_shape=v3.VERSION.input_shape,
    loss=v3.VERSION.loss,
    one_hot=v3.VERSION.one_hot,
    adam_epsilon=v3.VERSION.adam_epsilon,
)

model = v3.model
