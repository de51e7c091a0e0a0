"""Keras calls only: a version's compiled Sequential model, fitting it over epochs, and scoring and
labelling one split.

No file I/O here beyond what Keras callbacks do; the caller hands in the callbacks. Nothing here
is TensorFlow-specific: that lives in batches.py.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import keras
import numpy as np

from .. import process
from ..versions import Version
from . import backend_settings, batches


def seed_everything(seed: int, backend: str = "tensorflow") -> None:
    """Seed Python, NumPy and the backend, and make its ops deterministic (same seed, same CPU →
    same bytes)."""
    keras.utils.set_random_seed(seed)
    backend_settings.deterministic(backend)


class StopBetweenSteps(keras.callbacks.Callback):
    """Raise the KeyboardInterrupt that a signal asked for (process.stop_like_ctrl_c) at a batch's
    end, where the main thread is in Keras's Python loop and no backend code is on the stack."""

    def on_train_batch_end(self, batch, logs=None):
        if process.stop_asked():
            raise KeyboardInterrupt

    on_test_batch_end = on_train_batch_end


def compiled_model(version: Version, precision: str = "float32", speed: batches.Speed = batches.FAST,
                   steps: int | None = None) -> keras.Sequential:
    """The version's model (its file's `model()`), compiled with its Adam and loss: the report's
    (learning rate 0.001, betas 0.9 / 0.999, the loss by name) unless a ladder rung changes them.
    `steps` (all the training's steps) sets the length of a rung's learning-rate schedule.

    With precision "mixed_bfloat16" the layers compute in bfloat16 on float32 variables; each
    version's output layer says `dtype="float32"`, so the softmax and the loss stay in full precision.
    """
    keras.mixed_precision.set_global_policy(precision)
    model = version.model()
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate(version, steps), beta_1=version.adam_beta_1,
                                      beta_2=version.adam_beta_2, epsilon=version.adam_epsilon)
    model.compile(optimizer=optimizer, loss=training_loss(version), metrics=["accuracy"],
                  steps_per_execution=speed.steps_per_execution)
    return model


def learning_rate(version: Version, steps: int | None):
    """A number (constant), or a warm-up + cosine schedule over `steps`: linear from 0 to the peak
    over the warm-up's share of the steps, then a cosine down to 0 (Keras's CosineDecay)."""
    if version.schedule == "constant":
        return version.learning_rate
    warmup = round(version.warmup_fraction * steps)
    return keras.optimizers.schedules.CosineDecay(initial_learning_rate=0.0, decay_steps=steps - warmup,
                                                  warmup_target=version.learning_rate, warmup_steps=warmup)


def training_loss(version: Version):
    """The loss by name (the report's), or its object where a rung smooths the labels."""
    if version.label_smoothing:
        return keras.losses.CategoricalCrossentropy(label_smoothing=version.label_smoothing)
    return version.loss


def scale(version: Version, images: np.ndarray) -> np.ndarray:
    """uint8 images to the model's input: [0, 1] as float32 (/255, as the report), reshaped."""
    return (images / 255.0).astype("float32").reshape((-1, *version.input_shape))


def prepare(version: Version, images: np.ndarray, labels: np.ndarray):
    """The model's inputs and the version's label encoding."""
    x = scale(version, images)
    y = keras.utils.to_categorical(labels, 10).astype("float32") if version.one_hot else labels.astype("int64")
    return x, y


class EpochTimer(keras.callbacks.Callback):
    """Records each epoch's wall time, and the process's CPU time in it (kept out of the logs, so
    history.csv holds only Keras's numbers). An epoch whose wall time far exceeds its CPU time
    waited with cores idle: the "slow state" of doc/performance.md."""

    def __init__(self, seconds: list[float], cpu_seconds: list[float] | None = None):
        super().__init__()
        self.seconds, self.cpu_seconds = seconds, cpu_seconds if cpu_seconds is not None else []

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._cpu = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        self.cpu_seconds.append(time.process_time() - self._cpu)


class EpochProgbar(keras.callbacks.ProgbarLogger):
    """Keras's progress bar, whose count never passes the epoch's steps.

    With `steps_per_execution`, Keras 3.15 reports the end of each chunk of steps as if the chunk
    were full, also for the epoch's shorter last chunk (469 steps = 7 x 64 + 21 showed "512/469").
    The count is clamped to the epoch's steps, which Keras's `fit` hands every callback in `set_params`;
    that also keeps the bar's time per step and time left honest. The one-line-per-epoch log
    (verbose 2) prints no count and is unchanged.
    """

    def set_params(self, params):
        super().set_params(params)
        self.steps = params.get("steps")  # None when the epoch's length is unknown

    def on_train_batch_end(self, batch, logs=None):
        if self.steps is not None:
            batch = min(batch, self.steps - 1)
        super().on_train_batch_end(batch, logs)


@contextlib.contextmanager
def history_log(path: Path):
    """Keras's CSVLogger, appending each epoch's logs to `path`, and closed also when `fit` fails:
    `fit` then skips the callbacks' `on_train_end`, and the still open file would be flushed again
    at exit, failing again on a full disk. Its own public `on_train_end` closes it (a no-op after a
    finished fit)."""
    logger = keras.callbacks.CSVLogger(str(path), append=True)
    try:
        yield logger
    finally:
        with contextlib.suppress(OSError):  # the close flushes, and that write may fail again
            logger.on_train_end()


def fit_epochs(model, shuffled: batches.ShuffledBatches, epochs: int, initial_epoch: int, validation,
               callbacks: list, verbose: int, speed: batches.Speed = batches.FAST) -> None:
    """Train like the report's `train_model`.

    `validation` is None or a (uint8 images, labels) pair, scored after every epoch.
    """
    validation_data = None
    if validation is not None:
        images, labels = validation
        validation_data = batches.inference(images, shuffled.version, labels,
                                            speed.inference_size(shuffled.batch_size), speed.autotune)
    model.fit(shuffled.dataset(), epochs=epochs, initial_epoch=initial_epoch, shuffle=False,
              validation_data=validation_data, callbacks=[shuffled.callback(), EpochProgbar(), *callbacks],
              verbose=verbose)


def score_split(model, version: Version, images: np.ndarray, labels: np.ndarray,
                batch_size: int = batches.INFERENCE_BATCH, autotune: bool = batches.FAST.autotune) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Loss, accuracy, predicted labels and probabilities of one split (uint8 images) from a single
    inference pass.

    One pass instead of Keras's `evaluate` + `predict` makes the accuracy and the label files agree by
    construction; the loss is the model's own loss function on the same probabilities.
    """
    dataset = batches.inference(images, version, batch_size=batch_size, autotune=autotune)
    probabilities = model.predict(dataset, verbose=0).astype(np.float32)
    predicted = probabilities.argmax(axis=-1).astype(np.uint8)
    target = keras.utils.to_categorical(labels, 10) if version.one_hot else labels
    loss = keras.losses.get(version.loss)(target, probabilities)
    mean_loss = float(np.mean(keras.ops.convert_to_numpy(loss)))
    return mean_loss, float(np.mean(predicted == labels)), predicted, probabilities
