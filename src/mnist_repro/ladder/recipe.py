"""A rung's recipe in Keras: the optimizer, its learning-rate schedule and the loss, compiled.

Rung 0 compiles exactly as the run path compiles v3 (training/train.py's `build`): Adam at 0.001,
betas 0.9 / 0.999, epsilon 1e-7, the loss by name. The other fields only add: a warm-up plus cosine
schedule (Keras's CosineDecay with `warmup_target`), other betas, label smoothing.
"""

from __future__ import annotations

import keras

from ..training import batches


def learning_rate(rung, steps_per_epoch: int):
    """A number (constant), or a schedule over the rung's whole training (steps_per_epoch x epochs)."""
    if rung.schedule == "constant":
        return rung.learning_rate
    total = steps_per_epoch * rung.epochs
    warmup = round(rung.warmup_fraction * total)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, decay_steps=total - warmup, warmup_target=rung.learning_rate, warmup_steps=warmup)


def loss(rung):
    if rung.label_smoothing:
        return keras.losses.CategoricalCrossentropy(label_smoothing=rung.label_smoothing)
    return rung.loss


def build(rung, steps_per_epoch: int, speed: batches.Speed = batches.FAST) -> keras.Sequential:
    """The rung's model, compiled; `steps_per_epoch` sets the length of its schedule."""
    keras.mixed_precision.set_global_policy(rung.precision)
    model = rung.model()
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate(rung, steps_per_epoch), beta_1=rung.adam_beta_1,
                                      beta_2=rung.adam_beta_2, epsilon=rung.adam_epsilon)
    model.compile(optimizer=optimizer, loss=loss(rung), metrics=["accuracy"],
                  steps_per_execution=speed.steps_per_execution)
    return model
