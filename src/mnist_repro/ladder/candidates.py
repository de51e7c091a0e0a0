"""The candidates the selection runner measured that the ladder did not keep, each one change to
the rung named in its `below`. They stay here, runnable, so that every record names its recipe
(`python -m mnist_repro.ladder.selection NAME`); deliverables/ladder/selection.json holds their
holdout numbers beside the kept rungs'."""

from dataclasses import replace

from .rungs import r08_fast as fast


def _fast_net(first_filters: int = 24, batch_norm: bool = False):
    """Rung 3's network with fewer first filters, or with BatchNormalization after each convolution
    (whose bias it makes redundant; momentum 0.9, as a few hundred steps need)."""
    import keras

    def block(filters, size):
        layers = [keras.layers.Conv2D(filters, kernel_size=size, use_bias=not batch_norm)]
        if batch_norm:
            layers.append(keras.layers.BatchNormalization(momentum=0.9))
        return [*layers, keras.layers.MaxPooling2D(pool_size=(2, 2)), keras.layers.ReLU()]

    return keras.Sequential([
        keras.Input(shape=fast.RUNG.input_shape), *block(first_filters, (5, 5)), *block(32, (3, 3)),
        keras.layers.Flatten(),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10, activation="softmax", dtype="float32"),
    ], name="rung_candidate")


FAST = replace(fast.RUNG, model=fast.model)


def _step(rung):
    """A candidate stands beside its base, at the base's step."""
    return replace(rung, step=FAST.step)


CANDIDATES = (
    _step(FAST.then("one-epoch", "one epoch in place of two", epochs=1)),
    _step(FAST.then("batch-512", "batches of 512 in place of 256", batch_size=512)),
    _step(FAST.then("narrow-16", "16 filters in the first convolution in place of 24",
                         model=lambda: _fast_net(first_filters=16))),
    _step(FAST.then("batchnorm", "BatchNormalization after each convolution",
                         model=lambda: _fast_net(batch_norm=True))),
    _step(FAST.then("bf16", "mixed bfloat16 (AVX512-BF16 or AMX; float32 weights and softmax)",
                         precision="mixed_bfloat16")),
)
