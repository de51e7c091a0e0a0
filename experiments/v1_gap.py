"""`make v1-gap`: why is v1's per-epoch training loss below the report's? Controlled A/B runs.

Our v1 training loss sits below the 2018 log at every epoch (doc/reproduction.md says by how much;
doc/v1-gap.md gives the ratio per epoch and arm). Each arm below changes one
factor against the faithful default and trains v1 over several seeds (full data, 15 epochs, batch
128); every (arm, seed) is a fresh process. The last arm changes everything: it is the 2018 stack
itself. The driver writes doc/v1-gap.md and doc/v1-gap.png.

Arms:
  keras3          the faithful default (Keras 3, the project's pipeline and Adam, epsilon 1e-8)
  keras3-logits   the softmax moved into the loss (from_logits=True); on TensorFlow, Keras 3's default loss
                  already computes from the softmax's logits, so this is keras3's computation again
                  (doc/v1-gap.md: equal value for value), not a change of the loss form
  keras3-float64  plain `fit` on float64 inputs (x / 255.0 without a cast, as the 2018 script did)
  keras2          Keras 2's training loop (the tf_keras package, in .venv-keras2), the 2018 script's
                  calls: float64 inputs, `fit(shuffle=True)`, TF1's `tf.compat.v1.train.AdamOptimizer()`
  keras2-graph    the same in TF1 graph mode (`tf.compat.v1.disable_eager_execution()`): Keras 2's
                  v1 loop over NumPy arrays, the code path Keras 2.2.4 on TF 1.12 ran, on TF 2.21
  2018-stack      the 2018 program's calls on the 2018 stack: CPython 3.6, TensorFlow 1.12.0's tf.keras,
                  Keras 2.2.4 (experiments/v1_2018.py, in .venv-tf112 from lock/tf112.txt, which
                  lock/tf112.py installs on the arm's first use: CPython 3.6 from PYTHON36= or pyenv)

Each run also scores the test set, as the 2018 script did (`model.evaluate`, batch 32).

Knobs (environment): GAP_SEEDS=3 (seeds per arm), GAP_2018_SEEDS=10 (the 2018-stack arm's own),
GAP_ARMS (default: all; `GAP_ARMS=2018-stack` runs that arm alone, the others' runs stay in
doc/v1-gap.json), GAP_KERAS2_PYTHON (.venv-keras2/bin/python). An arm that is skipped or fails keeps
the runs doc/v1-gap.json has of it. `--render` redraws the page and figure from doc/v1-gap.json
without training.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ARMS = ("keras3", "keras3-logits", "keras3-float64", "keras2", "keras2-graph", "2018-stack")
ROOT = Path(__file__).resolve().parents[1]
STACK_2018_VENV = ROOT / ".venv-tf112"


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


def stack_2018() -> str:
    """The 2018 stack's Python, installed from lock/tf112.txt on first use; or why the arm is skipped."""
    done = subprocess.run([sys.executable, str(ROOT / "lock" / "tf112.py"), "install", str(STACK_2018_VENV)],
                          stdout=sys.stdout, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:  # its one line: no CPython 3.6 (and how to get one), or a hash that does not match
        why = (done.stderr.strip().splitlines() or ["lock/tf112.py install failed"])[-1]
        return "skipped: " + why.removeprefix("error: ")
    return str(STACK_2018_VENV / "bin" / "python")


def worker_command(arm: str, seed: int) -> list[str] | str:
    """The worker process of one (arm, seed), or why the arm is skipped."""
    if arm == "2018-stack":
        python = stack_2018()
        return python if python.startswith("skipped") else [python, str(ROOT / "experiments" / "v1_2018.py"), str(seed)]
    python = sys.executable
    if arm.startswith("keras2"):
        python = os.environ.get("GAP_KERAS2_PYTHON", str(ROOT / ".venv-keras2" / "bin" / "python"))
        if not Path(python).exists():
            return "skipped: no .venv-keras2 (make v1-gap builds it from requirements-keras2.txt)"
    return [python, __file__, "--worker", arm, str(seed)]


def run_arm(arm: str, seed: int) -> dict | str:
    command = worker_command(arm, seed)
    if isinstance(command, str):
        return command
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return f"failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}"
    from mnist_repro import environment  # the CPU the worker ran on: this machine's

    return {**json.loads(done.stdout.strip().splitlines()[-1]), "cpu": environment.cpu_model(),
            "cpu_flags": environment.cpu_flags()}


def seeds_of(arm: str) -> int:
    return int(os.environ.get("GAP_2018_SEEDS", "10") if arm == "2018-stack" else os.environ.get("GAP_SEEDS", "3"))


def run_arms(arms: list[str], kept: dict) -> dict:
    """Each arm's runs, seeds 0 to its count - 1; an arm skipped or failed keeps its runs in `kept`."""
    results = dict(kept)
    for arm in arms:
        runs = []
        for seed in range(seeds_of(arm)):
            outcome = run_arm(arm, seed)
            print(f"{arm} seed {seed}: " + (outcome if isinstance(outcome, str) else
                                            f"epoch-1 loss {outcome['loss'][0]:.4f}, test accuracy "
                                            f"{outcome['test_accuracy']:.2f} %"), flush=True)
            if isinstance(outcome, str):
                runs = outcome
                break
            runs.append(outcome)
        if isinstance(runs, str) and isinstance(kept.get(arm), list) and kept[arm]:
            print(f"{arm}: kept its {len(kept[arm])} runs in doc/v1-gap.json", flush=True)
            continue
        results[arm] = runs
    return {arm: results[arm] for arm in ARMS if arm in results}


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        arm, seed = sys.argv[2], int(sys.argv[3])
        run = worker_keras2(seed, graph=arm == "keras2-graph") if arm.startswith("keras2") else worker_keras3(arm, seed)
        print(json.dumps({"loss": [float(loss) for loss in run["loss"]], "test_accuracy": run["test_accuracy"]}))
        return
    from v1_gap_report import write  # beside this script; imported here: the workers need no matplotlib

    kept_file = ROOT / "doc" / "v1-gap.json"
    kept = json.loads(kept_file.read_text())["arms"] if kept_file.exists() else {}
    if sys.argv[1:2] == ["--render"]:  # redraw doc/v1-gap.md and .png from the kept per-seed runs
        write(kept, ROOT / "doc")
        return
    arms = os.environ.get("GAP_ARMS", " ".join(ARMS)).split()
    unknown = [arm for arm in arms if arm not in ARMS]
    if unknown:
        sys.exit(f"error: GAP_ARMS names no arm called {', '.join(unknown)}; the arms are: {' '.join(ARMS)}")
    write(run_arms(arms, kept), ROOT / "doc")


if __name__ == "__main__":
    main()
