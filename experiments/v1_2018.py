"""v1 of the 2018 report in the 2018 API on the 2018 stack: the 2018-stack arm of `make v1-gap`.

    .venv-tf112/bin/python experiments/v1_2018.py SEED

Runs under CPython 3.6 with TensorFlow 1.12.0 and Keras 2.2.4 (lock/tf112.txt, installed in .venv-tf112
by lock/tf112.py), where mnist_repro (Python 3.11 and newer) does not import: so it stands alone, in
Python 3.6's syntax, and prints its record as one JSON line, the last of its stdout.

The calls are the ones the report's program made (written here anew): tf.keras's Sequential,
TensorFlow 1's `tf.train.AdamOptimizer()` (epsilon 1e-8), `fit` in batches of 128 with the training set
as `validation_data` (the "val" columns of the 2018 console), then `evaluate` on each split (batch 32).
The pixels are `/ 255.0` then float32; a TF1 graph casts a float64 feed to its float32 input anyway.
The seed goes to `tf.set_random_seed` (the weights) and to NumPy (fit's shuffling): the 2018 program
set none, so any seed is as faithful. The data is the project's verified data/mnist.npz (MNIST_NPZ).
"""

import json
import os
import platform
import sys
import time

import numpy as np
import tensorflow as tf
from tensorflow import keras

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPOCHS, BATCH = 15, 128


class EpochClock(keras.callbacks.Callback):
    """Each epoch's wall time, as the 2018 console printed it beside the epoch's values."""

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        logs["seconds"] = time.time() - self.start


def load(path):
    with np.load(path) as mnist:
        scale = lambda images: (images / 255.0).astype("float32")  # noqa: E731 (the 2018 preprocessing)
        return (scale(mnist["x_train"]), mnist["y_train"]), (scale(mnist["x_test"]), mnist["y_test"])


def main(seed):
    (x_train, y_train), (x_test, y_test) = load(os.environ.get("MNIST_NPZ", os.path.join(ROOT, "data", "mnist.npz")))
    tf.set_random_seed(seed)
    np.random.seed(seed)
    model = keras.Sequential([keras.layers.Flatten(input_shape=(28, 28)),
                              keras.layers.Dense(128, activation=tf.nn.relu),
                              keras.layers.Dense(10, activation=tf.nn.softmax)])
    model.compile(optimizer=tf.train.AdamOptimizer(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.time()
    history = model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH, validation_data=(x_train, y_train),
                        callbacks=[EpochClock()], verbose=0)
    training_time = time.time() - start
    train_loss, train_accuracy = model.evaluate(x_train, y_train, verbose=0)
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    import keras as keras_package  # the 2018 program imported Keras 2.2.4 too (`from keras import backend`)

    log = {key: [float(value) for value in values] for key, values in history.history.items()}
    return {"loss": log["loss"], "test_accuracy": 100.0 * float(test_accuracy), "training_time_s": training_time,
            "train_loss": float(train_loss), "train_accuracy": 100.0 * float(train_accuracy),
            "test_loss": float(test_loss), "epochs": log, "python": platform.python_version(),
            "tensorflow": tf.__version__, "keras": keras.__version__, "keras_package": keras_package.__version__,
            "numpy": np.__version__}


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: python experiments/v1_2018.py SEED (under CPython 3.6 with lock/tf112.txt)")
    print(json.dumps(main(int(sys.argv[1]))))
