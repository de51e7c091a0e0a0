"""The project's TensorFlow configurations, timed per epoch (one JSON line out). The Keras + JAX
and Keras + torch rows are `mnist-repro run --backend B` itself (backend_run.py), not this worker.

Configurations:
  default         the project's faithful default: its own build, batches and val pass (TF backend)
  mixed_bfloat16  the project's opt-in bf16 mode
  plain           plain `fit` on NumPy arrays with Keras's defaults, as the project ran before
                  its speed work (steps_per_execution 1, Keras's shuffling, autotuned tf.data)
"""

from __future__ import annotations

import argparse
import json
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", type=int, required=True)
    parser.add_argument("--config", choices=("default", "mixed_bfloat16", "plain"), required=True)
    parser.add_argument("--epochs", type=int, default=4, help="warm-up plus timed epochs (default: %(default)s)")
    parser.add_argument("--data", default="data/mnist.npz")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np

    from mnist_repro import backend, versions

    keras = backend.load("tensorflow")
    from mnist_repro.training import backend_settings, batches, train

    version = versions.get(args.version)
    with np.load(args.data) as mnist:
        x, y = mnist["x_train"], mnist["y_train"]
        x_test, y_test = mnist["x_test"], mnist["y_test"]
    speed = batches.PLAIN if args.config == "plain" else batches.FAST
    name = keras.backend.backend()
    backend_settings.configure_threads(name, version, speed)
    train.seed_everything(args.seed, name)
    precision = "mixed_bfloat16" if args.config == "mixed_bfloat16" else "float32"
    model = train.compiled_model(version, precision, speed)
    seconds: list[float] = []
    timer = train.EpochTimer(seconds)
    cpu_seconds: list[float] = []

    class EpochCpu(keras.callbacks.Callback):
        """Process CPU time per epoch: an epoch whose wall time far exceeds it waited with cores idle
        (the "slow state" of doc/performance.md)."""

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            cpu_seconds.append(time.process_time() - self.started)

    callbacks = [timer, EpochCpu()]
    if args.config == "plain":  # the code path before the speed work: NumPy arrays straight into fit
        x_float, y_encoded = train.prepare(version, x, y)
        model.fit(x_float, y_encoded, batch_size=version.batch_size, epochs=args.epochs,
                  validation_data=(x_float, y_encoded), callbacks=callbacks, verbose=0)
    else:
        shuffled = batches.ShuffledBatches(x, y, version, version.batch_size, args.seed, speed.autotune)
        train.fit_epochs(model, shuffled, args.epochs, 0, (x, y), callbacks, 0, speed)
    _, accuracy, _, _ = train.score_split(model, version, x_test, y_test)
    print(json.dumps({"epoch_s": seconds, "epoch_cpu_s": cpu_seconds, "test_accuracy": accuracy, "keras": keras.__version__,
                      "backend": keras.backend.backend()}))


if __name__ == "__main__":
    main()
