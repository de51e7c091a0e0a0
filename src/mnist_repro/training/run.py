"""One run of one version, in the report's order: plan -> train -> score -> write.

`make_plan` checks everything that needs no TensorFlow (version, numbers, output folder, data)
first, so a typo costs a second, not a ten-minute training run. `train_or_resume` (fitting.py)
starts TensorFlow, builds or resumes the model and trains it; the checkpoint makes a killed run
resume exactly, and keeps a finished training until its deliverables are written. `score` labels
both splits in one inference pass each; `write` fills deliverables/ver_N/ atomically.
"""

from __future__ import annotations

import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import backend, data, errors, paths, versions
from ..outputs import atomic, console, formats
from ..outputs.run_record import RunRecord
from .checkpoint import Checkpoint
from .fitting import Trained, train_or_resume

@dataclass
class RunPlan:
    """What a run will do, settled from the command line before TensorFlow loads."""

    version: versions.Version
    settings: dict  # what the checkpoint must match to resume
    out: Path
    mnist: data.Mnist
    train: tuple[np.ndarray, np.ndarray]  # (uint8 images, labels), within --limit
    test: tuple[np.ndarray, np.ndarray]
    checkpoint: Checkpoint
    restart: bool
    speed: str  # how fast, never what is computed: not part of the checkpoint's settings
    backend: str  # the Keras backend (a setting too: a checkpoint resumes on its own backend only)
    configured: tuple[str, str] | None  # the backend KERAS_BACKEND or keras.json names, and which
    command: str
    started: float
    data_s: float


@dataclass
class Scores:
    """What one inference pass per split gave: the numbers of result.txt and the predicted digits."""

    results: dict
    train_labels: np.ndarray
    test_labels: np.ndarray
    test_probabilities: np.ndarray
    seconds: float


def run(args) -> RunRecord:
    """Train one version and write its deliverables; returns the run's record (metrics.json)."""
    plan = make_plan(args)  # every check that needs no TensorFlow
    with plan.checkpoint.locked(f"version {plan.version.number} into {plan.out}"), \
            console.recorded() as transcript, plan.checkpoint.kept_on_failure():
        trained = train_or_resume(plan)
        scores = score(plan, trained)
        return write(plan, trained, scores, transcript)


def make_plan(args) -> RunPlan:
    started = time.perf_counter()
    version = versions.get(args.version)
    backend.require(args.backend)
    out = Path(args.out)
    atomic.check_writable(out)
    mnist = data.load(args.data, allow_unverified=args.allow_unverified_data)
    settings = {"version": version.number, "seed": args.seed, "epochs": args.epochs or version.epochs,
                "batch_size": args.batch_size or version.batch_size, "validation": args.validation,
                "limit": args.limit, "precision": args.precision, "backend": args.backend,
                "data_sha256": mnist.hashes()}
    limit = args.limit
    return RunPlan(version=version, settings=settings, out=out, mnist=mnist,
                   train=(mnist.x_train[:limit], mnist.y_train[:limit]),
                   test=(mnist.x_test[:limit], mnist.y_test[:limit]),
                   checkpoint=Checkpoint(paths.checkpoint_folder(out, version.number, args.backend), settings),
                   restart=args.restart, speed=args.speed, backend=args.backend, configured=backend.configured(),
                   command="python -m mnist_repro " + shlex.join(sys.argv[1:]),
                   started=started, data_s=time.perf_counter() - started)


def score(plan: RunPlan, trained: Trained) -> Scores:
    """Loss, accuracy and predicted digits of both splits, one inference pass each."""
    from . import backend_settings, train

    started = time.perf_counter()
    speed = backend_settings.speed(plan.backend, plan.speed)
    inference = speed.inference_size(plan.settings["batch_size"]), speed.autotune
    (x_train, y_train), (x_test, y_test) = plan.train, plan.test
    train_loss, train_acc, train_labels, _ = train.score_split(trained.model, plan.version, x_train, y_train, *inference)
    test_loss, test_acc, test_labels, test_probabilities = train.score_split(trained.model, plan.version, x_test, y_test,
                                                                          *inference)
    results = {
        "training_time_s": trained.training_time_s,
        "train_loss": train_loss, "train_accuracy": 100.0 * train_acc,
        "test_loss": test_loss, "test_accuracy": 100.0 * test_acc,
        "train_errors": int(np.sum(train_labels != y_train)), "train_images": len(y_train),
        "test_errors": int(np.sum(test_labels != y_test)), "test_images": len(y_test),
    }
    for line in formats.result_lines(results)[1:]:
        print(line)
    return Scores(results, train_labels, test_labels, test_probabilities, time.perf_counter() - started)


def write(plan: RunPlan, trained: Trained, scores: Scores, transcript) -> RunRecord:
    """deliverables/ver_N/, atomically; then the checkpoint goes (under the lock, which then removes
    itself). Returns the record that metrics.json holds."""
    from ..outputs import version_folder

    folder, mnist = paths.version_folder(plan.version.number, paths.backend_root(plan.out, plan.backend)), plan.mnist
    finished = version_folder.FinishedRun(
        version=plan.version, model=trained.model,
        settings=plan.settings, command=plan.command, speed=plan.speed, resumed_from=trained.resumed_from, results=scores.results,
        history_csv=plan.checkpoint.history,
        timing={"data_s": plan.data_s, "import_s": trained.import_s, "fit_s": trained.fit_s,
                "training_time_s": trained.training_time_s, "epoch_s": trained.epoch_s,
                "evaluate_and_label_s": scores.seconds},
        data_source=mnist.source, data_verified=mnist.verified,
        environment=trained.env, code=trained.code, train_labels=scores.train_labels, test_labels=scores.test_labels,
        test_images=plan.test[0], test_true=plan.test[1], test_probabilities=scores.test_probabilities,
        console=transcript, started=plan.started)
    with errors.writing("the deliverables", plan.out):
        written = version_folder.write_version_folder(folder, finished)
    print(f"Deliverables written to {folder}/")
    plan.checkpoint.discard()
    return written
