"""Rung 10, the accurate recipe: data augmentation. Each training image is shifted by up to 2 pixels
up or down and left or right (a Keras RandomTranslation layer, active only while training), so that
30 epochs see 30 different versions of each digit.

The layer draws its shifts from a seed generator whose state Keras lists among the model's
non-trainable variables (`seed_generator_state`), as it lists the dropouts'; the project's
checkpoint saves and restores those states, so a killed run of this rung resumes exactly."""

from . import r09_longer as below

RUNG = below.RUNG.then("accurate", "data augmentation: random shifts of up to 2 pixels each way while training",
                       augmentation="random shifts of up to 2 pixels each way (RandomTranslation), while training")


def model():
    import keras

    small = below.model()  # rung 3's network, after the shifts
    return keras.Sequential([
        keras.Input(shape=RUNG.input_shape),
        keras.layers.RandomTranslation(height_factor=2 / 28, width_factor=2 / 28, fill_mode="constant"),
        *small.layers,
    ], name="rung_accurate")
