"""The candidates the selection runner measured that the ladder did not keep, each one change to
the recipe named in its `below` (a rung, or a candidate before it). They stay here, runnable, so
that every record names its recipe (`python -m mnist_repro.ladder.selection NAME`);
deliverables/ladder/selection.json holds their holdout numbers beside the kept rungs'. A candidate
stands at its base rung's step."""

from dataclasses import replace

from .rungs import r05_one_cycle, r08_fast

FAST = replace(r08_fast.RUNG, model=r08_fast.model)
ONE_CYCLE = replace(r05_one_cycle.RUNG, model=r05_one_cycle.model)


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
        keras.Input(shape=FAST.input_shape), *block(first_filters, (5, 5)), *block(32, (3, 3)),
        keras.layers.Flatten(),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10, activation="softmax", dtype="float32"),
    ], name="rung_candidate")


def _beside(base, name: str, change: str, **fields):
    return base.then(name, change, step=base.step, **fields)


# Over 9 epochs, after the one-cycle rung: Adam's betas, then label smoothing on top. The betas did
# not move the holdout there, so the ladder cut the epochs to two first (rung 6), where both pay
# (rungs 7 and 8); label smoothing did move it over 9 epochs too (selection.json).
ADAM_BETAS = _beside(ONE_CYCLE, "adam-betas", "Adam's betas 0.7 and 0.9 in place of 0.9 and 0.999: moments that "
                     "follow the one-cycle rate", adam_beta_1=0.7, adam_beta_2=0.9)

CANDIDATES = (
    ADAM_BETAS,
    _beside(ADAM_BETAS, "label-smoothing", "label smoothing 0.1 on the cross-entropy's targets", label_smoothing=0.1),
    _beside(FAST, "one-epoch", "one epoch in place of two", epochs=1),
    _beside(FAST, "batch-512", "batches of 512 in place of 256", batch_size=512),
    _beside(FAST, "narrow-16", "16 filters in the first convolution in place of 24",
            model=lambda: _fast_net(first_filters=16)),
    _beside(FAST, "batchnorm", "BatchNormalization after each convolution", model=lambda: _fast_net(batch_norm=True)),
    _beside(FAST, "bf16", "mixed bfloat16 (AVX512-BF16 or AMX; float32 weights and softmax)",
            precision="mixed_bfloat16"),
)
