"""`make v1-gap`: why is v1's per-epoch training loss below the report's? Controlled A/B runs.

Our v1 training loss sits below the 2018 log at every epoch (doc/reproduction.md says by how much;
doc/v1-gap.md gives the ratio per epoch and arm). Each arm below changes one
factor against the faithful default and trains v1 over several seeds (full data, 15 epochs, batch
128); every (arm, seed) is a fresh process. The driver writes doc/v1-gap.md and doc/v1-gap.png.

Arms:
  keras3          the faithful default (Keras 3, the project's pipeline and Adam, epsilon 1e-8)
  keras3-logits   the softmax moved into the loss (from_logits=True); on TensorFlow, Keras 3's default loss
                  already computes from the softmax's logits, so this is keras3's computation again
                  (doc/v1-gap.md: equal value for value), not a change of the loss form
  keras3-float64  plain `fit` on float64 inputs (x / 255.0 without a cast, as the 2018 script did)
  keras2          Keras 2's training loop (the tf_keras package, in .venv-keras2), the 2018 script's
                  calls: float64 inputs, `fit(shuffle=True)`, TF1's `tf.compat.v1.train.AdamOptimizer()`
  keras2-graph    the same in TF1 graph mode (`tf.compat.v1.disable_eager_execution()`): Keras 2's
                  v1 loop over NumPy arrays, the code path Keras 2.2.4 on TF 1.12 ran; the closest
                  stack to 2018 that installs today (TF 1.x needs Python 3.7 or older)

Each run also scores the test set, as the 2018 script did (`model.evaluate`, batch 32).

Knobs (environment): GAP_SEEDS=3, GAP_ARMS (default: all), GAP_KERAS2_PYTHON (.venv-keras2/bin/python).
`--render` redraws the page and figure from doc/v1-gap.json without training.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ARMS = ("keras3", "keras3-logits", "keras3-float64", "keras2", "keras2-graph")
ROOT = Path(__file__).resolve().parents[1]


def load_mnist(split: str = "train"):
    import numpy as np

    with np.load(os.environ.get("MNIST_NPZ", ROOT / "data" / "mnist.npz")) as mnist:
        return mnist[f"x_{split}"], mnist[f"y_{split}"]


def test_accuracy(model, scale) -> float:
    """The 2018 script's `model.evaluate(test_images, test_labels)`: batch 32, in percent."""
    x, y = load_mnist("test")
    return 100.0 * float(model.evaluate(scale(x), y, batch_size=32, verbose=0)[1])


def worker_keras2(seed: int, graph: bool = False) -> dict:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tensorflow as tf
    import tf_keras as keras

    if graph:  # before any model exists: the whole run is a TF1 graph, as in 2018
        tf.compat.v1.disable_eager_execution()
    x, y = load_mnist()
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.layers.Flatten(input_shape=(28, 28)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=tf.compat.v1.train.AdamOptimizer(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x / 255.0, y, batch_size=128, epochs=15, shuffle=True, verbose=0)
    return {"loss": history.history["loss"], "test_accuracy": test_accuracy(model, lambda images: images / 255.0)}


def worker_keras3(arm: str, seed: int) -> dict:
    from mnist_repro import backend, versions

    keras = backend.load(backend.DEFAULT)
    from mnist_repro.training import batches, train

    version = versions.get(1)
    x, y = load_mnist()
    train.seed_everything(seed)
    if arm == "keras3-logits":
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(128, activation="relu"),
                                  keras.layers.Dense(10)])
        model.compile(optimizer=keras.optimizers.Adam(epsilon=version.adam_epsilon), metrics=["accuracy"],
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), steps_per_execution=64)
    else:
        model = train.compiled_model(version)
    if arm == "keras3-float64":
        history = model.fit(x / 255.0, y, batch_size=128, epochs=15, shuffle=True, verbose=0)
    else:
        shuffled = batches.ShuffledBatches(x, y, version, 128, seed)
        history = model.fit(shuffled.dataset(), epochs=15, shuffle=False, callbacks=[shuffled.callback()], verbose=0)
    scale = (lambda images: images / 255.0) if arm == "keras3-float64" else (lambda images: (images / 255.0).astype("float32"))
    return {"loss": history.history["loss"], "test_accuracy": test_accuracy(model, scale)}


def run_arm(arm: str, seed: int) -> dict | str:
    python = sys.executable
    if arm.startswith("keras2"):
        python = os.environ.get("GAP_KERAS2_PYTHON", str(ROOT / ".venv-keras2" / "bin" / "python"))
        if not Path(python).exists():
            return "skipped: no .venv-keras2 (make v1-gap builds it from requirements-keras2.txt)"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([python, __file__, "--worker", arm, str(seed)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return f"failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        arm, seed = sys.argv[2], int(sys.argv[3])
        run = worker_keras2(seed, graph=arm == "keras2-graph") if arm.startswith("keras2") else worker_keras3(arm, seed)
        from mnist_repro import environment

        print(json.dumps({"loss": [float(loss) for loss in run["loss"]], "test_accuracy": run["test_accuracy"],
                          "cpu": environment.cpu_model(), "cpu_flags": environment.cpu_flags()}))
        return
    from v1_gap_report import write  # beside this script; imported here: the workers need no matplotlib

    if sys.argv[1:2] == ["--render"]:  # redraw doc/v1-gap.md and .png from the kept per-seed losses
        kept = json.loads((ROOT / "doc" / "v1-gap.json").read_text())["arms"]
        write(kept, max(len(runs) for runs in kept.values() if isinstance(runs, list)), ROOT / "doc")
        return
    seeds = int(os.environ.get("GAP_SEEDS", "3"))
    arms = os.environ.get("GAP_ARMS", " ".join(ARMS)).split()
    kept = ROOT / "doc" / "v1-gap.json"  # a subset of arms (GAP_ARMS) keeps the others' runs
    results = json.loads(kept.read_text())["arms"] if kept.exists() and set(arms) != set(ARMS) else {}
    for arm in arms:
        results[arm] = []
        for seed in range(seeds):
            outcome = run_arm(arm, seed)
            print(f"{arm} seed {seed}: " + (outcome if isinstance(outcome, str) else
                                            f"epoch-1 loss {outcome['loss'][0]:.4f}, test accuracy "
                                            f"{outcome['test_accuracy']:.2f} %"), flush=True)
            if isinstance(outcome, str):
                results[arm] = outcome
                break
            results[arm].append(outcome)
    write(results, seeds, ROOT / "doc")


if __name__ == "__main__":
    main()
