"""The files of deliverables/ver_N/ in the original formats: result.txt, the label files, history
(metrics.json is run_record.py's)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np


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


def read_history(path: Path) -> list[dict[str, float | None]]:
    """history.csv as numbers, one dict per epoch. A cell that is empty, `NA` (what CSVLogger
    writes for val columns when there is no val pass) or not a number is None; cells beyond the
    header are ignored."""
    with open(path, newline="") as handle:
        return [{key: _number(value) for key, value in row.items() if key is not None}
                for row in csv.DictReader(handle)]


def _number(text) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return None if value != value else value  # NaN counts as missing
