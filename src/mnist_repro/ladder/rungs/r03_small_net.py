"""Rung 3: a smaller network, pooled after each convolution. Two convolutions of 24 and 32 filters,
each followed at once by a 2x2 max-pool, and one hidden dense layer: about a tenth of v3's
multiply-adds per image (v3 pools only once, after two full-size convolutions). Its dropouts go:
so small a net over so few epochs does not overfit."""

from . import r02_fewer_epochs as below

RUNG = below.RUNG.then(
    "small-net",
    "a smaller network, max-pooled after each convolution (24 and 32 filters, one dense layer of 256, "
    "no dropout): about a tenth of v3's multiply-adds per image",
)


def model():
    import keras

    return keras.Sequential([
        keras.Input(shape=RUNG.input_shape),
        keras.layers.Conv2D(24, kernel_size=(5, 5)),
        # Max-pooling before the ReLU gives the same values as after it, on a quarter of the pixels.
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.ReLU(),
        keras.layers.Conv2D(32, kernel_size=(3, 3)),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.ReLU(),
        keras.layers.Flatten(),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10, activation="softmax", dtype="float32"),  # float32 even under mixed_bfloat16
    ], name="rung_small_net")
