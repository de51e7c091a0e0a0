"""The project's TensorFlow configurations, timed per epoch (one JSON line out). The Keras + JAX
and Keras + torch rows are `mnist-repro run --backend B` itself (backend_run.py), not this worker.

Configurations:
  default         the project's faithful default: `mnist_repro.train` itself (the run path's build,
                  batches and val pass), writing nothing (out=None: no checkpoint saved per epoch)
  mixed_bfloat16  the same with the opt-in bf16 mode (precision="mixed_bfloat16")
  plain           plain `fit` on NumPy arrays with Keras's defaults, as the project ran before
                  its speed work (steps_per_execution 1, Keras's shuffling, autotuned tf.data)
"""

from __future__ import annotations

import argparse
import json
import os


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", type=int, required=True)
    parser.add_argument("--config", choices=("default", "mixed_bfloat16", "plain"), required=True)
    parser.add_argument("--epochs", type=int, default=4, help="warm-up plus timed epochs (default: %(default)s)")
    parser.add_argument("--data", default="data/mnist.npz")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import mnist_repro
    from mnist_repro import backend

    keras = backend.load("tensorflow")
    if args.config == "plain":
        report = plain(args, keras)
    else:
        precision = "mixed_bfloat16" if args.config == "mixed_bfloat16" else "float32"
        run = mnist_repro.train(args.version, epochs=args.epochs, seed=args.seed, data=args.data, precision=precision,
                                verbose=False)
        report = {"epoch_s": run.epoch_s, "epoch_cpu_s": run.epoch_cpu_s,
                  "test_accuracy": run.results.test_accuracy / 100}
    print(json.dumps({**report, "keras": keras.__version__, "backend": keras.backend.backend()}))


def plain(args, keras) -> dict:
    """The code path before the speed work: NumPy arrays straight into Keras's fit."""
    import numpy as np

    from mnist_repro import versions
    from mnist_repro.training import backend_settings, batches, train

    version = versions.get(args.version)
    with np.load(args.data) as mnist:
        x, y = mnist["x_train"], mnist["y_train"]
        x_test, y_test = mnist["x_test"], mnist["y_test"]
    backend_settings.configure_threads("tensorflow", version, batches.PLAIN)
    train.seed_everything(args.seed, "tensorflow")
    model = train.compiled_model(version, "float32", batches.PLAIN)
    seconds, cpu_seconds = [], []
    x_float, y_encoded = train.prepare(version, x, y)
    model.fit(x_float, y_encoded, batch_size=version.batch_size, epochs=args.epochs,
              validation_data=(x_float, y_encoded), callbacks=[train.EpochTimer(seconds, cpu_seconds)], verbose=0)
    _, accuracy, _, _ = train.score_split(model, version, x_test, y_test)
    return {"epoch_s": seconds, "epoch_cpu_s": cpu_seconds, "test_accuracy": accuracy}


if __name__ == "__main__":
    main()
