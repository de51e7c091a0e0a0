"""One run of one version, in the report's order: plan -> train -> score -> write.

`make_plan` checks everything that needs no TensorFlow (version, numbers, output folder, data)
first, so a typo costs a second, not a ten-minute training run. `train_or_resume` (fitting.py)
starts TensorFlow, builds or resumes the model and trains it; the checkpoint makes a killed run
resume exactly, and keeps a finished training until its deliverables are written. `score` labels
both splits in one inference pass each; `write` fills deliverables/ver_N/ atomically. A run with no
output folder (`mnist_repro.train(..., out=None)`) writes nothing and keeps no checkpoint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import backend, data, errors, paths, versions
from ..outputs import atomic, console, formats
from ..outputs.run_record import Results, RunRecord
from .checkpoint import Checkpoint, NoCheckpoint
from .fitting import Trained, train_or_resume


@dataclass(frozen=True)
class RunSettings:
    """What a run is asked to do: the options of `python -m mnist_repro run`, checked by
    `mnist_repro.train` (api.py), which the CLI calls too."""

    version: versions.Version  # or a ladder rung (a Version without a number)
    epochs: int | None  # None: the version's
    batch_size: int | None
    seed: int
    data: str | None  # None: $MNIST_NPZ, then data/mnist.npz, then the network sources
    allow_unverified_data: bool
    out: Path | None  # receives ver_N/; None: nothing written and no checkpoint
    validation: str | None  # None: the recipe's (a version's "train"; most rungs' "none")
    limit: int | None
    restart: bool
    precision: str
    speed: str
    backend: str
    verbose: bool  # False: print nothing (console.output still holds the transcript)
    command: str  # what the record names as the run's origin: a command line or a train(...) call


@dataclass
class Run:
    """A finished run, as `mnist_repro.train` returns it: the trained model, its per-epoch history
    (history.csv's rows), result.txt's numbers, the version folder it wrote (None: none), and each
    epoch's wall and CPU seconds (the CPU's of the epochs trained in this process)."""

    version: int | None  # None for a ladder rung
    model: object  # keras.Sequential
    history: list[dict[str, float | None]]
    results: Results
    folder: Path | None
    epoch_s: list[float]
    epoch_cpu_s: list[float]


@dataclass
class RunPlan:
    """What a run will do, settled from its settings before TensorFlow loads."""

    version: versions.Version
    settings: dict  # what the checkpoint must match to resume
    out: Path | None
    mnist: data.Mnist
    train: tuple[np.ndarray, np.ndarray]  # (uint8 images, labels), within --limit
    test: tuple[np.ndarray, np.ndarray]
    checkpoint: Checkpoint | NoCheckpoint
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


def run(settings: RunSettings) -> Run:
    """Train one version and, given a folder, write its deliverables there."""
    plan = make_plan(settings)  # every check that needs no TensorFlow
    with plan.checkpoint.locked(f"{plan.version.label} into {plan.out}"), \
            console.recorded(echo=settings.verbose) as transcript, plan.checkpoint.kept_on_failure():
        trained = train_or_resume(plan)
        scores = score(plan, trained)
        if plan.out is None:
            history, results, folder = formats.read_history(plan.checkpoint.history), Results(**scores.results), None
        else:
            record = write(plan, trained, scores, transcript)
            history, results, folder = record.history, record.results, record.folder
        return Run(plan.version.number, trained.model, history, results, folder, trained.epoch_s, trained.epoch_cpu_s)


def make_plan(settings: RunSettings) -> RunPlan:
    started = time.perf_counter()
    version, out, limit = settings.version, settings.out, settings.limit
    backend.require(settings.backend)
    if out is not None:
        atomic.check_writable(out)
    mnist = data.load(settings.data, allow_unverified=settings.allow_unverified_data)
    kept = {"version": version.number, **({"rung": version.name} if version.number is None else {}),
            "seed": settings.seed, "epochs": settings.epochs or version.epochs,
            "batch_size": settings.batch_size or version.batch_size,
            "validation": settings.validation or version.validation,
            "limit": limit, "precision": settings.precision, "backend": settings.backend,
            "data_sha256": mnist.hashes()}
    checkpoint = (NoCheckpoint() if out is None else
                  Checkpoint(paths.checkpoint_folder(out, version, settings.backend), kept))
    return RunPlan(version=version, settings=kept, out=out, mnist=mnist,
                   train=(mnist.x_train[:limit], mnist.y_train[:limit]),
                   test=(mnist.x_test[:limit], mnist.y_test[:limit]), checkpoint=checkpoint,
                   restart=settings.restart, speed=settings.speed, backend=settings.backend,
                   configured=backend.configured(), command=settings.command,
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

    folder, mnist = paths.run_folder(plan.version, paths.backend_root(plan.out, plan.backend)), plan.mnist
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
