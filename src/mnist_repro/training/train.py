"""Keras calls only: build a version's Sequential model, fit it, and evaluate/label a split.

No file I/O here beyond what Keras callbacks do; the caller hands in the callbacks.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from ..versions import Version

# Inference is batch-size independent up to float rounding, so evaluate and label in large
# batches; the training batch size stays the recipe's.
INFERENCE_BATCH = 1024


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TF, and make TF ops deterministic (same seed, same CPU → same bytes)."""
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def build(version: Version) -> keras.Sequential:
    layers = [keras.Input(shape=version.input_shape)]
    layers += [getattr(keras.layers, name)(**kwargs) for name, kwargs in version.layers]
    model = keras.Sequential(layers, name=f"version_{version.number}")
    model.compile(optimizer=version.optimizer, loss=version.loss, metrics=["accuracy"])
    return model


def scale(version: Version, images: np.ndarray) -> np.ndarray:
    """uint8 images to the model's input: [0, 1] as float32 (/255, as the report), reshaped."""
    return (images / 255.0).astype("float32").reshape((-1, *version.input_shape))


def prepare(version: Version, images: np.ndarray, labels: np.ndarray):
    """The model's inputs and the version's label encoding."""
    x = scale(version, images)
    y = keras.utils.to_categorical(labels, 10).astype("float32") if version.one_hot else labels.astype("int64")
    return x, y


class EpochTimer(keras.callbacks.Callback):
    """Adds the epoch's wall time to the logs, so CSVLogger (placed after it) records it."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_time_s"] = time.perf_counter() - self._start


def fit(model, version: Version, x, y, epochs: int, batch_size: int, validation, callbacks, verbose) -> float:
    """Train like the report's `train_model`; returns the wall time of `fit` in seconds."""
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_data=validation,
              callbacks=callbacks, verbose=verbose)
    return time.perf_counter() - start


def evaluate(model, version: Version, x, labels: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Loss, accuracy, predicted labels and probabilities of one split from a single inference pass.

    One pass instead of `evaluate` + `predict` makes the accuracy and the label files agree by
    construction; the loss is the model's own loss function on the same probabilities.
    """
    probabilities = model.predict(x, batch_size=INFERENCE_BATCH, verbose=0)
    predicted = probabilities.argmax(axis=-1).astype(np.uint8)
    target = keras.utils.to_categorical(labels, 10) if version.one_hot else labels
    loss = keras.losses.get(version.loss)(target, probabilities)
    mean_loss = float(np.mean(keras.ops.convert_to_numpy(loss)))
    return mean_loss, float(np.mean(predicted == labels)), predicted, probabilities
