"""The batches that `fit` sees, and the speed settings that leave the math unchanged.

Each epoch's order is a function of (seed, epoch) alone: epoch e visits the training images in
the order `numpy.random.default_rng([seed, e]).permutation(n)`, in batches of the recipe's size,
the last one partial, as in the report. Keras's own shuffling draws from a stream that restarts
with the process, so a resumed run would see other batches; this order does not depend on how
many epochs already ran in this process.

The order lives in a variable that a callback sets at the start of every epoch, and a tf.data
pipeline gathers the batches from it. tf.data's autotuning is off: on 2 cores its background
thread stalled whole epochs for seconds with both cores idle (the "slow state" measured in
doc/performance.md), and a fixed prefetch of two batches is all that 2 cores can use. These and
the other speed settings are one `Speed`; none of them changes a single computed number.

The tf.data pipelines feed every Keras backend (TensorFlow is installed beside each); what else
differs by backend (determinism, threads, steps per call) is in backend_settings.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

PREFETCH = 2


@dataclass(frozen=True)
class Speed:
    """How fast a run executes, never what it computes: a test checks that the label files are
    byte-identical under FAST and PLAIN (`--speed plain`)."""

    steps_per_execution: int  # training steps per call into TensorFlow: less per-step Python overhead
    inference_batch: int | None  # the val pass and labelling; None: the training batch size
    autotune: bool  # tf.data autotuning (off: it stalled whole epochs on 2 cores)
    tune_threads: bool  # the recipe's intra-op thread count (one for v1), instead of every core

    def inference_size(self, training_batch: int) -> int:
        return self.inference_batch or training_batch


FAST = Speed(steps_per_execution=64, inference_batch=1024, autotune=False, tune_threads=True)
PLAIN = Speed(steps_per_execution=1, inference_batch=None, autotune=True, tune_threads=False)
SPEEDS = {"fast": FAST, "plain": PLAIN}
INFERENCE_BATCH = FAST.inference_batch


def epoch_order(seed: int, epoch: int, count: int) -> np.ndarray:
    """The permutation of `count` images that epoch `epoch` (0-based) of run `seed` visits."""
    return np.random.default_rng([seed, epoch]).permutation(count).astype(np.int32)


def _with_options(dataset: tf.data.Dataset, autotune: bool) -> tf.data.Dataset:
    options = tf.data.Options()
    options.autotune.enabled = autotune
    options.deterministic = True
    return dataset.with_options(options).prefetch(tf.data.AUTOTUNE if autotune else PREFETCH)


def _model_inputs(images, labels, input_shape: tuple, one_hot: bool):
    """uint8 images to float32 in [0, 1] (bit-identical to the report's float64 `/ 255.0` then cast,
    checked for all 256 values by tests/test_versions.py) and labels in the version's encoding."""
    x = tf.reshape(tf.cast(images, tf.float32) / 255.0, (-1, *input_shape))
    if labels is None:
        return x
    y = tf.one_hot(labels, 10, dtype=tf.float32) if one_hot else tf.cast(labels, tf.int64)
    return x, y


class ShuffledBatches:
    """The training set as a tf.data pipeline plus the callback that sets each epoch's order.

    It holds the uint8 images (a quarter of the bytes of float32) and scales each batch itself.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, version, batch_size: int, seed: int,
                 autotune: bool = FAST.autotune):
        self.count, self.batch_size, self.seed, self.autotune = len(images), batch_size, seed, autotune
        self.batches = math.ceil(self.count / batch_size)
        self.version = version
        self._images, self._labels = tf.constant(images), tf.constant(labels)
        self._order = tf.Variable(epoch_order(seed, 0, self.count), trainable=False, name="epoch_order")

    def set_epoch(self, epoch: int) -> None:
        self._order.assign(epoch_order(self.seed, epoch, self.count))

    def dataset(self) -> tf.data.Dataset:
        size, count = self.batch_size, self.count

        def batch(index):
            rows = self._order[index * size:tf.minimum((index + 1) * size, count)]
            return _model_inputs(tf.gather(self._images, rows), tf.gather(self._labels, rows),
                                 self.version.input_shape, self.version.one_hot)

        return _with_options(tf.data.Dataset.range(self.batches).map(batch), self.autotune)

    def callback(self) -> keras.callbacks.Callback:
        batches = self

        class SetEpochOrder(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                batches.set_epoch(epoch)

        return SetEpochOrder()


def inference(images: np.ndarray, version, labels: np.ndarray | None = None,
              batch_size: int = INFERENCE_BATCH, autotune: bool = FAST.autotune) -> tf.data.Dataset:
    """uint8 images (and labels) in dataset order, in large batches: the val pass and labelling."""
    slices = images if labels is None else (images, labels)
    dataset = tf.data.Dataset.from_tensor_slices(slices).batch(batch_size)
    if labels is None:
        dataset = dataset.map(lambda x: _model_inputs(x, None, version.input_shape, version.one_hot))
    else:
        dataset = dataset.map(lambda x, y: _model_inputs(x, y, version.input_shape, version.one_hot))
    return _with_options(dataset, autotune)
