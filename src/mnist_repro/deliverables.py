"""The files of deliverables/ver_N/, in the original formats, and the atomic folder swap.

A run writes everything into a hidden temporary sibling and swaps it in only after every file
is written, so a failed or killed run leaves the previous folder complete and unchanged.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np

from .errors import UserError

RESULT_LINES = (
    ("Training time", "training_time_s", "{:.3f}s"),
    ("Train loss", "train_loss", "{:.5f}"),
    ("Train accuracy", "train_accuracy", "{:.5f}%"),
    ("Test loss", "test_loss", "{:.5f}"),
    ("Test accuracy", "test_accuracy", "{:.5f}%"),
)
# The files every complete version folder holds (model.keras aside, see .gitignore rules).
REQUIRED_FILES = ("result.txt", "assigned_labels_train.txt", "assigned_labels_test.txt", "model.png",
                  "console.output", "history.csv", "training.png", "metrics.json", "model.keras", "README.md")


def result_lines(results: dict) -> list[str]:
    """The report's five lines; accuracies are percentages."""
    return [f"{label}: {template.format(results[key])}" for label, key, template in RESULT_LINES]


def write_result(path: Path, results: dict) -> None:
    path.write_text("\n".join(result_lines(results)) + "\n")


def read_result(path: Path) -> dict:
    values = {}
    for line, (label, key, _) in zip(Path(path).read_text().splitlines(), RESULT_LINES):
        match = re.fullmatch(rf"{label}: ([0-9.]+)[s%]?", line)
        if not match:
            raise ValueError(f"{path}: expected '{label}: <number>', got {line!r}")
        values[key] = float(match.group(1))
    if len(values) != len(RESULT_LINES):
        raise ValueError(f"{path}: expected {len(RESULT_LINES)} lines")
    return values


def write_labels(path: Path, labels: np.ndarray) -> None:
    """Digits back to back, no separator and no newline, as the original."""
    path.write_text("".join(str(int(label)) for label in labels))


def read_labels(path: Path) -> np.ndarray:
    text = Path(path).read_text()
    if not text.isdigit():
        raise ValueError(f"{path}: label files hold digits only")
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8) - ord("0")


def write_text_atomic(path: Path, text: str) -> None:
    """Write beside the target and rename over it, so a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")


def read_history(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def check_writable(out: Path) -> None:
    """Fail before training, not after ten minutes, when the output folder cannot be written.

    Probes the folder, or the nearest existing parent it would be created in, without creating it.
    """
    existing = Path(out).absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "a file is in the way")
        probe = existing / f".write-test-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        raise UserError(f"cannot write to output folder {out} ({error.strerror}); "
                        "choose another with --out DIR or fix its permissions", exit_code=1) from None


def recover(folder: Path) -> None:
    """Undo what a killed swap or build left behind: restore a displaced folder, drop partial ones."""
    parent = folder.parent
    if not parent.exists():
        return
    displaced = sorted(parent.glob(f".{folder.name}.old-*"))
    if displaced and not folder.exists():
        os.replace(displaced.pop(), folder)
    for leftover in displaced + list(parent.glob(f".{folder.name}.tmp-*")):
        shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def atomic_folder(folder: Path):
    """Yield a temporary sibling to fill; on success it replaces `folder`, on failure it vanishes."""
    recover(folder)
    building = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    try:
        yield building
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    displaced = folder.parent / f".{folder.name}.old-{os.getpid()}"
    if folder.exists():
        os.replace(folder, displaced)
    os.replace(building, folder)
    shutil.rmtree(displaced, ignore_errors=True)
