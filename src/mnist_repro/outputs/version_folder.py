"""Fill a version folder from a finished run, atomically (see atomic.atomic_folder).

The run's record (metrics.json, run_record.RunRecord) is assembled here, once, from everything the
run measured and the writing's own timings, and then only read: the README is rendered from it and
it is written last.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..versions import Version
from . import analysis, atomic, figures, formats, topology, version_readme
from .run_record import Code, Data, Results, RunRecord, Settings, Timing


@dataclass
class FinishedRun:
    """Everything a version folder is written from: the trained model, its scores and labels,
    and what made them."""

    version: Version
    model: object
    settings: dict  # the checkpoint's settings, data hashes included
    command: str
    speed: str
    resumed_from: int  # epochs already trained when the run started (0: a fresh start)
    results: dict
    history_csv: Path
    timing: dict  # the run's timings up to the writing
    data_source: str
    data_verified: bool
    environment: dict
    code: dict
    train_labels: np.ndarray
    test_labels: np.ndarray
    test_images: np.ndarray
    test_true: np.ndarray
    test_probabilities: np.ndarray
    console: object  # outputs.console's recorder: .text() is the run's transcript
    started: float  # time.perf_counter() at the run's start


def save_inference_model(model, path: Path) -> None:
    """The trained layers and weights without Adam's moments: a third of the size, all predict needs."""
    import keras

    copy = keras.Sequential.from_config(model.get_config())  # same layers and names, not compiled
    copy.set_weights(model.get_weights())
    copy.save(path)


def write_version_folder(folder: Path, run: FinishedRun) -> RunRecord:
    """Write every deliverable of `run` into `folder`; returns the record written to metrics.json."""
    version = run.version
    history = formats.read_history(run.history_csv)
    written = time.perf_counter()
    with atomic.atomic_folder(folder) as building:
        formats.write_result(building / "result.txt", run.results)
        formats.write_labels(building / "assigned_labels_train.txt", run.train_labels)
        formats.write_labels(building / "assigned_labels_test.txt", run.test_labels)
        shutil.copyfile(run.history_csv, building / "history.csv")
        png_source = topology.draw(run.model, building / "model.png")
        figures.training_curves(history, version.paper, training_title(version), building / "training.png")
        save_inference_model(run.model, building / "model.keras")
        errors_section = analysis.write(building, version, run.test_images, run.test_true, run.test_probabilities)
        now = time.perf_counter()
        record = describe(run, history, png_source, deliverables_s=now - written, run_s=now - run.started)
        (building / "README.md").write_text(
            version_readme.render(version, record, topology.markdown_table(run.model), png_source, errors_section))
        (building / "console.output").write_text(run.console.text())
        record.write(building)
    return dataclasses.replace(record, folder=folder)


def training_title(version: Version) -> str:
    if version.paper is None:
        return f"{version.heading[0].upper()}{version.heading[1:]}: this run (no paper numbers for a rung)"
    return f"Version {version.number} ({version.name}): report figure 4.{version.number} and this run"


def describe(run: FinishedRun, history: list, model_png: str, deliverables_s: float, run_s: float) -> RunRecord:
    """metrics.json: every number of the run, what made it, and the paper's recipe it follows."""
    version, settings = run.version, run.settings
    return RunRecord(
        version=version.number,
        name=version.name,
        settings=Settings(**{k: v for k, v in settings.items() if k != "data_sha256"},
                          command=run.command,
                          loss=version.loss, labels=version.label_encoding, optimizer=optimizer_text(version),
                          optimizer_origin=version.optimizer_origin,
                          label_smoothing=version.label_smoothing or None, augmentation=version.augmentation,
                          speed=run.speed, resumed_from_epoch=run.resumed_from or None),
        results=Results(**run.results),
        history=history,
        timing=Timing(**run.timing, deliverables_s=deliverables_s, run_s=run_s),
        data=Data(source=run.data_source, verified=run.data_verified, sha256=settings["data_sha256"]),
        environment=run.environment,
        code=Code(**run.code),
        model_png=model_png,
    )


def optimizer_text(version: Version) -> str:
    """The optimizer in words: the report's constant rate, or a rung's warm-up + cosine schedule."""
    rate = f"learning rate {version.learning_rate:g}"
    if version.schedule == "warmup_cosine":
        rate = (f"learning rate from 0 up to {version.learning_rate:g} over the first "
                f"{version.warmup_fraction:.0%} of the steps, then down to 0 along a cosine")
    return f"Adam, {rate}, betas {version.adam_beta_1:g}/{version.adam_beta_2:g}, epsilon {version.adam_epsilon:g}"
